//! A small stateful stand-in for Port's API over plain HTTP/1.1 (tokio only, no server crate):
//! tokens, blueprints, entity search with pages, bulk upsert with 207 partial failures, and
//! injected faults (any status and headers, or a connection dropped mid-request).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub const CLIENT_ID: &str = "fake-client-id";
pub const CLIENT_SECRET: &str = "fake-SECRET-value-42";

/// The services `FakePort::ready` holds.
pub const SERVICES: [&str; 3] = ["orders", "payments", "search"];

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Raw path, still percent-encoded.
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this instead of the normal answer.
    Respond {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Value,
    },
    /// Read the request, then close the connection without answering.
    Drop,
    /// Answer normally, this much later.
    Slow(std::time::Duration),
    /// Does the request (stores the entities), then the network dies before the answer.
    AcceptThenDie,
    /// Does the request, and answers once the test opens the gate (`notify_one`): a request
    /// in flight for as long as the test needs, with no clock involved.
    Hold(Arc<tokio::sync::Notify>),
}

impl Fault {
    pub fn status(status: u16, headers: &[(&'static str, &str)]) -> Fault {
        Fault::Respond {
            status,
            headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            body: json!({"ok": false, "error": "fault", "message": format!("injected {status}")}),
        }
    }
}

#[derive(Debug)]
pub struct State {
    /// `expiresIn` of issued tokens.
    pub token_ttl: f64,
    /// Port-side expiry: a token is refused (401) after this many uses.
    pub token_uses: Option<usize>,
    issued: Vec<(String, usize)>,
    pub requests: Vec<Recorded>,
    /// (route prefix such as "POST /v1/blueprints", fault), consumed first come first served.
    faults: VecDeque<(String, Fault)>,
    /// Headers added to the next normal answer only.
    pub next_headers: Vec<(&'static str, String)>,
    pub blueprints: BTreeMap<String, Value>,
    /// (blueprint, identifier) → entity.
    pub entities: BTreeMap<(String, String), Value>,
    pub search_page_size: usize,
    /// (blueprint, identifier) of each entity a bulk upsert created, in order: an entity
    /// created twice would show twice.
    pub created: Vec<(String, String)>,
    /// The network is gone: every request is read and its connection closed unanswered.
    pub down: bool,
    traces: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            token_ttl: 3600.0,
            token_uses: None,
            issued: Vec::new(),
            requests: Vec::new(),
            faults: VecDeque::new(),
            next_headers: Vec::new(),
            blueprints: BTreeMap::new(),
            entities: BTreeMap::new(),
            search_page_size: 1000,
            created: Vec::new(),
            down: false,
            traces: 0,
        }
    }
}

impl State {
    pub fn fault(&mut self, route_prefix: &str, fault: Fault) {
        self.faults.push_back((route_prefix.to_owned(), fault));
    }

    pub fn faults_clear(&mut self) {
        self.faults.clear();
    }

    pub fn add_entity(&mut self, blueprint: &str, id: &str) {
        self.entities.insert(
            (blueprint.to_owned(), id.to_owned()),
            json!({"identifier": id, "blueprint": blueprint, "properties": {}, "relations": {}}),
        );
    }

    pub fn issued_tokens(&self) -> Vec<String> {
        self.issued.iter().map(|(t, _)| t.clone()).collect()
    }

    pub fn count(&self, route_prefix: &str) -> usize {
        self.requests
            .iter()
            .filter(|r| r.route().starts_with(route_prefix))
            .count()
    }

    pub fn routes(&self) -> Vec<String> {
        self.requests.iter().map(Recorded::route).collect()
    }

