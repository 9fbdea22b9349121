//! `ecr-port keys`: the terminal UI's binding table as the keymap file makes it.

use std::io::Write as _;
use std::process::ExitCode;

use crate::app::keys::{Context, Keymap, action_name, context_name};
use crate::ops::context::Context as Ctx;

pub fn print(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let path = ctx.paths.keymap_file();
    let text = ctx.paths.read_keymap()?;
    let keymap = Keymap::load(text.as_deref(), &path)?;
    for warning in &keymap.warnings {
        eprintln!("warning: keymap file {}: {warning}", path.display());
    }
    let mut out = std::io::stdout().lock();
    for context in Context::ALL {
        writeln!(out, "{}  ({})", context_name(context), context.title())?;
        for b in keymap.bindings(context) {
            let action = b.action.map(action_name).unwrap_or_default();
            writeln!(out, "  {:<24} {:<26} {}", b.key_text(), action, b.what)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
