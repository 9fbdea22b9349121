//! ecr-port: keep a Port catalog in sync with AWS ECR.
//!
//! Layers, top to bottom: `cli` and `tui` (entry points, which nothing imports), `session`
//! (the resolved run context), `ui` (views), `app` (pure state machine), `inventory`, `mapping`
//! and `port` (IO at the edges, pure cores inside), `model` (pure data). See
//! ../shared/docs/architecture.md.

pub mod app;
pub mod cli;
pub mod cli_port;
pub mod config;
pub mod inventory;
pub mod logging;
pub mod mapping;
pub mod model;
pub mod port;
pub mod session;
pub mod tui;
pub mod ui;