    fn take_fault(&mut self, route: &str) -> Option<Fault> {
        let at = self
            .faults
            .iter()
            .position(|(prefix, _)| route.starts_with(prefix.as_str()))?;
        self.faults.remove(at).map(|(_, f)| f)
    }
}

pub struct FakePort {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for FakePort {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakePort {
    pub async fn start() -> FakePort {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    // A broken connection is the client's business: nothing to report here.
                    let _ = serve_connection(stream, state).await;
                });
            }
        });
        FakePort { addr, state, task }
    }

    /// A fake Port with the guide's blueprints, the services in [`SERVICES`] and one region.
    pub async fn ready() -> FakePort {
        let port = FakePort::start().await;
        {
            let mut st = port.state();
            st.blueprints.insert(
                "ecr_repository".into(),
                ecr_port::port::blueprint::guide_blueprint("ecr_repository"),
            );
            for (id, title) in [("service", "Service"), ("region", "Region")] {
                st.blueprints.insert(
                    id.into(),
                    ecr_port::port::blueprint::target_blueprint(id, title),
                );
            }
            for s in SERVICES {
                st.add_entity("service", s);
            }
            st.add_entity("region", "eu-west-1");
        }
        port
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Value,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body,
    }
}

fn port_error(status: u16, error: &str, message: &str) -> Answer {
    answer(
        status,
        json!({"ok": false, "error": error, "message": message}),
    )
}

async fn serve_connection(stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let Some(request) = read_request(&mut reader).await? else {
            return Ok(());
        };
        let mut delay = None;
        let mut gate = None;
        let outcome = {
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.requests.push(request.clone());
            let fault = match st.down {
                true => Some(Fault::Drop),
                false => st.take_fault(&request.route()),
            };
            match fault {
                Some(Fault::Drop) => None,
                Some(Fault::AcceptThenDie) => {
                    let _ = handle(&mut st, &request);
                    st.down = true;
                    None
                }
                Some(Fault::Respond {
                    status,
                    headers,
                    body,
                }) => Some(Answer {
                    status,
                    headers,
                    body,
                }),
                other => {
                    match other {
                        Some(Fault::Slow(d)) => delay = Some(d),
                        Some(Fault::Hold(g)) => gate = Some(g),
                        _ => {}
                    }
                    let mut a = handle(&mut st, &request);
                    a.headers.append(&mut st.next_headers);
                    Some(a)
                }
            }
        };
        let Some(mut answer) = outcome else {
            return Ok(()); // dropping both halves closes the socket mid-request
        };
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        if let Some(g) = gate {
            g.notified().await;
        }
        let trace = {
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.traces += 1;
            format!("trace-{}", st.traces)
        };
        answer.headers.push(("X-Trace-Id", trace));
        write.write_all(&encode(&answer)).await?;
    }
}

async fn read_request(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Option<Recorded>> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).await? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Ok(Some(Recorded {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at: Instant::now(),
    }))
}

