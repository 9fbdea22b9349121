//! Undoing a tag write: from what a journal says each repository's tags were before and after,
//! and what they are now, the writes that put the previous `port-` tags back. A repository
//! whose `port-` tags changed again since is refused and named: undoing over someone else's
//! change would lose it. Other tags are never touched.

use super::tag_rules::{Change, MAX_TAGS, PlanItem};
use super::{Fetched, Repository, Tag};

/// One repository a journaled write changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub arn: String,
    pub name: String,
    pub region: String,
    pub before: Vec<Tag>,
    pub after: Vec<Tag>,
}

/// What an undo does, per repository.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UndoPlan {
    /// The writes per repository, in the journal's order; each group runs in order.
    pub groups: Vec<Vec<PlanItem>>,
    /// (repository, region, why) for those left alone.
    pub refused: Vec<(String, String, String)>,
    /// Repositories whose `port-` tags are already as before.
    pub unchanged: Vec<(String, String)>,
}

/// The `prefix` tags, sorted, for comparing.
fn service_tags(tags: &[Tag], prefix: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = tags
        .iter()
        .filter(|t| t.key.starts_with(prefix))
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    found.sort();
    found
}

fn describe(tags: &[(String, String)]) -> String {
    if tags.is_empty() {
        return "none".into();
    }
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The undo of `written` against the repositories as they are now.
pub fn plan_undo(written: &[Written], current: &[Repository], prefix: &str) -> UndoPlan {
    let mut plan = UndoPlan::default();
    // A repository written twice in one journal: its first `before`, its last `after`.
    let mut order: Vec<(String, &Written, &Written)> = Vec::new();
    for w in written {
        match order.iter_mut().find(|(arn, _, _)| *arn == w.arn) {
            Some(entry) => entry.2 = w,
            None => order.push((w.arn.clone(), w, w)),
        }
    }
    for (arn, first, last) in order {
        let refuse = |plan: &mut UndoPlan, why: String| {
            plan.refused
                .push((first.name.clone(), first.region.clone(), why))
        };
        let Some(repo) = current.iter().find(|r| r.arn == arn) else {
            refuse(&mut plan, "the repository no longer exists".into());
            continue;
        };
        let now = match &repo.tags {
            Fetched::Present(tags) => tags.as_slice(),
            Fetched::Absent => &[],
            Fetched::Pending => {
                refuse(&mut plan, "its tags have not loaded yet".into());
                continue;
            }
            Fetched::Failed(why) => {
                refuse(&mut plan, format!("its tags could not be read: {why}"));
                continue;
            }
        };
        let (was, left, is) = (
            service_tags(&first.before, prefix),
            service_tags(&last.after, prefix),
            service_tags(now, prefix),
        );
        if is != left {
            refuse(
                &mut plan,
                format!(
                    "its `{prefix}` tags changed since: the write left {}, now {}",
                    describe(&left),
                    describe(&is)
                ),
            );
            continue;
        }
        let changes = restore(&was, &is, now.len());
        if changes.is_empty() {
            plan.unchanged
                .push((repo.name.clone(), repo.region.clone()));
            continue;
        }
        if let Some(Change::Refused { reason }) =
            changes.iter().find(|c| matches!(c, Change::Refused { .. }))
        {
            refuse(&mut plan, reason.clone());
            continue;
        }
        plan.groups.push(
            changes
                .into_iter()
                .map(|change| PlanItem {
                    arn: repo.arn.clone(),
                    name: repo.name.clone(),
                    region: repo.region.clone(),
                    change,
                    warnings: vec![],
                })
                .collect(),
        );
    }
    plan
}

/// The changes from the service tags `is` back to `was`: removals first, so restoring never
/// passes ECR's limit on the way.
fn restore(was: &[(String, String)], is: &[(String, String)], count: usize) -> Vec<Change> {
    let mut changes: Vec<Change> = is
        .iter()
        .filter(|(k, _)| !was.iter().any(|(wk, _)| wk == k))
        .map(|(k, v)| Change::Remove {
            key: k.clone(),
            value: v.clone(),
        })
        .collect();
    let mut count = count - changes.len();
    for (k, v) in was {
        let tag = Tag::new(k, v);
        match is.iter().find(|(ik, _)| ik == k) {
            Some((_, iv)) if iv == v => {}
            Some((_, iv)) => changes.push(Change::Overwrite {
                tag,
                old: iv.clone(),
            }),
            None if count >= MAX_TAGS => changes.push(Change::Refused {
                reason: format!("putting `{k}` back would pass ECR's limit of {MAX_TAGS} tags"),
            }),
            None => {
                count += 1;
                changes.push(Change::Add { tag });
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::repository::sample;

    fn tags(pairs: &[(&str, &str)]) -> Vec<Tag> {
        pairs.iter().map(|(k, v)| Tag::new(*k, *v)).collect()
    }

    fn written(repo: &Repository, before: &[(&str, &str)], after: &[(&str, &str)]) -> Written {
        Written {
            arn: repo.arn.clone(),
            name: repo.name.clone(),
            region: repo.region.clone(),
            before: tags(before),
            after: tags(after),
        }
    }

    #[test]
    fn restores_the_previous_service_tags_and_nothing_else() {
        let added = sample("a", "eu-west-1", &[("team", "x2"), ("port-orders", "true")]);
        let overwritten = sample("b", "eu-west-1", &[("port-orders", "new")]);
        let removed = sample("c", "eu-west-1", &[]);
        let journal = [
            written(
                &added,
                &[("team", "x")],
                &[("team", "x"), ("port-orders", "true")],
            ),
            written(
                &overwritten,
                &[("port-orders", "old")],
                &[("port-orders", "new")],
            ),
            written(&removed, &[("port-auth", "true")], &[]),
        ];
        let plan = plan_undo(&journal, &[added, overwritten, removed], "port-");
        assert_eq!(plan.refused, []);
        let changes: Vec<&Change> = plan.groups.iter().flatten().map(|i| &i.change).collect();
        assert_eq!(
            changes,
            [
                &Change::Remove {
                    key: "port-orders".into(),
                    value: "true".into()
                },
                &Change::Overwrite {
                    tag: Tag::new("port-orders", "old"),
                    old: "new".into()
                },
                &Change::Add {
                    tag: Tag::new("port-auth", "true")
                },
            ],
            "the changed `team` tag is not a service tag and is left alone"
        );
    }

    #[test]
    fn a_repository_changed_since_is_refused_and_named() {
        let moved = sample("a", "eu-west-1", &[("port-billing", "true")]);
        let same = sample("b", "eu-west-1", &[]);
        let journal = [
            written(&moved, &[], &[("port-orders", "true")]),
            written(&same, &[], &[]),
            Written {
                arn: "arn:gone".into(),
                name: "gone".into(),
                region: "eu-west-1".into(),
                before: vec![],
                after: vec![],
            },
        ];
        let plan = plan_undo(&journal, &[moved, same], "port-");
        assert!(plan.groups.is_empty());
        assert_eq!(plan.unchanged, [("b".to_owned(), "eu-west-1".to_owned())]);
        assert_eq!(plan.refused.len(), 2);
        assert_eq!(plan.refused[0].0, "a");
        assert!(
            plan.refused[0]
                .2
                .contains("left port-orders=true, now port-billing=true"),
            "{:?}",
            plan.refused
        );
        assert!(plan.refused[1].2.contains("no longer exists"));
    }
}
