//! Pure data: repositories, tags and their rules, Port blueprints and entities, pushes. No IO
//! here.

pub mod activity;
pub mod blueprint;
pub mod drift;
pub mod entity;
pub mod history;
pub mod identifier;
pub mod inventory;
pub mod json;
#[cfg(test)]
pub mod mutate;
pub mod push;
pub mod repository;
pub mod suggest;
pub mod tag_rules;
pub mod tag_undo;
pub mod tags;
pub mod text;
pub mod time;

pub use repository::{Fetched, Repository};
pub use tags::Tag;