fn encode(a: &Answer) -> Vec<u8> {
    let body = a.body.to_string();
    let mut out = format!(
        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        a.status,
        body.len()
    );
    for (k, v) in &a.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    out.into_bytes()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn handle(st: &mut State, r: &Recorded) -> Answer {
    let segments: Vec<String> = r.path.split('/').skip(1).map(percent_decode).collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    if let (Some(ua), "POST", ["v1", "auth", "access_token"]) =
        (r.header("user-agent"), r.method.as_str(), segs.as_slice())
    {
        if !ua.starts_with("ecr-port/") {
            return port_error(400, "bad_user_agent", ua);
        }
        return issue_token(st, &r.body);
    }
    if let Err(a) = check_token(st, r) {
        return a;
    }
    match (r.method.as_str(), segs.as_slice()) {
        ("GET", ["v1", "blueprints", id]) => match st.blueprints.get(*id) {
            Some(bp) => answer(200, json!({"ok": true, "blueprint": bp})),
            None => port_error(404, "not_found", "blueprint not found"),
        },
        ("POST", ["v1", "blueprints"]) => create_blueprint(st, &r.body),
        ("PATCH", ["v1", "blueprints", id]) => patch_blueprint(st, id, &r.body),
        ("POST", ["v1", "blueprints", bp, "entities", "search"]) => search(st, bp, &r.body),
        ("POST", ["v1", "blueprints", bp, "entities", "bulk"]) => bulk(st, bp, &r.query, &r.body),
        _ => port_error(404, "route_not_found", &r.route()),
    }
}

fn issue_token(st: &mut State, body: &Value) -> Answer {
    if body["clientId"] != CLIENT_ID || body["clientSecret"] != CLIENT_SECRET {
        // Echoes the secret on purpose: the client must scrub it from its errors.
        let message = format!(
            "invalid credentials (clientSecret {})",
            body["clientSecret"].as_str().unwrap_or("?")
        );
        return port_error(401, "unauthorized", &message);
    }
    let token = format!("tok-{}-opaque", st.issued.len() + 1);
    st.issued.push((token.clone(), 0));
    answer(
        200,
        json!({"ok": true, "accessToken": token, "expiresIn": st.token_ttl, "tokenType": "Bearer"}),
    )
}

fn check_token(st: &mut State, r: &Recorded) -> Result<(), Answer> {
    let given = r
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    let limit = st.token_uses;
    let Some((_, uses)) = st.issued.iter_mut().find(|(t, _)| t == given) else {
        return Err(port_error(401, "unauthorized", "unknown token"));
    };
    if limit.is_some_and(|l| *uses >= l) {
        return Err(port_error(401, "unauthorized", "token expired"));
    }
    *uses += 1;
    Ok(())
}

fn create_blueprint(st: &mut State, body: &Value) -> Answer {
    let Some(id) = body["identifier"].as_str() else {
        return port_error(422, "invalid_request", "identifier is required");
    };
    if st.blueprints.contains_key(id) {
        return port_error(409, "identifier_taken", "blueprint exists");
    }
    st.blueprints.insert(id.to_owned(), body.clone());
    answer(201, json!({"ok": true, "blueprint": body}))
}

fn patch_blueprint(st: &mut State, id: &str, body: &Value) -> Answer {
    let Some(bp) = st.blueprints.get_mut(id) else {
        return port_error(404, "not_found", "blueprint not found");
    };
    if let (Some(target), Some(patch)) = (bp.as_object_mut(), body.as_object()) {
        for (k, v) in patch {
            target.insert(k.clone(), v.clone());
        }
    }
    answer(200, json!({"ok": true, "blueprint": bp}))
}

fn search(st: &mut State, bp: &str, body: &Value) -> Answer {
    if !st.blueprints.contains_key(bp) {
        return port_error(404, "not_found", "blueprint not found");
    }
    let allowed = ["query", "include", "exclude", "limit", "from"];
    if let Some(extra) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| !allowed.contains(&k.as_str())))
    {
        return port_error(422, "invalid_request", &format!("unknown key {extra}"));
    }
    let limit = match body.get("limit") {
        None => 200,
        Some(l) => match l.as_u64().filter(|l| (1..=1000).contains(l)) {
            Some(l) => l as usize,
            None => return port_error(422, "invalid_request", "limit must be 1 to 1000"),
        },
    };
    let query = body.get("query");
    if let Some(Err(why)) = query.map(check_query) {
        return port_error(422, "invalid_request", &why);
    }
    // No query: every entity of the blueprint.
    let matching: Vec<&Value> = st
        .entities
        .iter()
        .filter(|((b, _), e)| b == bp && query.is_none_or(|q| query_matches(q, e)))
        .map(|(_, e)| e)
        .collect();
    let offset: usize = body["from"]
        .as_str()
        .and_then(|f| f.strip_prefix("off-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let page = limit.min(st.search_page_size);
    let only_ids = body["include"] == json!(["$identifier"]);
    let entities: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page)
        .map(|e| match only_ids {
            true => json!({"identifier": e["identifier"]}),
            false => (*e).clone(),
        })
        .collect();
    let mut out = json!({"ok": true, "entities": entities});
    if offset + page < matching.len() {
        out["next"] = json!(format!("off-{}", offset + page));
    }
    answer(200, out)
}

