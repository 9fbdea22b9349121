//! The headless tag commands beyond one change: `tag suggest`, `tag apply`, `tag undo`, and
//! the preview → confirm → journaled write that they share with `tag add` and `tag remove`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use futures::StreamExt;

use super::args::Format;
use super::{exit, prompt};
use crate::inventory::{Applied, Inventory};
use crate::model::Repository;
use crate::model::suggest::{self, Options, Service, Suggestion, plan as suggest_plan};
use crate::model::tag_rules::{Change, PlanItem};
use crate::model::tag_undo;
use crate::model::text::printable;
use crate::ops::context::{Context, open_catalog};
use crate::ops::tag_journal::{self, TagJournal};
use crate::ops::tags::Batch;

/// Service entities read from Port for suggestions; more would not fit anyone's review.
const MAX_SERVICES: usize = 10_000;

/// Whether a write asks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Confirm {
    /// `tag add` and `tag remove` name their repositories on the command line: no question.
    Never,
    /// A plan file or an undo changes many repositories: asked, unless `--yes`.
    Ask { yes: bool },
}

/// What wrote, for the journal, and the journal an undo restores.
pub(super) struct Source<'a> {
    pub name: &'a str,
    pub undoes: Option<&'a Path>,
}

/// Every repository, or the load's failures as an error: half an inventory would mislead a
/// suggestion or an undo.
pub(super) async fn read_all(
    inventory: &dyn Inventory,
    policies: bool,
) -> anyhow::Result<Vec<Repository>> {
    let (repos, failures) = crate::inventory::collect(inventory, policies).await;
    if let Some((region, err)) = failures.first() {
        for (region, err) in &failures[1..] {
            eprintln!("error: {region}: {err}");
        }
        anyhow::bail!("{region}: {err}");
    }
    Ok(repos)
}

fn print_item(label: &str, item: &PlanItem) {
    println!(
        "{label}  {} ({}): {}",
        printable(&item.name),
        item.region,
        printable(&item.change.describe())
    );
}

/// The plan's lines that write nothing (skip or FAIL), and whether none is a refusal.
pub(super) fn report_idle(plan: &[PlanItem]) -> bool {
    let mut ok = true;
    for item in plan.iter().filter(|i| !i.change.writes()) {
        let refused = matches!(item.change, Change::Refused { .. });
        ok &= !refused;
        print_item(if refused { "FAIL" } else { "skip" }, item);
    }
    ok
}

/// Previews, asks when it should, journals and writes the batches, and prints each result.
pub(super) async fn run_batches(
    ctx: &Context,
    inventory: std::sync::Arc<dyn Inventory>,
    batches: Vec<Batch>,
    mut ok: bool,
    dry_run: bool,
    confirm: Confirm,
    source: Source<'_>,
) -> anyhow::Result<ExitCode> {
    let writes: usize = batches.iter().map(|b| b.items.len()).sum();
    if dry_run || matches!(confirm, Confirm::Ask { yes: false }) {
        for item in batches.iter().flat_map(|b| &b.items) {
            print_item("plan", item);
            for w in &item.warnings {
                println!("      warning: {}", printable(w));
            }
        }
    }
    if dry_run || writes == 0 {
        if writes == 0 && !dry_run {
            eprintln!("nothing to write");
        }
        return Ok(exit(ok));
    }
    if confirm == (Confirm::Ask { yes: false }) {
        let repos = batches.len();
        if !prompt::confirm(&format!(
            "write {writes} tag changes to {repos} repositories?"
        ))? {
            eprintln!("nothing was written");
            return Ok(ExitCode::FAILURE);
        }
    }
    // Read-only mode refuses every write: there is nothing to journal.
    let journal = if ctx.read_only() {
        None
    } else {
        let dir = tag_journal::dir(ctx);
        let now = crate::port::push::now_secs();
        Some(TagJournal::create(&dir, now, source.name, source.undoes)?)
    };
    let path = journal.as_ref().map(|j| j.path().to_owned());
    let concurrency = ctx.aws_options().concurrency;
    let mut results: Vec<Vec<Applied>> = vec![Vec::new(); batches.len()];
    let mut stream = Box::pin(crate::ops::tags::write_journaled(
        inventory,
        batches.clone(),
        concurrency,
        journal,
    ));
    while let Some((i, applied)) = stream.next().await {
        results[i] = applied;
    }
    drop(stream);
    for (batch, applied) in batches.iter().zip(&results) {
        for (n, item) in batch.items.iter().enumerate() {
            match applied.get(n).map(|a| &a.result) {
                Some(Ok(_)) => print_item("ok  ", item),
                Some(Err(e)) => {
                    ok = false;
                    println!("FAIL  {} ({}): {e}", printable(&item.name), item.region);
                }
                None => {
                    ok = false;
                    println!(
                        "FAIL  {} ({}): not written",
                        printable(&item.name),
                        item.region
                    );
                }
            }
            for w in &item.warnings {
                println!("      warning: {}", printable(w));
            }
        }
    }
    if let Some(path) = path {
        eprintln!(
            "journal: {} (undo with `ecr-port tag undo`)",
            path.display()
        );
    }
    Ok(exit(ok))
}

