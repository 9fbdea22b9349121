//! Editing one expression: where the editor starts and stops, `Esc`'s offer to revert, and
//! the resource's `selector.query`, which the fields list offers after the fields.

use super::{Prompt, Workbench, changed};
use crate::app::Effect;
use crate::app::keys::Action;
use crate::app::state::State;

impl Workbench {
    /// Whether the focus is on the selector row, after the fields.
    pub fn on_selector(&self) -> bool {
        self.focus == self.plan.fields.len()
    }

    /// The last row of the fields list: the selector's.
    pub fn last_row(&self) -> usize {
        self.plan.fields.len()
    }

    /// What the focused row is called, as the editor's title shows it.
    pub fn focused_label(&self) -> String {
        match self.focused_name() {
            Some(name) => name.to_string(),
            None if self.on_selector() => "selector.query".to_owned(),
            None => "—".to_owned(),
        }
    }

    /// Which editor the event loop keeps for the focused row: its undo history is the row's.
    pub fn editor_key(&self) -> String {
        format!("{} {}", self.origin(), self.focused_label())
    }

    /// Puts `text` in the focused row and plans again. An empty selector is no selector:
    /// every repository is mapped.
    pub(super) fn set_focused(&mut self, text: String) -> Result<(), String> {
        if self.on_selector() {
            self.mapping.selector_query = (!text.trim().is_empty()).then_some(text);
        } else {
            let Some(name) = self.focused_name().cloned() else {
                return Err("nothing to edit here".to_owned());
            };
            self.mapping
                .set_field(&name, text)
                .map_err(|e| e.to_string())?;
        }
        self.replan();
        Ok(())
    }
}

/// Enter on a row: the editor opens on its expression.
pub(super) fn start(wb: &mut Workbench) -> Effect {
    wb.editing = true;
    wb.assist.reset();
    let text = wb.focused_expr();
    wb.edit_start = Some(text.clone());
    Effect::EditField {
        key: wb.editor_key(),
        text,
    }
}

/// Esc in the editor: done, unless the expression changed; then it asks whether to keep it.
pub(super) fn stop(wb: &mut Workbench) {
    wb.editing = false;
    wb.assist.reset();
    if wb
        .edit_start
        .as_ref()
        .is_some_and(|start| *start != wb.focused_expr())
    {
        wb.prompt = Some(Prompt::ConfirmRevert);
    } else {
        wb.edit_start = None;
    }
}

/// `y` keeps the edit, `r` puts the expression back, Esc returns to the editor.
pub(super) fn on_revert_prompt(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    match action {
        Some(Action::Yes) => {
            let before = wb.edit_start.take();
            vec![super::assist::remember(wb, before)]
        }
        Some(Action::Revert) => {
            let original = wb.edit_start.take().unwrap_or_default();
            if let Err(e) = wb.set_focused(original) {
                super::state_error(state, e);
                return vec![];
            }
            changed(state)
        }
        Some(Action::No) => {
            wb.editing = true;
            vec![]
        }
        _ => {
            wb.prompt = Some(Prompt::ConfirmRevert);
            vec![]
        }
    }
}
