//! The worker side: a synchronous loop over stdin, evaluation spread over threads that each
//! own a share of the inputs.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;

use crate::mapping::Plan;
use crate::mapping::engine::{self, Dialect, Input, Outcome};
use crate::mapping::eval::{EntityOutcome, Semantics};
use crate::mapping::file::{Field, FieldName};
use crate::mapping::protocol::{CompileIssue, Progress, Rendered, Reply, Request, Wire};

/// Each expression of a request, compiled once and shared by every shard.
type Compiled = Arc<Vec<Result<engine::Filter, Vec<engine::CompileError>>>>;

/// Deep but finite: a runaway recursion still ends in a crash, not a hang.
const EVAL_STACK: usize = 64 * 1024 * 1024;

/// Worker mode's entry point.
pub fn run(memory_limit: u64) -> ExitCode {
    limit_memory(memory_limit);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let shards: Vec<Shard> = (0..threads).map(|_| Shard::spawn()).collect();
    let stdin = std::io::stdin().lock();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lines() {
        let Ok(line) = line else { break };
        let request = serde_json::from_str::<Request>(&line);
        // Progress lines go out as they come, so a worker that then hangs or dies has
        // already said which items it was on. A failed write shows again at the reply.
        let mut progress = |id: u64, news: Progress| {
            let line = Reply {
                id,
                progress: Some(news),
                ..Reply::default()
            };
            let _ = send(&mut stdout, &line);
        };
        let reply = match request {
            Ok(Request::Load { id, inputs }) => {
                load(&shards, std::sync::Arc::unwrap_or_clone(inputs));
                Reply {
                    id,
                    ..Reply::default()
                }
            }
            Ok(Request::LoadFile { id, path }) => {
                let error = match read_inputs(&path) {
                    Ok(inputs) => {
                        let n = shards.len();
                        let mut parts: Vec<Vec<_>> = (0..n).map(|_| Vec::new()).collect();
                        for (i, raw) in inputs.into_iter().enumerate() {
                            parts[i % n].push((i, raw));
                        }
                        for (shard, part) in shards.iter().zip(parts) {
                            let _ = shard.jobs.send(ShardJob::LoadRaw(part));
                        }
                        None
                    }
                    Err(e) => Some(e),
                };
                Reply {
                    id,
                    error,
                    ..Reply::default()
                }
            }
            Ok(Request::Render {
                id,
                fields,
                exprs,
                has_selector,
                ocean,
                items,
                cap,
            }) => render(
                &shards,
                id,
                fields,
                exprs,
                has_selector,
                ocean,
                items,
                cap,
                &mut |news| progress(id, news),
            ),
            Ok(Request::Eval {
                id,
                exprs,
                items,
                inline,
                cap,
                jq,
            }) => eval(&shards, id, &exprs, items, inline, cap, jq, &mut |news| {
                progress(id, news)
            }),
            Err(e) => Reply::bad_request(0, e),
        };
        if !send(&mut stdout, &reply) {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// One JSON line, flushed at once.
fn send(out: &mut impl Write, reply: &Reply) -> bool {
    serde_json::to_writer(&mut *out, reply).is_ok()
        && out.write_all(b"\n").is_ok()
        && out.flush().is_ok()
}

#[cfg(unix)]
fn limit_memory(bytes: u64) {
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: setrlimit only reads the struct we pass; failing leaves the process unlimited,
    // which the deadline still bounds.
    unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &limit);
    }
}

#[cfg(not(unix))]
fn limit_memory(_bytes: u64) {}

enum ShardJob {
    Load(Vec<(usize, Value)>),
    /// Inputs still as JSON text: each shard parses its own share, in parallel.
    LoadRaw(Vec<(usize, Box<serde_json::value::RawValue>)>),
    Render {
        plan: Arc<Plan>,
        filters: Compiled,
        semantics: Semantics,
        items: Option<Arc<Vec<usize>>>,
        cap: usize,
        news: Arc<Mutex<Progress>>,
        reply: std_mpsc::Sender<Vec<(usize, Rendered)>>,
    },
    Eval {
        filters: Compiled,
        items: Option<Arc<Vec<usize>>>,
        cap: usize,
        news: Arc<Mutex<Progress>>,
        reply: std_mpsc::Sender<Vec<(usize, Vec<Outcome>)>>,
    },
}

/// A thread that owns its share of the inputs, converted once to jaq values (which cannot
/// cross threads).
struct Shard {
    jobs: std_mpsc::Sender<ShardJob>,
}

impl Shard {
    fn spawn() -> Shard {
        let (tx, rx) = std_mpsc::channel::<ShardJob>();
        let spawned = std::thread::Builder::new()
            .stack_size(EVAL_STACK)
            .spawn(move || {
                let mut inputs: Vec<(usize, Input)> = Vec::new();
                for job in rx {
                    match job {
                        ShardJob::Load(values) => {
                            inputs = values
                                .iter()
                                .map(|(i, v)| (*i, Input::from_json(v)))
                                .collect();
                        }
                        ShardJob::LoadRaw(texts) => {
                            // The whole array was checked when it was split, so every item
                            // parses; a failure still leaves a null input, never a panic.
                            inputs = texts
                                .iter()
                                .map(|(i, raw)| {
                                    let v = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                                    (*i, Input::from_json(&v))
                                })
                                .collect();
                        }
                        ShardJob::Render {
                            plan,
                            filters,
                            semantics,
                            items,
                            cap,
                            news,
                            reply,
                        } => {
                            let out =
                                evaluate_share(&inputs, &items, &filters, cap, &news, |row| {
                                    rendered(plan.entity(&row, semantics))
                                });
                            let _ = reply.send(out);
                        }
                        ShardJob::Eval {
                            filters,
                            items,
                            cap,
                            news,
                            reply,
                        } => {
                            let out =
                                evaluate_share(&inputs, &items, &filters, cap, &news, |row| row);
                            let _ = reply.send(out);
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            // Without threads there is no worker; the app sees it die and says so.
            eprintln!("cannot start an evaluation thread: {e}");
            std::process::exit(3);
        }
        Shard { jobs: tx }
    }
}

/// A shard's part of a request: every input it holds that `items` names (or all), through
/// every expression, then `finish`. Each item is noted in `news` as it begins and ends, and
/// each later expression of it as it begins; the request's loop reads `news` now and then.
/// A lock nobody else holds most of the time costs far less than a message per step, which
/// woke the loop for every field of every repository.
fn evaluate_share<T>(
    inputs: &[(usize, Input)],
    items: &Option<Arc<Vec<usize>>>,
    filters: &Compiled,
    cap: usize,
    news: &Mutex<Progress>,
    finish: impl Fn(Vec<Outcome>) -> T,
) -> Vec<(usize, T)> {
    let note = |f: &mut dyn FnMut(&mut Progress)| {
        f(&mut news.lock().unwrap_or_else(PoisonError::into_inner))
    };
    inputs
        .iter()
        .filter(|(i, _)| {
            items
                .as_ref()
                .is_none_or(|want| want.binary_search(i).is_ok())
        })
        .map(|(i, input)| {
            note(&mut |n| n.started.push(*i));
            let row = run_all(filters, input, cap, &mut |k| {
                note(&mut |n| n.fields.push((*i, k)));
            });
            note(&mut |n| n.done.push(*i));
            (*i, finish(row))
        })
        .collect()
}

/// Every filter on one input; `next_field(k)` hears when filter k (k > 0) begins.
fn run_all(
    filters: &[Result<engine::Filter, Vec<engine::CompileError>>],
    input: &Input,
    cap: usize,
    next_field: &mut dyn FnMut(usize),
) -> Vec<Outcome> {
    filters
        .iter()
        .enumerate()
        .map(|(k, f)| {
            if k > 0 {
                next_field(k);
            }
            f
        })
        .map(|f| match f {
            Ok(filter) => capped(engine::first(filter, input), cap),
            Err(errors) => Outcome::Error(
                errors
                    .first()
                    .map_or_else(|| "does not compile".to_owned(), |e| e.message.clone()),
            ),
        })
        .collect()
}

/// Refuses outputs too large to show or send.
fn capped(outcome: Outcome, cap: usize) -> Outcome {
    let size = match &outcome {
        Outcome::Value(Value::String(s)) => s.len(),
        Outcome::Value(v @ (Value::Array(_) | Value::Object(_))) => {
            serde_json::to_vec(v).map_or(usize::MAX, |b| b.len())
        }
        _ => 0,
    };
    if size > cap {
        Outcome::Error(format!("output of {size} bytes is over the {cap}-byte cap"))
    } else {
        outcome
    }
}

/// How often a running request tells what its items are doing: often enough that a worker
/// that then hangs or dies has said which items it was on well within any deadline.
const PROGRESS_EVERY: Duration = Duration::from_millis(20);

/// Sends one job to every shard (each works on its share of `items`, or all it holds) and
/// gathers the results in the order the caller asked for, or in input order. Meanwhile
/// `progress` hears, every [`PROGRESS_EVERY`], which items began and ended.
fn fan_out<T>(
    shards: &[Shard],
    items: Option<Vec<usize>>,
    job: impl Fn(
        Option<Arc<Vec<usize>>>,
        Arc<Mutex<Progress>>,
        std_mpsc::Sender<Vec<(usize, T)>>,
    ) -> ShardJob,
    progress: &mut dyn FnMut(Progress),
) -> Vec<T> {
    let order = items.clone();
    let items = items.map(|mut v| {
        v.sort_unstable();
        Arc::new(v)
    });
    let (tx, rx) = std_mpsc::channel();
    let mut tallies = Vec::with_capacity(shards.len());
    for shard in shards {
        let news = Arc::new(Mutex::new(Progress::default()));
        let _ = shard
            .jobs
            .send(job(items.clone(), news.clone(), tx.clone()));
        tallies.push(news);
    }
    drop(tx);
    let mut all: Vec<(usize, T)> = Vec::new();
    let mut waiting = shards.len();
    while waiting > 0 {
        match rx.recv_timeout(PROGRESS_EVERY) {
            Ok(part) => {
                all.extend(part);
                waiting -= 1;
            }
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if waiting > 0 {
            let news = gather(&tallies);
            if !news.started.is_empty() || !news.done.is_empty() || !news.fields.is_empty() {
                progress(news);
            }
        }
    }
    all.sort_unstable_by_key(|(i, _)| *i);
    let Some(order) = order else {
        return all.into_iter().map(|(_, t)| t).collect();
    };
    let index: Vec<usize> = all.iter().map(|(i, _)| *i).collect();
    let mut slots: Vec<Option<T>> = all.into_iter().map(|(_, t)| Some(t)).collect();
    order
        .iter()
        .filter_map(|i| index.binary_search(i).ok())
        .filter_map(|k| slots[k].take())
        .collect()
}

/// What every shard noted since the last look, in one line: for an item still running, only
/// the expression it is on now matters, not every step of the way.
fn gather(tallies: &[Arc<Mutex<Progress>>]) -> Progress {
    let mut news = Progress::default();
    for tally in tallies {
        let part = std::mem::take(&mut *tally.lock().unwrap_or_else(PoisonError::into_inner));
        news.started.extend(part.started);
        news.fields.extend(part.fields);
        news.done.extend(part.done);
    }
    let done: HashSet<usize> = news.done.iter().copied().collect();
    let at: HashMap<usize, usize> = news
        .fields
        .drain(..)
        .filter(|(i, _)| !done.contains(i))
        .collect();
    news.fields = at.into_iter().collect();
    news
}

/// An entity as the text `render` prints, or its problems.
pub fn rendered(outcome: EntityOutcome) -> Rendered {
    let pairs = |ps: Vec<crate::mapping::eval::Problem>| {
        ps.into_iter()
            .map(|p| (p.field, p.message))
            .collect::<Vec<_>>()
    };
    match outcome {
        EntityOutcome::Entity { entity, warnings } => Rendered {
            entity: serde_json::value::to_raw_value(&entity).ok(),
            problems: pairs(warnings),
            skipped: false,
        },
        EntityOutcome::Dropped { problems } => Rendered {
            entity: None,
            problems: pairs(problems),
            skipped: false,
        },
        EntityOutcome::Skipped => Rendered {
            entity: None,
            problems: vec![],
            skipped: true,
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn render(
    shards: &[Shard],
    id: u64,
    fields: Vec<String>,
    exprs: Vec<String>,
    has_selector: bool,
    ocean: bool,
    items: Option<Vec<usize>>,
    cap: usize,
    progress: &mut dyn FnMut(Progress),
) -> Reply {
    let semantics = if ocean {
        Semantics::Ocean
    } else {
        Semantics::Exporter
    };
    let (compile, filters) = compile_all(&exprs, semantics.dialect());
    let mut named = Vec::with_capacity(fields.len());
    for (name, expr) in fields.iter().zip(&exprs) {
        match name.parse::<FieldName>() {
            Ok(name) => named.push(Field {
                name,
                expr: expr.clone(),
            }),
            Err(e) => {
                return Reply::bad_request(id, e);
            }
        }
    }
    let plan = Arc::new(Plan {
        fields: named,
        exprs,
        has_selector,
    });
    let rendered = fan_out(
        shards,
        items,
        |items, news, reply| ShardJob::Render {
            plan: plan.clone(),
            filters: filters.clone(),
            semantics,
            items,
            cap,
            news,
            reply,
        },
        progress,
    );
    Reply {
        id,
        compile,
        rendered,
        ..Reply::default()
    }
}

/// Every expression compiled once, and what each compile said.
fn compile_all(exprs: &[String], jq: Dialect) -> (Vec<Vec<CompileIssue>>, Compiled) {
    let filters: Vec<_> = exprs.iter().map(|e| engine::compile(e, jq)).collect();
    let issues = filters
        .iter()
        .map(|f| match f {
            Ok(_) => vec![],
            Err(errors) => errors
                .iter()
                .map(|e| CompileIssue {
                    message: e.message.clone(),
                    span: e.span.clone().map(|r| (r.start, r.end)),
                })
                .collect(),
        })
        .collect();
    (issues, Arc::new(filters))
}

/// The file's array, split into its items' JSON text; parsing them is the shards' job.
fn read_inputs(path: &str) -> Result<Vec<Box<serde_json::value::RawValue>>, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    serde_json::from_slice(&text).map_err(|e| format!("{path} is not a JSON array: {e}"))
}

fn load(shards: &[Shard], inputs: Vec<Value>) {
    let n = shards.len();
    let mut parts: Vec<Vec<(usize, Value)>> = (0..n).map(|_| Vec::new()).collect();
    for (i, v) in inputs.into_iter().enumerate() {
        parts[i % n].push((i, v));
    }
    for (shard, part) in shards.iter().zip(parts) {
        let _ = shard.jobs.send(ShardJob::Load(part));
    }
}

#[allow(clippy::too_many_arguments)]
fn eval(
    shards: &[Shard],
    id: u64,
    exprs: &[String],
    items: Option<Vec<usize>>,
    inline: Option<Vec<Value>>,
    cap: usize,
    jq: Dialect,
    progress: &mut dyn FnMut(Progress),
) -> Reply {
    let (compile, filters) = compile_all(exprs, jq);
    if let Some(inline) = inline {
        // A preview of one or a few inputs: no need to involve the shards.
        let results = inline
            .iter()
            .map(|v| {
                run_all(&filters, &Input::from_json(v), cap, &mut |_| {})
                    .into_iter()
                    .map(Wire::from)
                    .collect()
            })
            .collect();
        return Reply {
            id,
            compile,
            results,
            ..Reply::default()
        };
    }
    let results = fan_out(
        shards,
        items,
        |items, news, reply| ShardJob::Eval {
            filters: filters.clone(),
            items,
            cap,
            news,
            reply,
        },
        progress,
    )
    .into_iter()
    .map(|row: Vec<Outcome>| row.into_iter().map(Wire::from).collect())
    .collect();
    Reply {
        id,
        compile,
        results,
        ..Reply::default()
    }
}
