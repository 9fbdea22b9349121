//! The headless Port commands: `blueprint check|setup`, `push`, `login`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::bail;
use serde_json::{Value, json};

use crate::cli::{SemanticsArg, ShapeArg};
use crate::model::Repository;
use crate::port::blueprint;
use crate::port::journal::Outcome;
use crate::port::push::{self, Entry, Push, PushPlan, Verdict};
use crate::port::{BULK_MAX_ENTITIES, Catalog, ClientOptions, Credentials, PortClient, Secret};
use crate::session::{self, Context, Preflight, load_mapping, open_catalog};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// Exporter config.json or Ocean mapping YAML [default: as for `render`]
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// A JSON array as `ecr-port list --output json` prints it [default: the live inventory]
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Push only these repositories (name or ARN); repeatable
    #[arg(long, value_name = "REPO", num_args = 1..)]
    pub only: Vec<String>,
    /// Target blueprint [default: the mapping's, else ecr_repository]
    #[arg(long)]
    pub blueprint: Option<String>,
    /// Whose rules: the AWS exporter (errors drop the entity) or Ocean (errors become null)
    #[arg(long, value_enum, default_value_t = SemanticsArg::Exporter)]
    pub semantics: SemanticsArg,
    /// The input shape the mapping reads
    #[arg(long, value_enum, default_value_t = ShapeArg::Exporter)]
    pub shape: ShapeArg,
    /// Print the exact requests and send no write
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before sending
    #[arg(long, short)]
    pub yes: bool,
    /// Let Port create relation targets that do not exist (e.g. a new service)
    #[arg(long)]
    pub create_missing_related: bool,
    /// Also send entities Port already holds unchanged
    #[arg(long)]
    pub include_unchanged: bool,
    /// Resend what an earlier push did not land [default: the newest unfinished journal]
    #[arg(long, value_name = "JOURNAL", conflicts_with_all = [
        "mapping", "input", "only", "blueprint", "semantics", "shape", "dry_run",
        "create_missing_related", "include_unchanged",
    ])]
    pub resume: Option<Option<PathBuf>>,
    /// Bulk requests in flight at once
    #[arg(long, default_value_t = push::DEFAULT_IN_FLIGHT)]
    pub in_flight: usize,
    /// text: the plan and the outcomes for people; json: the report as one object
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

/// Asks on the terminal; without one, `--yes` is the only way to say yes.
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("{question} — no terminal to ask on; pass --yes to go ahead");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// `--blueprint`, else the mapping's static blueprint, else `ecr_repository`. A mapping file
/// that cannot be read is an error: checking another blueprint than the push would use is worse.
fn blueprint_id(
    ctx: &Context,
    flag: Option<String>,
    mapping: Option<PathBuf>,
) -> anyhow::Result<String> {
    if let Some(id) = flag.filter(|b| !b.is_empty()) {
        return Ok(id);
    }
    Ok(session::blueprint_of(load_mapping(ctx, mapping)?.mapping()))
}

fn demo_banner(catalog: &dyn Catalog) {
    if catalog.is_demo() {
        eprintln!("demo: an in-memory Port catalog; nothing leaves this machine");
    }
}

