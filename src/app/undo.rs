//! `u` in the activity log: the last tag write undone, through the same preview → `y` →
//! journaled write as any tag change. What it restores is planned here, from the journal and
//! the tags the list holds now, by the rules `tag undo` follows.

use std::path::PathBuf;

use super::Effect;
use super::state::{State, StatusLevel, status};
use super::tagging::{Dialog, Preview};
use crate::model::tag_rules::{Change, PlanItem};
use crate::model::tag_undo::{self, Written};

pub(super) fn start(state: &mut State) -> Vec<Effect> {
    if state.read_only {
        status(
            state,
            StatusLevel::Error,
            "read-only mode: an undo writes tags, so it is refused",
        );
        return vec![];
    }
    let writing: usize = state.writing.values().map(|q| q.len()).sum();
    if writing > 0 {
        // The list's tags are what the restore is planned against: not yet settled.
        status(
            state,
            StatusLevel::Error,
            format!(
                "{} still being written; u again once {} done",
                crate::model::text::counted(writing, "tag write", "tag writes"),
                if writing == 1 { "it is" } else { "they are" }
            ),
        );
        return vec![];
    }
    if state.loading() {
        status(
            state,
            StatusLevel::Error,
            "the inventory is still loading; undo when it is complete",
        );
        return vec![];
    }
    vec![Effect::ReadUndoJournal]
}

pub(super) fn journal_read(state: &mut State, result: Result<(PathBuf, Vec<Written>), String>) {
    let (path, written) = match result {
        Ok(found) => found,
        Err(e) => return status(state, StatusLevel::Error, format!("nothing to undo: {e}")),
    };
    let plan = tag_undo::plan_undo(&written, &state.repos, &state.prefix);
    let mut items: Vec<PlanItem> = plan.groups.into_iter().flatten().collect();
    for (name, region, reason) in plan.refused {
        let arn = written
            .iter()
            .find(|w| w.name == name && w.region == region)
            .map(|w| w.arn.clone())
            .unwrap_or_default();
        items.push(PlanItem {
            arn,
            name,
            region,
            change: Change::Refused { reason },
            warnings: vec![],
        });
    }
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    if items.is_empty() {
        return status(
            state,
            StatusLevel::Info,
            format!("nothing to undo: the tags are already as they were before {file}"),
        );
    }
    let unchanged = plan.unchanged.len();
    if unchanged > 0 {
        status(
            state,
            StatusLevel::Info,
            format!(
                "{} already as before {file}",
                crate::model::text::counted(unchanged, "repository is", "repositories are")
            ),
        );
    }
    state.dialog = Some(Dialog::Preview(Preview {
        remove: false,
        plan: items,
        scroll: 0,
        undoes: Some(path),
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Msg, update};
    use crate::model::repository::sample;
    use crate::model::{Repository, Tag};

    fn repo(name: &str, tags: &[(&str, &str)]) -> Repository {
        sample(name, "eu-west-1", tags)
    }

    fn written(r: &Repository, before: &[(&str, &str)], after: &[(&str, &str)]) -> Written {
        let tags = |t: &[(&str, &str)]| t.iter().map(|(k, v)| Tag::new(*k, *v)).collect();
        Written {
            arn: r.arn.clone(),
            name: r.name.clone(),
            region: r.region.clone(),
            before: tags(before),
            after: tags(after),
        }
    }

    #[test]
    fn u_previews_the_restore_and_y_writes_it_against_the_journal() {
        let retagged = repo("orders/api", &[("port-billing", "true"), ("team", "a")]);
        let moved_on = repo("web/app", &[("port-other", "true")]);
        let mut state = State::new("test", true, false);
        state.repos = vec![retagged.clone(), moved_on.clone()];
        state.connecting = false;
        crate::app::log::open(&mut state);
        assert_eq!(
            update(&mut state, Msg::Key(crate::app::Key::Char('u'))),
            [Effect::ReadUndoJournal]
        );
        let journal = PathBuf::from("/state/tag-writes/1.jsonl");
        let changes = vec![
            written(
                &retagged,
                &[("port-orders", "true"), ("team", "a")],
                &[("port-billing", "true"), ("team", "a")],
            ),
            written(&moved_on, &[], &[("port-web", "true")]),
        ];
        update(&mut state, Msg::UndoJournal(Ok((journal.clone(), changes))));
        let Some(Dialog::Preview(p)) = &state.dialog else {
            panic!("no preview: {:?}", state.status);
        };
        assert_eq!(p.undoes.as_deref(), Some(journal.as_path()));
        let lines: Vec<String> = p
            .plan
            .iter()
            .map(|i| format!("{} {}", i.name, i.change.describe()))
            .collect();
        assert_eq!(
            lines[..2],
            [
                "orders/api - port-billing=true  (remove)",
                "orders/api + port-orders=true  (new key)"
            ]
        );
        assert!(
            lines[2].starts_with("web/app ") && lines[2].contains("changed since"),
            "{lines:?}"
        );
        let effects = update(&mut state, Msg::Key(crate::app::Key::Char('y')));
        let [Effect::WriteTags { items, undoes }] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        assert_eq!(undoes.as_deref(), Some(journal.as_path()));
        assert_eq!(items.len(), 2, "only the writes go out: {items:?}");
        assert!(items.iter().all(|i| i.arn == retagged.arn));
    }

    #[test]
    fn read_only_and_an_empty_journal_write_nothing() {
        let mut state = State::new("test", true, true);
        state.connecting = false;
        assert!(start(&mut state).is_empty());
        assert!(
            state
                .status
                .as_ref()
                .is_some_and(|s| s.text.contains("read-only"))
        );
        let r = repo("orders/api", &[("port-orders", "true")]);
        let mut state = State::new("test", true, false);
        state.repos = vec![r.clone()];
        journal_read(
            &mut state,
            Ok((
                PathBuf::from("1.jsonl"),
                vec![written(
                    &r,
                    &[("port-orders", "true")],
                    &[("port-orders", "true")],
                )],
            )),
        );
        assert!(state.dialog.is_none());
        assert!(
            state
                .status
                .as_ref()
                .is_some_and(|s| s.text.contains("already as they were"))
        );
    }
}
