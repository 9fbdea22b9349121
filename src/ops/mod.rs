//! The use cases both faces call: open the inventory and the catalog (behind the read-only
//! guard), read records, write tags, render, plan, send and resume a push. `cli` and `tui`
//! only turn flags or keys into these calls and show what comes back.

pub mod context;
pub mod drift;
pub mod guard;
pub mod inventory;
pub mod push;
pub mod records;
pub mod render;
pub mod tag_journal;
pub mod tags;
