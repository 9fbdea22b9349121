//! One bad repository fails a field for itself only: when user jq runs away or kills the worker
//! on some repositories, those carry the error and every other repository keeps its value, in
//! bounded time. Through the real worker process (the binary in worker mode) and the real
//! headless `render`.

#[allow(dead_code)] // the push test uses a small part of the fake
mod fake_port;
mod support;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ecr_port::mapping::engine::Outcome;
use ecr_port::mapping::worker::{
    DEFAULT_DEADLINE, DEFAULT_MEMORY_LIMIT, DEFAULT_OUTPUT_CAP, WorkerClient, WorkerError,
    WorkerOptions,
};
use ecr_port::mapping::{self, isolate};
use ecr_port::port::blueprint::{self, DEFAULT_BLUEPRINT};
use serde_json::{Value, json};
use support::{Env, run, stderr, stdout};

/// Short, so a runaway costs little; the bounds below are in deadlines, not seconds.
const DEADLINE: Duration = Duration::from_millis(300);

/// The tests here time runaways on what may be a small machine: side by side, one test's
/// spinning worker threads would slow the others' clocks, so they take turns.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn client(deadline: Duration) -> WorkerClient {
    WorkerClient::new(WorkerOptions {
        program: support::bin().into(),
        deadline,
        output_cap: DEFAULT_OUTPUT_CAP,
        memory_limit: DEFAULT_MEMORY_LIMIT,
    })
}

fn name(i: usize) -> String {
    format!("repo-{i:03}")
}

fn repos(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "RepositoryName": name(i),
                "Arn": format!("arn:aws:ecr:eu-west-1:123456789012:repository/{}", name(i)),
                "RepositoryUri": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/{}", name(i)),
                "Tags": [],
            })
        })
        .collect()
}

