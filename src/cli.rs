//! Command-line interface: flags, subcommands, and the headless commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Paths, Settings};
use crate::inventory;
use crate::mapping::eval::{Semantics, Shape};
use crate::mapping::worker::{self, WorkerClient, WorkerOptions};
use crate::mapping::{self, Plan};
use crate::model::{Fetched, Repository, tag_rules, tags, time};
use crate::session::{Context, Flags, load_mapping, open_inventory};
use futures::StreamExt;

#[derive(Debug, Parser)]
#[command(
    name = "ecr-port",
    version,
    about = "Keep a Port catalog in sync with AWS ECR: inventory, port-<service> tags, JQ mappings",
    after_help = "Without a command, opens the interactive terminal UI. Press ? in it for keys."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags that work before or after any subcommand.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// AWS profile; wins over AWS_ACCESS_KEY_ID and friends, as in the AWS CLI
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Region(s) to read; repeat or separate with commas [default: the profile's region]
    #[arg(long, global = true, value_delimiter = ',')]
    pub region: Vec<String>,
    /// ECR endpoint, e.g. http://localhost:5000 for moto or LocalStack
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Settings file [default: ~/.config/ecr-port/config.json]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Use the embedded demo inventory and an in-memory Port catalog; nothing leaves the machine
    #[arg(long, global = true)]
    pub demo: bool,
    /// Refuse every write (tags, Port)
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Parallel ECR calls per region [default: 8]
    #[arg(long, global = true)]
    pub concurrency: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List repositories with their tags, as the JSON Port's AWS exporter maps
    List {
        /// json: one array of AWS::ECR::Repository objects; table: for people
        #[arg(long, short, value_enum, default_value_t = Output::Json)]
        output: Output,
        /// Skip lifecycle and repository policies (two calls fewer per repository)
        #[arg(long)]
        no_policies: bool,
    },
    /// Add or remove `port-<service>` tags, checked before any request
    Tag {
        #[command(subcommand)]
        action: TagAction,
    },
    /// Evaluate a JQ mapping over repositories and print Port entities, one JSON per line
    Render {
        /// Exporter config.json or Ocean mapping YAML [default: `mapping.file` from the
        /// settings, else the shipped mapping with the guide's bugs fixed]
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// A JSON array as `ecr-port list --output json` prints it [default: the live inventory]
        #[arg(long)]
        input: Option<PathBuf>,
        /// Whose rules: the AWS exporter (errors drop the entity) or Ocean (errors become null)
        #[arg(long, value_enum, default_value_t = SemanticsArg::Exporter)]
        semantics: SemanticsArg,
        /// The input shape the mapping reads
        #[arg(long, value_enum, default_value_t = ShapeArg::Exporter)]
        shape: ShapeArg,
        /// Seconds each evaluation may take before the worker is stopped
        #[arg(long, default_value_t = 2.0)]
        timeout: f64,
    },
    /// Check the Port blueprint for the `service` relation, or set it up
    Blueprint {
        #[command(subcommand)]
        action: BlueprintAction,
    },
    /// Validate, diff and upsert the mapped entities into Port (journaled, resumable)
    Push(crate::cli_port::PushArgs),
    /// Keep Port credentials in the settings file (mode 0600), checked with Port first
    Login {
        /// Client ID from Port's Credentials dialog [default: asked]
        #[arg(long)]
        client_id: Option<String>,
        /// `eu` (api.port.io) or `us` (api.us.port.io)
        #[arg(long)]
        port_region: Option<String>,
        /// Another API base URL
        #[arg(long)]
        base_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlueprintAction {
    /// Say whether the blueprint exists with the guide's `service` relation (exit 1 if not)
    Check {
        #[arg(long)]
        blueprint: Option<String>,
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// text: the findings for people; json: findings and the setup requests
        #[arg(long, short, value_enum, default_value_t = crate::cli_port::Format::Text)]
        output: crate::cli_port::Format,
    },
    /// Create the blueprint or add the relation, showing the exact requests first
    Setup {
        #[arg(long)]
        blueprint: Option<String>,
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Do not ask before sending
        #[arg(long, short)]
        yes: bool,
        /// Print the requests and send nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SemanticsArg {
    Exporter,
    Ocean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    Exporter,
    OceanAws,
    AwsV3,
}

impl From<SemanticsArg> for Semantics {
    fn from(s: SemanticsArg) -> Semantics {
        match s {
            SemanticsArg::Exporter => Semantics::Exporter,
            SemanticsArg::Ocean => Semantics::Ocean,
        }
    }
}

impl From<ShapeArg> for Shape {
    fn from(s: ShapeArg) -> Shape {
        match s {
            ShapeArg::Exporter => Shape::Exporter,
            ShapeArg::OceanAws => Shape::OceanAws,
            ShapeArg::AwsV3 => Shape::AwsV3,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TagAction {
    /// Add the `port-<service>` tag to each repository (a name or an ARN)
    Add {
        /// Port service identifier; the key is the prefix (default `port-`) plus this
        #[arg(long)]
        service: String,
        /// Tag value [default: `tags.defaultValue` from the settings, else `true`]
        #[arg(long)]
        value: Option<String>,
        /// Print the plan and write nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(required = true, value_name = "REPO")]
        repos: Vec<String>,
    },
    /// Remove the `port-<service>` tag from each repository; no other tag is touched
    Remove {
        #[arg(long)]
        service: String,
        /// Print the plan and write nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(required = true, value_name = "REPO")]
        repos: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Json,
    Table,
}

pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == worker::WORKER_ARG) {
        let limit = args
            .get(2)
            .and_then(|a| a.to_str())
            .and_then(|a| a.parse().ok())
            .unwrap_or(worker::DEFAULT_MEMORY_LIMIT);
        return worker::run(limit);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `ecr-port list | head`: the reader left, which is not an error.
        Err(err)
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", describe_error(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each once: our errors already quote their source.
fn describe_error(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(cli.global.config.as_deref())?;
    // `login` creates the settings file; elsewhere a file named but missing is a mistake.
    let must_exist =
        cli.global.config.is_some() && !matches!(cli.command, Some(Command::Login { .. }));
    let settings = Settings::load(&paths.config_file, must_exist)?;
    crate::logging::init(&paths.log_file());
    let g = cli.global;
    let ctx = Context {
        paths,
        settings,
        global: Flags {
            profile: g.profile,
            region: g.region,
            endpoint_url: g.endpoint_url,
            demo: g.demo,
            read_only: g.read_only,
            concurrency: g.concurrency,
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = match cli.command {
        None => runtime
            .block_on(crate::tui::run(&ctx))
            .map(|()| ExitCode::SUCCESS),
        Some(Command::List {
            output,
            no_policies,
        }) => runtime.block_on(list(&ctx, output, !no_policies)),
        Some(Command::Tag { action }) => runtime.block_on(tag(&ctx, action)),
        Some(Command::Render {
            mapping,
            input,
            semantics,
            shape,
            timeout,
        }) => runtime.block_on(render(
            &ctx,
            RenderArgs {
                mapping,
                input,
                semantics: semantics.into(),
                shape: shape.into(),
                timeout,
            },
        )),
        Some(Command::Blueprint { action }) => runtime.block_on(async {
            match action {
                BlueprintAction::Check {
                    blueprint,
                    mapping,
                    output,
                } => crate::cli_port::blueprint_check(&ctx, blueprint, mapping, output).await,
                BlueprintAction::Setup {
                    blueprint,
                    mapping,
                    yes,
                    dry_run,
                } => crate::cli_port::blueprint_setup(&ctx, blueprint, mapping, yes, dry_run).await,
            }
        }),
        Some(Command::Push(args)) => runtime.block_on(crate::cli_port::push(&ctx, args)),
        Some(Command::Login {
            client_id,
            port_region,
            base_url,
        }) => runtime.block_on(crate::cli_port::login(
            &ctx,
            client_id,
            port_region,
            base_url,
        )),
    };
    // Work still parked in the runtime (a blocking read, a worker pipe) must not hold the
    // exit once the command is done.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

async fn list(ctx: &Context, output: Output, policies: bool) -> anyhow::Result<ExitCode> {
    let inventory = open_inventory(ctx.global.demo, &ctx.aws_options()).await?;
    let (mut repos, failures) = inventory::collect(inventory.as_ref(), policies).await;
    repos.sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    let mut problems: Vec<String> = failures
        .iter()
        .map(|(region, err)| format!("{region}: {err}"))
        .collect();
    for repo in &repos {
        for (what, failed) in [
            ("tags", failed(&repo.tags)),
            ("lifecycle policy", failed(&repo.lifecycle_policy)),
            ("repository policy", failed(&repo.repository_policy)),
        ] {
            if !policies && what != "tags" {
                continue;
            }
            if let Some(why) = failed {
                problems.push(format!("{} ({}): {what}: {why}", repo.name, repo.region));
            }
        }
    }
    if !problems.is_empty() {
        // Half an inventory would silently mislead a mapping or a push: print nothing.
        for p in &problems {
            eprintln!("error: {p}");
        }
        return Ok(ExitCode::FAILURE);
    }
    let prefix = ctx.prefix();
    match output {
        Output::Json => print_exporter_json(&repos)?,
        Output::Table => print!("{}", table(&repos, &prefix)),
    }
    Ok(ExitCode::SUCCESS)
}

async fn tag(ctx: &Context, action: TagAction) -> anyhow::Result<ExitCode> {
    let prefix = ctx.prefix();
    // Rules first: a bad key never costs a request.
    let (plan_for, dry_run, wanted) = match action {
        TagAction::Add {
            service,
            value,
            dry_run,
            repos,
        } => {
            let value = value.unwrap_or_else(|| ctx.tag_value());
            let tag = tag_rules::service_tag(&prefix, &service, &value)?;
            (PlanKind::Add(tag), dry_run, repos)
        }
        TagAction::Remove {
            service,
            dry_run,
            repos,
        } => {
            let key = format!("{prefix}{}", service.trim());
            tag_rules::check_key(&key)?;
            (PlanKind::Remove(key), dry_run, repos)
        }
    };
    let inventory = open_inventory(ctx.global.demo, &ctx.aws_options()).await?;
    let (repos, failures) = inventory::collect(inventory.as_ref(), false).await;
    for (region, err) in &failures {
        eprintln!("error: {region}: {err}");
    }
    let mut ok = failures.is_empty();
    let mut targets: Vec<&Repository> = Vec::new();
    for want in &wanted {
        let found: Vec<&Repository> = repos.iter().filter(|r| r.answers_to(want)).collect();
        if found.is_empty() {
            ok = false;
            println!(
                "FAIL  {want}: no such repository in {}",
                inventory.regions().join(", ")
            );
        }
        for r in found {
            if !targets.iter().any(|t| t.arn == r.arn) {
                targets.push(r);
            }
        }
    }
    let plan = match &plan_for {
        PlanKind::Add(tag) => tag_rules::plan_add(&targets, tag),
        PlanKind::Remove(key) => tag_rules::plan_remove(&targets, key),
    };
    for item in plan.iter().filter(|i| !i.change.writes()) {
        let refused = matches!(item.change, tag_rules::Change::Refused { .. });
        ok &= !refused;
        let label = if refused { "FAIL" } else { "skip" };
        println!(
            "{label}  {} ({}): {}",
            item.name,
            item.region,
            item.change.describe()
        );
    }
    let writes: Vec<&tag_rules::PlanItem> = plan.iter().filter(|i| i.change.writes()).collect();
    if dry_run {
        for item in &writes {
            println!(
                "plan  {} ({}): {}",
                item.name,
                item.region,
                item.change.describe()
            );
            for w in &item.warnings {
                println!("      warning: {w}");
            }
        }
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let read_only = ctx.read_only();
    let concurrency = ctx.aws_options().concurrency;
    let results: Vec<inventory::Applied> = futures::stream::iter(writes.iter().copied())
        .map(|item| inventory::apply(inventory.as_ref(), read_only, item))
        .buffered(concurrency)
        .collect()
        .await;
    for (item, applied) in writes.iter().zip(&results) {
        match &applied.result {
            Ok(_) => println!(
                "ok    {} ({}): {}",
                item.name,
                item.region,
                item.change.describe()
            ),
            Err(e) => {
                ok = false;
                println!("FAIL  {} ({}): {e}", item.name, item.region);
            }
        }
        for w in &item.warnings {
            println!("      warning: {w}");
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

struct RenderArgs {
    mapping: Option<PathBuf>,
    input: Option<PathBuf>,
    semantics: Semantics,
    shape: Shape,
    timeout: f64,
}

/// What `render` evaluates: each repository's label for messages, and its input in `shape`.
enum RenderInputs {
    /// Inputs built here, with their labels.
    Built {
        labels: Vec<String>,
        inputs: Arc<Vec<serde_json::Value>>,
    },
    /// A saved exporter-shaped file the worker reads itself, while the labels are read here.
    File(PathBuf),
}

/// Just what a message needs from a saved repository; the rest stays in the file.
#[derive(serde::Deserialize)]
struct SavedLabel {
    #[serde(rename = "RepositoryName")]
    name: String,
    #[serde(rename = "Arn")]
    arn: String,
}

/// Repositories from a saved `list --output json`, or from the live inventory.
async fn render_inputs(
    ctx: &Context,
    input: Option<PathBuf>,
    shape: Shape,
) -> anyhow::Result<RenderInputs> {
    let label = |r: &Repository| format!("{} ({})", r.name, r.region);
    let Some(path) = input else {
        let repos = read_live(ctx).await?;
        return Ok(RenderInputs::Built {
            labels: repos.iter().map(label).collect(),
            inputs: Arc::new(repos.iter().map(|r| shape.input(r)).collect()),
        });
    };
    if shape == Shape::Exporter {
        // The file already is the exporter's shape: the worker reads it itself.
        return Ok(RenderInputs::File(
            std::path::absolute(&path).unwrap_or(path),
        ));
    }
    let repos = read_saved(&path)?;
    Ok(RenderInputs::Built {
        labels: repos.iter().map(label).collect(),
        inputs: Arc::new(repos.iter().map(|r| shape.input(r)).collect()),
    })
}

/// Every repository of the live inventory, with policies; any region that fails fails the
/// whole read (a mapping over half an inventory would mislead).
pub(crate) async fn read_live(ctx: &Context) -> anyhow::Result<Vec<Repository>> {
    let inventory = open_inventory(ctx.global.demo, &ctx.aws_options()).await?;
    let (repos, failures) = inventory::collect(inventory.as_ref(), true).await;
    if let Some((region, err)) = failures.first() {
        anyhow::bail!("{region}: {err}");
    }
    Ok(repos)
}

/// Repositories saved by `ecr-port list --output json`.
pub(crate) fn read_saved(path: &std::path::Path) -> anyhow::Result<Vec<Repository>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let items: Vec<serde_json::Value> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a JSON array as `ecr-port list --output json` prints",
            path.display()
        )
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Repository::from_exporter_json(item)
                .map_err(|e| anyhow::anyhow!("{}: item {i}: {e}", path.display()))
        })
        .collect()
}

/// `name (region)` of every repository in a saved file, for messages.
fn saved_labels(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let saved: Vec<SavedLabel> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a JSON array as `ecr-port list --output json` prints",
            path.display()
        )
    })?;
    saved
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let region = s
                .arn
                .split(':')
                .nth(3)
                .filter(|_| s.arn.starts_with("arn:"));
            region
                .map(|region| format!("{} ({region})", s.name))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}: item {i}: `{}` is not an ECR repository ARN",
                        path.display(),
                        s.arn
                    )
                })
        })
        .collect()
}

async fn render(ctx: &Context, args: RenderArgs) -> anyhow::Result<ExitCode> {
    let mapping_file = load_mapping(ctx, args.mapping)?;
    let inputs = render_inputs(ctx, args.input, args.shape).await?;
    let plan = Plan::new(mapping_file.mapping());
    let mut opts = WorkerOptions::current()?;
    opts.deadline = std::time::Duration::from_secs_f64(args.timeout.max(0.05));
    let mut client = WorkerClient::new(opts);
    let labels = match inputs {
        RenderInputs::Built { labels, inputs } => {
            client.load(inputs).await.context("loading the inputs")?;
            labels
        }
        RenderInputs::File(path) => {
            // The worker reads the file while the labels are read here.
            let file = path.to_string_lossy().into_owned();
            let (loaded, labels) =
                tokio::join!(client.load_file(file), async { saved_labels(&path) });
            let labels = labels?;
            loaded.context("loading the inputs")?;
            labels
        }
    };
    let (compile, rendered) = mapping::render_all(&mut client, &plan, args.semantics, labels.len())
        .await
        .context("evaluating the mapping")?;
    let mut ok = true;
    for (field, issues) in plan.fields.iter().zip(&compile) {
        for issue in issues {
            ok = false;
            eprintln!("error: {}: does not compile: {}", field.name, issue.message);
        }
    }
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::new(stdout);
    for (repo, item) in labels.iter().zip(&rendered) {
        if let Some(entity) = &item.entity {
            std::io::Write::write_all(&mut out, entity.get().as_bytes())?;
            std::io::Write::write_all(&mut out, b"\n")?;
        }
        for (field, message) in &item.problems {
            ok = false;
            if item.entity.is_some() {
                eprintln!("{repo}: {field}: {message}");
            } else {
                eprintln!("{repo}: dropped: {field}: {message}");
            }
        }
    }
    std::io::Write::flush(&mut out)?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

enum PlanKind {
    Add(crate::model::Tag),
    Remove(String),
}

fn failed<T>(f: &Fetched<T>) -> Option<&str> {
    match f {
        Fetched::Failed(why) => Some(why),
        // A finished load leaves nothing pending; if it did, the output would be wrong.
        Fetched::Pending => Some("never arrived"),
        Fetched::Absent | Fetched::Present(_) => None,
    }
}

/// Streams the array to stdout one object at a time: at 10,000 repositories, building every
/// object and the whole text first would double the peak memory.
fn print_exporter_json(repos: &[Repository]) -> anyhow::Result<()> {
    struct Exporter<'a>(&'a [Repository]);
    impl serde::Serialize for Exporter<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeSeq;
            let mut seq = s.serialize_seq(Some(self.0.len()))?;
            for repo in self.0 {
                seq.serialize_element(&repo.exporter_json())?;
            }
            seq.end()
        }
    }
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::new(stdout);
    serde_json::to_writer_pretty(&mut out, &Exporter(repos))?;
    std::io::Write::write_all(&mut out, b"\n")?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}

