//! ecr-port: keep a Port catalog in sync with AWS ECR.
//!
//! Layers, top to bottom: `cli` and `tui` (the two faces, which nothing imports), `ops` (the
//! use cases both faces call), `ui` (views) over `app` (the pure state machine), `inventory`,
//! `mapping` and `port` (IO at the edges, pure cores inside), `model` (pure data). See
//! ../shared/docs/architecture.md.

#![deny(dead_code)]
#![deny(clippy::unwrap_used)]

pub mod app;
pub mod cli;
pub(crate) mod config;
pub mod inventory;
pub(crate) mod logging;
pub mod mapping;
pub mod model;
pub(crate) mod ops;
pub mod port;
pub(crate) mod signals;
pub(crate) mod tui;
pub mod ui;
