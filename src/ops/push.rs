//! A push end to end, for both faces: the plan (blueprint check → mapping → validation →
//! relation targets → diff), the requests a dry run shows, the send, the resume, and the words
//! both faces print about it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use thiserror::Error;

use crate::mapping::eval::Semantics;
use crate::mapping::file::{Mapping, Origin};
use crate::model::push::{Finished, entities};
use crate::port::blueprint::{self, DEFAULT_BLUEPRINT, Report};
use crate::port::journal::JournalError;
use crate::port::push::{self, DryRun, Push, PushPlan};
use crate::port::{Catalog, PortError};

use super::context::blueprint_of;
use super::records::Records;
use super::render::{self, RenderError};

#[derive(Debug, Error)]
pub enum PushError {
    #[error(transparent)]
    Port(#[from] PortError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("no unfinished push in {} to resume", .0.display())]
    NothingToResume(PathBuf),
    #[error(
        "{} was a push to {journal_target}, and this run goes to {target}; resume it with the \
         same settings (--demo, PORT_BASE_URL, port.region) it was made with",
        path.display()
    )]
    OtherTarget {
        path: PathBuf,
        journal_target: String,
        target: String,
    },
    #[error(
        "another ecr-port ({holder}) is pushing to blueprint `{blueprint}` at {target}; wait \
         for it to finish (a push that was stopped can be resumed from its journal)"
    )]
    Busy {
        holder: String,
        blueprint: String,
        target: String,
    },
    #[error("cannot take the push lock {}: {source}", path.display())]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One push at a time per Port target and blueprint, across processes: an exclusive lock on
/// a file in the journals' directory, held while the push sends. The operating system drops it
/// when the process ends, however it ends, so a crashed push leaves no stale lock.
pub struct Lease {
    file: std::fs::File,
}

