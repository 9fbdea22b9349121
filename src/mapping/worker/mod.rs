//! User JQ runs in a child process (this binary in worker mode): an endless loop, a stack
//! overflow or a runaway allocation kills the worker, never the app. The app side (here)
//! keeps a deadline per request and restarts a worker that overran or died; the worker side
//! is `serve`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout};

use super::Plan;
use super::engine::{Dialect, Outcome};
use super::eval::Semantics;
use super::isolate::{Blame, Failure, Isolation, Replay};
use super::protocol::{CompileIssue, Progress, Rendered, Reply, Request};
pub use super::protocol::{Evaluated, WorkerError};

pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);
pub const DEFAULT_OUTPUT_CAP: usize = 256 * 1024;
pub const DEFAULT_MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;
/// The hidden subcommand that starts worker mode.
pub const WORKER_ARG: &str = "__jq-worker";

mod serve;
pub use serve::{rendered, run};

// ---------------------------------------------------------------------------------------------
// App side: spawn, talk, enforce the deadline, restart.

/// What a worker has loaded, replayed into a fresh worker after a restart.
#[derive(Debug, Clone)]
pub enum Inputs {
    Values(Arc<Vec<Value>>),
    File(String),
}

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub program: PathBuf,
    pub deadline: Duration,
    pub output_cap: usize,
    pub memory_limit: u64,
}

impl WorkerOptions {
    /// This very binary in worker mode.
    pub fn current() -> Result<WorkerOptions, WorkerError> {
        let program = std::env::current_exe().map_err(|e| WorkerError::Spawn(e.to_string()))?;
        Ok(WorkerOptions {
            program,
            deadline: DEFAULT_DEADLINE,
            output_cap: DEFAULT_OUTPUT_CAP,
            memory_limit: DEFAULT_MEMORY_LIMIT,
        })
    }
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr: Option<ChildStderr>,
}

/// One worker process, restarted when it overruns or dies. Requests are sequential: callers
/// that want "latest wins" keep only their newest request waiting.
pub struct WorkerClient {
    opts: WorkerOptions,
    running: Option<Running>,
    /// Replayed into a fresh worker after a restart.
    loaded: Option<Inputs>,
    next_id: u64,
    restarts: u64,
    /// Which jq `eval` requests are evaluated as (`render` takes it from its semantics).
    dialect: Dialect,
}

impl WorkerClient {
    pub fn new(opts: WorkerOptions) -> WorkerClient {
        WorkerClient {
            opts,
            running: None,
            loaded: None,
            next_id: 1,
            restarts: 0,
            dialect: Dialect::default(),
        }
    }

    /// Evaluates later `eval` requests as `dialect`'s jq.
    pub fn set_dialect(&mut self, dialect: Dialect) {
        self.dialect = dialect;
    }

    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    pub fn options(&self) -> &WorkerOptions {
        &self.opts
    }

    /// Ends the worker and waits for it, so no child outlives the command that started it.
    /// Closing its input lets it finish on its own; one that does not within a moment is
    /// killed.
    pub async fn shutdown(mut self) {
        let Some(Running {
            mut child, stdin, ..
        }) = self.running.take()
        else {
            return;
        };
        drop(stdin);
        let status = match tokio::time::timeout(Duration::from_millis(500), child.wait()).await {
            Ok(status) => status,
            Err(_) => {
                let _ = child.start_kill();
                child.wait().await
            }
        };
        tracing::debug!(?status, "jq worker ended");
    }

    fn spawn(&self) -> Result<Running, WorkerError> {
        let mut child = tokio::process::Command::new(&self.opts.program)
            .arg(WORKER_ARG)
            .arg(self.opts.memory_limit.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // The environment holds credentials; the worker needs none of it.
            .env_clear()
            // mimalloc reserves 1 GiB of address space up front by default, which alone
            // would meet the worker's address-space cap.
            .env("MIMALLOC_ARENA_RESERVE", "64MiB")
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| WorkerError::Spawn(format!("{}: {e}", self.opts.program.display())))?;
        let missing = || WorkerError::Spawn("no pipes to the worker".into());
        Ok(Running {
            stdin: child.stdin.take().ok_or_else(missing)?,
            stdout: BufReader::new(child.stdout.take().ok_or_else(missing)?),
            stderr: child.stderr.take(),
            child,
        })
    }

