//! The headless ECR commands: `list`, `tag add|remove`, `render`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::args::{Output, TagAction};
use super::exit;
use crate::mapping::eval::{Semantics, Shape};
use crate::mapping::file::{Format, Origin};
use crate::model::text::printable;
use crate::model::{Repository, tags, time};
use crate::ops::context::{Context, load_mapping};
use crate::ops::records::Records;
use crate::ops::tags::TagChange;
use crate::ops::{inventory, render as rendering};

pub(super) async fn list(
    ctx: &Context,
    output: Output,
    policies: bool,
) -> anyhow::Result<ExitCode> {
    let listing = inventory::list(ctx, policies).await?;
    if !listing.problems.is_empty() {
        // Half an inventory would silently mislead a mapping or a push: print nothing.
        for p in &listing.problems {
            eprintln!("error: {p}");
        }
        return Ok(ExitCode::FAILURE);
    }
    match output {
        Output::Json => print_exporter_json(&listing.repos)?,
        Output::Table => print!("{}", table(&listing.repos, &ctx.prefix())),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn tag(ctx: &Context, action: TagAction) -> anyhow::Result<ExitCode> {
    let prefix = ctx.prefix();
    let named = |service: &str| {
        let (service, note) = crate::model::tag_rules::service_named(&prefix, service);
        if let Some(note) = note {
            eprintln!("note: {}", printable(&note));
        }
        service
    };
    // Rules first: a bad key never costs a request.
    let (change, dry_run, wanted, source) = match action {
        TagAction::Add {
            service,
            value,
            dry_run,
            repos,
        } => {
            let value = value.unwrap_or_else(|| ctx.tag_value());
            (
                TagChange::add(&prefix, &named(&service), &value)?,
                dry_run,
                repos,
                "tag add",
            )
        }
        TagAction::Remove {
            service,
            dry_run,
            repos,
        } => (
            TagChange::remove(&prefix, &named(&service))?,
            dry_run,
            repos,
            "tag remove",
        ),
        TagAction::Suggest {
            min_score,
            all,
            services,
            input,
            output,
        } => {
            let args = super::tags::SuggestArgs {
                min_score,
                all,
                services,
                input,
                output,
            };
            return super::tags::suggest(ctx, args).await;
        }
        TagAction::Apply { plan, dry_run, yes } => {
            return super::tags::apply(ctx, &plan, dry_run, yes).await;
        }
        TagAction::Undo { journal, yes } => return super::tags::undo(ctx, journal, yes).await,
        TagAction::Drift {
            mapping,
            input,
            semantics,
            shape,
            output,
            exit_code,
        } => {
            let args = super::drift::DriftArgs {
                mapping,
                input,
                semantics: semantics.into(),
                shape: shape.into(),
                output,
                exit_code,
            };
            return super::drift::drift(ctx, args).await;
        }
    };
    let inventory = ctx.open_inventory().await?;
    let (repos, failures) = crate::inventory::collect(inventory.as_ref(), false).await;
    for (region, err) in &failures {
        eprintln!("error: {region}: {err}");
    }
    let mut ok = failures.is_empty();
    let (targets, unknown) = crate::ops::tags::named(&repos, &wanted);
    for want in unknown {
        ok = false;
        println!(
            "FAIL  {}: no such repository in {}",
            printable(want),
            inventory.regions().join(", ")
        );
    }
    let plan = change.plan(&targets);
    ok &= super::tags::report_idle(&plan);
    let batches = plan
        .into_iter()
        .filter(|i| i.change.writes())
        .map(|i| crate::ops::tags::Batch::of(i, &repos))
        .collect();
    let source = super::tags::Source {
        name: source,
        undoes: None,
    };
    let confirm = super::tags::Confirm::Never;
    super::tags::run_batches(ctx, inventory, batches, ok, dry_run, confirm, source).await
}

pub(super) struct RenderArgs {
    pub mapping: Option<PathBuf>,
    pub input: Option<PathBuf>,
    pub semantics: Semantics,
    pub shape: Shape,
    pub timeout: f64,
}

pub(super) async fn render(ctx: &Context, args: RenderArgs) -> anyhow::Result<ExitCode> {
    let file = load_mapping(ctx, args.mapping)?;
    if let Some(hint) = ocean_hint(file.format(), args.shape, args.semantics) {
        eprintln!("note: {hint}");
    }
    let mappings = file.mappings()?;
    let policies = inventory::reads_policies(&mappings);
    let records = Records::open(ctx, args.input.as_deref(), args.shape, policies).await?;
    let deadline = Duration::from_secs_f64(args.timeout);
    let rendering = rendering::render(&records, &mappings, args.semantics, Some(deadline)).await?;
    let mut ok = rendering.compile_errors.is_empty();
    for error in &rendering.compile_errors {
        eprintln!("error: {error}");
    }
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::new(stdout);
    let mut by_identity: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for item in &rendering.items {
        let label = rendering.label(item);
        if let Some(entity) = &item.rendered.entity {
            let origin = rendering.labelled.then_some(item.origin);
            write_entity(&mut out, entity.get(), origin)?;
            if let Some(identity) = identity_of(entity.get()) {
                by_identity.entry(identity).or_default().push(label.clone());
            }
        }
        for (field, message) in &item.rendered.problems {
            ok = false;
            let (repo, message) = (printable(&label), printable(message));
            if item.rendered.entity.is_some() {
                eprintln!("{repo}: {field}: {message}");
            } else {
                eprintln!("{repo}: dropped: {field}: {message}");
            }
        }
    }
    std::io::Write::flush(&mut out)?;
    // As the workbench's sweep does: Port would keep one of each (the later one overwrites the
    // earlier), so a push refuses them, across mappings too.
    let shared: Vec<_> = by_identity.iter().filter(|(_, r)| r.len() > 1).collect();
    if !shared.is_empty() {
        let repos: usize = shared.iter().map(|(_, r)| r.len()).sum();
        eprintln!(
            "note: {repos} entities share {} identifiers (a push refuses them):",
            shared.len()
        );
        for ((_, identifier), labels) in shared {
            eprintln!(
                "  `{}`: {}",
                printable(identifier),
                printable(&labels.join(", "))
            );
        }
    }
    Ok(exit(ok))
}

/// An Ocean mapping read as the exporter would read it: Ocean gives it other records (the
/// `Properties` wrapper) and other rules, so the output would mislead without a word.
fn ocean_hint(format: Format, shape: Shape, semantics: Semantics) -> Option<String> {
    if format != Format::OceanYaml {
        return None;
    }
    let mut flags = Vec::new();
    if shape == Shape::Exporter {
        flags.push("--shape ocean-aws");
    }
    if semantics == Semantics::Exporter {
        flags.push("--semantics ocean");
    }
    (!flags.is_empty()).then(|| {
        format!(
            "this is an Ocean mapping (YAML); Ocean's AWS integration runs it with {}",
            flags.join(" ")
        )
    })
}

/// One entity per line. With several mappings, a `mapping` key first names the one it came
/// from (`#2.1`); it is not part of the entity Port receives. The entity's text is copied as
/// the worker made it, so 10,000 entities are not parsed and printed again.
fn write_entity(
    out: &mut impl std::io::Write,
    entity: &str,
    origin: Option<Origin>,
) -> std::io::Result<()> {
    match (origin, entity.strip_prefix('{')) {
        (Some(origin), Some(rest)) if !rest.trim_start().starts_with('}') => {
            write!(out, "{{\"mapping\":\"{origin}\",{rest}")?;
        }
        _ => out.write_all(entity.as_bytes())?,
    }
    out.write_all(b"\n")
}

/// The `(blueprint, identifier)` of an entity's JSON text, when the identifier is a string:
/// two entities collide in Port only in the same blueprint.
fn identity_of(entity: &str) -> Option<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Identified {
        identifier: Option<serde_json::Value>,
        blueprint: Option<serde_json::Value>,
    }
    let parsed: Identified = serde_json::from_str(entity).ok()?;
    let identifier = parsed.identifier?.as_str()?.to_owned();
    let blueprint = match parsed.blueprint {
        Some(serde_json::Value::String(b)) => b,
        other => other.map(|v| v.to_string()).unwrap_or_default(),
    };
    Some((blueprint, identifier))
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
    fn an_ocean_mapping_read_the_exporters_way_gets_a_hint() {
        let hint = ocean_hint(Format::OceanYaml, Shape::Exporter, Semantics::Exporter);
        assert_eq!(
            hint.as_deref(),
            Some(
                "this is an Ocean mapping (YAML); Ocean's AWS integration runs it with \
                 --shape ocean-aws --semantics ocean"
            )
        );
        let half = ocean_hint(Format::OceanYaml, Shape::OceanAws, Semantics::Exporter);
        assert!(half.is_some_and(|h| h.ends_with("with --semantics ocean")));
        assert_eq!(
            ocean_hint(Format::OceanYaml, Shape::OceanAws, Semantics::Ocean),
            None
        );
        assert_eq!(
            ocean_hint(Format::ExporterJson, Shape::Exporter, Semantics::Exporter),
            None
        );
    }

    #[test]
    fn a_labelled_entity_names_its_mapping_first_and_stays_one_json_object() {
        let entity = r#"{"identifier":"a","blueprint":"b","properties":{}}"#;
        let origin = Origin {
            resource: 1,
            mapping: 0,
        };
        let mut out = Vec::new();
        write_entity(&mut out, entity, Some(origin)).unwrap();
        write_entity(&mut out, entity, None).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r##"{"mapping":"#2.1","identifier":"a","blueprint":"b","properties":{}}"##
        );
        assert_eq!(lines[1], entity, "one mapping: the entity as it was");
        let identity = identity_of(entity);
        assert_eq!(identity, Some(("b".to_owned(), "a".to_owned())));
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
