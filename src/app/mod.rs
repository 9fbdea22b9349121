//! The application as a pure state machine: `update(&mut State, Msg) -> Vec<Effect>`.
//! Keys arrive as [`Key`] values (no terminal types here) and IO comes back as [`Msg`]s.

pub mod command;
mod copy;
pub mod drift;
#[cfg(test)]
mod fixtures;
pub mod keys;
pub mod log;
pub mod mouse;
pub mod push;
mod ranks;
pub mod review;
mod state;
pub mod tagging;
mod undo;
mod update;
mod view;
pub mod workbench;

pub use state::{
    AccountStatus, Area, Column, Phase, RegionStatus, Rows, Screen, Sort, State, Status,
    StatusLevel, Theme, Viewport,
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
    Mouse(mouse::Mouse),
    /// The clipboard sequence went out (`Ok` names what was copied), or why not.
    Copied(Result<String, String>),
    /// A directory's entries, for the command line's file completion.
    Listed(command::Listing),
    /// Whether the inventory now opening refuses writes (a `:profile` may change it).
    ReadOnly(bool),
    /// The inventory source is ready.
    Connected {
        source: String,
        /// The accounts × regions the load reads.
        regions: Vec<crate::model::inventory::Scope>,
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
    /// Tag writes finished, at this time (seconds since the epoch): every result that had
    /// arrived, so that a bulk write costs one refresh of the list per batch.
    TagWritten {
        applied: Vec<Applied>,
        at: i64,
    },
    /// The mapping file for the workbench, and where it was read from.
    MappingLoaded(Result<Box<(MappingFile, Option<PathBuf>)>, String>),
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
    /// The services Port holds (identifiers and titles), for tag suggestions.
    PortServices(Result<Vec<crate::model::suggest::Service>, String>),
    /// Each tagged repository's comparison with Port, by ARN, for the request `generation`.
    DriftChecked {
        generation: u64,
        result: Result<Vec<(String, crate::model::drift::Comparison)>, String>,
    },
    /// The last tag write's journal, for an undo: its path and what it changed.
    UndoJournal(Result<(PathBuf, Vec<crate::model::tag_undo::Written>), String>),
    Tick,
}

/// A file written, and the backup of its previous version when there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedFile {
    pub path: PathBuf,
    pub backup: Option<PathBuf>,
}

/// What `Effect::EditInPlace` does to the editor's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorOp {
    EraseToLineStart,
    Undo,
    Redo,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Give the terminal back and stop until continued (Ctrl-z, as SIGTSTP would).
    Suspend,
    Connect,
    Load {
        load: u64,
    },
    FetchPolicies {
        load: u64,
        arn: String,
    },
    /// Tag writes the user confirmed with `y`; one repository's items run in order.
    WriteTags {
        items: Vec<PlanItem>,
        /// The journal these writes undo, when they do.
        undoes: Option<PathBuf>,
    },
    /// Read the mapping file for the workbench.
    LoadMapping,
    /// Put this text in the editor and give it the keys. `key` names the row: its editor,
    /// with its undo history, is kept while the text is still the one it left.
    EditField {
        key: String,
        text: String,
    },
    /// Change the editor's text in place: its own undo, redo, or erasing to the line's start.
    EditInPlace(EditorOp),
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
    /// Render these repositories' entity identifiers and compare their tags with Port.
    CheckDrift {
        generation: u64,
        repos: Vec<crate::model::Repository>,
        mappings: Option<Vec<(crate::mapping::file::Origin, crate::mapping::file::Mapping)>>,
        semantics: crate::mapping::eval::Semantics,
        shape: crate::mapping::eval::Shape,
    },
    /// Read the newest tag journal, for `u` in the activity log.
    ReadUndoJournal,
    /// Put `text` on the terminal's clipboard (OSC 52); `what` names it for the status line.
    Copy {
        text: String,
        what: String,
    },
    /// Open the inventory again with another profile or other regions (`:profile`,
    /// `:region`); what is not given stays as it was.
    Reconnect {
        profile: Option<String>,
        regions: Option<Vec<String>>,
    },
    /// Read this mapping file for the workbench (`:mapping FILE`).
    LoadMappingFrom {
        path: PathBuf,
    },
    /// List a directory for the command line's completion (`""` is the current one).
    ListDir {
        dir: String,
    },
    Quit,
}