pub(super) struct SuggestArgs {
    pub min_score: f64,
    pub all: bool,
    pub services: Option<PathBuf>,
    pub input: Option<PathBuf>,
    pub output: Format,
}

/// Services from the file, else from Port (or the demo catalog).
async fn load_services(ctx: &Context, file: Option<&Path>) -> anyhow::Result<Vec<Service>> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the services file {}", path.display()))?;
        return suggest_plan::parse_services(&text)
            .with_context(|| format!("the services file {} is not usable", path.display()));
    }
    let catalog = open_catalog(ctx)?;
    let entities = catalog
        .all_entities(
            crate::port::blueprint::SERVICE_TARGET,
            &["$identifier", "$title"],
            MAX_SERVICES,
        )
        .await
        .context("cannot read the services from Port (or pass --services FILE)")?;
    Ok(entities.iter().filter_map(Service::from_entity).collect())
}

pub(super) async fn suggest(ctx: &Context, args: SuggestArgs) -> anyhow::Result<ExitCode> {
    let services = load_services(ctx, args.services.as_deref()).await?;
    if services.is_empty() {
        eprintln!("note: no services to suggest from");
    }
    let repos = match &args.input {
        Some(path) => saved_inventory(path)?,
        None => read_all(ctx.open_inventory().await?.as_ref(), false).await?,
    };
    let opts = Options {
        min_score: args.min_score,
        all: args.all,
        prefix: ctx.prefix(),
    };
    let found = suggest::suggest(&repos, &services, &opts);
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::new(stdout);
    match args.output {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &found)?;
            std::io::Write::write_all(&mut out, b"\n")?;
        }
        Format::Text => std::io::Write::write_all(&mut out, text_table(&found).as_bytes())?,
    }
    std::io::Write::flush(&mut out)?;
    let picked = found.iter().filter(|s| s.service.is_some()).count();
    eprintln!(
        "{picked} of {} repositories have a suggestion ({} services, min score {:.2})",
        found.len(),
        services.len(),
        args.min_score
    );
    Ok(ExitCode::SUCCESS)
}

/// Repositories from a file `list --output json` wrote, for review away from AWS.
pub(super) fn saved_inventory(path: &Path) -> anyhow::Result<Vec<Repository>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let values: Vec<serde_json::Value> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a JSON array as `ecr-port list --output json` prints",
            path.display()
        )
    })?;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Repository::from_exporter_json(v)
                .map_err(|e| anyhow::anyhow!("{}: item {}: {e}", path.display(), i + 1))
        })
        .collect()
}