/// Port's string-rule operators (OpenAPI `entitiesQuery`, "String Rule") and the empty rules.
const STRING_OPERATORS: [&str; 11] = [
    "=",
    "!=",
    "containsAny",
    "contains",
    "doesNotContains",
    "beginsWith",
    "doesNotBeginsWith",
    "endsWith",
    "doesNotEndsWith",
    "in",
    "notIn",
];

/// A query as the spec's `entitiesQuery` allows it: `{combinator: and|or, rules: [...]}`, no
/// other key; each rule a nested query, a string rule `{property, operator, value}` or an
/// empty rule `{property, operator: isEmpty|isNotEmpty}`. What the fake cannot evaluate (dates,
/// numbers, relations) is refused rather than guessed.
fn check_query(q: &Value) -> Result<(), String> {
    let o = q.as_object().ok_or("a query is an object")?;
    if let Some(k) = o.keys().find(|k| *k != "combinator" && *k != "rules") {
        return Err(format!("query: unknown key {k}"));
    }
    if !matches!(
        o.get("combinator").and_then(Value::as_str),
        Some("and" | "or")
    ) {
        return Err("query.combinator must be `and` or `or`".into());
    }
    let rules = o
        .get("rules")
        .and_then(Value::as_array)
        .ok_or("query.rules must be an array")?;
    for rule in rules {
        if rule.get("combinator").is_some() {
            check_query(rule)?;
            continue;
        }
        let r = rule.as_object().ok_or("a rule is an object")?;
        let property = r.get("property").and_then(Value::as_str);
        let operator = r.get("operator").and_then(Value::as_str).unwrap_or("");
        let keys: Vec<&str> = r.keys().map(String::as_str).collect();
        match operator {
            "isEmpty" | "isNotEmpty" if property.is_some() && keys.len() == 2 => {}
            op if STRING_OPERATORS.contains(&op) && property.is_some() && keys.len() == 3 => {
                let value = &r["value"];
                let array = matches!(op, "in" | "notIn" | "containsAny");
                let fits = match value {
                    Value::Array(a) => array && a.iter().all(Value::is_string),
                    Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => !array,
                    _ => false,
                };
                if !fits {
                    return Err(format!("rule {rule}: the value does not fit `{op}`"));
                }
            }
            _ => return Err(format!("rule {rule} is not one the fake evaluates")),
        }
    }
    Ok(())
}

/// The entity's value for a rule's property: `$identifier`, `$title`, `$blueprint`, or a
/// property of its schema.
fn property_of<'a>(entity: &'a Value, property: &str) -> &'a Value {
    match property.strip_prefix('$') {
        Some(meta) => &entity[meta],
        None => &entity["properties"][property],
    }
}

fn query_matches(q: &Value, entity: &Value) -> bool {
    let rules = q["rules"].as_array().map(Vec::as_slice).unwrap_or_default();
    let mut results = rules.iter().map(|rule| match rule.get("combinator") {
        Some(_) => query_matches(rule, entity),
        None => rule_matches(rule, entity),
    });
    match q["combinator"].as_str() {
        Some("or") => results.any(|r| r),
        _ => results.all(|r| r),
    }
}

fn rule_matches(rule: &Value, entity: &Value) -> bool {
    let got = property_of(entity, rule["property"].as_str().unwrap_or_default());
    let want = &rule["value"];
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let (g, w) = (text(got), text(want));
    let listed = || {
        want.as_array()
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(g.as_str())))
    };
    match rule["operator"].as_str().unwrap_or_default() {
        "=" => got == want,
        "!=" => got != want,
        "in" => listed(),
        "notIn" => !listed(),
        "contains" => got.is_string() && g.contains(&w),
        "doesNotContains" => !(got.is_string() && g.contains(&w)),
        "containsAny" => want
            .as_array()
            .is_some_and(|a| a.iter().filter_map(Value::as_str).any(|v| g.contains(v))),
        "beginsWith" => got.is_string() && g.starts_with(&w),
        "doesNotBeginsWith" => !(got.is_string() && g.starts_with(&w)),
        "endsWith" => got.is_string() && g.ends_with(&w),
        "doesNotEndsWith" => !(got.is_string() && g.ends_with(&w)),
        "isEmpty" => got.is_null() || got == &json!("") || got == &json!([]),
        "isNotEmpty" => !(got.is_null() || got == &json!("") || got == &json!([])),
        _ => false,
    }
}

