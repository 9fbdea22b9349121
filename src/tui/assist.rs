//! The editor's completion and history at the edge: the text area takes the completed or
//! recalled text, and the history file in the state directory is read and written.

use std::path::{Path, PathBuf};

use ratatui_textarea::{CursorMove, TextArea};

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
            set_text(area, &mut rt.replaced, &text);
            area.move_cursor(CursorMove::Jump(at(cursor.0), at(cursor.1)));
            let _ = rt.msgs.send(super::edited(area));
        }
        Effect::EditInPlace(op) => {
            let Some(area) = rt.editor.as_mut() else {
                return;
            };
            match op {
                EditorOp::EraseToLineStart => {
                    area.delete_line_by_head();
                }
                EditorOp::Undo => step_back_or_forward(area, &mut rt.replaced, true),
                EditorOp::Redo => step_back_or_forward(area, &mut rt.replaced, false),
            }
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

fn at(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// A completion or a recalled expression the text area keeps as up to two undo steps (the
/// old part deleted, the new one inserted), for one Ctrl-z or Ctrl-y to take together while
/// the text is still what the replacement, or its undo, left.
#[derive(Debug)]
pub(super) struct Replaced {
    text: String,
    steps: usize,
    undone: bool,
    /// The text before the first of a run of replacements.
    start: String,
}

/// Puts `text` in the area by changing only what differs (a completion only inserts), and
/// records how many undo steps that took.
fn replace(area: &mut TextArea<'static>, text: &str) -> Replaced {
    let start = area.lines().join("\n");
    let old: Vec<char> = start.chars().collect();
    let new: Vec<char> = text.chars().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    let before = &old[..prefix];
    let row = before.iter().filter(|&&c| c == '\n').count();
    let column = before.iter().rev().take_while(|&&c| c != '\n').count();
    area.cancel_selection();
    area.move_cursor(CursorMove::Jump(at(row), at(column)));
    let mut steps = 0;
    let removed = old.len() - prefix - suffix;
    if removed > 0 && area.delete_str(removed) {
        steps += 1;
    }
    let inserted: String = new[prefix..new.len() - suffix].iter().collect();
    if !inserted.is_empty() && area.insert_str(&inserted) {
        steps += 1;
    }
    Replaced {
        text: area.lines().join("\n"),
        steps,
        undone: false,
        start,
    }
}

/// Tab after Tab, or Ctrl-p after Ctrl-n, is one change to undo: the candidates passed over
/// are not steps of their own. Browsing that ends where it began leaves no step at all.
fn set_text(area: &mut TextArea<'static>, last: &mut Option<Replaced>, text: &str) {
    let before = area.lines().join("\n");
    let mut next = replace(area, text);
    if let Some(prev) = last.take()
        && !prev.undone
        && prev.text == before
    {
        next.steps += prev.steps;
        next.start = prev.start;
    }
    if next.text == next.start {
        for _ in 0..next.steps {
            area.undo();
        }
        return;
    }
    *last = Some(next);
}

/// Ctrl-z (`back`) or Ctrl-y: a replacement's steps are taken together.
fn step_back_or_forward(area: &mut TextArea<'static>, replaced: &mut Option<Replaced>, back: bool) {
    let now = area.lines().join("\n");
    let whole = replaced
        .as_mut()
        .filter(|r| r.undone != back && r.text == now);
    let steps = whole.as_ref().map_or(1, |r| r.steps.max(1));
    for _ in 0..steps {
        if back {
            area.undo();
        } else {
            area.redo();
        }
    }
    if let Some(r) = whole {
        r.undone = back;
        r.text = area.lines().join("\n");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(area: &TextArea<'_>) -> String {
        area.lines().join("\n")
    }

    #[test]
    fn a_completion_is_one_undo_step_and_a_replacement_is_undone_and_redone_whole() {
        let mut area = TextArea::new(vec!["x | .Repo".into()]);
        area.move_cursor(CursorMove::End);
        // Tab: only the rest of the word goes in.
        let first = replace(&mut area, "x | .RepositoryName");
        assert_eq!(first.steps, 1);
        // Tab again: the next candidate replaces the differing end, two steps in the area.
        let mut replaced = Some(replace(&mut area, "x | .RepositoryUri"));
        assert_eq!(replaced.as_ref().map(|r| r.steps), Some(2));
        step_back_or_forward(&mut area, &mut replaced, true);
        assert_eq!(
            text(&area),
            "x | .RepositoryName",
            "one Ctrl-z, the whole candidate"
        );
        step_back_or_forward(&mut area, &mut replaced, false);
        assert_eq!(
            text(&area),
            "x | .RepositoryUri",
            "one Ctrl-y, the whole candidate"
        );
        // Across lines; a typed edit afterwards is undone on its own, then the replacement.
        let mut replaced = Some(replace(&mut area, "a\nb | .Arn\nc"));
        assert_eq!(text(&area), "a\nb | .Arn\nc");
        area.insert_char('!');
        step_back_or_forward(&mut area, &mut replaced, true);
        assert_eq!(text(&area), "a\nb | .Arn\nc");
        step_back_or_forward(&mut area, &mut replaced, true);
        assert_eq!(text(&area), "x | .RepositoryUri");
        // Then single steps again: the first completion's insert.
        step_back_or_forward(&mut area, &mut replaced, true);
        assert_eq!(text(&area), "x | .Repository");
    }

    #[test]
    fn cycling_candidates_is_one_step_and_browsing_back_is_none() {
        let mut area = TextArea::new(vec![".Repo".into()]);
        area.move_cursor(CursorMove::End);
        let mut last = None;
        for candidate in [".RepositoryName", ".RepositoryUri", ".RepositoryPolicyText"] {
            set_text(&mut area, &mut last, candidate);
        }
        step_back_or_forward(&mut area, &mut last, true);
        assert_eq!(text(&area), ".Repo", "one Ctrl-z, back to what was typed");
        step_back_or_forward(&mut area, &mut last, false);
        assert_eq!(
            text(&area),
            ".RepositoryPolicyText",
            "one Ctrl-y, the candidate taken"
        );
        // History: away and back to the typed text; Ctrl-z then undoes the typing itself.
        let mut area = TextArea::new(vec![".Arn".into()]);
        area.move_cursor(CursorMove::End);
        area.insert_char('Z');
        let mut last = None;
        for recalled in [".Arnab", ".Arn", ".Arnab", ".ArnZ"] {
            set_text(&mut area, &mut last, recalled);
        }
        assert_eq!(text(&area), ".ArnZ");
        step_back_or_forward(&mut area, &mut last, true);
        assert_eq!(text(&area), ".Arn");
    }
}