    /// Sends one request and waits for its reply within the deadline.
    async fn request(&mut self, make: impl FnOnce(u64) -> Request) -> Result<Reply, WorkerError> {
        self.send(make, None).await
    }

    /// Sends one request; with `watch`, reads its progress lines too and, past the deadline,
    /// waits until whatever was running then has run a whole deadline of its own (or ended),
    /// so the items it blames are known to have overrun.
    async fn send(
        &mut self,
        make: impl FnOnce(u64) -> Request,
        watch: Option<&mut Watch>,
    ) -> Result<Reply, WorkerError> {
        if self.running.is_none() {
            let mut fresh = self.spawn()?;
            if let Some(inputs) = self.loaded.clone() {
                let id = self.next_id;
                self.next_id += 1;
                let load = match inputs {
                    Inputs::Values(inputs) => Request::Load { id, inputs },
                    Inputs::File(path) => Request::LoadFile { id, path },
                };
                exchange(&mut fresh, &load, self.opts.deadline * 4).await?;
            }
            self.running = Some(fresh);
        }
        let id = self.next_id;
        self.next_id += 1;
        let request = make(id);
        let deadline = self.opts.deadline;
        let Some(running) = self.running.as_mut() else {
            return Err(WorkerError::Spawn("no worker".into()));
        };
        let result = match watch {
            Some(watch) => exchange_watched(running, &request, deadline, watch).await,
            None => exchange(running, &request, deadline).await,
        };
        match result {
            Ok(reply) => Ok(reply),
            Err(err) => {
                if let Some(mut dead) = self.running.take() {
                    let _ = dead.child.start_kill();
                    let _ = dead.child.wait().await;
                    self.restarts += 1;
                    if let (WorkerError::Crashed(_), Some(mut stderr)) = (&err, dead.stderr.take())
                    {
                        let mut text = String::new();
                        let _ = tokio::time::timeout(
                            Duration::from_millis(200),
                            stderr.read_to_string(&mut text),
                        )
                        .await;
                        let reason = crash_reason(&text);
                        return Err(WorkerError::Crashed(reason));
                    }
                }
                Err(err)
            }
        }
    }

    /// Gives the worker the inputs later evaluations refer to.
    /// Gives the worker the inputs in a file (one JSON array), read by the worker itself.
    pub async fn load_file(&mut self, path: String) -> Result<(), WorkerError> {
        self.loaded = Some(Inputs::File(path.clone()));
        let reply = self
            .request(move |id| Request::LoadFile { id, path })
            .await?;
        match reply.error {
            Some(e) => {
                self.loaded = None;
                Err(WorkerError::Input(e))
            }
            None => Ok(()),
        }
    }

    pub async fn load(&mut self, inputs: Arc<Vec<Value>>) -> Result<(), WorkerError> {
        self.loaded = Some(Inputs::Values(inputs.clone()));
        self.request(move |id| Request::Load { id, inputs })
            .await
            .map(|_| ())
    }

    /// Evaluates `exprs` over the loaded inputs (`items`: some indices) or over `inline`.
    pub async fn eval(
        &mut self,
        exprs: Vec<String>,
        items: Option<Vec<usize>>,
        inline: Option<Vec<Value>>,
    ) -> Result<Evaluated, WorkerError> {
        let cap = self.opts.output_cap;
        let jq = self.dialect;
        let reply = self
            .request(move |id| Request::Eval {
                id,
                exprs,
                items,
                inline,
                cap,
                jq,
            })
            .await?;
        Ok(Evaluated {
            compile: reply.compile,
            outcomes: reply
                .results
                .into_iter()
                .map(|row| row.into_iter().map(Outcome::from).collect())
                .collect(),
        })
    }
}

/// What sending a set of items, and parts of it again, gave.
#[derive(Debug)]
pub struct Isolated<T> {
    /// Per expression, from any request that came back (empty when none did).
    pub compile: Vec<Vec<CompileIssue>>,
    /// The items that came back, with their result.
    pub values: HashMap<usize, T>,
    /// The items that did not, and why.
    pub verdicts: HashMap<usize, Blame>,
    /// Of the items blamed for a timeout, the expression that had run a whole deadline.
    pub stuck_on: HashMap<usize, usize>,
}

