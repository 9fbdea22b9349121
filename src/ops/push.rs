//! A push end to end, for both faces: the plan (blueprint check → mapping → validation →
//! relation targets → diff), the requests a dry run shows, the send, the resume, and the words
//! both faces print about it.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use thiserror::Error;

use crate::mapping::eval::Semantics;
use crate::mapping::file::Mapping;
use crate::model::push::{Finished, entities};
use crate::port::blueprint::{self, Report};
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

/// The blueprint check, then the mapping over `records`, then the plan. Sends no write.
pub async fn plan(
    catalog: &dyn Catalog,
    mapping: &Mapping,
    semantics: Semantics,
    records: &Records,
    create_missing_related: bool,
) -> Result<Preflight, PushError> {
    let blueprint_id = blueprint_of(mapping);
    let report = blueprint::check(catalog, &blueprint_id).await?;
    let Some(bp) = report
        .blueprint
        .clone()
        .filter(|_| report.steps().is_empty())
    else {
        return Ok(Preflight::NeedsSetup(report));
    };
    let drafts = render::render(records, mapping, semantics, None)
        .await?
        .into_drafts()?;
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
pub fn start(
    catalog: &dyn Catalog,
    plan: PushPlan,
    include_unchanged: bool,
    journal_dir: &Path,
) -> Result<Push, PushError> {
    ensure_writable(catalog)?;
    Ok(Push::start(
        plan,
        include_unchanged,
        &catalog.describe(),
        journal_dir,
    )?)
}

/// Sends what the push still has pending, reporting `(done, total)`, and returns every
/// outcome; they are complete in memory whatever became of the journal.
pub async fn send(
    push: &mut Push,
    catalog: &dyn Catalog,
    in_flight: usize,
    stop: &AtomicBool,
    progress: impl FnMut(usize, usize),
) -> Finished {
    let pending = push.pending();
    let sent = push
        .send(catalog, &pending, in_flight, stop, progress)
        .await;
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
pub fn resume(catalog: &dyn Catalog, resumable: &Resumable) -> Result<Push, PushError> {
    ensure_writable(catalog)?;
    Ok(Push::resume(&resumable.path)?)
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
