//! Behaviour against a stateful fake Port: token refresh, retries, rate limits, 207 results,
//! dropped connections, and errors that never show the secret or a token.

#[allow(dead_code)] // each test binary uses a different part of the fake
mod fake_port;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ecr_port::port::{BulkItem, ClientOptions, Credentials, PortClient, PortError, Secret};
use fake_port::{CLIENT_ID, CLIENT_SECRET, FakePort, Fault};
use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};

fn options(url: String) -> ClientOptions {
    ClientOptions {
        base_url: url,
        timeout: Duration::from_secs(5),
        max_retries: 4,
        max_backoff: Duration::from_secs(10),
        initial_backoff: Duration::from_millis(20),
    }
}

fn client_with(url: String, secret: &str, tweak: impl FnOnce(&mut ClientOptions)) -> PortClient {
    let mut opts = options(url);
    tweak(&mut opts);
    let creds = Credentials {
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(secret),
    };
    PortClient::new(creds, opts).expect("client")
}

fn client(port: &FakePort) -> PortClient {
    client_with(port.url(), CLIENT_SECRET, |_| {})
}

/// Neither the secret nor any token the fake issued may show in an error.
fn assert_clean(port: &FakePort, e: &PortError) {
    let shown = format!("{e} | {e:?}");
    assert!(!shown.contains(CLIENT_SECRET), "secret leaked: {shown}");
    for token in port.state().issued_tokens() {
        assert!(!shown.contains(&token), "token leaked: {shown}");
    }
}

/// A fake Port with blueprint `id`, related to `service` (also defined) as the guide's is.
async fn with_blueprint(id: &str) -> FakePort {
    let port = FakePort::start().await;
    {
        let mut st = port.state();
        let related = json!({"service": {"target": "service", "required": false, "many": false}});
        st.blueprints.insert(
            id.into(),
            json!({"identifier": id, "title": id, "schema": {"properties": {}}, "relations": related}),
        );
        st.blueprints.entry("service".into()).or_insert_with(
            || json!({"identifier": "service", "title": "Service", "schema": {"properties": {}}, "relations": {}}),
        );
    }
    port
}

