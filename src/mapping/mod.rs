//! Mapping files, the jq engine, what the consumers make of each field, and the worker
//! process that keeps user jq away from the app.

pub mod engine;
pub mod eval;
pub mod file;
pub mod isolate;
pub mod protocol;
pub mod worker;

use serde_json::Value;

use engine::Outcome;
use eval::{EntityOutcome, Semantics};
use file::{Field, FieldName, Mapping};
use protocol::CompileIssue;
use worker::{Evaluated, WorkerClient, WorkerError};

/// A mapping turned into the expressions the worker runs: one per field, then the selector.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub fields: Vec<Field>,
    pub exprs: Vec<String>,
    pub has_selector: bool,
}

impl Plan {
    /// The exporter's blueprint is a plain string, not jq; it is evaluated as the equivalent
    /// jq string literal so every field takes the same path.
    pub fn new(mapping: &Mapping) -> Plan {
        let fields = mapping.fields();
        let exporter_blueprint = match mapping.format {
            file::Format::ExporterJson => mapping.static_blueprint(),
            file::Format::OceanYaml => None,
        };
        let mut exprs: Vec<String> = fields
            .iter()
            .map(|f| match (&f.name, &exporter_blueprint) {
                (FieldName::Blueprint, Some(id)) => serde_json::to_string(id).unwrap_or_default(),
                _ => f.expr.clone(),
            })
            .collect();
        let has_selector = mapping.selector_query.is_some();
        if let Some(q) = &mapping.selector_query {
            exprs.push(q.clone());
        }
        Plan {
            fields,
            exprs,
            has_selector,
        }
    }

    /// The entity of one item from its row of outcomes.
    pub fn entity(&self, row: &[Outcome], semantics: Semantics) -> EntityOutcome {
        let n = self.fields.len();
        let selector = if self.has_selector { row.get(n) } else { None };
        eval::assemble(&self.fields, &row[..n.min(row.len())], selector, semantics)
    }
}

/// Most items per worker request, so each request stays well inside its deadline.
pub const CHUNK: usize = 5_000;

/// Evaluates the expressions over all loaded inputs, a chunk of items per request. If the
/// worker overruns or dies on a chunk, that chunk is redone one expression at a time, so a
/// runaway expression costs only its own column ("timed out", "crashed") and every other field
/// keeps its results.
pub async fn evaluate_columns(
    client: &mut WorkerClient,
    exprs: &[String],
    total: usize,
) -> Evaluated {
    let mut compile: Vec<Vec<CompileIssue>> = vec![Vec::new(); exprs.len()];
    let mut outcomes: Vec<Vec<Outcome>> = Vec::with_capacity(total);
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK).min(total);
        let items: Vec<usize> = (start..end).collect();
        match client.eval(exprs.to_vec(), Some(items.clone()), None).await {
            Ok(part) => {
                for (slot, issues) in compile.iter_mut().zip(part.compile) {
                    *slot = issues;
                }
                outcomes.extend(part.outcomes);
            }
            Err(_) => {
                let mut rows: Vec<Vec<Outcome>> =
                    vec![Vec::with_capacity(exprs.len()); end - start];
                for (k, expr) in exprs.iter().enumerate() {
                    match client
                        .eval(vec![expr.clone()], Some(items.clone()), None)
                        .await
                    {
                        Ok(mut one) => {
                            compile[k] = one.compile.pop().unwrap_or_default();
                            for (row, mut got) in rows.iter_mut().zip(one.outcomes) {
                                row.push(got.pop().unwrap_or(Outcome::NoOutput));
                            }
                        }
                        Err(e) => {
                            let text = e.to_string();
                            for row in &mut rows {
                                row.push(Outcome::Error(text.clone()));
                            }
                        }
                    }
                }
                outcomes.extend(rows);
            }
        }
        start = end;
    }
    Evaluated { compile, outcomes }
}

/// Evaluates every expression on one input (a preview). If the worker overruns or dies, each
/// expression is retried alone so only the guilty one shows the failure.
pub async fn evaluate_one(client: &mut WorkerClient, exprs: &[String], input: Value) -> Evaluated {
    match client
        .eval(exprs.to_vec(), None, Some(vec![input.clone()]))
        .await
    {
        Ok(all) => all,
        Err(_) => {
            let mut compile = Vec::new();
            let mut row = Vec::new();
            for expr in exprs {
                match client
                    .eval(vec![expr.clone()], None, Some(vec![input.clone()]))
                    .await
                {
                    Ok(mut one) => {
                        compile.push(one.compile.pop().unwrap_or_default());
                        row.push(
                            one.outcomes
                                .pop()
                                .and_then(|mut r| r.pop())
                                .unwrap_or(Outcome::NoOutput),
                        );
                    }
                    Err(e) => {
                        compile.push(Vec::new());
                        row.push(Outcome::Error(e.to_string()));
                    }
                }
            }
            Evaluated {
                compile,
                outcomes: vec![row],
            }
        }
    }
}

/// Every input through the whole plan, entities assembled in the worker: only finished
/// entities cross the pipe. If the worker overruns or dies, the inputs are evaluated again
/// column by column, so a runaway field costs only its own column.
/// The inputs must already be loaded (`load`, `load_file`).
pub async fn render_all(
    client: &mut WorkerClient,
    plan: &Plan,
    semantics: Semantics,
    total: usize,
) -> Result<(Vec<Vec<CompileIssue>>, Vec<protocol::Rendered>), WorkerError> {
    let mut compile = Vec::new();
    let mut rendered = Vec::with_capacity(total);
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK).min(total);
        match client
            .render(plan, semantics, Some((start..end).collect()))
            .await
        {
            Ok((issues, part)) => {
                if compile.is_empty() {
                    compile = issues;
                }
                rendered.extend(part);
            }
            Err(_) => {
                let evaluated = evaluate_columns(client, &plan.exprs, total).await;
                let all = evaluated
                    .outcomes
                    .iter()
                    .map(|row| worker::rendered(plan.entity(row, semantics)))
                    .collect();
                return Ok((evaluated.compile, all));
            }
        }
        start = end;
    }
    Ok((compile, rendered))
}
