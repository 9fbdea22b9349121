//! Port REST client: access-token cache, retries with backoff and rate-limit headers, and the
//! routes ecr-port needs (blueprints, entity search, bulk upsert).
//!
//! Routes and bodies follow Port's OpenAPI spec (`apispec.yaml`, checked by `tests/contract.rs`
//! against a Prism mock). The client is cheap to clone: clones share one connection pool, one
//! token and one rate-limit gate, so several batches can be in flight at once.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime};

use futures::{StreamExt, TryStreamExt};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::bulk::{
    BODY_LIMIT_BYTES, BULK_MAX_ENTITIES, Batch, BulkBody, BulkItem, BulkResult, assemble_bulk,
    bulk_body, bulk_query, encode_entities, entity_identifier, plan_batches,
};
use super::error::PortError;
use super::retry::{self, Budget};
use crate::config::Secret;

/// Identifiers per search request: 500 × the 1,000-character maximum stays under 1 MiB.
const SEARCH_CHUNK: usize = 500;
/// The largest page the search route allows.
const SEARCH_PAGE_LIMIT: u32 = 1000;
/// Search chunks in flight at once for one call.
const SEARCH_CONCURRENCY: usize = 4;
/// A cursor that never ends must not loop forever (Prism's mock always returns `next`).
const SEARCH_MAX_PAGES: usize = 1000;
/// Refresh this long before the token expires, so a request never races the expiry.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Port's tokens live 3 h; a bigger `expiresIn` is not believed (and cannot overflow `Instant`).
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
const USER_AGENT: &str = concat!("ecr-port/", env!("CARGO_PKG_VERSION"));
const REDACTED: &str = "** redacted **";

/// Port's API regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Eu,
    Us,
}

impl Region {
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Eu => "https://api.port.io",
            Region::Us => "https://api.us.port.io",
        }
    }

    /// `eu` / `us`, as the settings file writes them.
    pub fn from_name(name: &str) -> Option<Region> {
        match name.trim().to_ascii_lowercase().as_str() {
            "eu" => Some(Region::Eu),
            "us" => Some(Region::Us),
            _ => None,
        }
    }
}

/// Client ID and secret from Port's "Credentials" dialog.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// `https://api.port.io`; a trailing `/v1` (exporter style) is accepted too.
    pub base_url: String,
    /// Per attempt, connect to last body byte.
    pub timeout: Duration,
    /// Retries after the first attempt (a 401 token refresh does not count).
    pub max_retries: u32,
    /// Total time one call may spend waiting between attempts.
    pub max_backoff: Duration,
    /// First backoff step when Port gives no hint; doubles per retry.
    pub initial_backoff: Duration,
}

impl ClientOptions {
    pub fn new(region: Region) -> Self {
        ClientOptions {
            base_url: region.base_url().to_owned(),
            timeout: Duration::from_secs(30),
            max_retries: 5,
            max_backoff: Duration::from_secs(60),
            initial_backoff: Duration::from_millis(500),
        }
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions::new(Region::Eu)
    }
}

/// A Port access token, kept as its ready `Authorization` header (marked sensitive, so
/// reqwest/hyper never print it either); never printed by us.
#[derive(Clone, PartialEq, Eq)]
struct AccessToken(HeaderValue);

impl AccessToken {
    fn new(token: &str) -> Result<Self, PortError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            PortError::Decode("the access token from Port is not a valid header value".into())
        })?;
        value.set_sensitive(true);
        Ok(AccessToken(value))
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: AccessToken,
    refresh_at: Instant,
}

impl CachedToken {
    /// Refresh a minute early, or halfway through for short-lived tokens: a token that lives
    /// under two minutes is still reused for a while instead of fetched anew for every call.
    fn new(token: AccessToken, lifetime: Duration, now: Instant) -> Self {
        let margin = TOKEN_REFRESH_MARGIN.min(lifetime / 2);
        CachedToken {
            token,
            refresh_at: now + (lifetime - margin),
        }
    }

    fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }
}

/// Shared across clones: when Port says the window is used up, nobody sends until it resets.
#[derive(Debug, Default)]
struct RateGate {
    closed_until: StdMutex<Option<Instant>>,
}

