//! Contract test: every request the client sends must be valid against Port's OpenAPI spec.
//!
//! A Prism mock serves the spec. A request that breaks it gets 4xx (which the client turns
//! into an error) and "Violation: request…" lines in Prism's log; both fail this test. A push
//! then goes through Prism as a request-validating proxy in front of the stateful fake Port,
//! so each entity's outcome is a real one: all 45 must be created, not merely answered.
//! Prism: `scripts/test` installs `@stoplight/prism-cli@5.16.0` under `.prism/`, or set
//! `PRISM_BIN`. Spec: `PORT_OPENAPI_SPEC`, else `../shared/port-api/apispec.yaml` beside the
//! checkout (it is never copied into the repository).

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use ecr_port::port::blueprint;
use ecr_port::port::push::{self, Draft, Push};
use ecr_port::port::{ClientOptions, Credentials, PortClient, Secret};
use serde_json::{Value, json};

#[allow(dead_code)] // each test binary uses a different part of the fake
mod fake_port;

/// Prism parses the 1.6 MB spec before listening: a few seconds, more on a busy machine.
const STARTUP_LIMIT: Duration = Duration::from_secs(120);

/// A running Prism mock; killed when dropped, so a failing test leaves no process behind.
struct Prism {
    child: Child,
    port: u16,
    log: PathBuf,
    /// Log bytes already checked by earlier steps.
    checked: usize,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn prism_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("PRISM_BIN") {
        return PathBuf::from(bin);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".prism/node_modules/.bin/prism")
}

fn spec_path() -> PathBuf {
    std::env::var_os("PORT_OPENAPI_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/port-api/apispec.yaml")
        })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

impl Prism {
    /// Prism serving the spec's examples.
    fn start() -> Prism {
        Prism::launch(&["mock"], &[])
    }

    /// Prism validating requests on their way to `upstream`. (Prism 5.16's proxy does not
    /// check the upstream's answers: it logs their bodies as unread streams.)
    fn proxy(upstream: &str) -> Prism {
        Prism::launch(&["proxy"], &[upstream])
    }

    fn launch(mode: &[&str], after_spec: &[&str]) -> Prism {
        let bin = prism_bin();
        let spec = spec_path();
        assert!(
            bin.exists(),
            "Prism not found at {}: run scripts/test (it installs @stoplight/prism-cli@5.16.0) or set PRISM_BIN",
            bin.display()
        );
        assert!(
            spec.exists(),
            "Port's OpenAPI spec not found at {}: set PORT_OPENAPI_SPEC",
            spec.display()
        );
        let port = free_port();
        let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("prism-{port}.log"));
        let out = File::create(&log).expect("create Prism log");
        let err = out.try_clone().expect("clone log handle");
        let child = Command::new(&bin)
            .args(mode)
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .arg(&spec)
            .args(after_spec)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start Prism");
        let mut prism = Prism {
            child,
            port,
            log,
            checked: 0,
        };
        prism.wait_until_listening();
        prism.checked = prism.read_log().len();
        prism
    }

    /// Polls with bare TCP connects: an HTTP probe would add a "no path matched" error line.
    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + STARTUP_LIMIT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Prism exited with {status}:\n{}", self.read_log());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "Prism did not listen within {STARTUP_LIMIT:?}:\n{}",
            self.read_log()
        );
    }

    fn read_log(&self) -> String {
        std::fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Log lines since the last check that show a request Prism found invalid, then the
    /// response violations, each of which must be a known flaw of the spec's own examples.
    async fn check_step(&mut self, step: &str) -> usize {
        // Prism writes its log lines just after answering.
        tokio::time::sleep(Duration::from_millis(150)).await;
        let log = self.read_log();
        let new = log.get(self.checked..).unwrap_or_default().to_owned();
        self.checked = log.len();
        let bad: Vec<&str> = new.lines().filter(|l| is_request_problem(l)).collect();
        assert!(
            bad.is_empty(),
            "{step}: Prism found invalid requests:\n{}\n--- full log of the step ---\n{new}",
            bad.join("\n")
        );
        let answers: Vec<&str> = new
            .lines()
            .filter(|l| l.contains("Violation: response."))
            .collect();
        let unknown: Vec<&&str> = answers.iter().filter(|l| !known_example_flaw(l)).collect();
        assert!(
            unknown.is_empty(),
            "{step}: answers that break Port's spec beyond the known flaws of its examples:\n{unknown:#?}"
        );
        answers.len()
    }
}

