//! The push end to end against a stateful fake Port: the real binary and the library, with
//! 429s, 5xx, slow answers, dropped connections and a network that dies mid-push. Every entity
//! must be accounted for, the journal must resume, and the secret must be in no output or log.

#[allow(dead_code)] // each test binary uses a different part of the fake
mod fake_port;
mod support;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ecr_port::port::blueprint::{self, Blueprint, DEFAULT_BLUEPRINT};
use ecr_port::port::journal::{self, Line, Outcome};
use ecr_port::port::push::{self, Draft, Push};
use ecr_port::port::{ClientOptions, Credentials, PortClient, Secret};
use fake_port::{CLIENT_ID, CLIENT_SECRET, FakePort, Fault, SERVICES};
use serde_json::{Value, json};
use support::{Env, stderr, stdout};

/// `n` repositories as `ecr-port list --output json` prints them; `unknown` of them are
/// tagged with a service Port does not have.
fn repos_json(n: usize, unknown: usize) -> Value {
    let repos: Vec<Value> = (0..n)
        .map(|i| {
            let service = match i < unknown {
                true => "ghost".to_owned(),
                false => SERVICES[i % SERVICES.len()].to_owned(),
            };
            let name = format!("team/app-{i:03}");
            json!({
                "RepositoryName": name,
                "Arn": format!("arn:aws:ecr:eu-west-1:123456789012:repository/{name}"),
                "RepositoryUri": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}"),
                "ImageTagMutability": "MUTABLE",
                "ImageScanningConfiguration": {"ScanOnPush": true},
                "EncryptionConfiguration": {"EncryptionType": "AES256"},
                "Tags": [{"Key": format!("port-{service}"), "Value": "true"}]
            })
        })
        .collect();
    Value::Array(repos)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    env: Env,
}

/// `ecr-port push` with the fake's credentials, off the async runtime (the fake runs on it).
async fn push_binary(port: &FakePort, repos: Value, args: &[&str], env: Option<Env>) -> Run {
    let env = env.unwrap_or_default();
    let input = env.path("repos.json");
    std::fs::write(&input, repos.to_string()).unwrap();
    let mut cmd = env.cmd();
    cmd.env("PORT_CLIENT_ID", CLIENT_ID)
        .env("PORT_CLIENT_SECRET", CLIENT_SECRET)
        .env("PORT_BASE_URL", port.url())
        .env("ECR_PORT_LOG", "debug")
        .arg("push")
        .arg("--input")
        .arg(&input)
        .args(args);
    let out = tokio::task::spawn_blocking(move || support::run(&mut cmd))
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: stdout(&out),
        stderr: stderr(&out),
        env,
    }
}

