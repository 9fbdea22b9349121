//! The file's other mappings: Port applies every mapping of every ECR resource, so the sweep
//! covers them all (their entities collide with the edited one's), and `Tab` opens another
//! one for editing.

use crate::mapping::Plan;
use crate::mapping::engine::Outcome;
use crate::mapping::eval::EntityOutcome;
use crate::mapping::file::{Mapping, Origin};

use super::super::Effect;
use super::super::state::{State, Status, StatusLevel};
use super::{Workbench, preview, state_error, sweep};

/// A mapping of the file that is not being edited, and its columns over every repository.
#[derive(Debug, Clone)]
pub struct Other {
    pub origin: Origin,
    pub mapping: Mapping,
    pub plan: Plan,
    /// `rows[repo][expr]`, as the edited mapping's.
    pub rows: Vec<Vec<Outcome>>,
    pub swept: Vec<Option<String>>,
    pub entities: Vec<EntityOutcome>,
}

impl Other {
    pub(super) fn new(origin: Origin, mapping: Mapping) -> Other {
        let plan = Plan::new(&mapping);
        Other {
            origin,
            swept: vec![None; plan.exprs.len()],
            plan,
            mapping,
            rows: Vec::new(),
            entities: Vec::new(),
        }
    }
}

/// One column of a sweep: expression `index` of the mapping at `origin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepColumn {
    pub origin: Origin,
    pub index: usize,
}

/// A plan's columns after the plan changed.
pub(super) struct Carried {
    /// `from[i]`: the old column that new column `i` came from.
    pub(super) from: Vec<Option<usize>>,
    pub(super) rows: Vec<Vec<Outcome>>,
    pub(super) swept: Vec<Option<String>>,
}

/// The rows and swept marks of `old`'s columns carried over to `new`: a column keeps its
/// results only under the same name (or as the selector) with the same expression, since two
/// fields may share an expression.
pub(super) fn carry_columns(
    old: &Plan,
    new: &Plan,
    rows: &[Vec<Outcome>],
    swept: &[Option<String>],
) -> Carried {
    let columns: Vec<Option<usize>> = new
        .exprs
        .iter()
        .enumerate()
        .map(|(i, expr)| {
            let name = new.fields.get(i).map(|f| &f.name);
            (0..old.exprs.len())
                .find(|&j| old.fields.get(j).map(|f| &f.name) == name && old.exprs[j] == *expr)
        })
        .collect();
    let swept = columns
        .iter()
        .map(|c| c.and_then(|j| swept.get(j).cloned().flatten()))
        .collect();
    let rows = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    c.and_then(|j| row.get(j).cloned())
                        .unwrap_or(Outcome::NoOutput)
                })
                .collect()
        })
        .collect();
    Carried {
        from: columns,
        rows,
        swept,
    }
}

impl Workbench {
    /// Where the edited mapping sits in the file.
    pub fn origin(&self) -> Origin {
        self.origins
            .get(self.current)
            .copied()
            .unwrap_or_else(|| self.file.origin())
    }

    /// Every mapping of the file in order, the edited one with its edits: what a push renders.
    pub fn all_mappings(&self) -> Vec<(Origin, Mapping)> {
        let mut file = self.file.clone();
        match file
            .set_mapping(self.mapping.clone())
            .and_then(|()| file.mappings())
        {
            Ok(all) => all,
            // Every mapping was read when the file was loaded and an edit changes only the
            // edited one, so this does not happen; the edited mapping alone is still right.
            Err(_) => vec![(self.origin(), self.mapping.clone())],
        }
    }

    /// Repositories with a problem in the edited mapping or in a collision of any mapping,
    /// in index order, for "next failing" navigation.
    pub fn failing(&self) -> Vec<usize> {
        let mut all = self.sweep.as_ref().map(|s| s.failing()).unwrap_or_default();
        all.extend(
            self.collisions
                .iter()
                .flat_map(|c| c.by.iter().map(|(_, r)| *r)),
        );
        all.sort_unstable();
        all.dedup();
        all
    }

