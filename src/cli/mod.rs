//! The command line: parse the flags, then run the TUI, a headless command, or the jq worker.
//! Each headless command turns its flags into calls of `ops` and prints what comes back.

pub mod args;
mod aws;
mod drift;
mod keys;
mod port;
mod prompt;
mod tags;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;

use crate::config::{Paths, Settings};
use crate::mapping::worker;
use crate::model::text::printable;
use crate::ops::context::{Context, Flags};

use args::{BlueprintAction, Cli, Command};

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
        Err(err) if reader_left(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", printable(&describe_error(&err)));
            ExitCode::FAILURE
        }
    }
}

/// Success, or failure when something did not go as asked.
fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Whether the error is a closed pipe on the way (`ecr-port list | head`): the reader left,
/// which is not an error. serde_json wraps the I/O error it met, so both are looked at.
fn reader_left(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(|e| e.io_error_kind())
            })
            == Some(std::io::ErrorKind::BrokenPipe)
    })
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
    let mut settings = Settings::load(&paths.config_file, must_exist)?;
    if let Some(mapping) = cli.mapping {
        // Commands have their own `--mapping`, after their name.
        if cli.command.is_some() {
            anyhow::bail!(
                "--mapping before a command is the terminal UI's; put it after the command's name"
            );
        }
        settings.mapping.file = Some(mapping);
    }
    if let Some(theme) = cli.theme {
        if cli.command.is_some() {
            anyhow::bail!("--theme is the terminal UI's; commands print no colours");
        }
        settings.ui.theme = Some(theme);
    }
    let logging = crate::logging::init(&paths.log_file());
    if cli.command.is_some() {
        crate::logging::install_panic_hook(logging.then(|| paths.log_file()));
    }
    let g = cli.global;
    let ctx = Context {
        paths,
        settings,
        global: Flags {
            profile: g.profile.first().cloned(),
            profiles: g.profile,
            region: g.region,
            endpoint_url: g.endpoint_url,
            demo: g.demo,
            read_only: g.read_only,
            concurrency: g.concurrency,
            org_role: g.org_role,
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(dispatch(&ctx, cli.command));
    // Work still parked in the runtime (a blocking read, a worker pipe) must not hold the
    // exit once the command is done.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

/// Set, a headless command panics in a runtime worker before it starts. No input reaches a
/// panic, so this is how the tests see the crash report end to end.
const TEST_PANIC_VAR: &str = "ECR_PORT_TEST_PANIC";

async fn dispatch(ctx: &Context, command: Option<Command>) -> anyhow::Result<ExitCode> {
    if command.is_some() && std::env::var_os(TEST_PANIC_VAR).is_some() {
        let _ = tokio::spawn(async { panic!("{TEST_PANIC_VAR} is set") }).await;
    }
    match command {
        None => crate::tui::run(ctx).await,
        Some(Command::Keys) => keys::print(ctx),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            use std::io::Write as _;
            let mut cmd = crate::cli::args::Cli::command();
            // Into memory first: the generator panics on a closed pipe; a write reports it.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "ecr-port", &mut script);
            std::io::stdout().lock().write_all(&script)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::List {
            output,
            no_policies,
            policies,
        }) => {
            // The exporter record is complete in JSON; the table shows no policy.
            let policies = match output {
                args::Output::Json => !no_policies,
                args::Output::Table => policies,
            };
            aws::list(ctx, output, policies).await
        }
        Some(Command::Tag { action }) => aws::tag(ctx, action).await,
        Some(Command::Render {
            mapping,
            input,
            semantics,
            shape,
            timeout,
        }) => {
            let args = aws::RenderArgs {
                mapping,
                input,
                semantics: semantics.into(),
                shape: shape.into(),
                timeout,
            };
            aws::render(ctx, args).await
        }
        Some(Command::Blueprint { action }) => match action {
            BlueprintAction::Check {
                blueprint,
                mapping,
                output,
            } => port::blueprint_check(ctx, blueprint, mapping, output).await,
            BlueprintAction::Setup {
                blueprint,
                mapping,
                yes,
                dry_run,
            } => port::blueprint_setup(ctx, blueprint, mapping, yes, dry_run).await,
        },
        Some(Command::Push(args)) => port::push(ctx, args).await,
        Some(Command::Login {
            client_id,
            port_region,
            base_url,
        }) => port::login(ctx, client_id, port_region, base_url).await,
    }
}