/// Where the spec's own blueprint example breaks the spec's schema (Prism answers that
/// example to every blueprint call): its mirror property paths and the OAuth URLs of its
/// properties' `specAuthentication`. Any other response violation fails the test.
fn known_example_flaw(line: &str) -> bool {
    let Some((_, path)) = line.split_once("Violation: response.body.blueprint.") else {
        return false;
    };
    let path = path.split_whitespace().next().unwrap_or_default();
    (path.starts_with("mirrorProperties.") && path.ends_with(".path"))
        || (path.starts_with("schema.properties.")
            && (path.ends_with(".specAuthentication.authorizationUrl")
                || path.ends_with(".specAuthentication.tokenUrl")))
}

/// A failed validation (`✖`) not about the response, a warning that the request failed
/// validation, or an unknown route.
fn is_request_problem(line: &str) -> bool {
    let lower = line.to_lowercase();
    (line.contains('✖') && !line.contains("Violation: response."))
        || lower.contains("violation: request")
        || lower.contains("did not pass the validation")
        || line.contains("NO_PATH_MATCHED")
        || line.contains("NO_METHOD_MATCHED")
}

fn options() -> ClientOptions {
    ClientOptions {
        base_url: String::new(),
        timeout: Duration::from_secs(20),
        max_retries: 0,
        max_backoff: Duration::ZERO,
        initial_backoff: Duration::ZERO,
    }
}

fn client(port: u16) -> PortClient {
    let opts = ClientOptions {
        base_url: format!("http://127.0.0.1:{port}"),
        ..options()
    };
    let creds = Credentials {
        client_id: "contract-client".into(),
        client_secret: Secret::new("contract-secret"),
    };
    PortClient::new(creds, opts).expect("client")
}

/// The `ecr_repository` blueprint of the port reference (§6), as `blueprint setup` sends it.
fn ecr_blueprint() -> Value {
    blueprint::guide_blueprint("ecr_repository")
}

fn repo_entity(name: &str, service: Option<&str>) -> Value {
    let arn = format!("arn:aws:ecr:eu-west-1:123456789012:repository/{name}");
    json!({
        "identifier": name,
        "title": name,
        "icon": "AWS",
        "properties": {
            "repositoryArn": arn,
            "repositoryUri": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}"),
            "link": format!("https://console.aws.amazon.com/go/view?arn={arn}"),
            "imageTagMutability": "MUTABLE",
            "tags": [{ "Key": "port-auth-service", "Value": "true" }]
        },
        "relations": { "region": "eu-west-1", "service": service }
    })
}