fn repo(id: &str, service: Option<&str>) -> Value {
    json!({"identifier": id, "title": id, "properties": {"imageTagMutability": "MUTABLE"},
           "relations": {"service": service}})
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn expired_token_is_refreshed_and_the_call_retried_once() {
    let port = with_blueprint("ecr_repository").await;
    port.state().token_uses = Some(2); // Port expires the first token early
    let c = client(&port);
    for _ in 0..3 {
        let bp = c.blueprint("ecr_repository").await.expect("blueprint");
        assert!(bp.is_some());
    }
    let st = port.state();
    assert_eq!(
        st.routes(),
        [
            "POST /v1/auth/access_token",
            "GET /v1/blueprints/ecr_repository",
            "GET /v1/blueprints/ecr_repository",
            "GET /v1/blueprints/ecr_repository", // 401: token expired
            "POST /v1/auth/access_token",
            "GET /v1/blueprints/ecr_repository",
        ]
    );
    assert_eq!(
        st.requests[5].header("authorization"),
        Some("Bearer tok-2-opaque")
    );
}

#[tokio::test]
async fn a_second_401_is_an_auth_error_not_a_loop() {
    let port = with_blueprint("ecr_repository").await;
    port.state().token_uses = Some(0); // every token refused at once
    let e = client(&port)
        .blueprint("ecr_repository")
        .await
        .expect_err("refused");
    assert!(matches!(e, PortError::Auth { status: 401, .. }), "{e:?}");
    assert!(e.to_string().contains("PORT_CLIENT_ID"), "{e}");
    assert_eq!(port.state().requests.len(), 4, "auth, GET, auth, GET");
    assert_clean(&port, &e);
}

#[tokio::test]
async fn tokens_are_refreshed_before_expiry_and_shared_by_concurrent_calls() {
    let port = with_blueprint("ecr_repository").await;
    port.state().token_ttl = 1.0; // refresh margin becomes 0.5 s
    let c = client(&port);
    let calls = (0..8).map(|_| {
        let c = c.clone();
        async move { c.blueprint("ecr_repository").await }
    });
    for r in futures::future::join_all(calls).await {
        assert!(r.expect("blueprint").is_some());
    }
    assert_eq!(port.state().count("POST /v1/auth"), 1, "one shared fetch");
    c.token().await.expect("still fresh");
    assert_eq!(port.state().count("POST /v1/auth"), 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    c.blueprint("ecr_repository").await.expect("blueprint");
    let st = port.state();
    assert_eq!(st.count("POST /v1/auth"), 2, "refreshed ahead of expiry");
    assert_eq!(st.requests.len(), 11, "and without any 401");
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let port = with_blueprint("ecr_repository").await;
    port.state().fault(
        "GET /v1/blueprints",
        Fault::status(429, &[("Retry-After", "1")]),
    );
    let bp = client(&port).blueprint("ecr_repository").await.expect("ok");
    assert!(bp.is_some());
    let st = port.state();
    let gets: Vec<_> = st
        .requests
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.at)
        .collect();
    assert_eq!(gets.len(), 2);
    let waited = gets[1] - gets[0];
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
}

#[tokio::test]
async fn service_unavailable_twice_then_success() {
    let port = with_blueprint("service").await;
    port.state().add_entity("service", "auth-service");
    for _ in 0..2 {
        port.state().fault(
            "POST /v1/blueprints/service/entities/search",
            Fault::status(503, &[]),
        );
    }
    let found = client(&port)
        .search_identifiers("service", &ids(&["auth-service", "ghost"]))
        .await
        .expect("search");
    assert_eq!(found, ["auth-service"]);
    assert_eq!(
        port.state()
            .count("POST /v1/blueprints/service/entities/search"),
        3
    );
}

#[tokio::test]
async fn bulk_results_are_exact_per_input_index() {
    let port = with_blueprint("ecr_repository").await;
    {
        let mut st = port.state();
        st.add_entity("service", "auth-service");
        st.add_entity("ecr_repository", "old-repo");
    }
    let c = client(&port);
    let input = [
        repo("old-repo", Some("auth-service")),
        repo("team/new", Some("ghost")),
        repo("fresh", None),
        repo("other", Some("ghost-2")),
    ];
    let result = c
        .bulk_upsert("ecr_repository", &input, false)
        .await
        .expect("207 is a result");
    let not_found = |id: &str, target: &str| BulkItem::Failed {
        identifier: id.into(),
        status: 404,
        error: "not_found".into(),
        message: format!("Entity with identifier \"{target}\" not found"),
    };
    assert_eq!(
        result.items,
        [
            BulkItem::Updated {
                identifier: "old-repo".into()
            },
            not_found("team/new", "ghost"),
            BulkItem::Created {
                identifier: "fresh".into()
            },
            not_found("other", "ghost-2"),
        ]
    );

    let result = c
        .bulk_upsert("ecr_repository", &input, true)
        .await
        .expect("all succeed");
    assert_eq!(
        result.items,
        [
            BulkItem::Updated {
                identifier: "old-repo".into()
            },
            BulkItem::Created {
                identifier: "team/new".into()
            },
            BulkItem::Updated {
                identifier: "fresh".into()
            },
            BulkItem::Created {
                identifier: "other".into()
            },
        ]
    );

    let st = port.state();
    let bulks: Vec<_> = st
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/bulk"))
        .collect();
    assert_eq!(bulks[0].query, "upsert=true&merge=true");
    assert_eq!(
        bulks[1].query,
        "upsert=true&merge=true&create_missing_related_entities=true"
    );
    assert_eq!(bulks[0].body, json!({"entities": input}));
    let ua = bulks[0].header("user-agent").unwrap_or_default();
    assert!(ua.starts_with("ecr-port/"), "{ua}");
    assert_eq!(bulks[0].header("content-type"), Some("application/json"));
    assert_eq!(
        bulks[0].header("authorization"),
        Some("Bearer tok-1-opaque")
    );
}

#[tokio::test]
async fn bulk_over_twenty_goes_in_order_in_several_requests() {
    let port = with_blueprint("ecr_repository").await;
    let input: Vec<Value> = (0..45).map(|i| repo(&format!("r{i:02}"), None)).collect();
    let result = client(&port)
        .bulk_upsert("ecr_repository", &input, false)
        .await
        .expect("bulk");
    let created: Vec<BulkItem> = (0..45)
        .map(|i| BulkItem::Created {
            identifier: format!("r{i:02}"),
        })
        .collect();
    assert_eq!(result.items, created);
    let st = port.state();
    let sizes: Vec<usize> = st
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/bulk"))
        .map(|r| r.body["entities"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [20, 20, 5]);
}

#[tokio::test]
async fn dropped_connection_mid_request_is_retried() {
    let port = with_blueprint("ecr_repository").await;
    port.state().fault(
        "POST /v1/blueprints/ecr_repository/entities/bulk",
        Fault::Drop,
    );
    let result = client(&port)
        .bulk_upsert("ecr_repository", &[repo("a", None)], false)
        .await
        .expect("retried");
    assert_eq!(
        result.items,
        [BulkItem::Created {
            identifier: "a".into()
        }]
    );
    assert_eq!(
        port.state()
            .count("POST /v1/blueprints/ecr_repository/entities/bulk"),
        2
    );
}

#[tokio::test]
async fn creating_a_blueprint_is_not_resent_after_an_ambiguous_failure() {
    let port = FakePort::start().await;
    let c = client(&port);
    let bp = json!({"identifier": "ecr_repository", "title": "ECR", "schema": {"properties": {}}});

    port.state()
        .fault("POST /v1/blueprints", Fault::status(503, &[]));
    let e = c.create_blueprint(&bp).await.expect_err("503");
    assert!(
        matches!(&e, PortError::Server { status: 503, trace_id: Some(t), .. } if t.starts_with("trace-")),
        "{e:?}"
    );
    assert_clean(&port, &e);
    port.state().fault("POST /v1/blueprints", Fault::Drop);
    let e = c.create_blueprint(&bp).await.expect_err("dropped");
    assert!(matches!(e, PortError::Network(_)), "{e:?}");
    assert_eq!(port.state().count("POST /v1/blueprints"), 2, "one each");

    // A 429 is refused before any work, so it is resent.
    port.state().fault(
        "POST /v1/blueprints",
        Fault::status(429, &[("Retry-After", "0")]),
    );
    let created = c.create_blueprint(&bp).await.expect("created");
    assert_eq!(created["identifier"], "ecr_repository");
    assert_eq!(port.state().count("POST /v1/blueprints"), 4);
}

#[tokio::test]
async fn retries_stop_at_max_retries_and_keep_the_trace_id() {
    let port = with_blueprint("ecr_repository").await;
    for _ in 0..10 {
        port.state()
            .fault("PATCH /v1/blueprints", Fault::status(502, &[]));
    }
    let c = client_with(port.url(), CLIENT_SECRET, |o| o.max_retries = 2);
    let e = c
        .update_blueprint("ecr_repository", &json!({"title": "x"}))
        .await
        .expect_err("gives up");
    assert!(
        matches!(&e, PortError::Server { status: 502, trace_id: Some(t), request } if t == "trace-4" && request == "PATCH /v1/blueprints/ecr_repository"),
        "{e:?}"
    );
    assert_eq!(port.state().count("PATCH"), 3);
    assert_clean(&port, &e);
}

#[tokio::test]
async fn retry_after_beyond_the_budget_fails_fast_as_rate_limited() {
    let port = with_blueprint("ecr_repository").await;
    port.state().fault(
        "GET /v1/blueprints",
        Fault::status(429, &[("Retry-After", "120")]),
    );
    let started = Instant::now();
    let e = client(&port)
        .blueprint("ecr_repository")
        .await
        .expect_err("budget is 10 s");
    assert!(
        matches!(e, PortError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(120)),
        "{e:?}"
    );
    // Failing fast: it did not spend the wait budget it was refused.
    assert!(started.elapsed() < options(port.url()).max_backoff);
    assert_eq!(port.state().count("GET"), 1);
    assert_clean(&port, &e);
}

#[tokio::test]
async fn an_exhausted_window_holds_the_next_request_until_reset() {
    let port = with_blueprint("ecr_repository").await;
    let c = client(&port);
    c.token().await.expect("token");
    for epoch in [false, true] {
        // Epoch seconds are whole: "now + 2" is 1 to 2 s away.
        let reset = match epoch {
            false => "1".to_string(),
            true => (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs()
                + 2)
            .to_string(),
        };
        port.state().next_headers = vec![
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", reset.clone()),
        ];
        c.blueprint("ecr_repository").await.expect("first");
        c.blueprint("ecr_repository").await.expect("second");
        let st = port.state();
        let n = st.requests.len();
        let gap = st.requests[n - 1].at - st.requests[n - 2].at;
        // The fake's arrival times: at least the second asked for (epoch seconds are
        // whole, so "now + 2" is 1 to 2 s away), and not the double of the most asked.
        assert!(
            gap >= Duration::from_millis(900),
            "reset {reset}: gap {gap:?}"
        );
        assert!(gap < Duration::from_secs(4), "reset {reset}: gap {gap:?}");
    }
}

#[tokio::test]
async fn rejections_carry_ports_error_and_trace_id_without_retry() {
    let port = with_blueprint("ecr_repository").await;
    port.state().fault(
        "PATCH /v1/blueprints",
        Fault::Respond {
            status: 422,
            headers: vec![],
            body: json!({"ok": false, "error": "invalid_request",
                         "message": "body/schema must have required property 'properties'"}),
        },
    );
    let e = client(&port)
        .update_blueprint("ecr_repository", &json!({"schema": {}}))
        .await
        .expect_err("422");
    match &e {
        PortError::Rejected {
            status,
            error,
            message,
            trace_id,
            ..
        } => {
            assert_eq!(*status, 422);
            assert_eq!(error, "invalid_request");
            assert!(message.contains("'properties'"));
            assert_eq!(trace_id.as_deref(), Some("trace-2"));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("[x-trace-id trace-2]"), "{e}");
    assert_eq!(port.state().count("PATCH"), 1);
}

#[tokio::test]
async fn bad_credentials_say_what_to_check_and_never_show_the_secret() {
    let port = FakePort::start().await;
    let wrong = "wrong-SECRET-value";
    let c = client_with(port.url(), wrong, |_| {});
    let e = c.token().await.expect_err("refused");
    assert!(matches!(e, PortError::Auth { status: 401, .. }), "{e:?}");
    let shown = format!("{e} | {e:?} | {c:?}");
    assert!(!shown.contains(wrong), "{shown}");
    assert!(
        shown.contains("** redacted **"),
        "the fake echoed it: {shown}"
    );
    assert!(shown.contains("PORT_CLIENT_SECRET"), "{shown}");
    assert_eq!(
        port.state().requests.len(),
        2,
        "a 401 on auth is asked once more, and no more"
    );
}

#[tokio::test]
async fn one_transient_401_from_the_token_endpoint_does_not_fail() {
    let port = FakePort::start().await;
    port.state()
        .fault("POST /v1/auth/access_token", Fault::status(401, &[]));
    let c = client_with(port.url(), CLIENT_SECRET, |_| {});
    c.token().await.expect("the second answer gives the token");
    assert_eq!(port.state().count("POST /v1/auth/access_token"), 2);
}

#[tokio::test]
async fn unreachable_port_is_a_network_error_after_retries() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let c = client_with(format!("http://{closed}"), CLIENT_SECRET, |o| {
        o.max_retries = 1
    });
    let e = c.token().await.expect_err("nothing listens");
    assert!(
        matches!(&e, PortError::Network(m) if m.contains("POST /v1/auth/access_token")),
        "{e:?}"
    );
    assert!(!format!("{e:?}").contains(CLIENT_SECRET));
}

#[tokio::test]
async fn missing_blueprint_is_none_and_paths_are_encoded() {
    let port = with_blueprint("team/ecr").await;
    let c = client(&port);
    assert_eq!(
        c.blueprint("nope").await.expect("404 is not an error"),
        None
    );
    assert!(c.blueprint("team/ecr").await.expect("found").is_some());
    let e = c
        .search_identifiers("nope", &ids(&["a"]))
        .await
        .expect_err("no blueprint");
    assert!(
        matches!(&e, PortError::NotFound { what } if what.contains("/v1/blueprints/nope/entities/search")),
        "{e:?}"
    );
    assert_clean(&port, &e);
    let paths: Vec<String> = port
        .state()
        .requests
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(
        paths.contains(&"/v1/blueprints/team%2Fecr".to_string()),
        "{paths:?}"
    );
}

#[tokio::test]
async fn search_follows_pages_and_splits_long_id_lists() {
    let port = with_blueprint("ecr_repository").await;
    {
        let mut st = port.state();
        st.search_page_size = 2;
        for id in ["a", "b/c", "d", "e", "f"] {
            st.add_entity("ecr_repository", id);
        }
    }
    let c = client(&port);
    let mut found = c
        .search_identifiers(
            "ecr_repository",
            &ids(&["a", "b/c", "d", "e", "f", "x", "y"]),
        )
        .await
        .expect("search");
    found.sort();
    assert_eq!(found, ["a", "b/c", "d", "e", "f"]);
    let froms: Vec<Value> = port
        .state()
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/search"))
        .map(|r| r.body["from"].clone())
        .collect();
    assert_eq!(froms, [Value::Null, json!("off-2"), json!("off-4")]);

    port.state().search_page_size = 1000;
    let many: Vec<String> = (0..1100)
        .map(|i| format!("repo-{i}"))
        .chain(["a".into()])
        .collect();
    let entities = c.entities("ecr_repository", &many).await.expect("entities");
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0]["identifier"], "a");
    let st = port.state();
    let chunks: Vec<usize> = st
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/search"))
        .skip(3)
        .map(|r| {
            r.body["query"]["rules"][0]["value"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(chunks, [500, 500, 101]);
}

/// Records every tracing event and span field as text, at every level.
struct Capture(Arc<Mutex<String>>);

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Capture {
    fn text(&self) -> std::sync::MutexGuard<'_, String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        span.record(&mut Fields(&mut self.text()));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Fields(&mut self.text()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = self.text();
        text.push_str(&format!(
            "\n{} {}",
            event.metadata().level(),
            event.metadata().target()
        ));
        event.record(&mut Fields(&mut text));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn logs_never_show_the_secret_or_a_token() {
    let log = Arc::new(Mutex::new(String::new()));
    let _guard = tracing::subscriber::set_default(Capture(log.clone()));
    let port = with_blueprint("ecr_repository").await;
    {
        let mut st = port.state();
        st.token_uses = Some(1);
        st.fault("GET /v1/blueprints", Fault::status(503, &[]));
        st.fault(
            "POST /v1/blueprints/ecr_repository/entities/bulk",
            Fault::Drop,
        );
    }
    let c = client(&port);
    c.blueprint("ecr_repository").await.expect("after a 503");
    c.blueprint("ecr_repository").await.expect("after a 401");
    c.bulk_upsert("ecr_repository", &[repo("a", None)], false)
        .await
        .expect("after a drop");
    let wrong = client_with(port.url(), "wrong-SECRET-value", |_| {});
    let _ = wrong.token().await.expect_err("refused");

    let text = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        text.contains("retrying Port request"),
        "capture works: {text}"
    );
    assert!(text.contains("fetching a new one"), "{text}");
    for secret in [CLIENT_SECRET, "wrong-SECRET-value"] {
        assert!(!text.contains(secret), "secret in logs: {text}");
    }
    for token in port.state().issued_tokens() {
        assert!(!text.contains(&token), "token in logs: {text}");
    }
}

#[tokio::test]
async fn all_identifiers_reads_every_page_up_to_the_cap() {
    let port = with_blueprint("service").await;
    {
        let mut st = port.state();
        st.search_page_size = 3;
        for i in 0..8 {
            st.add_entity("service", &format!("svc-{i}"));
        }
        st.add_entity("other", "not-a-service");
    }
    let c = client(&port);
    let mut all = c.all_identifiers("service", 100).await.unwrap();
    all.sort();
    assert_eq!(all.len(), 8);
    assert_eq!(all[0], "svc-0");
    assert_eq!(
        port.state()
            .count("POST /v1/blueprints/service/entities/search"),
        3
    );
    assert_eq!(c.all_identifiers("service", 4).await.unwrap().len(), 4);
    let body = port.state().requests.last().unwrap().body.clone();
    assert!(body.get("query").is_none(), "{body}");
}