    /// A sibling in the edited mapping's resource shares its selector: an edit of it reaches
    /// them too, as it will in the saved file.
    pub(super) fn sync_siblings(&mut self) {
        let resource = self.origin().resource;
        let query = self.mapping.selector_query.clone();
        for other in &mut self.others {
            if other.origin.resource != resource || other.mapping.selector_query == query {
                continue;
            }
            other.mapping.selector_query = query.clone();
            let plan = Plan::new(&other.mapping);
            let carried = carry_columns(&other.plan, &plan, &other.rows, &other.swept);
            (other.plan, other.rows, other.swept) = (plan, carried.rows, carried.swept);
        }
    }

    /// Opens mapping `k` of `origins` for editing; the one left keeps its edits (in the file)
    /// and its columns (among the others).
    fn open_mapping(&mut self, k: usize) -> Result<(), String> {
        let (Some(&target), left) = (self.origins.get(k), self.origin()) else {
            return Err(format!("there is no mapping {}", k + 1));
        };
        let mut file = self.file.clone();
        file.set_mapping(self.mapping.clone())
            .and_then(|()| file.select(target))
            .map_err(|e| e.to_string())?;
        let opened = match self.others.iter().position(|o| o.origin == target) {
            Some(i) => self.others.remove(i),
            None => Other::new(target, file.mapping().clone()),
        };
        self.others.push(Other {
            origin: left,
            mapping: std::mem::replace(&mut self.mapping, file.mapping().clone()),
            plan: std::mem::replace(&mut self.plan, opened.plan),
            rows: std::mem::replace(&mut self.rows, opened.rows),
            swept: std::mem::replace(&mut self.swept, opened.swept),
            entities: std::mem::replace(&mut self.entities, opened.entities),
        });
        self.others.sort_by_key(|o| o.origin);
        self.file = file;
        self.current = k;
        let n = self.plan.exprs.len();
        self.preview = vec![None; n];
        self.last_good = vec![None; n];
        self.compile = vec![vec![]; n];
        (self.focus, self.editing, self.prompt) = (0, false, None);
        // The file's reading of the mapping is the truth (a sibling's selector edit).
        self.replan();
        Ok(())
    }
}