impl<T> Default for Isolated<T> {
    fn default() -> Isolated<T> {
        Isolated {
            compile: Vec::new(),
            values: HashMap::new(),
            verdicts: HashMap::new(),
            stuck_on: HashMap::new(),
        }
    }
}

impl WorkerClient {
    /// Evaluates one expression over loaded inputs, one outcome per item, with failures kept
    /// to the items that caused them: when the worker overruns or dies, the items it was on
    /// are blamed (see [`super::isolate`]) and the others are sent again until each has its
    /// own outcome. `replay` is the field's budget for that, shared by its chunks. Fails only
    /// when no worker can run at all.
    pub async fn eval_column(
        &mut self,
        expr: &str,
        items: &[usize],
        replay: &mut Replay,
    ) -> Result<Evaluated, WorkerError> {
        let plan = Isolation::new(items.to_vec(), self.opts.deadline, replay);
        let exprs = vec![expr.to_owned()];
        let jq = self.dialect;
        let mut got = self
            .isolate(
                plan,
                replay,
                |id, items, cap| Request::Eval {
                    id,
                    exprs: exprs.clone(),
                    items: Some(items),
                    inline: None,
                    cap,
                    jq,
                },
                eval_rows_of,
            )
            .await?;
        let outcomes = items
            .iter()
            .map(|i| {
                let outcome = match got.values.remove(i) {
                    Some(row) => row.into_iter().next().unwrap_or(Outcome::NoOutput),
                    None => Outcome::Error(got.verdicts.remove(i).map_or_else(
                        || "the jq worker gave no result".to_owned(),
                        |b| b.to_string(),
                    )),
                };
                vec![outcome]
            })
            .collect();
        let compile = vec![got.compile.into_iter().next().unwrap_or_default()];
        Ok(Evaluated { compile, outcomes })
    }

    /// Evaluates several expressions over loaded inputs, whole rows per request. A row the
    /// worker overran or died on is left out, with the expression that ran a whole deadline
    /// when known, for the caller to redo expression by expression; a round in which nothing
    /// finished leaves all that is left to the caller too, since a field that fails everywhere
    /// is found fastest one column at a time.
    pub async fn eval_rows(
        &mut self,
        exprs: &[String],
        items: &[usize],
        replay: &mut Replay,
    ) -> Result<Isolated<Vec<Outcome>>, WorkerError> {
        let plan = Isolation::new(items.to_vec(), self.opts.deadline, replay).giving_up_early();
        let jq = self.dialect;
        self.isolate(
            plan,
            replay,
            |id, items, cap| Request::Eval {
                id,
                exprs: exprs.to_vec(),
                items: Some(items),
                inline: None,
                cap,
                jq,
            },
            eval_rows_of,
        )
        .await
    }

    /// Runs the whole plan over loaded inputs and returns finished entities (see
    /// [`Request::Render`]), kept to the items that overran or killed the worker as
    /// [`Self::eval_rows`] does: those are left to the caller, with the field that ran away
    /// when known.
    pub async fn render(
        &mut self,
        plan: &Plan,
        semantics: Semantics,
        items: &[usize],
        replay: &mut Replay,
    ) -> Result<Isolated<Rendered>, WorkerError> {
        let fields: Vec<String> = plan.fields.iter().map(|f| f.name.to_string()).collect();
        let isolation =
            Isolation::new(items.to_vec(), self.opts.deadline, replay).giving_up_early();
        self.isolate(
            isolation,
            replay,
            |id, items, cap| Request::Render {
                id,
                fields: fields.clone(),
                exprs: plan.exprs.clone(),
                has_selector: plan.has_selector,
                ocean: semantics == Semantics::Ocean,
                items: Some(items),
                cap,
            },
            |reply| std::mem::take(&mut reply.rendered),
        )
        .await
    }

