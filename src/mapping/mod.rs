//! Mapping files, the jq engine, what the consumers make of each field, and the worker
//! process that keeps user jq away from the app.

pub mod complete;
pub mod engine;
pub mod eval;
pub mod file;
pub mod isolate;
pub mod protocol;
pub mod worker;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use engine::Outcome;
use eval::{EntityOutcome, Semantics};
use file::{Field, FieldName, Mapping};
use protocol::CompileIssue;
use worker::{Evaluated, Isolated, WorkerClient, WorkerError};

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

/// Evaluates the expressions over all loaded inputs, a chunk of items per request. When the
/// worker overruns or dies, only the repositories that caused it lose their cells: the rows
/// are kept to them ([`WorkerClient::eval_rows`]), and what those rows lack is redone one
/// expression at a time.
pub async fn evaluate_columns(
    client: &mut WorkerClient,
    exprs: &[String],
    total: usize,
) -> Evaluated {
    let mut compile: Vec<Vec<CompileIssue>> = vec![Vec::new(); exprs.len()];
    let mut outcomes: Vec<Vec<Outcome>> = Vec::with_capacity(total);
    let mut replays = Replays::new(client, exprs.len());
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK).min(total);
        let items: Vec<usize> = (start..end).collect();
        // One expression is a column already: no rows to try first.
        let rows = if exprs.len() > 1 {
            client.eval_rows(exprs, &items, &mut replays.rows).await
        } else {
            Ok(Isolated::default())
        };
        let mut rows = match rows {
            Ok(rows) => rows,
            Err(e) => {
                // No worker at all: true of every item alike.
                let text = e.to_string();
                outcomes.extend(
                    items
                        .iter()
                        .map(|_| vec![Outcome::Error(text.clone()); exprs.len()]),
                );
                start = end;
                continue;
            }
        };
        if !rows.compile.is_empty() {
            compile = std::mem::take(&mut rows.compile);
        }
        let rest: Vec<usize> = items
            .iter()
            .copied()
            .filter(|i| !rows.values.contains_key(i))
            .collect();
        let mut redone = redo(
            client,
            exprs,
            &rest,
            &rows.stuck_on,
            &mut replays,
            &mut compile,
        )
        .await;
        outcomes.extend(items.iter().map(|i| {
            rows.values
                .remove(i)
                .or_else(|| redone.remove(i))
                .unwrap_or_default()
        }));
        start = end;
    }
    Evaluated { compile, outcomes }
}

/// The retry budgets of one evaluation: whole rows, and each expression on its own (a field
/// that hangs everywhere spends only its own).
struct Replays {
    rows: isolate::Replay,
    columns: Vec<isolate::Replay>,
}

impl Replays {
    fn new(client: &WorkerClient, n: usize) -> Replays {
        let fresh = isolate::Replay::new(client.options().deadline);
        Replays {
            rows: fresh.clone(),
            columns: vec![fresh; n],
        }
    }
}

/// The rows of `items` that whole-row requests could not give. Where the expression that ran
/// away is known (`stuck_on`: item to expression), the item's other expressions are tried
/// together; what is still missing then, each expression on its own.
async fn redo(
    client: &mut WorkerClient,
    exprs: &[String],
    items: &[usize],
    stuck_on: &HashMap<usize, usize>,
    replays: &mut Replays,
    compile: &mut [Vec<CompileIssue>],
) -> HashMap<usize, Vec<Outcome>> {
    let timed_out = Outcome::Error(WorkerError::TimedOut(client.options().deadline).to_string());
    let mut known: HashSet<(usize, usize)> = HashSet::new();
    let mut by_stuck: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for i in items {
        match stuck_on.get(i) {
            Some(k) => {
                known.insert((*i, *k));
                by_stuck.entry(*k).or_default().push(*i);
            }
            None => unknown.push(*i),
        }
    }
    let mut rows: HashMap<usize, Vec<Outcome>> = HashMap::with_capacity(items.len());
    for (k, stuck) in by_stuck {
        let others: Vec<usize> = (0..exprs.len()).filter(|c| *c != k).collect();
        let texts: Vec<String> = others.iter().map(|c| exprs[*c].clone()).collect();
        let got = if texts.is_empty() {
            Ok(Isolated {
                values: stuck.iter().map(|i| (*i, Vec::new())).collect(),
                ..Isolated::default()
            })
        } else {
            client.eval_rows(&texts, &stuck, &mut replays.rows).await
        };
        let Ok(mut got) = got else {
            unknown.extend(stuck);
            continue;
        };
        for (j, issues) in got.compile.into_iter().enumerate() {
            compile[others[j]] = issues;
        }
        for i in stuck {
            match got.values.remove(&i) {
                Some(mut row) => {
                    row.insert(k, timed_out.clone());
                    rows.insert(i, row);
                }
                None => {
                    if let Some(j) = got.stuck_on.get(&i) {
                        known.insert((i, others[*j]));
                    }
                    unknown.push(i);
                }
            }
        }
    }
    rows.extend(by_column(client, exprs, &unknown, &known, replays, compile).await);
    rows
}