/// A field that loops forever on `hangs`, recurses until the stack overflows on `crashes`,
/// and is the repository's name with a `!` everywhere else.
fn field(hangs: &[usize], crashes: &[usize]) -> String {
    let names = |is: &[usize]| {
        let list: Vec<String> = is.iter().map(|i| format!("{:?}", name(*i))).collect();
        format!("[{}]", list.join(", "))
    };
    format!(
        "if (.RepositoryName | IN({hangs}[])) then (def f: f; f) \
         elif (.RepositoryName | IN({crashes}[])) then (def f: 1 + f; f) \
         else .RepositoryName + \"!\" end",
        hangs = names(hangs),
        crashes = names(crashes),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

struct Swept {
    outcomes: Vec<Outcome>,
    took: Duration,
    /// The same worker over the same repositories with a harmless field.
    normal: Duration,
    /// One repository crashing the worker alone, and the restart after it.
    crash: Duration,
}

/// The sweep's path (one field over all loaded repositories) on a fresh worker, with the
/// times to judge it by.
fn sweep(n: usize, expr: &str, deadline: Duration) -> Swept {
    runtime().block_on(async {
        let mut client = client(deadline);
        client.load(Arc::new(repos(n))).await.unwrap();
        let began = Instant::now();
        let fine = mapping::evaluate_columns(&mut client, &[".RepositoryName".into()], n).await;
        let normal = began.elapsed();
        assert!(
            fine.outcomes
                .iter()
                .all(|r| matches!(r[0], Outcome::Value(_)))
        );
        let began = Instant::now();
        let got = mapping::evaluate_columns(&mut client, &[expr.to_owned()], n).await;
        let took = began.elapsed();
        assert!(got.compile[0].is_empty(), "{:?}", got.compile);
        let began = Instant::now();
        let crashed = client
            .eval(vec![field(&[], &[0])], Some(vec![0]), None)
            .await;
        assert!(
            matches!(crashed, Err(WorkerError::Crashed(_))),
            "{crashed:?}"
        );
        client
            .eval(vec![".".into()], Some(vec![0]), None)
            .await
            .unwrap();
        let crash = began.elapsed();
        client.shutdown().await;
        let outcomes = got.outcomes.into_iter().map(|mut r| r.remove(0)).collect();
        Swept {
            outcomes,
            took,
            normal,
            crash,
        }
    })
}

/// Every repository but the guilty has its real value; the guilty say what happened to them.
fn assert_isolated(outcomes: &[Outcome], hangs: &[usize], crashes: &[usize], deadline: Duration) {
    let timed_out = format!("timed out after {deadline:?}");
    for (i, outcome) in outcomes.iter().enumerate() {
        if hangs.contains(&i) {
            let Outcome::Error(e) = outcome else {
                panic!("{}: {outcome:?}", name(i))
            };
            assert!(e.starts_with(&timed_out), "{}: {e}", name(i));
        } else if crashes.contains(&i) {
            let Outcome::Error(e) = outcome else {
                panic!("{}: {outcome:?}", name(i))
            };
            // Filling a 64 MiB stack can take longer than a short deadline on a busy
            // machine; then it did time out first, and says so.
            assert!(
                e.contains("the jq worker crashed (stack overflow") || e.starts_with(&timed_out),
                "{}: {e}",
                name(i)
            );
        } else {
            assert_eq!(
                outcome,
                &Outcome::Value(json!(format!("{}!", name(i)))),
                "{}",
                name(i)
            );
        }
    }
}

/// `took`, less the normal time, in deadlines.
fn deadlines(took: Duration, normal: Duration) -> f64 {
    took.saturating_sub(normal).as_secs_f64() / DEADLINE.as_secs_f64()
}

/// The case of the issue: one repository of 200 loops forever; it alone times out, after
/// about one deadline.
#[test]
fn one_runaway_costs_its_own_repository_and_about_a_deadline() {
    let _turn = turn();
    let hangs = [17];
    let got = sweep(200, &field(&hangs, &[]), DEADLINE);
    assert_eq!(got.outcomes.len(), 200);
    assert_isolated(&got.outcomes, &hangs, &[], DEADLINE);
    let spent = deadlines(got.took, got.normal);
    eprintln!(
        "1 runaway in 200: {:?} (normal {:?}) = {spent:.2} deadlines",
        got.took, got.normal
    );
    assert!(spent < 3.0, "took {:?}: {spent:.2} deadlines", got.took);
}

/// With a deadline the crashes surely beat, they are reported as crashes, with the reason, and
/// cost no deadline at all: only the crashes themselves and restarts.
#[test]
fn crashes_are_blamed_on_their_repositories_and_cost_no_deadline() {
    let _turn = turn();
    let deadline = Duration::from_secs(5);
    let crashes = [0, 1, 99, 150];
    let got = sweep(200, &field(&[], &crashes), deadline);
    for i in crashes {
        let Outcome::Error(e) = &got.outcomes[i] else {
            panic!("{}: {:?}", name(i), got.outcomes[i])
        };
        assert!(
            e.starts_with("the jq worker crashed (stack overflow: the filter recurses"),
            "{}: {e}",
            name(i)
        );
    }
    assert_isolated(&got.outcomes, &[], &crashes, deadline);
    eprintln!(
        "4 crashes in 200: {:?} (normal {:?}, one crash {:?})",
        got.took, got.normal, got.crash
    );
    assert!(got.took < deadline, "took {:?}", got.took);
}

/// A runaway and a crash in one chunk: each blamed on its repository. The runaway may be
/// running when the crash comes; then it needs a deadline alone, so the bound is three
/// deadlines plus the crash (seen twice: in the chunk and alone).
#[test]
fn one_runaway_and_one_crash_cost_only_their_own_repositories() {
    let _turn = turn();
    let (hangs, crashes) = ([17], [120]);
    let got = sweep(200, &field(&hangs, &crashes), DEADLINE);
    assert_eq!(got.outcomes.len(), 200);
    assert_isolated(&got.outcomes, &hangs, &crashes, DEADLINE);
    let spent = deadlines(got.took, got.normal);
    let allowed = 3.0 + 2.0 * got.crash.as_secs_f64() / DEADLINE.as_secs_f64();
    eprintln!(
        "1 runaway + 1 crash in 200: {:?} (normal {:?}, one crash {:?}) = {spent:.2} deadlines",
        got.took, got.normal, got.crash
    );
    assert!(spent < allowed, "took {:?}: {spent:.2} deadlines", got.took);
}

#[test]
fn several_runaways_in_one_chunk_are_each_blamed_alone() {
    let _turn = turn();
    let (hangs, crashes) = ([5, 66, 131], [180]);
    let got = sweep(200, &field(&hangs, &crashes), DEADLINE);
    assert_isolated(&got.outcomes, &hangs, &crashes, DEADLINE);
    let spent = deadlines(got.took, got.normal);
    eprintln!(
        "3 runaways + 1 crash in 200: {:?} (normal {:?}) = {spent:.2} deadlines",
        got.took, got.normal
    );
    // Runaways on different worker threads are caught in the same round, one running when
    // another repository crashes the worker needs a round of its own: a few deadlines, within
    // the field's budget (past it the good repositories would not all have their values).
    assert!(
        spent < f64::from(isolate::REPLAY_DEADLINES),
        "took {:?}: {spent:.2} deadlines",
        got.took
    );
}

/// A field that runs away on every repository: a few are blamed, the rest are reported as
/// not tried, and it takes the first round and one probe, not a deadline per repository.
#[test]
fn a_field_that_hangs_everywhere_gives_up_in_bounded_time() {
    let _turn = turn();
    let got = sweep(200, "def f: f; f", DEADLINE);
    let timed_out = got
        .outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Error(e) if e.starts_with("timed out after 300ms")))
        .count();
    let not_run = got
        .outcomes
        .iter()
        .filter(|o| {
            matches!(o, Outcome::Error(e)
                if e.starts_with("not evaluated: this field timed out on every repository"))
        })
        .count();
    assert!(timed_out >= 1, "{:?}", got.outcomes);
    // Those never tried do not claim to have timed out.
    assert!(not_run > 0, "{:?}", got.outcomes);
    assert_eq!(timed_out + not_run, 200, "{:?}", got.outcomes);
    let spent = deadlines(got.took, got.normal);
    eprintln!(
        "all 200 hang: {:?} = {spent:.2} deadlines, {timed_out} blamed",
        got.took
    );
    assert!(spent < 3.0, "took {:?}: {spent:.2} deadlines", got.took);
}

