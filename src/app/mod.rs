//! The application as a pure state machine: `update(&mut State, Msg) -> Vec<Effect>`.
//! Keys arrive as [`Key`] values (no terminal types here) and IO comes back as [`Msg`]s.

mod state;
pub mod tagging;
mod update;

pub use state::{Column, Phase, RegionStatus, Screen, Sort, State, Status, StatusLevel};
pub use update::update;

use crate::inventory::{Applied, Event, InventoryError};
use crate::model::tag_rules::PlanItem;

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
    /// One tag write finished, at this time (seconds since the epoch).
    TagWritten {
        applied: Applied,
        at: i64,
    },
    Tick,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    Quit,
}
