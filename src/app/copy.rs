//! `y` / `Y`: what the screen shows goes to the terminal's clipboard (OSC 52, written by the
//! event loop), and the status line says what was copied, never the text itself.

use super::Effect;
use super::keys::Action;
use super::state::{Screen, State, Status, StatusLevel};
use crate::mapping::engine::Outcome;

/// The copy `action` asks for on the current screen, or a status saying why there is none.
pub(super) fn copy(state: &mut State, action: Action) -> Vec<Effect> {
    match what(state, action) {
        Ok((text, what)) => vec![Effect::Copy { text, what }],
        Err(why) => {
            state.status = Some(Status {
                level: StatusLevel::Error,
                text: why,
            });
            vec![]
        }
    }
}

/// The text and how the status line names it.
fn what(state: &State, action: Action) -> Result<(String, String), String> {
    let second = action == Action::CopySecond;
    match &state.screen {
        Screen::List => {
            let repo = state.current().ok_or("no repository to copy")?;
            Ok(if second {
                (repo.uri.clone(), format!("the URI of {}", repo.name))
            } else {
                (repo.arn.clone(), format!("the ARN of {}", repo.name))
            })
        }
        Screen::Detail { arn, .. } => {
            let repo = state
                .repo(arn)
                .ok_or("the repository is no longer loaded")?;
            let json = serde_json::to_string_pretty(&repo.exporter_json())
                .map_err(|e| format!("cannot write the record: {e}"))?;
            Ok((json, format!("the exporter JSON record of {}", repo.name)))
        }
        Screen::Activity { .. } => {
            let entry = super::log::selected(state).ok_or("the activity log is empty")?;
            let mut text = format!("{}  {}", entry.target, entry.action);
            if let Err(e) = &entry.outcome {
                text.push_str(&format!("\n{e}"));
            }
            if let Some(cmd) = &entry.command {
                text.push_str(&format!("\n{cmd}"));
            }
            let with = if entry.command.is_some() {
                " with its AWS CLI command"
            } else {
                ""
            };
            Ok((text, format!("the log entry for {}{with}", entry.target)))
        }
        Screen::Workbench => {
            let wb = state.workbench.as_ref().ok_or("no mapping is open")?;
            let name = wb
                .focused_name()
                .map_or_else(|| "selector.query".to_owned(), |n| n.to_string());
            if second {
                return Ok((wb.focused_expr(), format!("the expression of {name}")));
            }
            match wb.preview.get(wb.focus).and_then(Option::as_ref) {
                // A string is copied as its text, anything else as JSON.
                Some(Outcome::Value(serde_json::Value::String(s))) => {
                    Ok((s.clone(), format!("the value of {name}")))
                }
                Some(Outcome::Value(v)) => Ok((v.to_string(), format!("the value of {name}"))),
                _ => Err(format!("{name} has no value on this repository to copy")),
            }
        }
        Screen::Push => Err("nothing to copy here".to_owned()),
    }
}

/// The event loop wrote the clipboard sequence (or could not).
pub(super) fn copied(state: &mut State, result: Result<String, String>) {
    state.status = Some(match result {
        Ok(what) => Status {
            level: StatusLevel::Info,
            text: format!("copied {what} (through the terminal: OSC 52)"),
        },
        Err(e) => Status {
            level: StatusLevel::Error,
            text: format!("cannot copy: {e}"),
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{keys, loaded};
    use crate::app::{Key, Msg, update};

    #[test]
    fn y_copies_the_arn_and_shift_y_the_uri_and_the_status_names_but_never_shows_it() {
        let mut s = loaded(3, 10);
        keys(&mut s, &[Key::Down]);
        let repo = s.current().unwrap().clone();
        let fx = keys(&mut s, &[Key::Char('y')]);
        assert_eq!(
            fx,
            vec![Effect::Copy {
                text: repo.arn.clone(),
                what: format!("the ARN of {}", repo.name),
            }]
        );
        let fx = keys(&mut s, &[Key::Char('Y')]);
        assert!(matches!(&fx[..], [Effect::Copy { text, .. }] if *text == repo.uri));
        update(&mut s, Msg::Copied(Ok(format!("the URI of {}", repo.name))));
        let status = s.status.clone().unwrap();
        assert!(
            status.text.starts_with("copied the URI of r01"),
            "{status:?}"
        );
        assert!(!status.text.contains(&repo.uri));
        update(&mut s, Msg::Copied(Err("stdout is closed".into())));
        assert_eq!(s.status.as_ref().unwrap().level, StatusLevel::Error);
    }

    #[test]
    fn the_detail_copies_the_exporter_record_and_an_empty_log_says_so() {
        let mut s = loaded(3, 10);
        keys(&mut s, &[Key::Enter]);
        let fx = keys(&mut s, &[Key::Char('y')]);
        let [Effect::Copy { text, .. }] = &fx[..] else {
            panic!("{fx:?}")
        };
        let record: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(record, s.repos[0].exporter_json());
        keys(&mut s, &[Key::Esc, Key::Char('L')]);
        assert!(keys(&mut s, &[Key::Char('y')]).is_empty());
        assert!(s.status.as_ref().unwrap().text.contains("empty"));
    }

    #[test]
    fn the_log_copies_the_entry_under_the_cursor_with_its_command() {
        let mut s = loaded(3, 10);
        for (i, target) in ["a (eu-west-1)", "b (eu-west-1)"].iter().enumerate() {
            s.activity.push(crate::model::activity::Activity {
                at: i as i64,
                target: (*target).into(),
                action: "add port-x=true".into(),
                outcome: Ok(()),
                command: Some(format!("aws ecr tag-resource --n {i}")),
            });
        }
        keys(&mut s, &[Key::Char('L'), Key::Char('j')]);
        let fx = keys(&mut s, &[Key::Char('y')]);
        assert_eq!(
            fx,
            vec![Effect::Copy {
                text: "a (eu-west-1)  add port-x=true\naws ecr tag-resource --n 0".into(),
                what: "the log entry for a (eu-west-1) with its AWS CLI command".into(),
            }]
        );
    }
}