impl Lease {
    /// Takes the lock for `target` and `blueprint`, or says who holds it.
    pub fn take(dir: &Path, target: &str, blueprint: &str) -> Result<Lease, PushError> {
        use std::io::{Read, Seek, Write};
        let path = dir.join(format!(
            "lock-{:016x}",
            fnv1a(&format!("{target}\n{blueprint}"))
        ));
        let fail = |source| PushError::Lock {
            path: path.clone(),
            source,
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(fail)?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(PushError::Busy {
                    holder: holder.trim().replace('\n', ", "),
                    blueprint: blueprint.to_owned(),
                    target: target.to_owned(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
        }
        file.set_len(0).map_err(fail)?;
        file.rewind().map_err(fail)?;
        write!(file, "pid {}", std::process::id()).map_err(fail)?;
        Ok(Lease { file })
    }

    /// Names the journal for whoever finds the lock taken.
    fn note_journal(&mut self, journal: &Path) {
        use std::io::Write;
        let _ = write!(self.file, "\njournal {}", journal.display());
    }
}

/// A stable name for a target and blueprint (FNV-1a), so every process finds the same file.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Before a push: the blueprint needs setting up first, or the plan is made.
pub enum Preflight {
    NeedsSetup(Report),
    Ready {
        plan: PushPlan,
        /// Records the mapping's selector left out.
        skipped: usize,
        /// The blueprint check, which may carry findings that do not block (a conflict).
        report: Report,
    },
}

/// The blueprint check, then every mapping over `records`, then the plan. Sends no write.
/// The push goes to one blueprint: `target`, else the first mapping's (see [`aim`]).
pub async fn plan(
    catalog: &dyn Catalog,
    mappings: &[(Origin, Mapping)],
    target: Option<&str>,
    semantics: Semantics,
    records: &Records,
    create_missing_related: bool,
) -> Result<Preflight, PushError> {
    let (blueprint_id, mappings) = aim(mappings, target);
    let report = blueprint::check(catalog, &blueprint_id).await?;
    let Some(bp) = report
        .blueprint
        .clone()
        .filter(|_| report.steps().is_empty())
    else {
        return Ok(Preflight::NeedsSetup(report));
    };
    let not_here: BTreeMap<Origin, String> = mappings
        .iter()
        .filter_map(|(origin, m)| Some((*origin, elsewhere(*origin, m, &blueprint_id)?)))
        .collect();
    let drafts = render::render(records, &mappings, semantics, None)
        .await?
        .into_drafts(|origin| not_here.get(&origin).cloned())?;
    let plan = push::plan(
        catalog,
        &blueprint_id,
        &bp,
        drafts.drafts,
        create_missing_related,
    )
    .await?;
    Ok(Preflight::Ready {
        plan,
        skipped: drafts.skipped,
        report,
    })
}

/// The blueprint a push goes to, and the mappings it renders: `target`, else the first
/// mapping's blueprint. A `target` that no mapping writes to is where every mapping goes (to
/// try a mapping on another blueprint, as `--blueprint` always did).
pub(super) fn aim(
    mappings: &[(Origin, Mapping)],
    target: Option<&str>,
) -> (String, Vec<(Origin, Mapping)>) {
    let mut mappings = mappings.to_vec();
    let first = mappings
        .first()
        .map_or_else(|| DEFAULT_BLUEPRINT.to_owned(), |(_, m)| blueprint_of(m));
    let Some(target) = target.filter(|t| !t.is_empty()) else {
        return (first, mappings);
    };
    if !mappings.iter().any(|(_, m)| blueprint_of(m) == target) {
        for (_, m) in &mut mappings {
            m.set_static_blueprint(target);
        }
    }
    (target.to_owned(), mappings)
}

/// Why the entities of a mapping are not part of a push to `blueprint`: the mapping writes to
/// another one. A push sends to one blueprint; another push sends the rest.
pub(super) fn elsewhere(origin: Origin, mapping: &Mapping, blueprint: &str) -> Option<String> {
    let writes = mapping.static_blueprint().filter(|b| !b.is_empty())?;
    (writes != blueprint).then(|| {
        format!(
            "{origin} writes to blueprint `{writes}`, and a push sends to one blueprint (this \
             one to `{blueprint}`); `ecr-port push --blueprint {writes}` sends them"
        )
    })
}

/// The exact requests a push of `plan` sends, and what it refuses before sending.
pub fn dry_run(plan: &PushPlan, include_unchanged: bool) -> Result<DryRun, PushError> {
    Ok(push::requests(plan, include_unchanged)?)
}

/// Refuses early, with the guard's own answer, when the catalog takes no writes.
pub fn ensure_writable(catalog: &dyn Catalog) -> Result<(), PortError> {
    match catalog.read_only() {
        true => Err(PortError::ReadOnly),
        false => Ok(()),
    }
}

/// Opens the journal and records what the plan decided, before anything is sent.
/// The lock is taken first, so a second push to the same place refuses before it writes a
/// journal; the returned lease keeps it until dropped.
pub fn start(
    catalog: &dyn Catalog,
    plan: PushPlan,
    include_unchanged: bool,
    journal_dir: &Path,
) -> Result<(Push, Lease), PushError> {
    // A plan that sends nothing still gets its journal and report, read-only or not.
    if plan.to_send(include_unchanged) > 0 {
        ensure_writable(catalog)?;
    }
    let target = catalog.describe();
    let mut lease = Lease::take(journal_dir, &target, &plan.blueprint)?;
    let push = Push::start(plan, include_unchanged, &target, journal_dir)?;
    lease.note_journal(push.journal_path());
    Ok((push, lease))
}

/// Sends what the push still has pending, reporting `(done, total)`, and returns every
/// outcome; they are complete in memory whatever became of the journal.
/// The lease shows the push holds its target's lock while it sends.
pub async fn send(
    push: &mut Push,
    _lease: &Lease,
    catalog: &dyn Catalog,
    in_flight: usize,
    stop: &AtomicBool,
    progress: impl FnMut(usize, usize),
) -> Finished {
    // What an earlier run sent without an answer is read back first; what still cannot be
    // settled is sent again (the upsert is safe to repeat).
    let resolved = push.resolve_unknown(catalog).await;
    let pending = push.pending();
    let sent = match resolved {
        Ok(()) => {
            push.send(catalog, &pending, in_flight, stop, progress)
                .await
        }
        Err(e) => Err(e),
    };
    // And what this run sent without an answer, before the report is final.
    let sent = match sent {
        Ok(()) => push.resolve_unknown(catalog).await,
        Err(e) => Err(e),
    };
    let problem = sent.and_then(|()| push.finish().map(drop)).err();
    Finished {
        outcomes: push.outcomes.clone(),
        journal: push.journal_path().to_owned(),
        problem: problem.map(|e| e.to_string()),
    }
}

/// A journal to resume, checked against this run's target.
pub struct Resumable {
    pub path: PathBuf,
    pub summary: push::Summary,
}

/// The journal named, or the newest unfinished one in `dir`; refused when it went elsewhere.
pub fn find_resumable(
    catalog: &dyn Catalog,
    dir: &Path,
    journal: Option<PathBuf>,
) -> Result<Resumable, PushError> {
    let path = match journal {
        Some(p) => p,
        None => match push::latest_unfinished(dir) {
            Some((p, _)) => p,
            None => return Err(PushError::NothingToResume(dir.to_owned())),
        },
    };
    let summary = push::summary(&path)?;
    let target = catalog.describe();
    if summary.target != target {
        return Err(PushError::OtherTarget {
            path,
            journal_target: summary.target,
            target,
        });
    }
    Ok(Resumable { path, summary })
}

/// Reopens a journal for sending what did not land.
/// Reopens a journal for sending what did not land, holding its target's lock (in the
/// journals' directory, wherever the journal itself lies).
pub fn resume(
    catalog: &dyn Catalog,
    resumable: &Resumable,
    journal_dir: &Path,
) -> Result<(Push, Lease), PushError> {
    ensure_writable(catalog)?;
    let mut lease = Lease::take(
        journal_dir,
        &catalog.describe(),
        &resumable.summary.blueprint,
    )?;
    let push = Push::resume(&resumable.path)?;
    lease.note_journal(push.journal_path());
    Ok((push, lease))
}

/// The lock again, for sending more of a push this session already holds (a retry).
pub fn lease_for(
    catalog: &dyn Catalog,
    push: &Push,
    journal_dir: &Path,
) -> Result<Lease, PushError> {
    let mut lease = Lease::take(journal_dir, &catalog.describe(), &push.plan.blueprint)?;
    lease.note_journal(push.journal_path());
    Ok(lease)
}

/// The command that resumes the push of `journal`, with `--demo` when it went to the demo
/// catalog (without it, the resume would be refused as going elsewhere).
pub fn resume_command(journal: &Path) -> String {
    let demo = push::summary(journal).is_ok_and(|s| s.target == crate::port::demo::DESCRIPTION);
    format!(
        "ecr-port{} push --resume {}",
        if demo { " --demo" } else { "" },
        journal.display()
    )
}

/// The newest journal with entities that did not land, and a line saying how to send them.
pub fn unfinished_notice(dir: &Path) -> Option<String> {
    let (path, left) = push::latest_unfinished(dir)?;
    Some(format!(
        "an earlier push left {} failed or unsent: `{}`",
        entities(left),
        resume_command(&path)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::file::Format;

    fn writes(resource: usize, blueprint: &str) -> (Origin, Mapping) {
        let origin = Origin {
            resource,
            mapping: 0,
        };
        (
            origin,
            Mapping::new(Format::ExporterJson, ".Arn", blueprint),
        )
    }

    #[test]
    fn a_push_aims_at_one_blueprint_and_names_the_push_for_the_others() {
        let mappings = [writes(0, "ecr_repository"), writes(1, "ecr_image")];
        let (bp, aimed) = aim(&mappings, None);
        assert_eq!(bp, "ecr_repository", "the first mapping's");
        assert_eq!(aimed, mappings);
        assert_eq!(elsewhere(aimed[0].0, &aimed[0].1, &bp), None);
        let why = elsewhere(aimed[1].0, &aimed[1].1, &bp).expect("another blueprint");
        assert!(
            why.starts_with("#2.1 writes to blueprint `ecr_image`")
                && why.ends_with("`ecr-port push --blueprint ecr_image` sends them"),
            "{why}"
        );
        // `--blueprint` picks the mappings that write to it...
        let (bp, aimed) = aim(&mappings, Some("ecr_image"));
        assert_eq!((bp.as_str(), aimed), ("ecr_image", mappings.to_vec()));
        // ...and one that no mapping writes to takes them all there, as it did for one.
        let (bp, aimed) = aim(&mappings, Some("ecr_test"));
        assert_eq!(bp, "ecr_test");
        assert!(aimed.iter().all(|(o, m)| elsewhere(*o, m, &bp).is_none()));
    }

    #[test]
    fn one_lease_per_target_and_blueprint_until_it_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Lease::take(dir.path(), "https://api.port.io", "ecr_repository").unwrap();
        first.note_journal(Path::new("/state/pushes/push-1.jsonl"));
        let busy = Lease::take(dir.path(), "https://api.port.io", "ecr_repository");
        let Err(PushError::Busy { holder, .. }) = busy else {
            panic!("the second lease must be refused");
        };
        assert_eq!(
            holder,
            format!(
                "pid {}, journal /state/pushes/push-1.jsonl",
                std::process::id()
            )
        );
        // Another blueprint, or another target, is another lock.
        assert!(Lease::take(dir.path(), "https://api.port.io", "other").is_ok());
        assert!(Lease::take(dir.path(), "https://api.us.port.io", "ecr_repository").is_ok());
        drop(first);
        assert!(Lease::take(dir.path(), "https://api.port.io", "ecr_repository").is_ok());
    }
}