/// Each (relation, target identifier) the entity names; a search-query value is Port's to
/// resolve and is skipped.
fn relation_targets(entity: &Value) -> Vec<(String, String)> {
    let Some(relations) = entity["relations"].as_object() else {
        return Vec::new();
    };
    relations
        .iter()
        .flat_map(|(relation, v)| {
            let ids: Vec<String> = match v {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            };
            ids.into_iter().map(|id| (relation.clone(), id))
        })
        .collect()
}

/// Why an entity's relations cannot be stored as they are: a relation the blueprint does not
/// define (422), or a target missing from the relation's target blueprint (404, unless
/// `create_missing` creates it there).
fn unmet_relation(
    st: &mut State,
    bp: &str,
    entity: &Value,
    create_missing: bool,
) -> Option<(u16, &'static str, String)> {
    let relations = st.blueprints.get(bp).map(|b| b["relations"].clone());
    for (relation, target) in relation_targets(entity) {
        let Some(target_bp) = relations
            .as_ref()
            .and_then(|r| r[&relation]["target"].as_str())
            .map(str::to_owned)
        else {
            return Some((
                422,
                "invalid_request",
                format!("Relation \"{relation}\" does not exist on blueprint \"{bp}\""),
            ));
        };
        let key = (target_bp.clone(), target.clone());
        if st.entities.contains_key(&key) {
            continue;
        }
        if !create_missing {
            return Some((
                404,
                "not_found",
                format!("Entity with identifier \"{target}\" not found"),
            ));
        }
        st.add_entity(&target_bp, &target);
    }
    None
}

fn bulk(st: &mut State, bp: &str, query: &str, body: &Value) -> Answer {
    if !query.split('&').any(|p| p == "upsert=true") {
        return port_error(
            422,
            "invalid_request",
            "querystring must have required property 'upsert'",
        );
    }
    let create_missing = query
        .split('&')
        .any(|p| p == "create_missing_related_entities=true");
    let Some(input) = body["entities"].as_array() else {
        return port_error(422, "invalid_request", "entities is required");
    };
    if input.is_empty() || input.len() > 20 {
        return port_error(422, "invalid_request", "entities must have 1 to 20 items");
    }
    let mut done = Vec::new();
    let mut errors = Vec::new();
    for (index, entity) in input.iter().enumerate() {
        let id = entity["identifier"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned();
        let elsewhere = entity["blueprint"].as_str().filter(|b| *b != bp);
        let problem = match elsewhere {
            Some(other) => Some((
                422,
                "invalid_request",
                format!("the entity is of blueprint \"{other}\", not \"{bp}\""),
            )),
            None => unmet_relation(st, bp, entity, create_missing),
        };
        match problem {
            Some((status, error, message)) => errors.push(json!({
                "identifier": id, "index": index, "statusCode": status, "error": error,
                "message": message,
            })),
            None => {
                let key = (bp.to_owned(), id.clone());
                let created = !st.entities.contains_key(&key);
                if created {
                    st.created.push(key.clone());
                }
                let mut stored = entity.clone();
                stored["blueprint"] = json!(bp);
                st.entities.insert(key, stored);
                done.push(json!({"created": created, "identifier": id, "index": index, "additionalData": {}}));
            }
        }
    }
    let status = if errors.is_empty() { 200 } else { 207 };
    answer(
        status,
        json!({"ok": true, "entities": done, "errors": errors}),
    )
}