    /// Sends the rounds `plan` asks for, each a request `make` builds for its items, and
    /// gathers what came back (`results` takes it from a reply, in the order of the items).
    async fn isolate<T>(
        &mut self,
        mut plan: Isolation,
        replay: &mut Replay,
        make: impl Fn(u64, Vec<usize>, usize) -> Request,
        results: impl Fn(&mut Reply) -> Vec<T>,
    ) -> Result<Isolated<T>, WorkerError> {
        let deadline = self.opts.deadline;
        let cap = self.opts.output_cap;
        let mut values = HashMap::new();
        let mut compile = Vec::new();
        let mut stuck_on = HashMap::new();
        while let Some(group) = plan.next(replay) {
            let began = Instant::now();
            let mut watch = Watch::default();
            let asked = group.clone();
            let result = self.send(|id| make(id, asked, cap), Some(&mut watch)).await;
            let crash = match result {
                Ok(mut reply) => {
                    plan.succeeded();
                    if !reply.compile.is_empty() {
                        compile = std::mem::take(&mut reply.compile);
                    }
                    values.extend(group.into_iter().zip(results(&mut reply)));
                    continue;
                }
                Err(WorkerError::TimedOut(_)) => None,
                Err(WorkerError::Crashed(reason)) => Some(reason),
                Err(e) => return Err(e),
            };
            replay.spend(began.elapsed());
            let failure = watch.failure(crash, deadline);
            for i in &failure.stuck {
                if let Some((k, _)) = watch.running.get(i) {
                    stuck_on.insert(*i, *k);
                }
            }
            plan.failed(group, failure, replay);
        }
        let verdicts = plan.finish(replay);
        // Only a timeout blamed on the stuck item says which expression it was on.
        stuck_on.retain(|i, _| {
            matches!(
                verdicts.get(i),
                Some(Blame::Worker(WorkerError::TimedOut(_)))
            )
        });
        Ok(Isolated {
            compile,
            values,
            verdicts,
            stuck_on,
        })
    }
}

fn eval_rows_of(reply: &mut Reply) -> Vec<Vec<Outcome>> {
    std::mem::take(&mut reply.results)
        .into_iter()
        .map(|row| row.into_iter().map(Outcome::from).collect())
        .collect()
}

/// What a request's progress lines told about its items.
#[derive(Debug, Default)]
struct Watch {
    /// Items begun and not finished: the expression each is on, and since when the client
    /// knows (later than it began, never earlier).
    running: HashMap<usize, (usize, Instant)>,
    finished: usize,
    /// When the request was given up: the deadline passed or the worker died.
    ended: Option<Instant>,
}

impl Watch {
    fn record(&mut self, news: Progress) {
        let now = Instant::now();
        for i in news.started {
            self.running.entry(i).or_insert((0, now));
        }
        for (i, k) in news.fields {
            if let Some(at) = self.running.get_mut(&i) {
                *at = (k, now);
            }
        }
        for i in news.done {
            if self.running.remove(&i).is_some() {
                self.finished += 1;
            }
        }
    }

    /// The failure as the isolation plan needs it: `crash` is the worker's dying words, or
    /// none for a timeout. Stuck: on one expression for a whole deadline.
    fn failure(&self, crash: Option<String>, deadline: Duration) -> Failure {
        let end = self.ended.unwrap_or_else(Instant::now);
        let (stuck, running): (Vec<usize>, Vec<usize>) =
            self.running.keys().copied().partition(|i| {
                self.running
                    .get(i)
                    .is_some_and(|(_, at)| end.saturating_duration_since(*at) >= deadline)
            });
        Failure {
            crash,
            stuck,
            running,
            finished: self.finished,
        }
    }
}

