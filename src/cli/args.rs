//! Flags and subcommands, as clap reads them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::mapping::eval::{Semantics, Shape};

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
    /// The terminal UI's mapping file (exporter config.json or Ocean YAML) [default:
    /// `mapping.file` from the settings, else the shipped mapping]; commands take their own
    #[arg(long, value_name = "FILE", help_heading = "Terminal UI")]
    pub mapping: Option<PathBuf>,
    /// The terminal UI's colours, for a dark or a light terminal background [default: `ui.theme`
    /// from the settings, else dark]; NO_COLOR turns every colour off
    #[arg(long, value_enum, value_name = "THEME", help_heading = "Terminal UI")]
    pub theme: Option<crate::config::Theme>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags that work before or after any subcommand.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// AWS profile; wins over AWS_ACCESS_KEY_ID and friends, as in the AWS CLI. Several
    /// (repeated or comma-separated) load their accounts side by side
    #[arg(long, global = true, value_delimiter = ',')]
    pub profile: Vec<String>,
    /// Region(s) to read; repeat or separate with commas [default: the profile's region]
    #[arg(long, global = true, value_delimiter = ',', value_parser = region)]
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
    /// Most parallel AWS calls per account and region, 1 to 256; the number in flight adapts
    /// below it [default: 64]
    #[arg(long, global = true, value_parser = concurrency, allow_negative_numbers = true)]
    pub concurrency: Option<usize>,
    /// Also load every active account of the AWS Organization that the profile may list
    /// (`ListAccounts`), assuming this role in each; the profile's own account is read with
    /// its own credentials [default: `aws.organization.roleName`]
    #[arg(long, global = true, value_name = "ROLE", value_parser = org_role)]
    pub org_role: Option<String>,
}

/// `--in-flight`: past this, more bulk requests at once mostly earn Port's 429s.
const MAX_IN_FLIGHT: usize = 64;
/// `--timeout`: a mapping that needs more than an hour for one repository is stuck.
const MAX_TIMEOUT_SECONDS: f64 = 3600.0;
/// `--timeout`: below this, starting the worker alone overruns, and every field would time out.
const MIN_TIMEOUT_SECONDS: f64 = 0.05;

// Each numeric flag has a parser with its range: clap's plain ones take any `usize` or `f64`,
// and `inf`, `nan` or 2^64 - 1 reached a panic or an endless run. The flags also take
// negative numbers as values, so `--timeout -1` gets the range, not "unexpected argument".

/// `--region "eu-west-1, us-east-1"`: the spaces around a comma are not part of a name.
fn region(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Err("an empty region name (e.g. eu-west-1,us-east-1)".to_owned());
    }
    Ok(name.to_owned())
}

fn org_role(text: &str) -> Result<String, String> {
    let name = text.trim();
    crate::config::check_role_name(name)?;
    Ok(name.to_owned())
}

fn concurrency(text: &str) -> Result<usize, String> {
    whole_number(text, crate::config::MAX_CONCURRENCY)
}

fn in_flight(text: &str) -> Result<usize, String> {
    whole_number(text, MAX_IN_FLIGHT)
}

fn whole_number(text: &str, max: usize) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from 1 to {max}")),
    }
}

