//! Errors of the Port client. No message ever carries the client secret or an access token:
//! the client scrubs what Port sends back before it lands here.

use std::time::Duration;

use thiserror::Error;

/// Where to look when Port refuses the credentials; shown with every `Auth` error.
pub const CREDENTIALS_HINT: &str = "check PORT_CLIENT_ID and PORT_CLIENT_SECRET (or port.clientId \
     and port.clientSecret in the settings file), and that port.region / port.baseUrl is the \
     region of your Port organization (EU: api.port.io, US: api.us.port.io)";

#[derive(Debug, Error)]
pub enum PortError {
    /// The credentials or the access token were refused.
    #[error("Port refused the credentials (HTTP {status}: {message}); {CREDENTIALS_HINT}")]
    Auth { status: u16, message: String },

    /// The blueprint (or another resource named in `what`) does not exist.
    #[error("not found in Port: {what}")]
    NotFound { what: String },

    /// Port answered 4xx with its `{ok:false, error, message}` body.
    #[error("Port rejected {request} (HTTP {status} {error}): {message}{}", trace(.trace_id))]
    Rejected {
        request: String,
        status: u16,
        error: String,
        message: String,
        trace_id: Option<String>,
    },

    /// Still rate limited after the retries and the wait budget were spent.
    #[error("Port rate limit reached{}", after(.retry_after))]
    RateLimited { retry_after: Option<Duration> },

    /// 5xx or 408 after the retries were spent.
    #[error("Port server error on {request} (HTTP {status}){}", trace(.trace_id))]
    Server {
        request: String,
        status: u16,
        trace_id: Option<String>,
    },

    /// Connection refused or dropped, TLS failure, timeout.
    #[error("cannot reach Port: {0}")]
    Network(String),

    /// Port answered 2xx with a body we cannot read.
    #[error("unexpected answer from Port: {0}")]
    Decode(String),

    /// Unusable options or credentials, found before any request.
    #[error("Port client settings: {0}")]
    Config(String),

    /// Refused before sending: the run is read-only.
    #[error(
        "read-only mode: nothing was sent to Port (--read-only, or the profile is in readOnlyProfiles)"
    )]
    ReadOnly,
}

fn trace(trace_id: &Option<String>) -> String {
    match trace_id {
        Some(id) => format!(" [x-trace-id {id}]"),
        None => String::new(),
    }
}

fn after(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!("; retry in {} s", d.as_secs_f64().ceil()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_context() {
        let e = PortError::Rejected {
            request: "POST /v1/blueprints".into(),
            status: 422,
            error: "invalid_request".into(),
            message: "bad".into(),
            trace_id: Some("t-1".into()),
        };
        assert_eq!(
            e.to_string(),
            "Port rejected POST /v1/blueprints (HTTP 422 invalid_request): bad [x-trace-id t-1]"
        );
        let e = PortError::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
        };
        assert_eq!(e.to_string(), "Port rate limit reached; retry in 2 s");
        let e = PortError::Auth {
            status: 401,
            message: "invalid credentials".into(),
        };
        assert!(e.to_string().contains("PORT_CLIENT_SECRET"));
    }
}
