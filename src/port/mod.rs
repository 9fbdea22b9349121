//! Port (port.io): the HTTP client, the in-memory demo catalog behind the same [`Catalog`]
//! trait, blueprint setup, validation, diff, and the journaled push.

pub mod blueprint;
mod bulk;
pub mod catalog;
pub mod client;
pub mod demo;
pub mod diff;
pub mod error;
pub mod journal;
pub mod push;
mod retry;
pub mod validate;

/// The same redacting wrapper the settings file uses for the client secret.
pub use crate::config::Secret;
pub use bulk::{
    BODY_LIMIT_BYTES, BULK_MAX_ENTITIES, Batches, BulkItem, BulkResult, batches, bulk_query,
};
pub use catalog::Catalog;
pub use client::{ClientOptions, Credentials, PortClient, Region};
pub use error::PortError;
