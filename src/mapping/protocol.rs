//! The JSON-lines protocol between the app and its jq worker process.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use super::engine::Outcome;

/// Externally tagged (`{"load": {...}}`): serde reads that straight into the variant, where
/// an internally tagged enum would first buffer the whole 10,000-input request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// Replaces the inputs later `eval`s refer to by index.
    Load {
        id: u64,
        inputs: std::sync::Arc<Vec<Value>>,
    },
    /// Reads the inputs from a file holding one JSON array (what `list --output json` prints),
    /// so a saved inventory never has to travel through the pipe.
    LoadFile { id: u64, path: String },
    /// Evaluates each expression on the loaded inputs (`items` = some indices, or all), or on
    /// `inline` inputs when given.
    Eval {
        id: u64,
        exprs: Vec<String>,
        #[serde(default)]
        items: Option<Vec<usize>>,
        #[serde(default)]
        inline: Option<Vec<Value>>,
        /// Largest output, in bytes of JSON, before it counts as an error.
        cap: usize,
        /// Which jq the expressions are evaluated as.
        #[serde(default)]
        jq: super::engine::Dialect,
    },
    /// Evaluates a whole mapping on the loaded inputs and assembles each entity in the worker,
    /// so only finished entities cross the pipe (headless `render`).
    Render {
        id: u64,
        /// Field names as `FieldName` displays them, one per expression before the selector.
        fields: Vec<String>,
        exprs: Vec<String>,
        has_selector: bool,
        ocean: bool,
        #[serde(default)]
        items: Option<Vec<usize>>,
        cap: usize,
    },
}

/// One input through a whole mapping: the entity's JSON text, or why there is none.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rendered {
    /// Raw JSON, so 10,000 entities are neither escaped into strings nor parsed back.
    #[serde(default)]
    pub entity: Option<Box<serde_json::value::RawValue>>,
    /// `(field, message)`: why it was dropped, or (Ocean) which fields became null.
    #[serde(default)]
    pub problems: Vec<(String, String)>,
    #[serde(default)]
    pub skipped: bool,
}

/// A compile error of one expression, with its byte span when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompileIssue {
    pub message: String,
    #[serde(default)]
    pub span: Option<(usize, usize)>,
}

/// One outcome on the wire: `{"v": value}`, `{"n": true}` or `{"e": "message"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

impl From<Outcome> for Wire {
    fn from(o: Outcome) -> Wire {
        let empty = Wire {
            v: None,
            n: None,
            e: None,
        };
        match o {
            Outcome::Value(v) => Wire {
                v: Some(v),
                ..empty
            },
            Outcome::NoOutput => Wire {
                n: Some(true),
                ..empty
            },
            Outcome::Error(e) => Wire {
                e: Some(e),
                ..empty
            },
        }
    }
}

impl From<Wire> for Outcome {
    fn from(w: Wire) -> Outcome {
        match (w.v, w.e) {
            (Some(v), _) => Outcome::Value(v),
            (None, Some(e)) => Outcome::Error(e),
            // `{"v": null}` deserialises as no `v`: a null value and "no output" differ, so
            // the sender marks no output with `n`.
            (None, None) if w.n == Some(true) => Outcome::NoOutput,
            (None, None) => Outcome::Value(Value::Null),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Reply {
    pub id: u64,
    /// Per expression: its compile errors, empty when it compiled.
    #[serde(default)]
    pub compile: Vec<Vec<CompileIssue>>,
    /// `results[i][j]`: item i (in request order), expression j.
    #[serde(default)]
    pub results: Vec<Vec<Wire>>,
    /// For `render`: one per item, in request order.
    #[serde(default)]
    pub rendered: Vec<Rendered>,
    /// Why the request could not be carried out (an unreadable input file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Set on the lines a worker sends while the request still runs; the reply proper has
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// Which items of a running `eval` or `render` (over loaded inputs) began and which finished
/// since the last such line. When the worker overruns or dies, this is what tells the app
/// which repository (and which of its expressions) it was on, so only that one is blamed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default)]
    pub started: Vec<usize>,
    /// `(item, k)`: an item still running has moved on to expression k.
    #[serde(default)]
    pub fields: Vec<(usize, usize)>,
    #[serde(default)]
    pub done: Vec<usize>,
}

impl Reply {
    /// A request the worker could not understand; the reason travels as a compile issue so
    /// the app shows it where it shows other expression errors.
    pub fn bad_request(id: u64, reason: impl std::fmt::Display) -> Reply {
        Reply {
            id,
            compile: vec![vec![CompileIssue {
                message: format!("bad request: {reason}"),
                span: None,
            }]],
            ..Reply::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorkerError {
    #[error("timed out after {0:?}; the worker was stopped and restarted")]
    TimedOut(Duration),
    #[error("the jq worker crashed ({0}); it will be restarted")]
    Crashed(String),
    #[error("cannot start the jq worker: {0}")]
    Spawn(String),
    #[error("the jq worker could not load the inputs: {0}")]
    Input(String),
}

/// A reply, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub compile: Vec<Vec<CompileIssue>>,
    /// `outcomes[item][expr]`.
    pub outcomes: Vec<Vec<Outcome>>,
}
