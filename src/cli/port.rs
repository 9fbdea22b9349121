//! The headless Port commands: `blueprint check|setup`, `push`, `login`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::bail;
use serde_json::{Value, json};

use super::args::{Format, PushArgs};
use super::exit;
use super::prompt::{confirm, prompt_line, prompt_secret};
use crate::model::push::{Finished, Outcome, PushPlan, Verdict, entities};
use crate::model::text::printable;
use crate::ops::context::{Context, blueprint_of, load_mapping, open_catalog};
use crate::ops::push::{self as ops_push, Preflight, ensure_writable};
use crate::ops::records::Records;
use crate::port::blueprint;
use crate::port::push::Push;
use crate::port::{Catalog, ClientOptions, Credentials, PortClient, Secret};

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
    Ok(blueprint_of(load_mapping(ctx, mapping)?.mapping()))
}

fn demo_banner(catalog: &dyn Catalog) {
    if catalog.is_demo() {
        eprintln!("demo: an in-memory Port catalog; nothing leaves this machine");
    }
}

pub(super) async fn blueprint_check(
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

pub(super) async fn blueprint_setup(
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
    ensure_writable(catalog.as_ref())?;
    let question = format!(
        "Send {} to {}?",
        crate::model::text::counted(steps.len(), "request", "requests"),
        catalog.describe()
    );
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

pub(super) async fn push(ctx: &Context, args: PushArgs) -> anyhow::Result<ExitCode> {
    let catalog = open_catalog(ctx)?;
    demo_banner(catalog.as_ref());
    if let Some(journal) = args.resume.clone() {
        return resume(ctx, catalog, journal, &args).await;
    }
    let mappings = load_mapping(ctx, args.mapping.clone())?.mappings()?;
    let policies = crate::ops::inventory::reads_policies(&mappings);
    let records = Records::open(ctx, args.input.as_deref(), args.shape.into(), policies)
        .await?
        .only(&args.only)?;
    let preflight = ops_push::plan(
        catalog.as_ref(),
        &mappings,
        args.blueprint.as_deref(),
        args.semantics.into(),
        &records,
        args.create_missing_related,
    )
    .await?;
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
        print_requests(&plan, catalog.as_ref(), args.include_unchanged)?;
        let c = plan.counts();
        return Ok(exit(c.invalid + c.dangling == 0));
    }
    if to_send > 0 {
        ensure_writable(catalog.as_ref())?;
    }
    if to_send > 0 && !args.yes {
        let question = format!(
            "Push {} to blueprint `{}` at {}?",
            entities(to_send),
            plan.blueprint,
            catalog.describe()
        );
        if !confirm(&question)? {
            eprintln!("nothing sent");
            return Ok(ExitCode::FAILURE);
        }
    }
    let (push, lease) = ops_push::start(
        catalog.as_ref(),
        plan,
        args.include_unchanged,
        &ctx.journal_dir(),
    )?;
    run_push(catalog, push, lease, &args, true).await
}

async fn resume(
    ctx: &Context,
    catalog: Arc<dyn Catalog>,
    journal: Option<PathBuf>,
    args: &PushArgs,
) -> anyhow::Result<ExitCode> {
    let named = journal.is_some();
    let found = ops_push::find_resumable(catalog.as_ref(), &ctx.journal_dir(), journal)?;
    if !named {
        eprintln!("resuming {}", found.path.display());
    }
    if found.summary.resendable == 0 {
        println!(
            "nothing to resend: every entity of {} has its outcome",
            found.path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    ensure_writable(catalog.as_ref())?;
    if !args.yes {
        let question = format!(
            "Resend {} of {} to blueprint `{}` at {}?",
            entities(found.summary.resendable),
            found.path.display(),
            found.summary.blueprint,
            catalog.describe()
        );
        if !confirm(&question)? {
            eprintln!("nothing sent");
            return Ok(ExitCode::FAILURE);
        }
    }
    let (push, lease) = ops_push::resume(catalog.as_ref(), &found, &ctx.journal_dir())?;
    run_push(catalog, push, lease, args, false).await
}

/// Sends, then reports every entity that did not land. `plan_shown`: the refusals were named
/// with the plan already.
async fn run_push(
    catalog: Arc<dyn Catalog>,
    mut push: Push,
    lease: ops_push::Lease,
    args: &PushArgs,
    plan_shown: bool,
) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = stop_on_signals(stop.clone())?;
    let tty = std::io::stderr().is_terminal();
    let mut shown = false;
    let finished = ops_push::send(
        &mut push,
        &lease,
        catalog.as_ref(),
        args.in_flight,
        &stop,
        |done, total| {
            if tty && total > 0 {
                shown = true;
                eprint!("\rpushing {done}/{total}");
            }
        },
    )
    .await;
    watcher.abort();
    if shown {
        eprintln!();
    }
    if let Some(problem) = &finished.problem {
        eprintln!("error: {problem}");
    }
    let counts = push.counts();
    match args.output {
        Format::Json => print_report_json(&push, &finished, catalog.as_ref())?,
        Format::Text => {
            print_failures(&push, plan_shown);
            println!("{}", counts.summary());
            println!("journal: {}", finished.journal.display());
            if counts.did_not_land() > 0 {
                println!(
                    "resend what did not land: {}",
                    ops_push::resume_command(&finished.journal)
                );
            }
        }
    }
    Ok(exit(counts.ok() && finished.problem.is_none()))
}

fn print_report_json(
    push: &Push,
    finished: &Finished,
    catalog: &dyn Catalog,
) -> anyhow::Result<()> {
    let entities: Vec<Value> = push
        .plan
        .entries
        .iter()
        .zip(&finished.outcomes)
        .map(|(e, o)| {
            let o = o.clone().unwrap_or(Outcome::NotAttempted {
                reason: "no outcome recorded".into(),
            });
            json!({"repo": e.repo, "identifier": e.identifier, "plan": e.verdict.label(),
                   "outcome": o.key(), "detail": o.detail()})
        })
        .collect();
    let mut out = serde_json::to_value(push.counts())?;
    out["blueprint"] = json!(push.plan.blueprint);
    out["target"] = json!(catalog.describe());
    out["journal"] = json!(finished.journal.display().to_string());
    out["entities"] = json!(entities);
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// Ctrl-C, SIGINT, SIGTERM and SIGHUP stop the push after the requests in flight, so the
/// journal gets every answer and the rest can be resumed; a second one quits at once.
fn stop_on_signals(stop: Arc<AtomicBool>) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use crate::signals::{Signals, Stop};
    let mut signals = Signals::install(&[Stop::Interrupt, Stop::Terminate, Stop::HangUp])?;
    Ok(tokio::spawn(async move {
        let first = signals.next().await;
        eprintln!(
            "\nstopping ({}): waiting for the requests in flight (again to quit)",
            first.name()
        );
        stop.store(true, Ordering::SeqCst);
        let again = signals.next().await;
        std::process::exit(128 + i32::from(again.number()));
    }))
}

/// Every entity that did not land, on stderr.
fn print_failures(push: &Push, plan_shown: bool) {
    for (e, o) in push.plan.entries.iter().zip(&push.outcomes) {
        match o {
            Some(Outcome::Created | Outcome::Updated | Outcome::Unchanged) => {}
            Some(Outcome::Refused { .. }) if plan_shown => {}
            Some(o @ Outcome::Refused { .. }) => eprintln!(
                "{}: refused: {}",
                printable(&e.repo),
                printable(&o.detail().unwrap_or_default())
            ),
            Some(o) => eprintln!(
                "{}: {}: {}",
                printable(&e.repo),
                o.label(),
                printable(&o.detail().unwrap_or_default())
            ),
            None => eprintln!("{}: not attempted", printable(&e.repo)),
        }
    }
}

/// The plan on stderr: every entity that will not simply be created, and the counts.
fn print_plan(plan: &PushPlan, skipped: usize, include_unchanged: bool) {
    for e in &plan.entries {
        match &e.verdict {
            Verdict::Invalid(reasons) | Verdict::Dangling(reasons) => {
                for r in reasons {
                    eprintln!(
                        "{}: {}: {}",
                        printable(&e.repo),
                        e.verdict.label(),
                        printable(r)
                    );
                }
            }
            Verdict::Update(fields) => {
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                eprintln!("{}: update: {}", printable(&e.repo), names.join(", "));
            }
            _ => {}
        }
        for c in &e.creates {
            eprintln!("{}: Port will create {}", printable(&e.repo), printable(c));
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

/// `--dry-run`: the exact bulk requests a push would send, in order, split as the push
/// splits them.
fn print_requests(
    plan: &PushPlan,
    catalog: &dyn Catalog,
    include_unchanged: bool,
) -> anyhow::Result<()> {
    let dry_run = ops_push::dry_run(plan, include_unchanged)?;
    for (repo, why) in dry_run.refused {
        eprintln!("{}: would be refused: {why}", printable(&repo));
    }
    // The demo catalog has no URL; its requests are the API's paths.
    let base = if catalog.is_demo() {
        String::new()
    } else {
        catalog.describe()
    };
    let mut out = std::io::stdout().lock();
    for request in dry_run.requests {
        writeln!(out, "POST {base}{}", request.path)?;
        writeln!(out, "{}", serde_json::to_string(&request.body)?)?;
    }
    Ok(())
}

/// `login`: asks for the client ID and secret, checks them with Port, and keeps them in the
/// settings file (mode 0600).
pub(super) async fn login(
    ctx: &Context,
    client_id: Option<String>,
    region: Option<String>,
    base_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    if ctx.global.demo {
        // The demo promises that nothing leaves the machine; a login would send a secret.
        bail!("login keeps credentials for a real Port; the demo needs none (drop --demo)");
    }
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
