//! Help while typing an expression: completion of the word under the cursor (input paths,
//! the dialect's builtins) and the field's earlier expressions (history, per mapping file).
//! Both replace the editor's text through an effect; the edit that comes back is theirs, any
//! other edit ends them.

use std::collections::BTreeMap;

use super::Workbench;
use crate::app::Effect;
use crate::app::keys::Action;
use crate::app::state::{State, Status, StatusLevel};
use crate::mapping::complete::{self, Candidate};
use crate::model::history;

#[derive(Debug, Clone, Default)]
pub struct Assist {
    pub completion: Option<Completion>,
    recall: Option<Recall>,
    /// This mapping file's history, by field key, newest first.
    pub history: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Completion {
    pub candidates: Vec<Candidate>,
    pub chosen: usize,
    /// The text before completing, the word's line and char column, and the word typed.
    original: String,
    line: usize,
    start: usize,
    typed: usize,
    /// The editor's text as the last completion left it.
    expect: String,
}

#[derive(Debug, Clone)]
struct Recall {
    /// Index into the field's history.
    at: usize,
    /// What was in the editor before recalling, for going forward past the newest.
    typed: String,
    expect: String,
}

impl Assist {
    /// The editor's text changed: an edit of the user's own ends completing and recalling.
    pub(super) fn edited(&mut self, text: &str) {
        if self.completion.as_ref().is_some_and(|c| c.expect != text) {
            self.completion = None;
        }
        if self.recall.as_ref().is_some_and(|r| r.expect != text) {
            self.recall = None;
        }
    }

    /// Editing began or ended: nothing carries over to another field.
    pub(super) fn reset(&mut self) {
        self.completion = None;
        self.recall = None;
    }
}

/// Tab, Shift-Tab, Ctrl-p, Ctrl-n in the editor.
pub(super) fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let input = state.current().cloned();
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    let result = match action {
        Action::Complete | Action::CompletePrevious => {
            let step = if action == Action::Complete { 1 } else { -1 };
            complete(wb, input.as_ref(), step)
        }
        Action::HistoryPrevious => recall(wb, true),
        Action::HistoryNext => recall(wb, false),
        _ => return vec![],
    };
    match result {
        Ok(effect) => vec![effect],
        Err(why) => {
            state.status = Some(Status {
                level: StatusLevel::Info,
                text: why,
            });
            vec![]
        }
    }
}

fn complete(
    wb: &mut Workbench,
    repo: Option<&crate::model::Repository>,
    step: isize,
) -> Result<Effect, String> {
    let text = wb.focused_expr();
    let going = wb
        .assist
        .completion
        .as_mut()
        .filter(|c| c.expect == text && !c.candidates.is_empty());
    let c = match going {
        Some(c) => {
            let n = c.candidates.len() as isize;
            c.chosen = usize::try_from((c.chosen as isize + step).rem_euclid(n)).unwrap_or(0);
            c
        }
        None => {
            let (line, column) = wb.cursor;
            let current = text.split('\n').nth(line).unwrap_or("");
            let (start, word) = complete::word_at(current, column);
            let input = repo.map(|r| wb.shape.input(r)).unwrap_or_default();
            let candidates = complete::candidates(&word, &input, wb.semantics.dialect());
            if candidates.is_empty() {
                return Err(if word.is_empty() {
                    "Tab completes a path (type . first), a builtin or an @format".to_owned()
                } else {
                    format!(
                        "nothing completes `{word}` ({} builtins, this repository's paths)",
                        wb.semantics.dialect().version()
                    )
                });
            }
            let chosen = if step < 0 { candidates.len() - 1 } else { 0 };
            wb.assist.completion.insert(Completion {
                candidates,
                chosen,
                original: text.clone(),
                line,
                start,
                typed: word.chars().count(),
                expect: String::new(),
            })
        }
    };
    let pick = &c.candidates[c.chosen].text;
    let lines: Vec<String> = c
        .original
        .split('\n')
        .enumerate()
        .map(|(i, l)| {
            if i != c.line {
                return l.to_owned();
            }
            let chars: Vec<char> = l.chars().collect();
            let head: String = chars[..c.start.min(chars.len())].iter().collect();
            let tail: String = chars[(c.start + c.typed).min(chars.len())..]
                .iter()
                .collect();
            format!("{head}{pick}{tail}")
        })
        .collect();
    let new = lines.join("\n");
    c.expect = new.clone();
    Ok(Effect::SetEditorText {
        text: new,
        cursor: (c.line, c.start + pick.chars().count()),
    })
}

/// The field's history, newest first: `back` goes to older expressions, else towards the
/// newest and then to what was typed.
fn recall(wb: &mut Workbench, back: bool) -> Result<Effect, String> {
    let text = wb.focused_expr();
    let field = wb.editor_key();
    let list = wb.assist.history.get(&field).cloned().unwrap_or_default();
    let going = wb.assist.recall.take().filter(|r| r.expect == text);
    let (at, typed) = match (going, back) {
        (None, false) => return Err("Ctrl-n: already at the typed expression".to_owned()),
        (None, true) => match list.iter().position(|e| *e != text) {
            Some(i) => (Some(i), text),
            None => return Err(format!("no earlier expression for {}", wb.focused_label())),
        },
        (Some(r), true) => match list.get(r.at + 1) {
            Some(_) => (Some(r.at + 1), r.typed),
            None => {
                wb.assist.recall = Some(r);
                return Err(format!("the oldest expression for {}", wb.focused_label()));
            }
        },
        (Some(r), false) => (r.at.checked_sub(1), r.typed),
    };
    let new = match at {
        Some(i) => list[i].clone(),
        None => typed.clone(),
    };
    if let Some(at) = at {
        wb.assist.recall = Some(Recall {
            at,
            typed,
            expect: new.clone(),
        });
    }
    let last = new.split('\n').count().saturating_sub(1);
    let column = new.split('\n').next_back().unwrap_or("").chars().count();
    Ok(Effect::SetEditorText {
        text: new,
        cursor: (last, column),
    })
}

/// A kept edit goes into the field's history: what it was, then what it is now.
pub(super) fn remember(wb: &mut Workbench, before: Option<String>) -> Effect {
    let field = wb.editor_key();
    let now = wb.focused_expr();
    let exprs: Vec<String> = before.into_iter().chain([now]).collect();
    let list = wb.assist.history.entry(field.clone()).or_default();
    for e in &exprs {
        history::remember(list, e);
    }
    Effect::RecordHistory {
        mapping: wb.path.clone(),
        field,
        exprs,
    }
}
