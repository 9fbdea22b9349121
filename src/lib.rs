//! ecr-port: keep a Port catalog in sync with AWS ECR.
//!
//! Layers, top to bottom: `cli` and `tui` (entry points), `ui` (views), `app` (pure state
//! machine), `inventory` (IO edge), `model` (pure data). See ../shared/docs/architecture.md.

pub mod app;
pub mod cli;
pub mod config;
pub mod inventory;
pub mod logging;
pub mod mapping;
pub mod model;
pub mod port;
pub mod tui;
pub mod ui;
