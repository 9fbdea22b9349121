//! The application as a pure state machine: `update(&mut State, Msg) -> Vec<Effect>`.
//! Keys arrive as [`Key`] values (no terminal types here) and IO comes back as [`Msg`]s.

pub mod keys;
pub mod push;
pub mod review;
mod state;
pub mod tagging;
mod update;
pub mod workbench;

pub use state::{
    Column, Phase, RegionStatus, Screen, Sort, State, Status, StatusLevel, Theme, Viewport,
};
pub use update::update;

use crate::mapping::file::MappingFile;
use crate::mapping::protocol::{Evaluated, WorkerError};
use crate::model::inventory::{Applied, Event, InventoryError};
use crate::model::tag_rules::PlanItem;
use std::path::PathBuf;

/// A key press, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Enter,
    Esc,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Tab,
    BackTab,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(Key),
    /// The inventory source is ready.
    Connected {
        source: String,
        regions: Vec<String>,
    },
    /// The inventory source could not be set up (credentials, region, ...).
    ConnectFailed(InventoryError),
    /// Inventory events, batched by the event loop so a burst costs one view refresh.
    Inventory(Vec<Event>),
    /// Terminal size in cells.
    Resize {
        width: u16,
        height: u16,
    },
    /// What the views had room for in the frame just drawn.
    Viewport(Viewport),
    /// One tag write finished, at this time (seconds since the epoch).
    TagWritten {
        applied: Applied,
        at: i64,
    },
    /// The mapping file for the workbench, and where it was read from.
    MappingLoaded(Result<(MappingFile, Option<PathBuf>), String>),
    /// The editor history of the workbench's mapping file, by field.
    HistoryLoaded(std::collections::BTreeMap<String, Vec<String>>),
    /// The editor's text and cursor (line, column) after a key.
    Edited {
        text: String,
        cursor: (usize, usize),
    },
    PreviewDone {
        generation: u64,
        result: Result<Evaluated, WorkerError>,
    },
    SweepDone {
        /// `(column, expression)` pairs, in the order of the outcomes.
        exprs: Vec<(workbench::SweepColumn, String)>,
        version: u64,
        result: Result<Evaluated, WorkerError>,
    },
    Saved(Result<SavedFile, String>),
    /// The blueprint check and the push plan, or why they could not be made; `generation`
    /// is the request's, so a late answer to an older request is dropped.
    PushPrepared {
        generation: u64,
        result: Result<push::Prepared, String>,
    },
    BlueprintApplied(Result<(), String>),
    PushProgress {
        done: usize,
        total: usize,
    },
    /// Every entry's outcome and the journal, or why the push could not start.
    PushFinished(Result<push::Finished, String>),
    /// Something worth a line in the status bar, found in the background.
    Notice(String),
    /// The service identifiers Port holds, for tag suggestions.
    PortServices(Result<Vec<String>, String>),
    Tick,
}

/// A file written, and the backup of its previous version when there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFile {
    pub path: PathBuf,
    pub backup: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Connect,
    Load {
        load: u64,
    },
    FetchPolicies {
        load: u64,
        arn: String,
    },
    /// Tag writes the user confirmed with `y`.
    WriteTags {
        items: Vec<PlanItem>,
    },
    /// Read the mapping file for the workbench.
    LoadMapping,
    /// Put this text in the editor and give it the keys. `key` names the row: its editor,
    /// with its undo history, is kept while the text is still the one it left.
    EditField {
        key: String,
        text: String,
    },
    /// Replace the editor's whole text (one undo step) and put the cursor at (line, column);
    /// the editor then reports it as `Msg::Edited`.
    SetEditorText {
        text: String,
        cursor: (usize, usize),
    },
    /// Read the editor history of a mapping file (`None`: the shipped mapping).
    LoadHistory {
        mapping: Option<PathBuf>,
    },
    /// Add expressions to a field's history, oldest first, and keep it in the state directory.
    RecordHistory {
        mapping: Option<PathBuf>,
        field: String,
        exprs: Vec<String>,
    },
    /// Evaluate every expression on one input (the highlighted repository).
    Preview {
        generation: u64,
        exprs: Vec<String>,
        input: serde_json::Value,
        jq: crate::mapping::engine::Dialect,
    },
    /// Evaluate these `(column, expression)` pairs over every input; the worker reloads the
    /// inputs when `version` changed.
    Sweep {
        exprs: Vec<(workbench::SweepColumn, String)>,
        inputs: std::sync::Arc<Vec<serde_json::Value>>,
        version: u64,
        jq: crate::mapping::engine::Dialect,
    },
    /// Write the mapping file atomically.
    SaveMapping {
        path: PathBuf,
        text: String,
    },
    /// Render these repositories with every mapping of the file (the workbench's, with its
    /// edits, else the configured one), check the blueprint and plan the push.
    PreparePush {
        generation: u64,
        repos: Vec<crate::model::Repository>,
        mappings: Option<Vec<(crate::mapping::file::Origin, crate::mapping::file::Mapping)>>,
        semantics: crate::mapping::eval::Semantics,
        shape: crate::mapping::eval::Shape,
        create_missing: bool,
    },
    SetupBlueprint {
        steps: Vec<crate::model::blueprint::Step>,
    },
    StartPush {
        plan: crate::model::push::PushPlan,
        include_unchanged: bool,
    },
    /// Send the failed and unsent entries of the last push again.
    RetryPush,
    /// Start no further batch of the running push.
    StopPush,
    /// Read the service identifiers from Port (tag suggestions).
    LoadPortServices,
    Quit,
}