fn table(repos: &[Repository], prefix: &str) -> String {
    let header = [
        "NAME",
        "REGION",
        "PORT SERVICES",
        "OTHER TAGS",
        "TAG MUTABILITY",
        "SCAN",
        "CREATED",
    ];
    let rows: Vec<[String; 7]> = repos
        .iter()
        .map(|r| {
            let services = tags::services(r.tag_list(), prefix);
            [
                r.name.clone(),
                r.region.clone(),
                if services.is_empty() {
                    "-".to_owned()
                } else {
                    services.join(",")
                },
                tags::other_count(r.tag_list(), prefix).to_string(),
                r.image_tag_mutability.clone(),
                if r.scan_on_push { "on" } else { "off" }.to_owned(),
                r.created_at.map(time::format_date).unwrap_or_default(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "ecr-port",
            "list",
            "--output",
            "json",
            "--region",
            "eu-west-1,us-east-1",
            "--region",
            "ap-south-1",
            "--profile",
            "dev",
            "--read-only",
        ])
        .unwrap();
        assert_eq!(cli.global.region, ["eu-west-1", "us-east-1", "ap-south-1"]);
        assert_eq!(cli.global.profile.as_deref(), Some("dev"));
        assert!(cli.global.read_only);
        assert!(matches!(
            cli.command,
            Some(Command::List {
                output: Output::Json,
                ..
            })
        ));
    }

    #[test]
    fn table_aligns_columns() {
        let repos = vec![
            crate::model::repository::sample("a", "eu-west-1", &[("port-x", "true")]),
            crate::model::repository::sample("long/name", "us-east-1", &[("t", "1")]),
        ];
        let out = table(&repos, "port-");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("NAME       REGION"));
        assert!(lines[1].contains("x "));
        assert_eq!(lines[1].find("eu-west-1"), lines[0].find("REGION"));
    }
}