impl RateGate {
    fn observe(&self, headers: &HeaderMap) {
        let Some(wait) = retry::window_exhausted(headers, SystemTime::now()) else {
            return;
        };
        let until = Instant::now() + wait;
        // A poisoned lock only means another thread panicked mid-update of an Option<Instant>.
        let mut slot = self.closed_until.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(slot.map_or(until, |t| t.max(until)));
    }

    fn pending(&self) -> Option<Duration> {
        let slot = self.closed_until.lock().unwrap_or_else(|e| e.into_inner());
        let wait = (*slot)?.checked_duration_since(Instant::now())?;
        (!wait.is_zero()).then_some(wait)
    }
}

/// One logical call, replayable across attempts.
struct Call {
    method: Method,
    url: Url,
    body: Option<Vec<u8>>,
    /// Sends a bearer token (all routes but the token route).
    auth: bool,
    /// Safe to resend after an ambiguous failure (timeout, dropped connection, 5xx).
    idempotent: bool,
}

impl Call {
    fn new(method: Method, url: Url) -> Self {
        let idempotent = method != Method::POST;
        Call {
            method,
            url,
            body: None,
            auth: true,
            idempotent,
        }
    }

    fn json(mut self, body: &Value) -> Result<Self, PortError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| PortError::Decode(format!("cannot encode request body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    fn raw_json(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }

    fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    fn without_auth(mut self) -> Self {
        self.auth = false;
        self
    }

    /// "POST /v1/blueprints/x/entities/bulk", for messages and logs (never the query or body).
    fn label(&self) -> String {
        format!("{} {}", self.method, self.url.path())
    }
}

/// A complete answer: status, the headers we use, and the whole body.
struct Reply {
    status: StatusCode,
    trace_id: Option<String>,
    throttle_hint: Option<Duration>,
    body: Vec<u8>,
}

/// What the retry loop does with an answer.
enum Verdict {
    Done,
    Reauthenticate,
    Retry(Option<Duration>),
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenBody {
    access_token: String,
    expires_in: f64,
}

#[derive(Deserialize)]
struct SearchPage {
    #[serde(default)]
    entities: Vec<Value>,
    next: Option<String>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    creds: Credentials,
    opts: ClientOptions,
    token: Mutex<Option<CachedToken>>,
    gate: RateGate,
}

#[derive(Clone)]
pub struct PortClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for PortClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortClient")
            .field("base_url", &self.inner.base.as_str())
            .field("client_id", &self.inner.creds.client_id)
            .finish_non_exhaustive()
    }
}

impl PortClient {
    pub fn new(creds: Credentials, opts: ClientOptions) -> Result<Self, PortError> {
        check_credentials(&creds)?;
        let base = parse_base_url(&opts.base_url)?;
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| PortError::Config(format!("cannot set up HTTPS: {}", describe(&e))))?;
        Ok(PortClient {
            inner: Arc::new(Inner {
                http,
                base,
                creds,
                opts,
                token: Mutex::new(None),
                gate: RateGate::default(),
            }),
        })
    }

