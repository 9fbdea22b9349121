//! Talking to Port (port.io): the REST client and what it needs.

mod bulk;
pub mod client;
pub mod diff;
pub mod error;
mod retry;
pub mod validate;

/// The same redacting wrapper the settings file uses for the client secret.
pub use crate::config::Secret;
pub use bulk::{BODY_LIMIT_BYTES, BULK_MAX_ENTITIES, BulkItem, BulkResult};
pub use client::{ClientOptions, Credentials, PortClient, Region};
pub use error::PortError;