fn seconds(text: &str) -> Result<f64, String> {
    // NaN fails both comparisons, infinity the second.
    match text.trim().parse::<f64>() {
        Ok(s) if (MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS).contains(&s) => Ok(s),
        _ => Err(format!(
            "must be a number of seconds from {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS}"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List repositories with their tags, as the JSON Port's AWS exporter maps
    List {
        /// json: one array of AWS::ECR::Repository objects; table: for people
        #[arg(long, short, value_enum, default_value_t = Output::Json)]
        output: Output,
        /// Skip lifecycle and repository policies (two calls fewer per repository); the
        /// JSON output reads them unless told not to, the table only with --policies
        #[arg(long, conflicts_with = "policies")]
        no_policies: bool,
        /// Read the lifecycle and repository policies for the table too
        #[arg(long)]
        policies: bool,
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
        /// Seconds each evaluation may take before the worker is stopped, at most 3600
        #[arg(long, default_value_t = 2.0, value_parser = seconds, allow_negative_numbers = true)]
        timeout: f64,
    },
    /// Check the Port blueprint for the `service` relation, or set it up
    Blueprint {
        #[command(subcommand)]
        action: BlueprintAction,
    },
    /// Validate, diff and upsert the mapped entities into Port (journaled, resumable)
    Push(PushArgs),
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
    /// Print the terminal UI's keys as the keymap file (keymap.json beside the settings) makes
    /// them: context, keys, action, what it does; an invalid keymap fails with its problems
    Keys,
    /// Print the shell completion script, e.g. `ecr-port completions bash > ~/.bash_completion.d/ecr-port`
    Completions {
        /// The shell the script is for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlueprintAction {
    /// Say whether the blueprint exists with the guide's `service` relation (exit 1 if not)
    Check {
        /// The blueprint to check [default: the mapping's, else ecr_repository]
        #[arg(long)]
        blueprint: Option<String>,
        /// The mapping whose blueprint is meant [default: as for `render`]
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// text: the findings for people; json: findings and the setup requests
        #[arg(long, short, value_enum, default_value_t = Format::Text)]
        output: Format,
    },
    /// Create the blueprint or add the relation, showing the exact requests first
    Setup {
        /// The blueprint to set up [default: the mapping's, else ecr_repository]
        #[arg(long)]
        blueprint: Option<String>,
        /// The mapping whose blueprint is meant [default: as for `render`]
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
        /// Repositories to tag, each a name or an ARN
        #[arg(required = true, value_name = "REPO")]
        repos: Vec<String>,
    },
    /// Remove the `port-<service>` tag from each repository; no other tag is touched
    Remove {
        /// Port service identifier whose tag goes (the prefix plus this is the key)
        #[arg(long)]
        service: String,
        /// Print the plan and write nothing
        #[arg(long)]
        dry_run: bool,
        /// Repositories to untag, each a name or an ARN
        #[arg(required = true, value_name = "REPO")]
        repos: Vec<String>,
    },
    /// Suggest a Port service for each repository without a service tag, as a reviewable plan
    Suggest {
        /// No suggestion below this score, 0 to 1
        #[arg(long, default_value_t = crate::model::suggest::DEFAULT_MIN_SCORE,
              value_parser = score, allow_negative_numbers = true)]
        min_score: f64,
        /// Also repositories that already have a service tag
        #[arg(long)]
        all: bool,
        /// A JSON array of identifiers or {identifier, title} objects, instead of Port's
        #[arg(long, value_name = "FILE")]
        services: Option<PathBuf>,
        /// A JSON array as `ecr-port list --output json` prints it [default: the live inventory]
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// json: the plan `tag apply` reads; text: a table for people
        #[arg(long, short, value_enum, default_value_t = Format::Json)]
        output: Format,
    },
    /// Tag each repository of a plan (as `tag suggest` prints it) with its `service`
    Apply {
        /// The plan file; entries with `"skip": true` or no service are left out
        #[arg(long, value_name = "FILE")]
        plan: PathBuf,
        /// Print the plan and write nothing
        #[arg(long)]
        dry_run: bool,
        /// Do not ask before writing
        #[arg(long, short)]
        yes: bool,
    },
    /// Compare each tagged repository's `port-` tags with the service its entity relates to in Port
    Drift {
        /// Exporter config.json or Ocean mapping YAML, which names each repository's entity
        /// [default: as for `render`]
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// A JSON array as `ecr-port list --output json` prints it [default: the live inventory]
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Whose rules make the entity identifiers: the AWS exporter's or Ocean's
        #[arg(long, value_enum, default_value_t = SemanticsArg::Exporter)]
        semantics: SemanticsArg,
        /// The input shape the mapping reads
        #[arg(long, value_enum, default_value_t = ShapeArg::Exporter)]
        shape: ShapeArg,
        /// json: one array, one object per tagged repository; text: a table for people
        #[arg(long, short, value_enum, default_value_t = Format::Json)]
        output: Format,
        /// Exit 1 when any repository is not in sync (for CI)
        #[arg(long)]
        exit_code: bool,
    },
    /// Put back the service tags a journaled write changed [default: the last write]
    Undo {
        /// A tag journal from the state directory's `tag-writes`
        #[arg(value_name = "JOURNAL")]
        journal: Option<PathBuf>,
        /// Do not ask before writing
        #[arg(long, short)]
        yes: bool,
    },
}

fn score(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if (0.0..=1.0).contains(&s) => Ok(s),
        _ => Err("must be a number from 0 to 1".into()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Json,
    Table,
}

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
    /// Bulk requests in flight at once, 1 to 64
    #[arg(
        long,
        default_value_t = crate::port::push::DEFAULT_IN_FLIGHT,
        value_parser = in_flight,
        allow_negative_numbers = true
    )]
    pub in_flight: usize,
    /// text: the plan and the outcomes for people; json: the report as one object
    #[arg(long, short, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

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
        assert_eq!(cli.global.profile, ["dev"]);
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
    fn numeric_flags_keep_their_defaults_and_bounds() {
        let cli = Cli::try_parse_from(["ecr-port", "render"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Render { timeout, .. }) if timeout == 2.0));
        let cli = Cli::try_parse_from(["ecr-port", "render", "--timeout", "3600"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Render { timeout, .. }) if timeout == 3600.0));
        let cli = Cli::try_parse_from([
            "ecr-port",
            "--concurrency",
            "256",
            "push",
            "--in-flight",
            "64",
        ])
        .unwrap();
        assert_eq!(cli.global.concurrency, Some(256));
        assert!(matches!(
            cli.command,
            Some(Command::Push(PushArgs { in_flight: 64, .. }))
        ));
        let cli = Cli::try_parse_from(["ecr-port", "push"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Push(PushArgs { in_flight, .. }))
            if in_flight == crate::port::push::DEFAULT_IN_FLIGHT)
        );
        // A negative number is the flag's value, refused by its range, not a stray argument.
        let err = Cli::try_parse_from(["ecr-port", "render", "--timeout", "-1"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation, "{err}");
        for too_much in [
            ["render", "--timeout", "3600.5"],
            ["render", "--timeout", "1e-300"],
            ["render", "--timeout", "0.01"],
            ["push", "--in-flight", "65"],
            ["list", "--concurrency", "257"],
        ] {
            let argv = std::iter::once("ecr-port").chain(too_much);
            assert!(Cli::try_parse_from(argv).is_err(), "{too_much:?}");
        }
    }

    #[test]
    fn every_flag_and_argument_says_what_it_is_for() {
        use clap::CommandFactory;
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {}", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "ecr-port", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }

    #[test]
    fn regions_lose_the_spaces_around_commas() {
        let cli = Cli::try_parse_from(["ecr-port", "--region", "eu-west-1, us-east-1"]).unwrap();
        assert_eq!(cli.global.region, ["eu-west-1", "us-east-1"]);
        assert!(Cli::try_parse_from(["ecr-port", "--region", "eu-west-1,,"]).is_err());
    }
}