/// Every file ecr-port wrote (log, journals), concatenated.
fn written_files(env: &Env) -> String {
    let mut text = String::new();
    let mut stack = vec![env.path("state")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    text
}

fn assert_no_secret(run: &Run, port: &FakePort) {
    let files = written_files(&run.env);
    assert!(files.contains("push"), "the log and journal exist");
    let mut secrets = vec![CLIENT_SECRET.to_owned()];
    secrets.extend(port.state().issued_tokens());
    for s in secrets {
        for (what, text) in [
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
            ("files", &files),
        ] {
            assert!(!text.contains(&s), "{what} shows a secret or token");
        }
    }
}

fn journal_of(run: &Run) -> Vec<Line> {
    let dir = run.env.path("state").join("pushes");
    let path = journal::list(&dir).into_iter().next().expect("a journal");
    journal::read(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_rides_out_429_5xx_slow_answers_and_a_dropped_connection() {
    let port = FakePort::ready().await;
    {
        let mut st = port.state();
        let bulk = "POST /v1/blueprints/ecr_repository/entities/bulk";
        st.fault(
            bulk,
            Fault::status(
                429,
                &[
                    ("Retry-After", "1"),
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1"),
                ],
            ),
        );
        st.fault(bulk, Fault::status(503, &[]));
        st.fault(bulk, Fault::Drop);
        st.fault(bulk, Fault::Slow(Duration::from_millis(700)));
        st.fault(bulk, Fault::status(502, &[]));
    }
    let run = push_binary(
        &port,
        repos_json(95, 0),
        &["--yes", "--output", "json"],
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["total"], 95);
    assert_eq!(report["created"], 95);
    assert_eq!(report["notAttempted"], 0);
    let st = port.state();
    let stored = st
        .entities
        .keys()
        .filter(|(bp, _)| bp == DEFAULT_BLUEPRINT)
        .count();
    assert_eq!(stored, 95);
    // 5 batches of ≤ 20, plus the 4 answers that had to be retried (the slow one was not).
    let bulks = st.count("POST /v1/blueprints/ecr_repository/entities/bulk");
    assert_eq!(bulks, 5 + 4, "{:?}", st.routes());
    assert!(st.requests.iter().all(|r| {
        r.route() != "POST /v1/blueprints/ecr_repository/entities/bulk"
            || r.body["entities"].as_array().is_some_and(|e| e.len() <= 20)
    }));
    drop(st);
    // The journal accounts for all 95, each with one final outcome.
    let lines = journal_of(&run);
    let outcomes: Vec<&Outcome> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Outcome { outcome, .. } => Some(outcome),
            _ => None,
        })
        .collect();
    assert_eq!(outcomes.len(), 95);
    assert!(outcomes.iter().all(|o| **o == Outcome::Created));
    assert!(matches!(lines.last(), Some(Line::End { .. })));
    assert_no_secret(&run, &port);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dangling_services_are_refused_and_named_unless_port_may_create_them() {
    let port = FakePort::ready().await;
    let run = push_binary(&port, repos_json(10, 3), &["--yes"], None).await;
    assert_eq!(run.code, 1, "refused entities fail the run: {}", run.stderr);
    for i in 0..3 {
        assert!(
            run.stderr.contains(&format!(
                "team/app-{i:03} (eu-west-1): dangling: relations.service: `ghost` is not an entity of blueprint `service`"
            )),
            "{}",
            run.stderr
        );
    }
    assert!(
        run.stdout.contains(
            "10 entities: 7 created · 0 updated · 0 unchanged · 0 failed · 3 refused · 0 not attempted"
        ),
        "{}",
        run.stdout
    );
    // Only the 7 valid ones went out.
    let sent: usize = port
        .state()
        .requests
        .iter()
        .filter(|r| r.route().ends_with("/entities/bulk"))
        .map(|r| r.body["entities"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(sent, 7);
    // Again with create_missing_related: the 3 go out, nothing else changes (unchanged, not sent).
    let again = push_binary(
        &port,
        repos_json(10, 3),
        &["--yes", "--create-missing-related"],
        None,
    )
    .await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("10 entities: 3 created · 0 updated · 7 unchanged"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stderr
            .contains("Port will create `ghost` in blueprint `service` (relations.service)"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_exact_requests_and_writes_nothing() {
    let port = FakePort::ready().await;
    let run = push_binary(&port, repos_json(25, 0), &["--dry-run"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "two requests, each a line and a body");
    assert!(lines[0].starts_with("POST http://127.0.0.1:"));
    assert!(
        lines[0].ends_with("/v1/blueprints/ecr_repository/entities/bulk?upsert=true&merge=true")
    );
    let body: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(body["entities"].as_array().unwrap().len(), 20);
    assert_eq!(body["entities"][0]["relations"]["service"], "orders");
    assert_eq!(
        port.state()
            .count("POST /v1/blueprints/ecr_repository/entities/bulk"),
        0
    );
    assert!(run.stderr.contains("plan: 25 create"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_or_yes_nothing_is_sent() {
    let port = FakePort::ready().await;
    let run = push_binary(&port, repos_json(3, 0), &[], None).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("pass --yes"), "{}", run.stderr);
    assert_eq!(
        port.state()
            .count("POST /v1/blueprints/ecr_repository/entities/bulk"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_blueprint_is_set_up_by_the_command_after_showing_it() {
    let port = FakePort::start().await;
    let env = Env::new();
    let mut cmd = env.cmd();
    cmd.env("PORT_CLIENT_ID", CLIENT_ID)
        .env("PORT_CLIENT_SECRET", CLIENT_SECRET)
        .env("PORT_BASE_URL", port.url());
    let check = |mut cmd: std::process::Command, args: &'static [&'static str]| async move {
        cmd.args(args);
        tokio::task::spawn_blocking(move || support::run(&mut cmd))
            .await
            .unwrap()
    };
    let out = check(env_cmd(&env, &port), &["blueprint", "check"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("blueprint `ecr_repository` does not exist"));
    assert!(stdout(&out).contains("relation target blueprint `region` does not exist"));
    let out = check(cmd, &["blueprint", "setup", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = stdout(&out);
    let posts: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with("POST /v1/blueprints"))
        .collect();
    assert_eq!(
        posts.len(),
        3,
        "region, service, then the blueprint: {shown}"
    );
    assert_eq!(
        port.state().blueprints["ecr_repository"]["relations"]["service"],
        blueprint::service_relation()
    );
    let out = check(env_cmd(&env, &port), &["blueprint", "check", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["ready"], true);
}

fn env_cmd(env: &Env, port: &FakePort) -> std::process::Command {
    let mut cmd = env.cmd();
    cmd.env("PORT_CLIENT_ID", CLIENT_ID)
        .env("PORT_CLIENT_SECRET", CLIENT_SECRET)
        .env("PORT_BASE_URL", port.url());
    cmd
}

fn client(port: &FakePort) -> PortClient {
    PortClient::new(
        Credentials {
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
        },
        ClientOptions {
            base_url: port.url(),
            timeout: Duration::from_millis(400),
            max_retries: 2,
            max_backoff: Duration::from_secs(2),
            initial_backoff: Duration::from_millis(20),
        },
    )
    .unwrap()
}

fn drafts(n: usize) -> Vec<Draft> {
    (0..n)
        .map(|i| Draft {
            repo: format!("app-{i:03} (eu-west-1)"),
            entity: Ok(json!({
                "identifier": format!("app-{i:03}"),
                "title": format!("app-{i:03}"),
                "blueprint": DEFAULT_BLUEPRINT,
                "properties": {"imageTagMutability": "MUTABLE"},
                "relations": {"service": SERVICES[i % 3], "region": "eu-west-1"}
            })),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_dying_mid_push_loses_nothing_and_the_journal_resumes() {
    let port = FakePort::ready().await;
    let catalog = client(&port);
    let bp = catalog.blueprint(DEFAULT_BLUEPRINT).await.unwrap().unwrap();
    let bp = Blueprint::from_json(&bp).unwrap();
    let plan = push::plan(&catalog, DEFAULT_BLUEPRINT, &bp, drafts(100), false)
        .await
        .unwrap();
    assert_eq!(plan.counts().create, 100);
    let dir = tempfile::tempdir().unwrap();
    let mut push = Push::start(plan, false, &port.url(), dir.path()).unwrap();
    let pending = push.pending();
    // The network goes away once the first batch has answered.
    push.send(&catalog, &pending, 1, &AtomicBool::new(false), |done, _| {
        if done >= 20 {
            port.state().down = true;
        }
    })
    .await
    .unwrap();
    let c = push.counts();
    assert_eq!(c.total, 100);
    assert_eq!(c.created, 20);
    assert_eq!(c.failed + c.not_attempted + c.unknown, 80, "{c:?}");
    assert!(
        c.failed + c.unknown <= 20,
        "one batch went unanswered on the network, the rest were not sent"
    );
    let path = push.journal_path().to_owned();
    // A crash here: the journal alone knows what is left.
    drop(push);
    assert_eq!(
        push::latest_unfinished(dir.path()).map(|(_, n)| n),
        Some(80)
    );
    port.state().down = false;
    let mut resumed = Push::resume(&path).unwrap();
    let pending = resumed.pending();
    assert_eq!(pending.len(), 80);
    resumed
        .send(&catalog, &pending, 4, &AtomicBool::new(false), |_, _| {})
        .await
        .unwrap();
    resumed.finish().unwrap();
    let c = resumed.counts();
    assert_eq!((c.created, c.failed, c.not_attempted), (100, 0, 0));
    assert_eq!(port.state().entities.len(), 100 + 3 + 1);
}

/// Port stores a batch and the connection dies before its answer: those entities are
/// `unknown` (not `failed`) until they are read back, then `created`; a resume does not send
/// them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_batch_is_unknown_until_read_back_and_is_not_resent() {
    let port = FakePort::ready().await;
    let catalog = client(&port);
    let bp = catalog.blueprint(DEFAULT_BLUEPRINT).await.unwrap().unwrap();
    let bp = Blueprint::from_json(&bp).unwrap();
    let plan = push::plan(&catalog, DEFAULT_BLUEPRINT, &bp, drafts(100), false)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut push = Push::start(plan, false, &port.url(), dir.path()).unwrap();
    let pending = push.pending();
    let bulk = "POST /v1/blueprints/ecr_repository/entities/bulk";
    // The second batch is stored by Port, and then the network dies.
    push.send(&catalog, &pending, 1, &AtomicBool::new(false), |done, _| {
        if done == 20 {
            port.state().fault(bulk, Fault::AcceptThenDie);
        }
    })
    .await
    .unwrap();
    let stored = |port: &FakePort| {
        port.state()
            .entities
            .keys()
            .filter(|(b, _)| b == DEFAULT_BLUEPRINT)
            .count()
    };
    assert_eq!(stored(&port), 40, "Port holds both batches");
    // While Port cannot be read either, they stay unknown: neither failed nor created.
    push.resolve_unknown(&catalog).await.unwrap();
    let c = push.counts();
    assert_eq!((c.created, c.unknown, c.failed), (20, 20, 0), "{c:?}");
    assert_eq!(c.not_attempted, 60);
    assert!(c.summary().ends_with("· 20 unknown"), "{}", c.summary());
    // Port is back: reading them back settles them as created.
    port.state().down = false;
    push.resolve_unknown(&catalog).await.unwrap();
    let c = push.counts();
    assert_eq!(
        (c.created, c.unknown, c.not_attempted),
        (40, 0, 60),
        "{c:?}"
    );
    let path = push.journal_path().to_owned();
    drop(push);
    // The journal remembers: a resume sends only the 60 never sent.
    let mut resumed = Push::resume(&path).unwrap();
    let pending = resumed.pending();
    assert_eq!(pending.len(), 60);
    let before = port.state().count(bulk);
    resumed
        .send(&catalog, &pending, 2, &AtomicBool::new(false), |_, _| {})
        .await
        .unwrap();
    assert_eq!(port.state().count(bulk) - before, 3);
    assert_eq!(resumed.counts().created, 100);
    assert_eq!(stored(&port), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_entity_errors_of_a_207_fail_alone_and_retry_sends_only_them() {
    let port = FakePort::ready().await;
    let catalog = client(&port);
    let bp = catalog.blueprint(DEFAULT_BLUEPRINT).await.unwrap().unwrap();
    let bp = Blueprint::from_json(&bp).unwrap();
    let plan = push::plan(&catalog, DEFAULT_BLUEPRINT, &bp, drafts(30), false)
        .await
        .unwrap();
    // `search` disappears from Port between the plan and the push.
    port.state()
        .entities
        .remove(&("service".to_owned(), "search".to_owned()));
    let dir = tempfile::tempdir().unwrap();
    let mut push = Push::start(plan, false, &port.url(), dir.path()).unwrap();
    let pending = push.pending();
    push.send(&catalog, &pending, 2, &AtomicBool::new(false), |_, _| {})
        .await
        .unwrap();
    let failed: Vec<usize> = push.pending();
    assert_eq!(failed.len(), 10, "every third draft names `search`");
    for &n in &failed {
        assert_eq!(
            push.plan.entries[n].entity.as_ref().unwrap()["relations"]["service"],
            "search"
        );
        assert!(matches!(
            &push.outcomes[n],
            Some(Outcome::Failed { status: 404, error, .. }) if error == "not_found"
        ));
    }
    assert_eq!(push.counts().created, 20);
    // `R`: the service is back; only the 10 go out again.
    port.state().add_entity("service", "search");
    let before = port.state().requests.len();
    push.send(&catalog, &failed, 2, &AtomicBool::new(false), |_, _| {})
        .await
        .unwrap();
    let resent: usize = port.state().requests[before..]
        .iter()
        .filter(|r| r.route().ends_with("/entities/bulk"))
        .map(|r| r.body["entities"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(resent, 10);
    assert!(push.counts().ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_mid_push_is_refreshed() {
    let port = FakePort::ready().await;
    port.state().token_uses = Some(4);
    let run = push_binary(&port, repos_json(100, 0), &["--yes", "-o", "json"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        port.state().issued_tokens().len() >= 2,
        "the token was renewed"
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["created"], 100);
    assert_no_secret(&run, &port);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_push_through_the_binary_sends_only_what_was_left() {
    let port = FakePort::ready().await;
    // A first run whose two bulk requests are both rejected.
    {
        let mut st = port.state();
        for _ in 0..2 {
            st.fault(
                "POST /v1/blueprints/ecr_repository/entities/bulk",
                Fault::status(422, &[]),
            );
        }
    }
    let env = Env::new();
    let first = push_binary(
        &port,
        repos_json(40, 0),
        &["--yes", "--in-flight", "1"],
        Some(env),
    )
    .await;
    assert_eq!(first.code, 1);
    assert!(
        first
            .stdout
            .contains("resend what did not land: ecr-port push --resume")
    );
    assert!(
        first.stderr.contains("failed: HTTP 422"),
        "{}",
        first.stderr
    );
    port.state().faults_clear();
    // A 4xx rejection does not make the push "unfinished" by itself: the report names the
    // journal to resume once the cause is fixed.
    let journal = first
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("resend what did not land: ecr-port push --resume "))
        .expect("the report names the journal")
        .to_owned();
    let env = first.env;
    let resume = |args: Vec<String>| {
        let mut cmd = env_cmd(&env, &port);
        cmd.arg("push").args(args);
        tokio::task::spawn_blocking(move || support::run(&mut cmd))
    };
    // Flags of a new push make no sense with a resume.
    let out = resume(vec!["--resume".into(), journal.clone(), "--dry-run".into()])
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // Without a terminal, a resume needs --yes like any push.
    let out = resume(vec!["--resume".into(), journal.clone()])
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    let out = resume(vec!["--resume".into(), journal.clone(), "--yes".into()])
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("40 entities: 40 created"),
        "{}",
        stdout(&out)
    );
    // Nothing left: a further resume sends nothing.
    let out = resume(vec!["--resume".into(), journal, "--yes".into()])
        .await
        .unwrap();
    assert!(
        stdout(&out).contains("nothing to resend"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_journal_is_never_resumed_against_a_real_port() {
    let port = FakePort::ready().await;
    let env = Env::new();
    let journals = env.path("state").join("pushes");
    let mut j = journal::Journal::create(&journals, "20261127T000000Z").unwrap();
    j.write(&Line::Push {
        version: 1,
        blueprint: "ecr_repository".into(),
        target: ecr_port::port::demo::DESCRIPTION.into(),
        create_missing_related: false,
        started: "t".into(),
    })
    .unwrap();
    j.write(&Line::Entry {
        n: 0,
        repo: "a (eu-west-1)".into(),
        identifier: "a".into(),
        plan: "create".into(),
        reasons: vec![],
        entity: Some(json!({"identifier": "a"})),
    })
    .unwrap();
    drop(j);
    let mut cmd = env_cmd(&env, &port);
    cmd.args(["push", "--resume", "--yes"]);
    let out = tokio::task::spawn_blocking(move || support::run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("was a push to demo catalog"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        port.state()
            .count("POST /v1/blueprints/ecr_repository/entities/bulk"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_checks_the_credentials_and_keeps_them_private() {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let port = FakePort::ready().await;
    let env = Env::new();
    let settings = env.path("settings.json");
    let login = |secret: &'static str| {
        let mut cmd = env.cmd();
        cmd.env("PORT_BASE_URL", port.url())
            .env("ECR_PORT_LOG", "debug")
            .arg("--config")
            .arg(&settings)
            .args(["login", "--client-id", CLIENT_ID])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        async move {
            tokio::task::spawn_blocking(move || {
                let mut child = cmd.spawn().unwrap();
                writeln!(child.stdin.take().unwrap(), "{secret}").unwrap();
                child.wait_with_output().unwrap()
            })
            .await
            .unwrap()
        }
    };
    // A wrong secret is refused by Port and nothing is saved.
    let out = login("not-the-secret").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Port refused the credentials"),
        "{}",
        stderr(&out)
    );
    assert!(!settings.exists());

    let out = login(CLIENT_SECRET).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tokens = port.state().issued_tokens();
    assert!(!tokens.is_empty(), "login asked Port for a token");
    let log = std::fs::read_to_string(env.path("state").join("ecr-port.log")).expect("a log");
    assert!(log.contains("POST /v1/auth/access_token"), "{log}");
    for secret in tokens.iter().map(String::as_str).chain([CLIENT_SECRET]) {
        for (what, text) in [
            ("stdout", stdout(&out)),
            ("stderr", stderr(&out)),
            ("the log", log.clone()),
        ] {
            assert!(!text.contains(secret), "{what} shows {secret}");
        }
    }
    let mode = std::fs::metadata(&settings).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        std::fs::read_to_string(&settings)
            .unwrap()
            .contains(CLIENT_SECRET)
    );

    // The saved credentials work without the environment...
    let check = |env: &Env| {
        let mut cmd = env.cmd();
        cmd.env("PORT_BASE_URL", port.url())
            .arg("--config")
            .arg(&settings)
            .args(["blueprint", "check"]);
        tokio::task::spawn_blocking(move || support::run(&mut cmd))
    };
    let out = check(&env).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // ...and are refused, with the fix named, once others can read the file.
    std::fs::set_permissions(&settings, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = check(&env).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(CLIENT_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_say_how_to_provide_them() {
    let env = Env::new();
    let mut cmd = env.cmd();
    cmd.env_remove("PORT_CLIENT_ID")
        .env_remove("PORT_CLIENT_SECRET")
        .args(["push", "--dry-run"]);
    let out = tokio::task::spawn_blocking(move || support::run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("PORT_CLIENT_ID and PORT_CLIENT_SECRET"),
        "{err}"
    );
    assert!(err.contains("ecr-port login"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_after_the_batch_in_flight_and_the_rest_resumes() {
    a_signal_stops_after_the_batch_in_flight_and_the_rest_resumes(libc::SIGINT).await;
}

/// Closing the terminal (SIGHUP) or a service manager's stop (SIGTERM) ends a push like Ctrl-C.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sighup_stop_a_push_like_ctrl_c() {
    a_signal_stops_after_the_batch_in_flight_and_the_rest_resumes(libc::SIGTERM).await;
    a_signal_stops_after_the_batch_in_flight_and_the_rest_resumes(libc::SIGHUP).await;
}

async fn a_signal_stops_after_the_batch_in_flight_and_the_rest_resumes(signal: i32) {
    use std::io::BufRead;
    let port = FakePort::ready().await;
    let bulk = "POST /v1/blueprints/ecr_repository/entities/bulk";
    // The first batch's answer waits until the push has said it is stopping.
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    port.state().fault(bulk, Fault::Hold(gate.clone()));
    let env = Env::new();
    let input = env.path("repos.json");
    std::fs::write(&input, repos_json(100, 0).to_string()).unwrap();
    let mut cmd = env_cmd(&env, &port);
    cmd.arg("push")
        .arg("--input")
        .arg(&input)
        .args(["--yes", "--in-flight", "1"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Interrupt once the first batch is on its way.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while port.state().count(bulk) == 0 {
        assert!(std::time::Instant::now() < deadline, "no bulk request came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
    let (said, heard) = std::sync::mpsc::channel();
    let err = std::io::BufReader::new(child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        for line in err.lines().map_while(Result::ok) {
            if line.contains("stopping") {
                let _ = said.send(());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    tokio::task::spawn_blocking(move || heard.recv_timeout(Duration::from_secs(20)))
        .await
        .unwrap()
        .expect("the push says it is stopping");
    gate.notify_one();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let se = reader.join().unwrap();
    let so = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{so}\n{se}");
    assert!(
        so.contains("100 entities: 20 created · 0 updated · 0 unchanged · 0 failed · 0 refused · 80 not attempted"),
        "{so}"
    );
    assert!(so.contains("ecr-port push --resume"), "{so}");
    let mut cmd = env_cmd(&env, &port);
    cmd.args(["push", "--resume", "--yes"]);
    let out = tokio::task::spawn_blocking(move || support::run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("100 entities: 100 created"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_demo_sets_up_pushes_and_diffs_without_an_account() {
    let env = Env::new();
    let run = |args: &'static [&'static str]| {
        let mut cmd = env.cmd();
        cmd.env_remove("PORT_CLIENT_ID")
            .env_remove("PORT_CLIENT_SECRET")
            .arg("--demo")
            .args(args);
        tokio::task::spawn_blocking(move || support::run(&mut cmd))
    };
    let out = run(&["blueprint", "check"]).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("has no `service` relation"));
    let out = run(&["push", "--yes"]).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`ecr-port blueprint setup`"),
        "{}",
        stderr(&out)
    );
    let out = run(&["blueprint", "setup", "--yes"]).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing leaves this machine"));
    let out = run(&["push", "--yes", "-o", "json"]).await.unwrap();
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // Named by ARN, the six names in both regions are twelve entities; the ten refused name a
    // service the demo catalog lacks (both `platform/ingress-nginx` among them).
    assert_eq!(report["total"], 48);
    assert_eq!(report["created"], 38);
    assert_eq!(report["refused"], 10);
    assert_eq!(out.status.code(), Some(1), "refusals fail the run");
    // The catalog remembers: the same push again changes nothing.
    let out = run(&["push", "--yes", "-o", "json"]).await.unwrap();
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (report["created"].as_u64(), report["unchanged"].as_u64()),
        (Some(0), Some(38))
    );
}

/// The same saved inventory and mapping through `render`, `push --dry-run` and a real push:
/// the entities are identical, field for field, on records with a missing `Tags` key and a key
/// ecr-port does not know (`Extra`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn render_dry_run_and_push_send_the_same_entities() {
    let port = FakePort::ready().await;
    port.state().blueprints.get_mut(DEFAULT_BLUEPRINT).unwrap()["schema"]["properties"]["extra"] =
        json!({"type": "string", "title": "Extra"});
    let mut repos = repos_json(3, 0);
    repos[0].as_object_mut().unwrap().remove("Tags");
    repos[1]["Extra"] = json!("hello");
    let env = Env::new();
    let mut mapping: Value =
        serde_json::from_str(include_str!("../assets/default-mapping.json")).unwrap();
    mapping["resources"][0]["port"]["entity"]["mappings"][0]["properties"]["extra"] =
        json!(".Extra");
    let mapping_path = env.path("mapping.json");
    std::fs::write(&mapping_path, mapping.to_string()).unwrap();
    let input = env.path("repos.json");
    std::fs::write(&input, repos.to_string()).unwrap();

    let by_id = |entities: Vec<Value>| -> std::collections::BTreeMap<String, Value> {
        entities
            .into_iter()
            .map(|mut e| {
                // The URL names the blueprint; the body does not carry it.
                e.as_object_mut().unwrap().remove("blueprint");
                (e["identifier"].as_str().unwrap().to_owned(), e)
            })
            .collect()
    };

    let mut render = env.cmd();
    render
        .args(["render", "--mapping"])
        .arg(&mapping_path)
        .arg("--input")
        .arg(&input);
    let out = tokio::task::spawn_blocking(move || support::run(&mut render))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rendered = by_id(
        stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    );
    assert_eq!(rendered.len(), 3);
    let arn = |i: usize| format!("arn:aws:ecr:eu-west-1:123456789012:repository/team/app-{i:03}");
    assert_eq!(rendered[&arn(0)]["properties"]["tags"], Value::Null);
    assert_eq!(rendered[&arn(1)]["properties"]["extra"], "hello");

    let args = ["--mapping", mapping_path.to_str().unwrap()];
    let dry = push_binary(
        &port,
        repos.clone(),
        &[&args[..], &["--dry-run"]].concat(),
        None,
    )
    .await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let bodies: Vec<Value> = dry
        .stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .flat_map(|l| {
            let body: Value = serde_json::from_str(l).unwrap();
            body["entities"].as_array().unwrap().clone()
        })
        .collect();
    assert_eq!(by_id(bodies), rendered, "dry run vs render");

    let run = push_binary(&port, repos, &[&args[..], &["--yes"]].concat(), None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stored: Vec<Value> = port
        .state()
        .entities
        .iter()
        .filter(|((bp, _), _)| bp == DEFAULT_BLUEPRINT)
        .map(|(_, e)| e.clone())
        .collect();
    assert_eq!(by_id(stored), rendered, "what landed in Port vs render");
}

/// Two pushes at once to the same catalog and blueprint: the second refuses before it writes
/// anything, naming the first one's process and journal; each entity is written once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_push_to_the_same_target_refuses_while_the_first_sends() {
    let port = FakePort::ready().await;
    let bulk = "POST /v1/blueprints/ecr_repository/entities/bulk";
    // The first push's batch is answered only once the second has been refused.
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    port.state().fault(bulk, Fault::Hold(gate.clone()));
    let env = Env::new();
    let state_dir = env.path("state");
    std::fs::write(env.path("repos.json"), repos_json(10, 0).to_string()).unwrap();
    let mut cmd = env.cmd();
    cmd.env("PORT_CLIENT_ID", CLIENT_ID)
        .env("PORT_CLIENT_SECRET", CLIENT_SECRET)
        .env("PORT_BASE_URL", port.url())
        .args(["push", "--yes", "--input"])
        .arg(env.path("repos.json"));
    let first = tokio::task::spawn_blocking(move || support::run(&mut cmd));
    // The first push is sending once its bulk request has reached Port.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while port.state().count(bulk) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first push never sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = push_binary(&port, repos_json(10, 0), &["--yes"], Some(env)).await;
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("is pushing to blueprint `ecr_repository`"),
        "{}",
        second.stderr
    );
    assert!(second.stderr.contains("pid "), "{}", second.stderr);
    assert!(second.stderr.contains("journal "), "{}", second.stderr);
    gate.notify_one();
    let first = first.await.unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(port.state().count(bulk), 1, "the 10 entities went out once");
    let journals = journal::list(&state_dir.join("pushes"));
    assert_eq!(journals.len(), 1, "the refused push wrote no journal");
}

/// A config with two ECR resources: the first with two mappings (by ARN and by name), the
/// second, for `…0` repositories only, with a mapping whose identifier collides with the first
/// one's and a mapping for another blueprint. The push plans every entity of every mapping,
/// each labelled; it sends exactly what `render` prints for its blueprint, refuses the
/// collision naming both sides, and leaves the other blueprint's entity to the push that
/// `--blueprint` aims at it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mapping_of_every_ecr_resource_is_pushed_and_labelled() {
    let port = FakePort::ready().await;
    port.state()
        .blueprints
        .insert("ecr_image".into(), blueprint::guide_blueprint("ecr_image"));
    let repos = repos_json(4, 0);
    let env = Env::new();
    let shipped: Value =
        serde_json::from_str(include_str!("../assets/default-mapping.json")).unwrap();
    let base = &shipped["resources"][0]["port"]["entity"]["mappings"][0];
    let with = |identifier: &str, blueprint: &str| {
        let mut m = base.clone();
        m["identifier"] = json!(identifier);
        m["blueprint"] = json!(blueprint);
        m
    };
    let config = json!({"resources": [
        {"kind": "AWS::ECR::Repository", "selector": {"query": "true"},
         "port": {"entity": {"mappings": [
            with(".Arn", DEFAULT_BLUEPRINT), with(".RepositoryName", DEFAULT_BLUEPRINT)]}}},
        {"kind": "AWS::ECR::Repository", "selector": {"query": ".RepositoryName | endswith(\"0\")"},
         "port": {"entity": {"mappings": [
            with(".Arn", DEFAULT_BLUEPRINT), with(".RepositoryUri", "ecr_image")]}}}
    ]});
    let mapping = env.path("config.json");
    std::fs::write(&mapping, config.to_string()).unwrap();
    let input = env.path("render-input.json");
    std::fs::write(&input, repos.to_string()).unwrap();
    let mut render = env.cmd();
    render
        .args(["render", "--mapping"])
        .arg(&mapping)
        .arg("--input")
        .arg(&input);
    let out = tokio::task::spawn_blocking(move || support::run(&mut render))
        .await
        .unwrap();
    let rendered: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rendered.len(), 4 * 2 + 2, "{}", stderr(&out));

    let args = [
        "--mapping",
        mapping.to_str().unwrap(),
        "--yes",
        "-o",
        "json",
    ];
    let run = push_binary(&port, repos.clone(), &args, Some(env)).await;
    assert_eq!(run.code, 1, "the refusals fail the run: {}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (&report["total"], &report["created"], &report["refused"]),
        (&json!(10), &json!(7), &json!(3))
    );
    let entries = report["entities"].as_array().unwrap();
    let entry = |repo: &str| {
        entries
            .iter()
            .find(|e| e["repo"] == repo)
            .unwrap_or_else(|| panic!("{repo} is accounted for: {}", run.stdout))
    };
    for i in 0..4 {
        for m in ["#1.1", "#1.2"] {
            entry(&format!("team/app-{i:03} (eu-west-1) {m}"));
        }
    }
    let collides = entry("team/app-000 (eu-west-1) #2.1");
    assert_eq!(collides["outcome"], "refused");
    assert!(
        collides["detail"]
            .as_str()
            .unwrap()
            .contains("is also produced by team/app-000 (eu-west-1) #1.1"),
        "{collides}"
    );
    assert_eq!(entry("team/app-000 (eu-west-1) #1.1")["outcome"], "refused");
    let elsewhere = entry("team/app-000 (eu-west-1) #2.2");
    assert_eq!(elsewhere["outcome"], "refused");
    assert!(
        elsewhere["detail"]
            .as_str()
            .unwrap()
            .contains("`ecr-port push --blueprint ecr_image` sends them"),
        "{elsewhere}"
    );

    // What landed is what render printed, entity for entity.
    let body = |mut e: Value| {
        let obj = e.as_object_mut().unwrap();
        obj.remove("mapping");
        obj.remove("blueprint");
        (obj["identifier"].as_str().unwrap().to_owned(), e)
    };
    let stored = |bp: &str| -> std::collections::BTreeMap<String, Value> {
        port.state()
            .entities
            .iter()
            .filter(|((b, _), _)| b == bp)
            .map(|(_, e)| body(e.clone()))
            .collect()
    };
    let sent: std::collections::BTreeMap<String, Value> = rendered
        .iter()
        .filter(|e| e["blueprint"] == DEFAULT_BLUEPRINT)
        .filter(|e| !e["identifier"].as_str().unwrap().ends_with("/team/app-000"))
        .map(|e| body(e.clone()))
        .collect();
    assert_eq!(sent.len(), 7);
    assert_eq!(stored(DEFAULT_BLUEPRINT), sent);

    // The other blueprint's entity goes with the push aimed at it; the rest wait for theirs.
    let args = [
        "--mapping",
        mapping.to_str().unwrap(),
        "--blueprint",
        "ecr_image",
        "--yes",
        "-o",
        "json",
    ];
    let again = push_binary(&port, repos, &args, Some(run.env)).await;
    let report: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(
        (&report["total"], &report["created"], &report["refused"]),
        (&json!(10), &json!(1), &json!(9)),
        "{}",
        again.stderr
    );
    let image = stored("ecr_image");
    assert_eq!(
        image.keys().collect::<Vec<_>>(),
        ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app-000"]
    );
}

/// `--read-only`, or a profile listed in `readOnlyProfiles`, keeps `push` and `blueprint
/// setup` from writing to Port: no request but a token or a read reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sends_nothing_that_writes_to_port() {
    let env = Env::new();
    std::fs::write(
        env.path("aws-config"),
        "[profile prod]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        env.path("aws-credentials"),
        "[prod]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let settings = env.path("settings.json");
    std::fs::write(&settings, r#"{"aws": {"readOnlyProfiles": ["prod"]}}"#).unwrap();
    let settings = settings.to_string_lossy().into_owned();
    let by_profile = ["--profile", "prod", "--config", settings.as_str()];
    for refusal in [&["--read-only"][..], &by_profile[..]] {
        // A catalog the push would create entities in, and one that lacks the blueprint.
        let port = FakePort::ready().await;
        let mut args = vec!["--yes"];
        args.extend(refusal);
        let run = push_binary(&port, repos_json(3, 0), &args, Some(Env::new())).await;
        assert_eq!(run.code, 1, "{refusal:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("read-only mode"), "{}", run.stderr);

        let bare = FakePort::start().await;
        let mut cmd = env.cmd();
        cmd.env("PORT_CLIENT_ID", CLIENT_ID)
            .env("PORT_CLIENT_SECRET", CLIENT_SECRET)
            .env("PORT_BASE_URL", bare.url())
            .args(["blueprint", "setup", "--yes"])
            .args(refusal);
        let out = tokio::task::spawn_blocking(move || support::run(&mut cmd))
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{refusal:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("read-only mode"), "{}", stderr(&out));

        for fake in [&port, &bare] {
            let writes: Vec<String> = fake
                .state()
                .requests
                .iter()
                .filter(|r| match r.method.as_str() {
                    "GET" => false,
                    "POST" => {
                        r.path != "/v1/auth/access_token" && !r.path.ends_with("/entities/search")
                    }
                    _ => true,
                })
                .map(|r| r.route())
                .collect();
            assert!(writes.is_empty(), "{refusal:?}: {writes:?}");
        }
        assert!(bare.state().blueprints.is_empty());
        let stored = port.state().entities.len();
        assert_eq!(
            stored,
            SERVICES.len() + 1,
            "only the services and the region"
        );
    }
}

/// A journal of `entries` (identifier, outcome) to `target`, stamped `stamp`.
fn journal_with(env: &Env, stamp: &str, target: &str, entries: &[(&str, Option<Outcome>)]) {
    let mut j = journal::Journal::create(&env.path("state").join("pushes"), stamp).unwrap();
    j.write(&Line::Push {
        version: 1,
        blueprint: "ecr_repository".into(),
        target: target.into(),
        create_missing_related: false,
        started: stamp.into(),
    })
    .unwrap();
    for (n, (id, outcome)) in entries.iter().enumerate() {
        j.write(&Line::Entry {
            n,
            repo: format!("{id} (eu-west-1)"),
            identifier: (*id).into(),
            plan: "create".into(),
            reasons: vec![],
            entity: Some(json!({"identifier": id, "blueprint": "ecr_repository",
                                "relations": {"service": "orders"}})),
        })
        .unwrap();
        if let Some(outcome) = outcome {
            j.write(&Line::Outcome {
                n,
                outcome: outcome.clone(),
            })
            .unwrap();
        }
    }
}

fn failed(status: u16) -> Option<Outcome> {
    Some(Outcome::Failed {
        status,
        error: "e".into(),
        message: format!("HTTP {status}"),
    })
}

/// A bare `push --resume` picks the newest journal a retry may finish: one whose failures
/// are all Port refusing the entity (4xx) is passed over. A journal of one Port is refused
/// against another, and nothing is sent then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_resume_passes_over_4xx_journals_and_never_crosses_targets() {
    use ecr_port::port::Catalog;
    let port = FakePort::ready().await;
    let here = client(&port).describe();
    let env = Env::new();
    journal_with(
        &env,
        "20261127T000000Z",
        &here,
        &[("older-503", failed(503))],
    );
    journal_with(
        &env,
        "20261128T000000Z",
        &here,
        &[("newer-422", failed(422)), ("newer-404", failed(404))],
    );
    let resume = |env: &Env| {
        let mut cmd = env_cmd(env, &port);
        cmd.args(["push", "--resume", "--yes"]);
        tokio::task::spawn_blocking(move || support::run(&mut cmd))
    };
    let out = resume(&env).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sent: Vec<Value> = port
        .state()
        .requests
        .iter()
        .filter(|r| r.route() == "POST /v1/blueprints/ecr_repository/entities/bulk")
        .flat_map(|r| r.body["entities"].as_array().cloned().unwrap_or_default())
        .map(|e| e["identifier"].clone())
        .collect();
    assert_eq!(sent, [json!("older-503")]);

    let other = Env::new();
    journal_with(
        &other,
        "20261127T000000Z",
        "https://api.us.port.io",
        &[("elsewhere", None)],
    );
    let out = resume(&other).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("was a push to https://api.us.port.io"),
        "{}",
        stderr(&out)
    );
    let bulks = port
        .state()
        .count("POST /v1/blueprints/ecr_repository/entities/bulk");
    assert_eq!(bulks, 1, "only the first resume sent");
}

/// Killed with SIGKILL while a batch is in flight (no handler runs, the journal stops
/// mid-push), then `push --resume --yes`: every entity reaches Port and is created exactly
/// once. What was answered is not sent again; the batch in flight when the process died was
/// never answered, so the resume upserts it again (an update, not a second entity).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_killed_mid_batch_resumes_sending_each_entity_exactly_once() {
    let port = FakePort::ready().await;
    let bulk = "POST /v1/blueprints/ecr_repository/entities/bulk";
    {
        let mut st = port.state();
        // The first batch is answered, the second lands but its answer never comes.
        st.fault(bulk, Fault::Slow(Duration::ZERO));
        st.fault(bulk, Fault::Hold(std::sync::Arc::default()));
    }
    let env = Env::new();
    let input = env.path("repos.json");
    std::fs::write(&input, repos_json(60, 0).to_string()).unwrap();
    let mut cmd = env_cmd(&env, &port);
    cmd.args(["push", "--yes", "--input"])
        .arg(&input)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("the binary starts");
    let journals = env.path("state").join("pushes");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answered = journal::list(&journals)
            .first()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map_or(0, |t| t.matches(r#""kind":"outcome""#).count());
        if answered >= 20 && port.state().count(bulk) >= 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the push never had one batch answered and one in flight"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    port.state().faults_clear();

    let mut cmd = env_cmd(&env, &port);
    cmd.args(["push", "--resume", "--yes"]);
    let out = tokio::task::spawn_blocking(move || support::run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The journal after the kill and the resume: what the first run saw answered is the
    // outcomes before the resume line.
    let lines = journal::read(&journal::list(&journals)[0]).unwrap();
    let identifier = |at: usize| {
        lines.iter().find_map(|l| match l {
            Line::Entry { n, identifier, .. } if *n == at => Some(identifier.clone()),
            _ => None,
        })
    };
    let answered: Vec<String> = lines
        .iter()
        .take_while(|l| !matches!(l, Line::Resume { .. }))
        .filter_map(|l| match l {
            Line::Outcome { n, .. } => identifier(*n),
            _ => None,
        })
        .collect();
    assert!(answered.len() >= 20, "{answered:?}");
    let mut sent = std::collections::BTreeMap::<String, usize>::new();
    let st = port.state();
    for r in st.requests.iter().filter(|r| r.route().starts_with(bulk)) {
        for e in r.body["entities"].as_array().into_iter().flatten() {
            *sent
                .entry(e["identifier"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    assert_eq!(sent.len(), 60, "every entity was sent");
    let resent: Vec<_> = sent
        .iter()
        .filter(|(id, n)| **n > 1 && answered.contains(id))
        .collect();
    assert!(resent.is_empty(), "answered, then sent again: {resent:?}");
    let mut created: Vec<&String> = st.created.iter().map(|(_, id)| id).collect();
    created.sort();
    created.dedup();
    assert_eq!(
        (created.len(), st.created.len()),
        (60, 60),
        "each created once"
    );
}
