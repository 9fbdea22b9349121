//! `ecr-port tag drift`: each tagged repository's `port-` tags against the service relation of
//! its entity in Port.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use super::args::Format;
use crate::mapping::eval::{Semantics, Shape};
use crate::model::text::printable;
use crate::ops::context::{Context, load_mapping, open_catalog};
use crate::ops::drift::{self, RepoDrift};
use crate::ops::inventory::reads_policies;

pub(super) struct DriftArgs {
    pub mapping: Option<PathBuf>,
    pub input: Option<PathBuf>,
    pub semantics: Semantics,
    pub shape: Shape,
    pub output: Format,
    pub exit_code: bool,
}

pub(super) async fn drift(ctx: &Context, args: DriftArgs) -> anyhow::Result<ExitCode> {
    let mappings = load_mapping(ctx, args.mapping)?.mappings()?;
    let catalog = open_catalog(ctx)?;
    let repos = match &args.input {
        Some(path) => super::tags::saved_inventory(path)?,
        None => {
            let inventory = ctx.open_inventory().await?;
            super::tags::read_all(inventory.as_ref(), reads_policies(&mappings)).await?
        }
    };
    let report = drift::check(
        catalog.as_ref(),
        &repos,
        &mappings,
        args.semantics,
        args.shape,
        &ctx.prefix(),
    )
    .await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.output {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report.repos)?;
            out.write_all(b"\n")?;
        }
        Format::Text => out.write_all(text_table(&report.repos).as_bytes())?,
    }
    out.flush()?;
    let drifting = report
        .repos
        .iter()
        .filter(|r| r.comparison.state.drifts())
        .count();
    eprintln!(
        "{drifting} of {} tagged repositories drift from Port ({} in {}, relation `{}`)",
        report.repos.len(),
        catalog.describe(),
        report.blueprint,
        report.relation
    );
    Ok(super::exit(!(args.exit_code && drifting > 0)))
}

fn text_table(repos: &[RepoDrift]) -> String {
    let width = repos
        .iter()
        .map(|r| r.repository.chars().count() + r.region.len() + 3)
        .max()
        .unwrap_or(10)
        .max(10);
    let mut out = format!("{:<width$}  {:<15}  DETAIL\n", "REPOSITORY", "STATE");
    let mut sorted: Vec<&RepoDrift> = repos.iter().collect();
    sorted.sort_by_key(|r| (r.comparison.state, r.repository.as_str(), r.region.as_str()));
    for r in sorted {
        let name = format!("{} ({})", printable(&r.repository), r.region);
        out.push_str(&format!(
            "{name:<width$}  {:<15}  {}\n",
            r.comparison.state.label(),
            printable(&r.comparison.detail)
        ));
    }
    if repos.is_empty() {
        out.push_str("(no repository has a service tag)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::drift::{DriftState, PortSide, compare};

    #[test]
    fn the_table_puts_what_needs_doing_first() {
        let services = ["orders".to_owned()].into_iter().collect();
        let row = |name: &str, side: PortSide| RepoDrift {
            repository: name.into(),
            region: "eu-west-1".into(),
            arn: format!("arn:{name}"),
            comparison: compare(&["orders"], &side, &services),
        };
        let synced = PortSide::Entity {
            identifier: "a".into(),
            related: Some(vec!["orders".into()]),
        };
        let table = text_table(&[
            row("a", synced),
            row(
                "b",
                PortSide::Entity {
                    identifier: "b".into(),
                    related: None,
                },
            ),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[1].starts_with("b (eu-west-1)"), "{table}");
        assert!(lines[1].contains(DriftState::NotInPort.label()), "{table}");
        assert!(lines[2].contains("in sync"), "{table}");
    }
}