/// Headless `render` (what push sends, too): one repository's field runs away, the others
/// render with their values, and only that one is reported.
#[test]
fn render_keeps_every_entity_but_the_runaways() {
    let _turn = turn();
    let env = Env::new();
    let input = env.path("repos.json");
    std::fs::write(&input, Value::Array(repos(200)).to_string()).unwrap();
    let write_mapping = |file: &str, probe: String| {
        let path = env.path(file);
        let config = json!({"resources": [{"kind": "AWS::ECR::Repository", "port": {"entity": {"mappings": [{
            "identifier": ".RepositoryName",
            "blueprint": "ecr_repository",
            "properties": {
                "uri": ".RepositoryUri",
                "probe": probe,
            }
        }]}}}]});
        std::fs::write(&path, config.to_string()).unwrap();
        path
    };
    let clean = write_mapping("clean.json", field(&[], &[]));
    let runaway = write_mapping("runaway.json", field(&[42], &[]));
    let render = |mapping: &std::path::Path, semantics: &str| {
        let began = Instant::now();
        let out = run(env
            .cmd()
            .args(["render", "--timeout", "0.3", "--semantics", semantics])
            .arg("--mapping")
            .arg(mapping)
            .arg("--input")
            .arg(&input));
        (out, began.elapsed())
    };
    let entities = |out: &std::process::Output| -> Vec<Value> {
        stdout(out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };

    let (out, normal) = render(&clean, "exporter");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(entities(&out).len(), 200);

    // The exporter drops the runaway's entity and keeps the 199 others, each with its value.
    let (out, took) = render(&runaway, "exporter");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = entities(&out);
    assert_eq!(got.len(), 199, "{}", stderr(&out));
    for entity in &got {
        let id = entity["identifier"].as_str().unwrap();
        assert_ne!(id, name(42));
        assert_eq!(entity["properties"]["probe"], json!(format!("{id}!")));
    }
    let err = stderr(&out);
    assert_eq!(err.matches("timed out").count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{} (eu-west-1): dropped: properties.probe: error: timed out after 300ms",
            name(42)
        )),
        "{err}"
    );
    let spent = deadlines(took, normal);
    eprintln!("render, 1 runaway in 200: {took:?} (clean {normal:?}) = {spent:.2} deadlines");
    assert!(
        spent < 3.0,
        "took {took:?}, clean {normal:?}: {spent:.2} deadlines"
    );

    // Ocean keeps the entity with a null field and says why, for that repository only.
    let (out, _) = render(&runaway, "ocean");
    let got = entities(&out);
    assert_eq!(got.len(), 200, "{}", stderr(&out));
    assert!(got[42]["properties"]["probe"].is_null());
    assert_eq!(
        got[42]["properties"]["uri"],
        repos(200)[42]["RepositoryUri"]
    );
    assert_eq!(
        got[41]["properties"]["probe"],
        json!(format!("{}!", name(41)))
    );
    let err = stderr(&out);
    assert_eq!(err.matches("timed out").count(), 1, "{err}");
}