fn text_table(found: &[Suggestion]) -> String {
    let mut out = String::new();
    let width = found
        .iter()
        .map(|s| s.repository.chars().count() + s.region.len() + 3)
        .max()
        .unwrap_or(10)
        .max(10);
    out.push_str(&format!(
        "{:<width$}  {:<24}  SCORE  REASON\n",
        "REPOSITORY", "SERVICE"
    ));
    for s in found {
        let name = format!("{} ({})", s.repository, s.region);
        let name = printable(&name);
        let service = s.service.as_deref().unwrap_or("-");
        let reason = s.reasons.first().map(String::as_str).unwrap_or_default();
        let alternatives: Vec<String> = s
            .alternatives
            .iter()
            .map(|a| format!("{} {:.2}", a.service, a.score))
            .collect();
        out.push_str(&format!(
            "{name:<width$}  {:<24}  {:.2}   {}",
            printable(service),
            s.score,
            printable(reason)
        ));
        if !alternatives.is_empty() {
            out.push_str(&format!("  [or: {}]", printable(&alternatives.join(", "))));
        }
        out.push('\n');
    }
    out
}

pub(super) async fn apply(
    ctx: &Context,
    plan_file: &Path,
    dry_run: bool,
    yes: bool,
) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(plan_file)
        .with_context(|| format!("cannot read the plan {}", plan_file.display()))?;
    let entries = suggest_plan::parse_plan(&text)
        .with_context(|| format!("the plan {} is not usable", plan_file.display()))?;
    let inventory = ctx.open_inventory().await?;
    let repos = read_all(inventory.as_ref(), false).await?;
    let applying = suggest_plan::plan_apply(&entries, &repos, &ctx.prefix(), &ctx.tag_value());
    let mut ok = true;
    for problem in &applying.problems {
        ok = false;
        println!("FAIL  {}", printable(problem));
    }
    ok &= report_idle(&applying.items);
    if applying.left_out > 0 {
        eprintln!(
            "{} entries left out (no service, or `\"skip\": true`)",
            applying.left_out
        );
    }
    let batches = applying
        .items
        .into_iter()
        .filter(|i| i.change.writes())
        .map(|i| Batch::of(i, &repos))
        .collect();
    let source = Source {
        name: "tag apply",
        undoes: None,
    };
    run_batches(
        ctx,
        inventory,
        batches,
        ok,
        dry_run,
        Confirm::Ask { yes },
        source,
    )
    .await
}

pub(super) async fn undo(
    ctx: &Context,
    journal: Option<PathBuf>,
    yes: bool,
) -> anyhow::Result<ExitCode> {
    let path = match journal {
        Some(p) => p,
        None => tag_journal::latest(&tag_journal::dir(ctx))?,
    };
    let (_, written) = tag_journal::read(&path)?;
    eprintln!(
        "undoing {} ({} repositories)",
        path.display(),
        written.len()
    );
    let inventory = ctx.open_inventory().await?;
    let repos = read_all(inventory.as_ref(), false).await?;
    let plan = tag_undo::plan_undo(&written, &repos, &ctx.prefix());
    for (name, region, why) in &plan.refused {
        println!(
            "FAIL  {} ({region}): refused: {}",
            printable(name),
            printable(why)
        );
    }
    for (name, region) in &plan.unchanged {
        println!("skip  {} ({region}): already as before", printable(name));
    }
    let batches = plan
        .groups
        .into_iter()
        .filter_map(|items| {
            let first = items.first()?;
            let before = repos
                .iter()
                .find(|r| r.arn == first.arn)
                .map(|r| r.tag_list().to_vec())?;
            Some(Batch { items, before })
        })
        .collect();
    let source = Source {
        name: "tag undo",
        undoes: Some(&path),
    };
    let ok = plan.refused.is_empty();
    run_batches(
        ctx,
        inventory,
        batches,
        ok,
        false,
        Confirm::Ask { yes },
        source,
    )
    .await
}
