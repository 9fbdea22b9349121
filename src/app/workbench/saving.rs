//! Saving the mapping file: where to (the file it came from, or a path the user types), and
//! what the status says afterwards.

use std::path::PathBuf;

use super::{DEFAULT_SAVE_NAME, Prompt, Workbench, state_error};
use crate::app::Effect;
use crate::app::state::{State, Status, StatusLevel};

/// Where `y` saves: the file the mapping came from, else a new file in the current directory.
pub fn save_path(wb: &Workbench) -> PathBuf {
    wb.path
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SAVE_NAME))
}

/// The save-as box, holding the path a plain save would use, to change.
pub(super) fn save_as(wb: &Workbench) -> Prompt {
    Prompt::SaveAs(save_path(wb).to_string_lossy().into_owned())
}

/// Writes the whole document to `path` (the event loop does, atomically).
pub(super) fn save_to(state: &mut State, path: &str) -> Vec<Effect> {
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    if path.is_empty() {
        // The box stays open: nothing typed is lost.
        wb.prompt = Some(Prompt::SaveAs(String::new()));
        state_error(state, "type the path to save the mapping to".to_owned());
        return vec![];
    }
    match wb.document_text() {
        Ok(text) => vec![Effect::SaveMapping {
            path: PathBuf::from(path),
            text,
        }],
        Err(e) => {
            state_error(state, format!("cannot save: {e}"));
            vec![]
        }
    }
}

pub(crate) fn saved(state: &mut State, result: Result<crate::app::SavedFile, String>) {
    match result {
        Ok(saved) => {
            if let Some(wb) = state.workbench.as_mut() {
                wb.saved = wb.document_text().unwrap_or_default();
                wb.path = Some(saved.path.clone());
            }
            let text = match &saved.backup {
                Some(bak) => format!(
                    "saved {} (previous version kept as {})",
                    saved.path.display(),
                    bak.display()
                ),
                None => format!("saved {}", saved.path.display()),
            };
            state.status = Some(Status {
                level: StatusLevel::Info,
                text,
            });
        }
        Err(e) => state_error(state, format!("not saved: {e}")),
    }
}