/// Like [`exchange`], reading progress lines into `watch`. When the deadline passes, the
/// items running at that moment may go on until the expression each is on has run a whole
/// deadline (or they finish), but not past a second deadline; then the request ends.
async fn exchange_watched(
    running: &mut Running,
    request: &Request,
    deadline: Duration,
    watch: &mut Watch,
) -> Result<Reply, WorkerError> {
    let mut line = serde_json::to_vec(request).map_err(|e| WorkerError::Spawn(e.to_string()))?;
    line.push(b'\n');
    let id = request_id(request);
    let due = Instant::now() + deadline;
    let last = due + deadline;
    let write = async {
        running.stdin.write_all(&line).await?;
        running.stdin.flush().await
    };
    match tokio::time::timeout_at(due.into(), write).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            watch.ended = Some(Instant::now());
            return Err(WorkerError::Crashed(e.to_string()));
        }
        Err(_) => {
            watch.ended = Some(Instant::now());
            return Err(WorkerError::TimedOut(deadline));
        }
    }
    // Running when the deadline passed; `None` until it has.
    let mut late: Option<Vec<usize>> = None;
    // Kept across reads: a read cut short by the timer leaves its bytes here.
    let mut answer = Vec::new();
    loop {
        let wake = match &late {
            None => due,
            Some(late) => {
                let now = Instant::now();
                let next = late
                    .iter()
                    .filter_map(|i| watch.running.get(i))
                    .map(|(_, at)| *at + deadline)
                    .filter(|until| *until > now)
                    .min()
                    .filter(|_| now < last);
                match next {
                    Some(until) => until.min(last),
                    None => {
                        watch.ended = Some(now);
                        return Err(WorkerError::TimedOut(deadline));
                    }
                }
            }
        };
        let read = running.stdout.read_until(b'\n', &mut answer);
        match tokio::time::timeout_at(wake.into(), read).await {
            Err(_) => {
                if late.is_none() {
                    late = Some(watch.running.keys().copied().collect());
                }
            }
            Ok(Err(e)) => {
                watch.ended = Some(Instant::now());
                return Err(WorkerError::Crashed(e.to_string()));
            }
            Ok(Ok(0)) => {
                watch.ended = Some(Instant::now());
                return Err(WorkerError::Crashed("it exited".into()));
            }
            Ok(Ok(_)) => {
                let reply: Reply = serde_json::from_slice(&answer)
                    .map_err(|e| WorkerError::Crashed(format!("unreadable reply: {e}")))?;
                answer.clear();
                if reply.id != id {
                    continue;
                }
                match reply.progress {
                    Some(news) => watch.record(news),
                    None => return Ok(reply),
                }
            }
        }
    }
}

fn request_id(request: &Request) -> u64 {
    match request {
        Request::Load { id, .. }
        | Request::LoadFile { id, .. }
        | Request::Eval { id, .. }
        | Request::Render { id, .. } => *id,
    }
}

async fn exchange(
    running: &mut Running,
    request: &Request,
    deadline: Duration,
) -> Result<Reply, WorkerError> {
    let mut line = serde_json::to_vec(request).map_err(|e| WorkerError::Spawn(e.to_string()))?;
    line.push(b'\n');
    let id = request_id(request);
    let talk = async {
        running
            .stdin
            .write_all(&line)
            .await
            .map_err(|e| WorkerError::Crashed(e.to_string()))?;
        running
            .stdin
            .flush()
            .await
            .map_err(|e| WorkerError::Crashed(e.to_string()))?;
        loop {
            let mut answer = String::new();
            let n = running
                .stdout
                .read_line(&mut answer)
                .await
                .map_err(|e| WorkerError::Crashed(e.to_string()))?;
            if n == 0 {
                return Err(WorkerError::Crashed("it exited".into()));
            }
            let reply: Reply = serde_json::from_str(&answer)
                .map_err(|e| WorkerError::Crashed(format!("unreadable reply: {e}")))?;
            // Progress lines carry the request's id too; only the reply proper answers it.
            if reply.id == id && reply.progress.is_none() {
                return Ok(reply);
            }
        }
    };
    tokio::time::timeout(deadline, talk)
        .await
        .map_err(|_| WorkerError::TimedOut(deadline))?
}

/// What the dying worker printed, shortened to its point.
fn crash_reason(stderr: &str) -> String {
    let lower = stderr.to_lowercase();
    if lower.contains("overflowed its stack") {
        "stack overflow: the filter recurses without end".into()
    } else if lower.contains("memory allocation") || lower.contains("out of memory") {
        "out of memory: the filter built a value too large".into()
    } else {
        stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map_or_else(|| "it exited".into(), |l| l.trim().to_owned())
    }
}
