//! The editor's completion and history at the edge: the text area takes the completed or
//! recalled text, and the history file in the state directory is read and written.

use std::path::{Path, PathBuf};

use ratatui_textarea::CursorMove;

use super::Runtime;
use crate::app::{EditorOp, Effect, Msg};
use crate::model::history::History;
use crate::ops::context::Context;

pub(super) fn perform(effect: Effect, rt: &mut Runtime, ctx: &Context) {
    match effect {
        Effect::SetEditorText { text, cursor } => {
            let Some(area) = rt.editor.as_mut() else {
                return;
            };
            // One undo step: Ctrl-z puts back what was there before.
            area.select_all();
            area.insert_str(&text);
            let at = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
            area.move_cursor(CursorMove::Jump(at(cursor.0), at(cursor.1)));
            let _ = rt.msgs.send(super::edited(area));
        }
        Effect::EditInPlace(op) => {
            let Some(area) = rt.editor.as_mut() else {
                return;
            };
            match op {
                EditorOp::EraseToLineStart => area.delete_line_by_head(),
                EditorOp::Undo => area.undo(),
                EditorOp::Redo => area.redo(),
            };
            let _ = rt.msgs.send(super::edited(area));
        }
        Effect::LoadHistory { mapping } => {
            let fields = read(&ctx.paths.history_file()).fields(&key(mapping.as_deref()));
            let _ = rt.msgs.send(Msg::HistoryLoaded(fields));
        }
        Effect::RecordHistory {
            mapping,
            field,
            exprs,
        } => {
            let path = ctx.paths.history_file();
            let mut history = read(&path);
            let mapping = key(mapping.as_deref());
            for e in &exprs {
                history.remember(&mapping, &field, e);
            }
            if let Err(e) = crate::config::write_atomic(&path, history.to_text().as_bytes(), true) {
                tracing::warn!(error = %e, "cannot keep the editor history");
            }
        }
        _ => {}
    }
}

/// The history file; a missing one is empty, a damaged one is logged and read as empty (the
/// next kept edit writes a good one).
fn read(path: &Path) -> History {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return History::default(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read the editor history");
            return History::default();
        }
    };
    History::parse(&text).unwrap_or_else(|e| {
        tracing::warn!(path = %path.display(), error = %e, "the editor history is damaged; ignored");
        History::default()
    })
}

/// A mapping file by its absolute path, so the history follows the file, not the directory
/// the app was started in.
fn key(mapping: Option<&Path>) -> String {
    match mapping {
        Some(p) => std::path::absolute(p)
            .unwrap_or_else(|_| PathBuf::from(p))
            .display()
            .to_string(),
        None => "(the shipped mapping)".to_owned(),
    }
}