    /// The API base URL, for messages and journals.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str().trim_end_matches('/')
    }

    /// Makes sure a valid access token is cached: a credentials check for the UI.
    pub async fn token(&self) -> Result<(), PortError> {
        self.bearer().await.map(drop)
    }

    /// `GET /v1/blueprints/{id}`; `None` when it does not exist.
    pub async fn blueprint(&self, id: &str) -> Result<Option<Value>, PortError> {
        let call = Call::new(Method::GET, self.url(&["blueprints", id])?);
        let reply = self.execute(&call).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body: Value = self.decode(&call, reply)?;
        take_field(body, "blueprint", &call).map(Some)
    }

    /// `POST /v1/blueprints`. Not resent after an ambiguous failure: a second create could
    /// answer 409 for a blueprint the first one made.
    pub async fn create_blueprint(&self, bp: &Value) -> Result<Value, PortError> {
        let call = Call::new(Method::POST, self.url(&["blueprints"])?).json(bp)?;
        let body: Value = self.call_json(&call).await?;
        take_field(body, "blueprint", &call)
    }

    /// `PATCH /v1/blueprints/{id}`: a partial update, every top-level field optional (PUT is a
    /// full replace that requires `title` and `schema`). A `schema` sent must carry
    /// `properties` (the spec requires it) and only `properties`/`required`.
    pub async fn update_blueprint(&self, id: &str, bp: &Value) -> Result<Value, PortError> {
        let call = Call::new(Method::PATCH, self.url(&["blueprints", id])?).json(bp)?;
        let body: Value = self.call_json(&call).await?;
        take_field(body, "blueprint", &call)
    }

    /// Which of `ids` exist in `blueprint` (in no particular order).
    pub async fn search_identifiers(
        &self,
        blueprint: &str,
        ids: &[String],
    ) -> Result<Vec<String>, PortError> {
        let entities = self
            .search_by_ids(blueprint, ids, Some(&["$identifier"]))
            .await?;
        entities
            .iter()
            .map(|e| {
                entity_identifier(e).map(str::to_owned).ok_or_else(|| {
                    PortError::Decode(format!(
                        "search in blueprint `{blueprint}` returned an entity without identifier"
                    ))
                })
            })
            .collect()
    }

    /// Every identifier in `blueprint` (a search without a query, page by page), up to
    /// `max`: for suggestions, where the first thousands are plenty.
    pub async fn all_identifiers(
        &self,
        blueprint: &str,
        max: usize,
    ) -> Result<Vec<String>, PortError> {
        let entities = self.all_entities(blueprint, &["$identifier"], max).await?;
        Ok(entities
            .iter()
            .filter_map(|e| entity_identifier(e).map(str::to_owned))
            .collect())
    }

    /// Every entity of `blueprint` with only the fields `include` names (a search without a
    /// query, page by page), up to `max`.
    pub async fn all_entities(
        &self,
        blueprint: &str,
        include: &[&str],
        max: usize,
    ) -> Result<Vec<Value>, PortError> {
        let url = self.url(&["blueprints", blueprint, "entities", "search"])?;
        let mut found = Vec::new();
        let mut from: Option<String> = None;
        while found.len() < max {
            let mut body = json!({"include": include, "limit": SEARCH_PAGE_LIMIT});
            if let Some(from) = &from {
                body["from"] = json!(from);
            }
            let call = Call::new(Method::POST, url.clone())
                .json(&body)?
                .idempotent(true);
            let page: SearchPage = self.call_json(&call).await?;
            let page_len = page.entities.len();
            found.extend(page.entities);
            match page.next {
                Some(next) if !next.is_empty() && page_len > 0 && from.as_ref() != Some(&next) => {
                    from = Some(next)
                }
                _ => break,
            }
        }
        found.truncate(max);
        Ok(found)
    }

    /// The full entities among `ids` that exist in `blueprint`, for the diff.
    pub async fn entities(&self, blueprint: &str, ids: &[String]) -> Result<Vec<Value>, PortError> {
        self.search_by_ids(blueprint, ids, None).await
    }

    /// `POST /v1/blueprints/{bp}/entities/bulk?upsert=true&merge=true`: create or update,
    /// keeping fields not sent. More than 20 entities, or more than 1 MiB, are split into
    /// several requests sent one after the other (call with ≤ 20 for parallel batches); an
    /// entity that alone exceeds 1 MiB or is not an object is reported failed, not sent.
    /// The route is idempotent with `upsert=true`, so failed attempts are resent.
    pub async fn bulk_upsert(
        &self,
        blueprint: &str,
        entities: &[Value],
        create_missing_related: bool,
    ) -> Result<BulkResult, PortError> {
        let mut url = self.url(&["blueprints", blueprint, "entities", "bulk"])?;
        url.query_pairs_mut()
            .extend_pairs(bulk_query(create_missing_related));
        let encoded = encode_entities(entities)?;
        let mut items = Vec::with_capacity(entities.len());
        for batch in plan_batches(&encoded, BULK_MAX_ENTITIES, BODY_LIMIT_BYTES) {
            match batch {
                Batch::Send(range) => {
                    let sent = self
                        .bulk_request(&url, &entities[range.clone()], &encoded[range])
                        .await?;
                    items.extend(sent);
                }
                Batch::Skip(index, why) => items.push(why.item(&entities[index])),
            }
        }
        Ok(BulkResult { items })
    }

    async fn bulk_request(
        &self,
        url: &Url,
        entities: &[Value],
        encoded: &[Option<Vec<u8>>],
    ) -> Result<Vec<BulkItem>, PortError> {
        let call = Call::new(Method::POST, url.clone())
            .raw_json(bulk_body(encoded))
            .idempotent(true);
        let body: BulkBody = self.call_json(&call).await?;
        Ok(assemble_bulk(entities, body))
    }

    async fn search_by_ids(
        &self,
        blueprint: &str,
        ids: &[String],
        include: Option<&[&str]>,
    ) -> Result<Vec<Value>, PortError> {
        let ids = distinct(ids);
        let url = self.url(&["blueprints", blueprint, "entities", "search"])?;
        // Futures made up front: a closure inside the stream type makes the whole future
        // fail to be `Send` for every lifetime (rust-lang/rust#102211), which `Catalog` needs.
        let chunks: Vec<_> = ids
            .chunks(SEARCH_CHUNK)
            .map(|chunk| self.search_chunk(&url, chunk, include))
            .collect();
        let pages: Vec<Vec<Value>> = futures::stream::iter(chunks)
            .buffered(SEARCH_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(pages.into_iter().flatten().collect())
    }

    /// One `in` query, following `next` until Port stops sending it, the cursor repeats, or
    /// every identifier asked for was found (an `in` query cannot match more).
    async fn search_chunk(
        &self,
        url: &Url,
        ids: &[&str],
        include: Option<&[&str]>,
    ) -> Result<Vec<Value>, PortError> {
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        let mut from: Option<String> = None;
        for _ in 0..SEARCH_MAX_PAGES {
            let body = search_body(ids, include, from.as_deref());
            // Search only reads: safe to resend.
            let call = Call::new(Method::POST, url.clone())
                .json(&body)?
                .idempotent(true);
            let page: SearchPage = self.call_json(&call).await?;
            let page_len = page.entities.len();
            for entity in page.entities {
                let new = entity_identifier(&entity).is_none_or(|id| seen.insert(id.to_owned()));
                if new {
                    found.push(entity);
                }
            }
            match page.next {
                Some(next)
                    if !next.is_empty()
                        && page_len > 0
                        && seen.len() < ids.len()
                        && from.as_deref() != Some(next.as_str()) =>
                {
                    from = Some(next)
                }
                _ => return Ok(found),
            }
        }
        Err(PortError::Decode(format!(
            "search on {} did not end after {SEARCH_MAX_PAGES} pages",
            url.path()
        )))
    }

    /// `/v1/<segments>`, each segment percent-encoded (identifiers may contain `/`).
    fn url(&self, segments: &[&str]) -> Result<Url, PortError> {
        build_url(&self.inner.base, segments)
    }

    async fn call_json<T: DeserializeOwned>(&self, call: &Call) -> Result<T, PortError> {
        let reply = self.execute(call).await?;
        self.decode(call, reply)
    }

    /// Success → the body as `T`; anything else → the matching error.
    fn decode<T: DeserializeOwned>(&self, call: &Call, reply: Reply) -> Result<T, PortError> {
        if !reply.status.is_success() {
            return Err(self.error_from(call, reply));
        }
        serde_json::from_slice(&reply.body)
            .map_err(|e| PortError::Decode(self.scrub(format!("{}: {e}", call.label()))))
    }

    fn error_from(&self, call: &Call, reply: Reply) -> PortError {
        let status = reply.status.as_u16();
        let (error, message) = self.port_error_body(&reply);
        match reply.status {
            StatusCode::UNAUTHORIZED => PortError::Auth { status, message },
            StatusCode::NOT_FOUND => PortError::NotFound {
                what: format!("{} ({message})", call.url.path()),
            },
            StatusCode::TOO_MANY_REQUESTS => PortError::RateLimited {
                retry_after: reply.throttle_hint,
            },
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => PortError::Server {
                request: call.label(),
                status,
                trace_id: reply.trace_id,
            },
            _ => PortError::Rejected {
                request: call.label(),
                status,
                error,
                message,
                trace_id: reply.trace_id,
            },
        }
    }

    /// Port's `error` code and `message`, falling back to the HTTP reason when the body is not
    /// Port's `{ok:false, error, message}` (e.g. a proxy's HTML page).
    fn port_error_body(&self, reply: &Reply) -> (String, String) {
        let reason = reply.status.canonical_reason().unwrap_or("error");
        let parsed: Option<ErrorBody> = serde_json::from_slice(&reply.body).ok();
        let (error, message) = parsed.map_or((None, None), |b| (b.error, b.message));
        let message = message.or_else(|| error.clone());
        let error = error.unwrap_or_else(|| reason.to_owned());
        let message = self.scrub(message.unwrap_or_else(|| reason.to_owned()));
        (self.scrub(error), message)
    }

    /// Replaces the client secret in text that came from outside (Port's messages, decode
    /// errors), in case Port ever echoes it. The token cannot appear: it is only ever sent in
    /// a header, and the token answer's decode errors do not quote the body.
    fn scrub(&self, text: String) -> String {
        let secret = self.inner.creds.client_secret.expose();
        match !secret.is_empty() && text.contains(secret) {
            true => text.replace(secret, REDACTED),
            false => text,
        }
    }

    /// The cached token, or a new one. The lock is held while fetching, so concurrent callers
    /// share one in-flight refresh instead of each asking Port.
    async fn bearer(&self) -> Result<AccessToken, PortError> {
        let mut slot = self.inner.token.lock().await;
        if let Some(cached) = slot.as_ref().filter(|c| c.is_fresh(Instant::now())) {
            return Ok(cached.token.clone());
        }
        // Boxed: fetch_token → execute → bearer would otherwise be an infinitely sized future.
        let fresh = Box::pin(self.fetch_token()).await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(token)
    }

    /// Forgets `used` after Port refused it, unless another caller already replaced it.
    async fn invalidate(&self, used: &AccessToken) {
        let mut slot = self.inner.token.lock().await;
        if slot.as_ref().is_some_and(|c| &c.token == used) {
            *slot = None;
        }
    }

    /// A 401 from the token endpoint is tried once more after a moment: an auth service can
    /// refuse briefly (a deploy, a replica behind), and one transient refusal should not fail
    /// a whole push. A second 401, or a 403/404, is the credentials' fault.
    async fn fetch_token(&self) -> Result<CachedToken, PortError> {
        match self.fetch_token_once().await {
            Err(PortError::Auth { status: 401, .. }) => {
                tracing::info!("Port refused the credentials once; asking again");
                tokio::time::sleep(TOKEN_RETRY_PAUSE).await;
                self.fetch_token_once().await
            }
            other => other,
        }
    }

    async fn fetch_token_once(&self) -> Result<CachedToken, PortError> {
        let creds = &self.inner.creds;
        let body = json!({
            "clientId": creds.client_id,
            "clientSecret": creds.client_secret.expose(),
        });
        // Token requests are repeatable: Port hands back the same active token.
        let call = Call::new(Method::POST, self.url(&["auth", "access_token"])?)
            .json(&body)?
            .without_auth()
            .idempotent(true);
        let reply = self.execute(&call).await?;
        let status = reply.status.as_u16();
        if matches!(status, 401 | 403 | 404) {
            // 404 here means an unknown client ID (or the wrong region), not a missing route.
            let (_, message) = self.port_error_body(&reply);
            return Err(PortError::Auth { status, message });
        }
        if !reply.status.is_success() {
            return Err(self.error_from(&call, reply));
        }
        // serde's message may quote the body, which holds the token: say only where it broke.
        let token: TokenBody = serde_json::from_slice(&reply.body).map_err(|e| {
            PortError::Decode(format!(
                "the access token answer is not {{accessToken, expiresIn}} \
                 ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        let lifetime = Duration::try_from_secs_f64(token.expires_in)
            .unwrap_or(Duration::ZERO)
            .min(MAX_TOKEN_LIFETIME);
        tracing::debug!(expires_in_s = token.expires_in, "got a Port access token");
        Ok(CachedToken::new(
            AccessToken::new(&token.access_token)?,
            lifetime,
            Instant::now(),
        ))
    }
}

/// How long before the one retry of a refused token request.
const TOKEN_RETRY_PAUSE: Duration = Duration::from_millis(500);

impl PortClient {
    /// Sends `call` until it has a final answer: retries what is worth retrying within
    /// `max_retries` and the `max_backoff` wait budget, and fetches a new token once on 401.
    /// Non-2xx answers are returned as replies; the caller maps them to errors.
    async fn execute(&self, call: &Call) -> Result<Reply, PortError> {
        let opts = &self.inner.opts;
        let mut budget = Budget::new(opts.max_backoff);
        let mut retries = 0u32;
        let mut reauthenticated = false;
        loop {
            self.wait_for_gate(&mut budget).await;
            let token = match call.auth {
                true => Some(self.bearer().await?),
                false => None,
            };
            let (last, hint) = match self.send_once(call, token.as_ref()).await {
                Ok(reply) => match verdict(call, &reply, reauthenticated) {
                    Verdict::Done => return Ok(reply),
                    Verdict::Reauthenticate => {
                        tracing::info!(
                            request = %call.label(),
                            "Port refused the access token; fetching a new one"
                        );
                        if let Some(used) = &token {
                            self.invalidate(used).await;
                        }
                        reauthenticated = true;
                        continue;
                    }
                    Verdict::Retry(hint) => (Ok(reply), hint),
                },
                Err(e) if is_transient(&e, call.idempotent) => (Err(e), None),
                Err(e) => return Err(self.network_error(call, &e)),
            };
            retries += 1;
            let delay = match retries <= opts.max_retries {
                true => self.next_delay(&mut budget, hint, retries),
                false => None,
            };
            let Some(delay) = delay else {
                return last.map_err(|e| self.network_error(call, &e));
            };
            let cause = match &last {
                Ok(reply) => format!("HTTP {}", reply.status.as_u16()),
                Err(e) => describe(e),
            };
            tracing::warn!(
                request = %call.label(),
                retry = retries,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                cause = %cause,
                "retrying Port request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// A wait Port asked for is taken whole or not at all; our own backoff is cut to fit.
    fn next_delay(
        &self,
        budget: &mut Budget,
        hint: Option<Duration>,
        retry: u32,
    ) -> Option<Duration> {
        match hint {
            Some(wait) => budget.take_whole(wait).then_some(wait),
            None => budget.take_up_to(retry::backoff_delay(self.inner.opts.initial_backoff, retry)),
        }
    }

    /// Holds the request while Port's rate-limit window is used up. Past the budget we go
    /// ahead anyway and let Port decide: a 429 then ends the call with `RateLimited`.
    async fn wait_for_gate(&self, budget: &mut Budget) {
        let Some(wait) = self.inner.gate.pending() else {
            return;
        };
        if let Some(wait) = budget.take_up_to(wait)
            && !wait.is_zero()
        {
            tracing::info!(
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "Port rate-limit window used up; waiting for its reset"
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn send_once(
        &self,
        call: &Call,
        token: Option<&AccessToken>,
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
            .header(header::ACCEPT, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, token.0.clone());
        }
        if let Some(body) = &call.body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers();
        self.inner.gate.observe(headers);
        let trace_id = headers
            .get("x-trace-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let hint = match status {
            StatusCode::TOO_MANY_REQUESTS => retry::throttle_hint(headers, SystemTime::now()),
            _ => retry::retry_after(headers),
        };
        let body = response.bytes().await?.to_vec();
        tracing::debug!(
            request = %call.label(),
            status = status.as_u16(),
            trace_id = trace_id.as_deref(),
            "Port answered"
        );
        Ok(Reply {
            status,
            trace_id,
            throttle_hint: hint,
            body,
        })
    }

    fn network_error(&self, call: &Call, e: &reqwest::Error) -> PortError {
        PortError::Network(self.scrub(format!("{}: {}", call.label(), describe(e))))
    }
}

fn verdict(call: &Call, reply: &Reply, reauthenticated: bool) -> Verdict {
    let status = reply.status;
    if status == StatusCode::UNAUTHORIZED && call.auth && !reauthenticated {
        return Verdict::Reauthenticate;
    }
    // A 429 is refused before any work, so even a create may be resent.
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Verdict::Retry(reply.throttle_hint);
    }
    if call.idempotent && is_transient_status(status) {
        return Verdict::Retry(reply.throttle_hint);
    }
    Verdict::Done
}

/// 408 and 5xx, except 501/505, which will not change on a retry.
fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || (status.is_server_error()
            && status != StatusCode::NOT_IMPLEMENTED
            && status != StatusCode::HTTP_VERSION_NOT_SUPPORTED)
}

/// Connect failures never reached Port, so anything may be resent. Timeouts and dropped
/// connections may have been processed: only idempotent calls are resent.
fn is_transient(e: &reqwest::Error, idempotent: bool) -> bool {
    if e.is_connect() {
        return true;
    }
    idempotent && (e.is_timeout() || e.is_request() || e.is_body() || e.is_decode())
}

/// A one-line account of a transport error and its causes, without the URL's query.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "reading the answer failed"
    } else if e.is_builder() {
        "invalid request"
    } else {
        "request failed"
    };
    let mut parts = vec![kind.to_owned()];
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

fn check_credentials(creds: &Credentials) -> Result<(), PortError> {
    if creds.client_id.trim().is_empty() {
        return Err(PortError::Config(
            "the Port client ID is empty: set PORT_CLIENT_ID or port.clientId in the settings file"
                .into(),
        ));
    }
    if creds.client_secret.expose().is_empty() {
        return Err(PortError::Config(
            "the Port client secret is empty: set PORT_CLIENT_SECRET or port.clientSecret in the \
             settings file"
                .into(),
        ));
    }
    Ok(())
}

/// Accepts `https://api.port.io`, with or without a trailing `/` or `/v1` (the exporter's
/// style), so either form from a settings file works.
fn parse_base_url(raw: &str) -> Result<Url, PortError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/v1").unwrap_or(trimmed);
    let url = Url::parse(trimmed)
        .map_err(|e| PortError::Config(format!("the Port base URL `{raw}` is not a URL: {e}")))?;
    let usable = matches!(url.scheme(), "http" | "https")
        && !url.cannot_be_a_base()
        && url.query().is_none()
        && url.fragment().is_none();
    if !usable {
        return Err(PortError::Config(format!(
            "the Port base URL `{raw}` must be http(s)://host[:port][/path], like {}",
            Region::Eu.base_url()
        )));
    }
    Ok(url)
}

/// `base/v1/<segments>`. Each segment is percent-encoded on its own (`/` → `%2F`), and `.`,
/// `..` or empty ones are refused: the URL would silently name another route.
fn build_url(base: &Url, segments: &[&str]) -> Result<Url, PortError> {
    if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
        return Err(PortError::Config(format!(
            "`{bad}` is not a valid Port identifier"
        )));
    }
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| PortError::Config(format!("the Port base URL `{base}` cannot take a path")))?
        .pop_if_empty()
        .push("v1")
        .extend(segments);
    Ok(url)
}

fn take_field(mut body: Value, field: &str, call: &Call) -> Result<Value, PortError> {
    match body.get_mut(field).map(Value::take) {
        Some(value @ Value::Object(_)) => Ok(value),
        _ => Err(PortError::Decode(format!(
            "{}: the answer has no `{field}` object",
            call.label()
        ))),
    }
}

/// The identifiers once each, in their first order.
fn distinct(ids: &[String]) -> Vec<&str> {
    let mut seen = HashSet::new();
    ids.iter()
        .map(String::as_str)
        .filter(|id| seen.insert(*id))
        .collect()
}

fn search_body(ids: &[&str], include: Option<&[&str]>, from: Option<&str>) -> Value {
    let mut body = json!({
        "query": {
            "combinator": "and",
            "rules": [{ "property": "$identifier", "operator": "in", "value": ids }],
        },
        "limit": SEARCH_PAGE_LIMIT,
    });
    if let Some(include) = include {
        body["include"] = json!(include);
    }
    if let Some(from) = from {
        body["from"] = json!(from);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        parse_base_url("https://api.port.io").expect("valid base")
    }

    fn creds() -> Credentials {
        Credentials {
            client_id: "id-1".into(),
            client_secret: Secret::new("s3cr3t-value"),
        }
    }

    #[test]
    fn identifiers_are_one_encoded_path_segment_each() {
        let url = build_url(
            &base(),
            &["blueprints", "team/api", "entities", "a\\b é?#%"],
        )
        .expect("url");
        assert_eq!(
            url.as_str(),
            "https://api.port.io/v1/blueprints/team%2Fapi/entities/a%5Cb%20%C3%A9%3F%23%25"
        );
        let url = build_url(&base(), &["blueprints", "a:b@c=d+e.f"]).expect("url");
        assert_eq!(url.path(), "/v1/blueprints/a:b@c=d+e.f");
    }

    #[test]
    fn dot_and_empty_identifiers_are_refused() {
        for bad in ["", ".", ".."] {
            let e = build_url(&base(), &["blueprints", bad]).expect_err(bad);
            assert!(matches!(e, PortError::Config(_)), "{e:?}");
        }
    }

    #[test]
    fn base_urls_in_settings_style_are_accepted() {
        for raw in [
            "https://api.port.io",
            "https://api.port.io/",
            "https://api.port.io/v1",
            " https://api.port.io/v1/ ",
        ] {
            let url = build_url(&parse_base_url(raw).expect(raw), &["blueprints"]).expect(raw);
            assert_eq!(url.as_str(), "https://api.port.io/v1/blueprints", "{raw}");
        }
        let url = build_url(
            &parse_base_url("http://127.0.0.1:4010/proxy").expect("proxy"),
            &["x"],
        )
        .expect("url");
        assert_eq!(url.as_str(), "http://127.0.0.1:4010/proxy/v1/x");
        for bad in ["api.port.io", "ftp://x", "https://x/?a=1", "mailto:a@b"] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions() {
        assert_eq!(Region::Eu.base_url(), "https://api.port.io");
        assert_eq!(Region::Us.base_url(), "https://api.us.port.io");
        assert_eq!(Region::from_name(" US "), Some(Region::Us));
        assert_eq!(Region::from_name("eu"), Some(Region::Eu));
        assert_eq!(Region::from_name("apac"), None);
        assert_eq!(ClientOptions::default().base_url, "https://api.port.io");
    }

    #[test]
    fn token_refreshes_a_minute_early_or_halfway() {
        let now = Instant::now();
        let token = AccessToken::new("t").expect("token");
        let long = CachedToken::new(token.clone(), Duration::from_secs(10_800), now);
        assert!(long.is_fresh(now + Duration::from_secs(10_739)));
        assert!(!long.is_fresh(now + Duration::from_secs(10_740)));
        let short = CachedToken::new(token.clone(), Duration::from_secs(10), now);
        assert!(short.is_fresh(now + Duration::from_secs(4)));
        assert!(!short.is_fresh(now + Duration::from_secs(5)));
        let dead = CachedToken::new(token, Duration::ZERO, now);
        assert!(!dead.is_fresh(now));
    }

    #[test]
    fn token_header_is_sensitive_and_never_printed() {
        let token = AccessToken::new("eyJtoken").expect("token");
        assert!(token.0.is_sensitive());
        assert_eq!(format!("{token:?}"), REDACTED);
        assert!(AccessToken::new("bad\ntoken").is_err());
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let client = PortClient::new(creds(), ClientOptions::default()).expect("client");
        let shown = format!("{client:?} {:?} {:?}", creds(), client.inner.creds);
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("id-1"), "{shown}");
    }

    #[test]
    fn empty_credentials_are_refused_before_any_request() {
        let mut c = creds();
        c.client_secret = Secret::new("");
        let e = PortClient::new(c, ClientOptions::default()).expect_err("empty secret");
        assert!(e.to_string().contains("PORT_CLIENT_SECRET"), "{e}");
        let mut c = creds();
        c.client_id = " ".into();
        let e = PortClient::new(c, ClientOptions::default()).expect_err("empty id");
        assert!(e.to_string().contains("PORT_CLIENT_ID"), "{e}");
    }

    #[test]
    fn search_body_matches_the_documented_shape() {
        let body = search_body(&["a", "b/c"], Some(&["$identifier"]), Some("h1"));
        assert_eq!(
            body,
            json!({
                "query": {"combinator": "and", "rules": [
                    {"property": "$identifier", "operator": "in", "value": ["a", "b/c"]}
                ]},
                "limit": 1000,
                "include": ["$identifier"],
                "from": "h1",
            })
        );
        let first_page = search_body(&["a"], None, None);
        assert!(first_page.get("from").is_none() && first_page.get("include").is_none());
    }

    #[test]
    fn distinct_keeps_first_order() {
        let ids: Vec<String> = ["b", "a", "b", "c", "a"].map(String::from).to_vec();
        assert_eq!(distinct(&ids), ["b", "a", "c"]);
    }

    #[test]
    fn secret_is_scrubbed_from_port_messages() {
        let client = PortClient::new(creds(), ClientOptions::default()).expect("client");
        let reply = Reply {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            trace_id: Some("tr".into()),
            throttle_hint: None,
            body: br#"{"ok":false,"error":"bad","message":"clientSecret s3cr3t-value is odd"}"#
                .to_vec(),
        };
        let call = Call::new(Method::POST, base());
        let e = client.error_from(&call, reply);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("** redacted **"), "{shown}");
    }

    #[test]
    fn which_statuses_are_retried() {
        for s in [408, 500, 502, 503, 504] {
            assert!(
                is_transient_status(StatusCode::from_u16(s).expect("status")),
                "{s}"
            );
        }
        for s in [400, 401, 403, 404, 409, 413, 422, 501, 505] {
            assert!(
                !is_transient_status(StatusCode::from_u16(s).expect("status")),
                "{s}"
            );
        }
    }
}