/// `push` plans from the same rendering: one runaway repository is refused, the others are
/// planned (before, the whole chunk was refused as "timed out").
#[test]
fn push_refuses_only_the_runaway_repository() {
    let _turn = turn();
    runtime().block_on(async {
        let port = fake_port::FakePort::start().await;
        {
            let mut st = port.state();
            st.blueprints.insert(
                DEFAULT_BLUEPRINT.into(),
                blueprint::guide_blueprint(DEFAULT_BLUEPRINT),
            );
            for (id, title) in [("service", "Service"), ("region", "Region")] {
                st.blueprints
                    .insert(id.into(), blueprint::target_blueprint(id, title));
            }
        }
        let env = Env::new();
        let input = env.path("repos.json");
        std::fs::write(&input, Value::Array(repos(30)).to_string()).unwrap();
        let mapping = env.path("mapping.json");
        let config = json!({"resources": [{"kind": "AWS::ECR::Repository", "port": {"entity": {"mappings": [{
            "identifier": ".RepositoryName",
            "title": ".RepositoryName",
            "blueprint": DEFAULT_BLUEPRINT,
            "properties": {
                "repositoryUri": format!(
                    "if .RepositoryName == {:?} then (def f: f; f) else .RepositoryUri end",
                    name(7)
                ),
            }
        }]}}}]});
        std::fs::write(&mapping, config.to_string()).unwrap();
        let mut cmd = env.cmd();
        cmd.env("PORT_CLIENT_ID", fake_port::CLIENT_ID)
            .env("PORT_CLIENT_SECRET", fake_port::CLIENT_SECRET)
            .env("PORT_BASE_URL", port.url())
            .args(["push", "--dry-run", "--mapping"])
            .arg(&mapping)
            .arg("--input")
            .arg(&input);
        let began = Instant::now();
        let out = tokio::task::spawn_blocking(move || run(&mut cmd))
            .await
            .unwrap();
        let took = began.elapsed();
        let err = stderr(&out);
        let planned: usize = stdout(&out)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|body| body["entities"].as_array().map(Vec::len))
            .sum();
        assert_eq!(planned, 29, "{}\n{err}", stdout(&out));
        assert!(err.contains("plan: 29 create"), "{err}");
        assert_eq!(err.matches("timed out").count(), 1, "{err}");
        assert!(
            err.contains(&format!(
                "{} (eu-west-1): invalid: mapping: dropped: properties.repositoryUri: error: \
                 timed out after 2s",
                name(7)
            )),
            "{err}"
        );
        // push has no --timeout: the default deadline, met once by the runaway.
        eprintln!("push --dry-run, 1 runaway in 30: {took:?}");
        assert!(took < DEFAULT_DEADLINE * 3, "took {took:?}");
    });
}

/// The worker's caps under a long timeout: a field printing more than 256 KiB and one
/// building a value past the worker's 1 GiB of memory each fail with their own reason (not a
/// timeout), and the repository's other field keeps its value.
#[test]
fn output_and_memory_caps_name_their_reason_and_spare_the_other_fields() {
    let _turn = turn();
    let env = Env::new();
    let input = env.path("repos.json");
    std::fs::write(&input, Value::Array(repos(1)).to_string()).unwrap();
    let mapping = env.path("caps.json");
    let config = json!({"resources": [{"kind": "AWS::ECR::Repository", "port": {"entity": {"mappings": [{
        "identifier": ".RepositoryName",
        "blueprint": "ecr_repository",
        "properties": {
            "uri": ".RepositoryUri",
            "big": r#""x" * 300000"#,
            "huge": "[range(300000000)] | length",
        }
    }]}}}]});
    std::fs::write(&mapping, config.to_string()).unwrap();
    let out = run(env
        .cmd()
        .args(["render", "--timeout", "120", "--semantics", "ocean"])
        .arg("--mapping")
        .arg(&mapping)
        .arg("--input")
        .arg(&input));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let entity: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let repo = &repos(1)[0];
    let props = &entity["properties"];
    assert_eq!(props["uri"], repo["RepositoryUri"]);
    for capped in ["big", "huge"] {
        assert!(props[capped].is_null(), "{capped} is not null");
    }
    let err = stderr(&out);
    let id = name(0);
    for line in [
        format!(
            "{id} (eu-west-1): properties.big: error: output of 300000 bytes is over the \
             262144-byte cap → null"
        ),
        format!(
            "{id} (eu-west-1): properties.huge: error: the jq worker crashed (out of memory: \
             the filter built a value too large); it will be restarted → null"
        ),
    ] {
        assert!(err.lines().any(|l| l == line), "{line}\n{err}");
    }
}