pub async fn blueprint_check(
    ctx: &Context,
    id: Option<String>,
    mapping: Option<PathBuf>,
    output: Format,
) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(ctx)?;
    let id = blueprint_id(ctx, id, mapping)?;
    let report = blueprint::check(catalog.as_ref(), &id).await?;
    match output {
        Format::Json => {
            let steps: Vec<Value> = report
                .steps()
                .iter()
                .map(|s| json!({"request": s.request_line(), "body": s.body()}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "blueprint": id,
                    "target": catalog.describe(),
                    "ready": report.ready(),
                    "findings": report.describe(),
                    "setup": steps,
                }))?
            );
        }
        Format::Text => {
            demo_banner(catalog.as_ref());
            for line in report.describe() {
                println!("{line}");
            }
            if !report.ready() && !report.steps().is_empty() {
                println!("run `ecr-port blueprint setup` to see and send the change");
            }
        }
    }
    Ok(if report.ready() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub async fn blueprint_setup(
    ctx: &Context,
    id: Option<String>,
    mapping: Option<PathBuf>,
    yes: bool,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(ctx)?;
    demo_banner(catalog.as_ref());
    let id = blueprint_id(ctx, id, mapping)?;
    let report = blueprint::check(catalog.as_ref(), &id).await?;
    for line in report.describe() {
        eprintln!("{line}");
    }
    let steps = report.steps();
    if steps.is_empty() {
        if report.ready() {
            eprintln!("nothing to do");
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("not changed automatically: fix it in Port's Builder");
        return Ok(ExitCode::FAILURE);
    }
    for step in &steps {
        eprintln!("{}", step.summary());
        println!("{}", step.request_line());
        println!("{}", serde_json::to_string_pretty(step.body())?);
    }
    if dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    if ctx.read_only() {
        bail!("read-only mode: the blueprint change was not sent");
    }
    let question = format!("Send {} request(s) to {}?", steps.len(), catalog.describe());
    if !yes && !confirm(&question)? {
        eprintln!("nothing sent");
        return Ok(ExitCode::FAILURE);
    }
    blueprint::apply(catalog.as_ref(), &steps).await?;
    let after = blueprint::check(catalog.as_ref(), &id).await?;
    for line in after.describe() {
        eprintln!("{line}");
    }
    Ok(if after.ready() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The repositories to push: the saved file or the live inventory, narrowed by `--only`.
async fn push_repos(
    ctx: &Context,
    input: Option<PathBuf>,
    only: &[String],
) -> anyhow::Result<Vec<Repository>> {
    let repos = match input {
        Some(path) => crate::cli::read_saved(&path)?,
        None => crate::cli::read_live(ctx).await?,
    };
    if only.is_empty() {
        return Ok(repos);
    }
    let unknown: Vec<&String> = only
        .iter()
        .filter(|o| !repos.iter().any(|r| r.answers_to(o)))
        .collect();
    if !unknown.is_empty() {
        bail!(
            "not in the inventory: {}",
            unknown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(repos
        .into_iter()
        .filter(|r| only.iter().any(|o| r.answers_to(o)))
        .collect())
}

pub async fn push(ctx: &Context, args: PushArgs) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(ctx)?;
    demo_banner(catalog.as_ref());
    if let Some(journal) = args.resume.clone() {
        return resume(ctx, catalog, journal, &args).await;
    }
    let mut mapping = load_mapping(ctx, args.mapping.clone())?;
    if let Some(bp) = &args.blueprint {
        mapping.mapping_mut().set_static_blueprint(bp);
    }
    let repos = push_repos(ctx, args.input.clone(), &args.only).await?;
    let preflight = session::preflight(
        catalog.as_ref(),
        mapping.mapping(),
        args.semantics.into(),
        args.shape.into(),
        &repos,
        args.create_missing_related,
    )
    .await
    .map_err(|e| anyhow::anyhow!(e))?;
    let (plan, skipped) = match preflight {
        Preflight::NeedsSetup(report) => {
            for line in report.describe() {
                eprintln!("error: {line}");
            }
            bail!(
                "the blueprint is not ready: `ecr-port blueprint setup` shows and sends the change"
            );
        }
        Preflight::Ready {
            plan,
            skipped,
            report,
        } => {
            if !report.ready() {
                for line in report.describe() {
                    eprintln!("note: {line}");
                }
            }
            (plan, skipped)
        }
    };
    print_plan(&plan, skipped, args.include_unchanged);
    let to_send = plan.to_send(args.include_unchanged);
    if args.dry_run {
        print_requests(&plan, &catalog.describe(), args.include_unchanged)?;
        let c = plan.counts();
        return Ok(if c.invalid + c.dangling == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if ctx.read_only() && to_send > 0 {
        bail!("read-only mode: nothing was sent to Port");
    }
    if to_send > 0 && !args.yes {
        let question = format!(
            "Push {to_send} entities to blueprint `{}` at {}?",
            plan.blueprint,
            catalog.describe()
        );
        if !confirm(&question)? {
            eprintln!("nothing sent");
            return Ok(ExitCode::FAILURE);
        }
    }
    let push = Push::start(
        plan,
        args.include_unchanged,
        &catalog.describe(),
        &ctx.journal_dir(),
    )?;
    run_push(catalog, push, &args, true).await
}

async fn resume(
    ctx: &Context,
    catalog: Arc<dyn Catalog>,
    journal: Option<PathBuf>,
    args: &PushArgs,
) -> anyhow::Result<ExitCode> {
    let path = match journal {
        Some(p) => p,
        None => match push::latest_unfinished(&ctx.journal_dir()) {
            Some((p, _)) => {
                eprintln!("resuming {}", p.display());
                p
            }
            None => bail!(
                "no unfinished push in {} to resume",
                ctx.journal_dir().display()
            ),
        },
    };
    let summary = push::summary(&path)?;
    let target = catalog.describe();
    if summary.target != target {
        bail!(
            "{} was a push to {}, and this run goes to {target}; resume it with the same \
             settings (--demo, PORT_BASE_URL, port.region) it was made with",
            path.display(),
            summary.target
        );
    }
    if summary.resendable == 0 {
        println!(
            "nothing to resend: every entity of {} has its outcome",
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if ctx.read_only() {
        bail!("read-only mode: nothing was sent to Port");
    }
    if !args.yes {
        let question = format!(
            "Resend {} entities of {} to blueprint `{}` at {target}?",
            summary.resendable,
            path.display(),
            summary.blueprint
        );
        if !confirm(&question)? {
            eprintln!("nothing sent");
            return Ok(ExitCode::FAILURE);
        }
    }
    let push = Push::resume(&path)?;
    run_push(catalog, push, args, false).await
}

/// Sends, then reports every entity that did not land. `plan_shown`: the refusals were named
/// with the plan already.
async fn run_push(
    catalog: Arc<dyn Catalog>,
    mut push: Push,
    args: &PushArgs,
    plan_shown: bool,
) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nstopping: waiting for the requests in flight (Ctrl-C again to quit)");
                stop.store(true, Ordering::SeqCst);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        })
    };
    let pending = push.pending();
    let tty = std::io::stderr().is_terminal();
    push.send(
        catalog.as_ref(),
        &pending,
        args.in_flight,
        &stop,
        |done, total| {
            if tty && total > 0 {
                eprint!("\rpushing {done}/{total}");
            }
        },
    )
    .await?;
    watcher.abort();
    if tty && !pending.is_empty() {
        eprintln!();
    }
    let journal = push.finish()?;
    let counts = push.counts();
    match args.output {
        Format::Json => {
            let entities: Vec<Value> = push
                .plan
                .entries
                .iter()
                .zip(&push.outcomes)
                .map(|(e, o)| {
                    let o = o.clone().unwrap_or(Outcome::NotAttempted {
                        reason: "no outcome recorded".into(),
                    });
                    json!({"repo": e.repo, "identifier": e.identifier, "plan": e.verdict.label(),
                           "outcome": o.key(), "detail": o.detail()})
                })
                .collect();
            let mut out = serde_json::to_value(counts)?;
            out["blueprint"] = json!(push.plan.blueprint);
            out["target"] = json!(catalog.describe());
            out["journal"] = json!(journal.display().to_string());
            out["entities"] = json!(entities);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Text => {
            for (e, o) in push.plan.entries.iter().zip(&push.outcomes) {
                match o {
                    Some(Outcome::Created | Outcome::Updated | Outcome::Unchanged) => {}
                    Some(Outcome::Refused { .. }) if plan_shown => {}
                    Some(o @ Outcome::Refused { .. }) => {
                        eprintln!("{}: refused: {}", e.repo, o.detail().unwrap_or_default())
                    }
                    Some(o) => eprintln!(
                        "{}: {}: {}",
                        e.repo,
                        o.label(),
                        o.detail().unwrap_or_default()
                    ),
                    None => eprintln!("{}: not attempted", e.repo),
                }
            }
            println!(
                "{} entities: {} created, {} updated, {} unchanged, {} failed, {} refused, {} not attempted",
                counts.total,
                counts.created,
                counts.updated,
                counts.unchanged,
                counts.failed,
                counts.refused,
                counts.not_attempted
            );
            println!("journal: {}", journal.display());
            if counts.failed + counts.not_attempted > 0 {
                println!(
                    "resend what did not land: ecr-port push --resume {}",
                    journal.display()
                );
            }
        }
    }
    Ok(if counts.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The plan on stderr: every entity that will not simply be created, and the counts.
fn print_plan(plan: &PushPlan, skipped: usize, include_unchanged: bool) {
    for e in &plan.entries {
        match &e.verdict {
            Verdict::Invalid(reasons) | Verdict::Dangling(reasons) => {
                for r in reasons {
                    eprintln!("{}: {}: {r}", e.repo, e.verdict.label());
                }
            }
            Verdict::Update(fields) => {
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                eprintln!("{}: update: {}", e.repo, names.join(", "));
            }
            _ => {}
        }
        for c in &e.creates {
            eprintln!("{}: Port will create {c}", e.repo);
        }
    }
    let c = plan.counts();
    let mut line = format!(
        "plan: {} create, {} update, {} unchanged{}, {} invalid, {} dangling",
        c.create,
        c.update,
        c.unchanged,
        if include_unchanged {
            " (sent)"
        } else {
            " (not sent)"
        },
        c.invalid,
        c.dangling
    );
    if skipped > 0 {
        line.push_str(&format!("; {skipped} left out by the mapping's selector"));
    }
    eprintln!("{line}");
}

/// `--dry-run`: the exact bulk requests a push would send, in order.
fn print_requests(plan: &PushPlan, target: &str, include_unchanged: bool) -> anyhow::Result<()> {
    let sent: Vec<&Entry> = plan
        .entries
        .iter()
        .filter(|e| e.sendable(include_unchanged))
        .collect();
    let bodies: Vec<Value> = sent
        .iter()
        .map(|e| e.entity.clone().unwrap_or(Value::Null))
        .collect();
    let (batches, too_large) =
        crate::port::validate::batches(&bodies, crate::port::validate::MAX_BODY_BYTES);
    for k in too_large {
        eprintln!(
            "{}: would be refused: larger than Port's 1 MiB request limit",
            sent[k].repo
        );
    }
    let mut query = String::from("upsert=true&merge=true");
    if plan.create_missing_related {
        query.push_str("&create_missing_related_entities=true");
    }
    let mut out = std::io::stdout().lock();
    for batch in batches {
        debug_assert!(batch.len() <= BULK_MAX_ENTITIES);
        let entities: Vec<&Value> = batch.iter().map(|&i| &bodies[i]).collect();
        writeln!(
            out,
            "POST {target}/v1/blueprints/{}/entities/bulk?{query}",
            plan.blueprint
        )?;
        writeln!(
            out,
            "{}",
            serde_json::to_string(&json!({ "entities": entities }))?
        )?;
    }
    Ok(())
}

/// `login`: asks for the client ID and secret, checks them with Port, and keeps them in the
/// settings file (mode 0600).
pub async fn login(
    ctx: &Context,
    client_id: Option<String>,
    region: Option<String>,
    base_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    let region_url = match &region {
        Some(name) => Some(
            crate::port::Region::from_name(name)
                .ok_or_else(|| {
                    anyhow::anyhow!("Port region `{name}` is unknown; use `eu` or `us`")
                })?
                .base_url()
                .to_owned(),
        ),
        None => None,
    };
    // The credentials are checked with, and saved for, the API the flags name; without flags,
    // the one this run would use (environment, then settings).
    let target = match (&base_url, &region_url) {
        (Some(url), _) | (None, Some(url)) => url.clone(),
        (None, None) => ctx.port_base_url()?,
    };
    let client_id = match client_id {
        Some(id) => id.trim().to_owned(),
        None => prompt_line("Port client ID: ")?,
    };
    let secret = Secret::new(prompt_secret("Port client secret (not shown): ").await?);
    let client = PortClient::new(
        Credentials {
            client_id: client_id.clone(),
            client_secret: secret.clone(),
        },
        ClientOptions {
            base_url: target.clone(),
            ..ClientOptions::default()
        },
    )?;
    client.token().await?;
    let mut settings = ctx.settings.clone();
    if region.is_some() {
        settings.port.region = region;
        // A base URL would win over the region just chosen.
        settings.port.base_url = None;
    }
    if base_url.is_some() {
        settings.port.base_url = base_url;
    }
    settings.port.client_id = Some(client_id);
    settings.port.client_secret = Some(secret);
    settings.save(&ctx.paths.config_file)?;
    eprintln!(
        "Port accepted the credentials ({target}); saved to {} (mode 0600)",
        ctx.paths.config_file.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn prompt_line(question: &str) -> anyhow::Result<String> {
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        bail!("nothing entered");
    }
    Ok(line)
}

/// Reads a line with the terminal's echo off, restored on every way out, Ctrl-C included;
/// from a pipe, a line.
async fn prompt_secret(question: &str) -> anyhow::Result<String> {
    let read_line = || -> std::io::Result<String> {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    };
    let line = if std::io::stdin().is_terminal() {
        eprint!("{question}");
        std::io::stderr().flush()?;
        let echo_off = EchoOff::new()?;
        let line = tokio::select! {
            read = tokio::task::spawn_blocking(read_line) => read??,
            _ = tokio::signal::ctrl_c() => {
                drop(echo_off);
                eprintln!();
                bail!("cancelled; nothing was saved");
            }
        };
        drop(echo_off);
        line
    } else {
        read_line()?
    };
    if line.is_empty() {
        bail!("no client secret entered");
    }
    Ok(line)
}

/// Terminal echo off for as long as it lives.
struct EchoOff {
    saved: libc::termios,
}

impl EchoOff {
    fn new() -> anyhow::Result<EchoOff> {
        // SAFETY: termios is plain data; tcgetattr fills it for a valid descriptor.
        let mut term: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut term) } != 0 {
            bail!("cannot read the terminal settings");
        }
        let saved = term;
        term.c_lflag &= !libc::ECHO;
        term.c_lflag |= libc::ECHONL;
        if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &term) } != 0 {
            bail!("cannot turn the terminal echo off");
        }
        Ok(EchoOff { saved })
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `new` on the same descriptor.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}
