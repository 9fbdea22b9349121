//! Blueprint setup as plain data: the guide's identifiers and the requests a setup sends.

use serde_json::Value;

pub const DEFAULT_BLUEPRINT: &str = "ecr_repository";
pub const SERVICE_RELATION: &str = "service";
/// The blueprint the guide's relation points at.
pub const SERVICE_TARGET: &str = "service";

/// One request of a setup, shown before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Create(Value),
    /// `PATCH /v1/blueprints/{id}` with this body.
    Patch {
        id: String,
        body: Value,
    },
}

impl Step {
    /// `POST /v1/blueprints` or `PATCH /v1/blueprints/{id}`, for the confirmation.
    pub fn request_line(&self) -> String {
        match self {
            Step::Create(_) => "POST /v1/blueprints".to_owned(),
            Step::Patch { id, .. } => format!("PATCH /v1/blueprints/{id}"),
        }
    }

    /// What the request does, in words, for the confirmation.
    pub fn summary(&self) -> String {
        match self {
            Step::Create(body) => format!(
                "creates blueprint `{}`",
                body.get("identifier")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
            ),
            Step::Patch { id, .. } => format!(
                "adds relation `{SERVICE_RELATION}` to `{id}`; the other relations are sent \
                 unchanged because PATCH replaces the whole `relations` field"
            ),
        }
    }

    pub fn body(&self) -> &Value {
        match self {
            Step::Create(body) | Step::Patch { body, .. } => body,
        }
    }
}