/// Each expression on its own over `items` ([`WorkerClient::eval_column`]), except the cells
/// in `known`, which already ran a whole deadline. `compile` gets each expression's compile
/// issues.
async fn by_column(
    client: &mut WorkerClient,
    exprs: &[String],
    items: &[usize],
    known: &HashSet<(usize, usize)>,
    replays: &mut Replays,
    compile: &mut [Vec<CompileIssue>],
) -> HashMap<usize, Vec<Outcome>> {
    let mut rows: HashMap<usize, Vec<Outcome>> = items
        .iter()
        .map(|i| (*i, Vec::with_capacity(exprs.len())))
        .collect();
    if items.is_empty() {
        return rows;
    }
    let timed_out = Outcome::Error(WorkerError::TimedOut(client.options().deadline).to_string());
    for (k, expr) in exprs.iter().enumerate() {
        let run: Vec<usize> = items
            .iter()
            .copied()
            .filter(|i| !known.contains(&(*i, k)))
            .collect();
        let mut got: HashMap<usize, Outcome> = HashMap::with_capacity(run.len());
        match client
            .eval_column(expr, &run, &mut replays.columns[k])
            .await
        {
            Ok(mut one) => {
                compile[k] = one.compile.pop().unwrap_or_default();
                for (i, mut row) in run.iter().zip(one.outcomes) {
                    got.insert(*i, row.pop().unwrap_or(Outcome::NoOutput));
                }
            }
            // No worker at all: true of every item alike.
            Err(e) => {
                let text = e.to_string();
                got.extend(run.iter().map(|i| (*i, Outcome::Error(text.clone()))));
            }
        }
        for (i, row) in &mut rows {
            row.push(got.remove(i).unwrap_or_else(|| timed_out.clone()));
        }
    }
    rows
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
/// entities cross the pipe. The entities of repositories the worker overran or died on are
/// evaluated again field by field, each field kept to the repositories that fail it, and
/// assembled here.
/// The inputs must already be loaded (`load`, `load_file`).
pub async fn render_all(
    client: &mut WorkerClient,
    plan: &Plan,
    semantics: Semantics,
    total: usize,
) -> Result<(Vec<Vec<CompileIssue>>, Vec<protocol::Rendered>), WorkerError> {
    let mut compile: Vec<Vec<CompileIssue>> = vec![Vec::new(); plan.exprs.len()];
    let mut rendered = Vec::with_capacity(total);
    let mut replays = Replays::new(client, plan.exprs.len());
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK).min(total);
        let items: Vec<usize> = (start..end).collect();
        let mut got = client
            .render(plan, semantics, &items, &mut replays.rows)
            .await?;
        if !got.compile.is_empty() {
            compile = std::mem::take(&mut got.compile);
        }
        let rest: Vec<usize> = items
            .iter()
            .copied()
            .filter(|i| !got.values.contains_key(i))
            .collect();
        client.set_dialect(semantics.dialect());
        let mut redone = redo(
            client,
            &plan.exprs,
            &rest,
            &got.stuck_on,
            &mut replays,
            &mut compile,
        )
        .await;
        for i in &items {
            let item = match got.values.remove(i) {
                Some(item) => item,
                None => {
                    let row = redone.remove(i).unwrap_or_default();
                    worker::rendered(plan.entity(&row, semantics))
                }
            };
            rendered.push(item);
        }
        start = end;
    }
    Ok((compile, rendered))
}