/// `Tab` / `Shift-Tab`: edit the next / previous mapping of the file.
pub(super) fn switch(state: &mut State, forward: bool) -> Vec<Effect> {
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    let n = wb.origins.len();
    if n < 2 {
        state.status = Some(Status {
            level: StatusLevel::Info,
            text: "the file has one ECR mapping: there is no other to edit".into(),
        });
        return vec![];
    }
    let k = match forward {
        true => (wb.current + 1) % n,
        false => (wb.current + n - 1) % n,
    };
    if let Err(e) = wb.open_mapping(k) {
        state_error(state, format!("cannot open the mapping: {e}"));
        return vec![];
    }
    let text = format!(
        "editing mapping {} of {n} ({})",
        k + 1,
        wb.origin().describe()
    );
    state.status = Some(Status {
        level: StatusLevel::Info,
        text,
    });
    let mut effects = preview(state);
    effects.extend(sweep(state));
    effects
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::app::{Key, Msg, update};
    use crate::mapping::engine::Outcome;
    use crate::mapping::protocol::Evaluated;
    use crate::model::repository::sample;

    use super::super::super::Effect;
    use super::super::super::state::State;
    use super::SweepColumn;

    /// Two ECR resources; the first has two mappings, and its second names every repository
    /// `same`, so both repositories collide there.
    const FILE: &str = r#"{"resources": [
      {"kind": "AWS::ECR::Repository", "port": {"entity": {"mappings": [
        {"identifier": ".RepositoryName", "blueprint": "ecr_repository"},
        {"identifier": "\"same\"", "blueprint": "ecr_repository"}]}}},
      {"kind": "AWS::ECR::Repository", "port": {"entity": {"mappings": [
        {"identifier": ".Arn", "blueprint": "ecr_repository"}]}}}
    ]}"#;

    fn opened() -> (State, Vec<Effect>) {
        let repos = vec![sample("a", "eu-west-1", &[]), sample("b", "eu-west-1", &[])];
        super::super::tests::opened_with(repos, FILE)
    }

    /// Answers a sweep the way jq would for these expressions over repositories a and b.
    fn answer(state: &mut State, effects: Vec<Effect>) {
        for effect in effects {
            let Effect::Sweep { exprs, version, .. } = effect else {
                continue;
            };
            let value = |expr: &str, repo: &str| match expr {
                ".RepositoryName" => Value::from(repo),
                ".Arn" => Value::from(format!("arn:{repo}")),
                literal => serde_json::from_str(literal).unwrap_or(Value::Null),
            };
            let outcomes = ["a", "b"]
                .iter()
                .map(|repo| {
                    let row = exprs.iter().map(|(_, e)| Outcome::Value(value(e, repo)));
                    row.collect()
                })
                .collect();
            let result = Ok(Evaluated {
                compile: vec![vec![]; exprs.len()],
                outcomes,
            });
            let more = update(
                state,
                Msg::SweepDone {
                    exprs,
                    version,
                    result,
                },
            );
            answer(state, more);
        }
    }

    #[test]
    fn the_sweep_covers_every_mapping_and_reports_collisions_across_them() {
        let (mut state, effects) = opened();
        let swept: Vec<SweepColumn> = effects
            .iter()
            .find_map(|e| match e {
                Effect::Sweep { exprs, .. } => Some(exprs.iter().map(|(c, _)| *c).collect()),
                _ => None,
            })
            .unwrap();
        let labels: Vec<String> = swept.iter().map(|c| c.origin.to_string()).collect();
        assert_eq!(labels, ["#1.1", "#1.1", "#1.2", "#1.2", "#2.1", "#2.1"]);
        answer(&mut state, effects);
        let wb = state.workbench.as_ref().unwrap();
        assert_eq!(wb.origins.len(), 3);
        assert_eq!(wb.sweep.as_ref().unwrap().duplicates.len(), 0, "#1.1 alone");
        assert_eq!(wb.collisions.len(), 1);
        assert_eq!(wb.collisions[0].identifier, "same");
        assert_eq!(wb.failing(), [0, 1]);
    }

    #[test]
    fn tab_edits_the_next_mapping_and_keeps_the_edits_of_the_one_left() {
        let (mut state, effects) = opened();
        answer(&mut state, effects);
        let edit = update(
            &mut state,
            Msg::Edited {
                text: ".RepositoryUri".into(),
                cursor: (0, 14),
            },
        );
        answer(&mut state, edit);
        let effects = update(&mut state, Msg::Key(Key::Tab));
        assert!(effects.iter().any(|e| matches!(e, Effect::Preview { .. })));
        let wb = state.workbench.as_ref().unwrap();
        assert_eq!((wb.current, wb.origin().to_string()), (1, "#1.2".into()));
        assert_eq!(wb.mapping.identifier, "\"same\"");
        assert!(
            wb.swept.iter().all(Option::is_some),
            "its columns came along"
        );
        assert!(wb.dirty(), "the edit of #1.1 is still unsaved");
        let all = wb.all_mappings();
        assert_eq!(all[0].1.identifier, ".RepositoryUri");
        update(&mut state, Msg::Key(Key::BackTab));
        update(&mut state, Msg::Key(Key::BackTab));
        let wb = state.workbench.as_ref().unwrap();
        assert_eq!(wb.origin().to_string(), "#2.1", "wraps around");
        let text = wb.document_text().unwrap();
        assert!(text.contains(".RepositoryUri"), "{text}");
    }
}