#[tokio::test]
async fn every_call_is_valid_against_the_openapi_spec() {
    let mut prism = Prism::start();
    let port = client(prism.port);
    let mut response_violations = 0;

    port.token().await.expect("auth");
    response_violations += prism.check_step("auth").await;

    let bp = port
        .blueprint("ecr_repository")
        .await
        .expect("get blueprint");
    assert!(bp.is_some_and(|b| b.is_object()));
    let bp = port
        .blueprint("team/ecr_repository")
        .await
        .expect("get blueprint with /");
    assert!(bp.is_some());
    response_violations += prism.check_step("get blueprint").await;

    let created = port
        .create_blueprint(&ecr_blueprint())
        .await
        .expect("create");
    assert!(created.is_object());
    response_violations += prism.check_step("create blueprint").await;

    let patch = json!({
        "title": "ECR Repository",
        "schema": ecr_blueprint()["schema"].clone(),
        "relations": ecr_blueprint()["relations"].clone()
    });
    let updated = port
        .update_blueprint("ecr_repository", &patch)
        .await
        .expect("update");
    assert!(updated.is_object());
    response_violations += prism.check_step("update blueprint").await;

    let ids: Vec<String> = ["auth-service", "payments", "team/api"]
        .map(String::from)
        .to_vec();
    let found = port
        .search_identifiers("service", &ids)
        .await
        .expect("search ids");
    assert!(!found.is_empty(), "Prism's example has one entity");
    let all = port
        .all_identifiers("service", 5000)
        .await
        .expect("all identifiers");
    assert!(!all.is_empty(), "Prism's example has one entity");
    response_violations += prism.check_step("search identifiers").await;

    let many: Vec<String> = (0..1200).map(|i| format!("team/repo-{i}")).collect();
    let found = port
        .search_identifiers("ecr_repository", &many)
        .await
        .expect("search in chunks");
    assert!(!found.is_empty());
    let entities = port
        .entities("ecr_repository", &ids)
        .await
        .expect("entities");
    assert!(entities.iter().all(Value::is_object));
    response_violations += prism.check_step("entities").await;

    let batch = vec![
        repo_entity("auth-service-repo", Some("auth-service")),
        repo_entity("team/api", None),
        repo_entity("payments", Some("payments")),
    ];
    let result = port
        .bulk_upsert("ecr_repository", &batch, false)
        .await
        .expect("bulk upsert");
    assert_eq!(result.items.len(), batch.len());
    let result = port
        .bulk_upsert("ecr_repository", &batch, true)
        .await
        .expect("bulk upsert creating related");
    assert_eq!(result.items.len(), batch.len());
    let big: Vec<Value> = (0..25)
        .map(|i| repo_entity(&format!("repo-{i}"), None))
        .collect();
    let result = port
        .bulk_upsert("ecr_repository", &big, false)
        .await
        .expect("bulk upsert in two requests");
    assert_eq!(result.items.len(), big.len());
    response_violations += prism.check_step("bulk upsert").await;

    // Blueprint setup and a whole push, with the bodies they build themselves.
    for body in [
        blueprint::target_blueprint("region", "Region"),
        blueprint::target_blueprint("service", "Service"),
        blueprint::guide_blueprint("ecr_repository"),
    ] {
        port.create_blueprint(&body).await.expect("setup create");
    }
    let lacking = blueprint::Report {
        id: "ecr_repository".into(),
        blueprint: Some(
            blueprint::Blueprint::from_json(&json!({"identifier": "ecr_repository",
            "relations": {"region": {"target": "region", "required": false, "many": false}}}))
            .unwrap(),
        ),
        status: blueprint::Status::NoServiceRelation,
        missing_targets: vec![],
    };
    let steps = lacking.steps();
    assert_eq!(steps.len(), 1);
    blueprint::apply(&port, &steps).await.expect("setup patch");
    response_violations += prism.check_step("blueprint setup").await;

    eprintln!(
        "contract: all calls accepted; {response_violations} response violations, each a known flaw of the spec's blueprint example"
    );
    drop(prism);

    // A whole push through Prism in front of the fake Port: each request still checked
    // against the spec, each outcome a real one.
    let fake = fake_port::FakePort::start().await;
    {
        let mut st = fake.state();
        st.blueprints
            .insert("ecr_repository".into(), ecr_blueprint());
        for (id, title) in [("service", "Service"), ("region", "Region")] {
            st.blueprints
                .insert(id.into(), blueprint::target_blueprint(id, title));
        }
        st.add_entity("service", "auth-service");
        st.add_entity("region", "eu-west-1");
    }
    let mut proxy = Prism::proxy(&fake.url());
    let port = PortClient::new(
        Credentials {
            client_id: fake_port::CLIENT_ID.into(),
            client_secret: Secret::new(fake_port::CLIENT_SECRET),
        },
        ClientOptions {
            base_url: format!("http://127.0.0.1:{}", proxy.port),
            ..options()
        },
    )
    .expect("client");
    let drafts: Vec<Draft> = (0..45)
        .map(|i| {
            let mut entity = repo_entity(&format!("team/app-{i}"), Some("auth-service"));
            entity["blueprint"] = json!("ecr_repository");
            Draft {
                repo: format!("team/app-{i} (eu-west-1)"),
                entity: Ok(entity),
            }
        })
        .collect();
    let bp = blueprint::Blueprint::from_json(&ecr_blueprint()).unwrap();
    let plan = push::plan(&port, "ecr_repository", &bp, drafts, false)
        .await
        .expect("plan");
    assert_eq!(plan.to_send(false), 45, "{:?}", plan.counts());
    let dir = tempfile::tempdir().unwrap();
    let mut pushed = Push::start(plan, false, "prism proxy", dir.path()).expect("journal");
    let pending = pushed.pending();
    pushed
        .send(&port, &pending, 4, &AtomicBool::new(false), |_, _| {})
        .await
        .expect("push");
    let counts = pushed.counts();
    assert_eq!((counts.total, counts.created), (45, 45), "{counts:?}");
    let stored = fake
        .state()
        .entities
        .keys()
        .filter(|(b, _)| b == "ecr_repository")
        .count();
    assert_eq!(stored, 45);
    proxy.check_step("push through the proxy").await;
}
