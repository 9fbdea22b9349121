//! ECR through the AWS SDK: paginated listing, per-repository tags and policies with bounded
//! concurrency, our own pacing and backoff, and errors the user can act on.

use std::error::Error as StdError;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ecr::Client;
use aws_sdk_ecr::config::Region;
use aws_sdk_ecr::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::model::tag_rules::MAX_TAGS;
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::task::JoinSet;

use super::credentials::{self, Role};
use super::limiter::{Limiter, Window, backoff};
use super::tagging::{self, Plan, TagSource, Written};
use super::{Event, Inventory, InventoryError, LoadOptions, Sink};
use crate::model::tag_rules::{Change, PlanItem};
use crate::model::{Fetched, Repository, Tag};

/// How the user chose to reach AWS (flags, environment and settings, already merged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    pub concurrency: usize,
    /// A role assumed on top of the profile's (or the default chain's) credentials.
    pub role: Option<Role>,
    pub tag_source: TagSource,
    /// How the list and the header name the account when several are loaded.
    pub alias: Option<String>,
    /// This entry stands for the accounts of an AWS Organization, found when the inventory
    /// opens: its credentials list them, its regions are theirs.
    pub discover: Option<super::organization::Discovery>,
}

/// The cap on calls in flight per account and region; the window adapts below it.
pub const DEFAULT_CONCURRENCY: usize = 64;
const THROTTLE_ATTEMPTS: u32 = 10;
const TRANSIENT_ATTEMPTS: u32 = 4;

/// Everything a call in one region needs.
pub struct RegionCtx {
    pub region: String,
    pub client: Client,
    pub limiter: Limiter,
    pub window: Window,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    /// Tags this session wrote, which outrank the tagging API's lagging index.
    pub written: Written,
    profile: String,
    endpoint: String,
}

pub struct EcrInventory {
    profile_label: String,
    profile: Option<String>,
    endpoint_url: Option<String>,
    regions: Vec<Arc<RegionCtx>>,
    concurrency: usize,
    tag_source: TagSource,
}

impl EcrInventory {
    /// Resolves credentials' source, regions and endpoint. Makes no ECR call, so the UI can
    /// draw before anything answers.
    pub async fn connect(opts: &AwsOptions) -> Result<Self, InventoryError> {
        let (sdk, profile) = sdk_config(opts).await?;
        let regions = if opts.regions.is_empty() {
            vec![
                sdk.region()
                    .map(ToString::to_string)
                    .ok_or(InventoryError::NoRegion)?,
            ]
        } else {
            opts.regions.clone()
        };
        let mut ctxs = Vec::new();
        for region in regions {
            if !valid_region(&region) {
                return Err(InventoryError::UnknownRegion(region));
            }
            let conf = aws_sdk_ecr::config::Builder::from(&sdk)
                .region(Region::new(region.clone()))
                .build();
            let tagging = aws_sdk_resourcegroupstagging::config::Builder::from(&sdk)
                .region(Region::new(region.clone()))
                .build();
            let endpoint = opts
                .endpoint_url
                .clone()
                .or_else(|| sdk.endpoint_url().map(str::to_owned))
                .unwrap_or_else(|| format!("https://api.ecr.{region}.amazonaws.com"));
            ctxs.push(Arc::new(RegionCtx {
                client: Client::from_conf(conf),
                limiter: Limiter::default(),
                window: Window::new(opts.concurrency),
                tagging: aws_sdk_resourcegroupstagging::Client::from_conf(tagging),
                written: Written::default(),
                profile: profile.clone(),
                endpoint,
                region,
            }));
        }
        let env_keys = std::env::var("AWS_ACCESS_KEY_ID").is_ok_and(|k| !k.is_empty());
        let mut label = source_label(opts.profile.as_deref(), &profile, env_keys);
        if let Some(role) = &opts.role {
            label.push_str(&format!(" → {}", role.arn));
        }
        if let Some(url) = &opts.endpoint_url {
            label.push_str(&format!(" · {url}"));
        }
        Ok(EcrInventory {
            profile_label: label,
            profile: opts.profile.clone(),
            endpoint_url: opts.endpoint_url.clone(),
            regions: ctxs,
            concurrency: opts.concurrency.max(1),
            tag_source: opts.tag_source,
        })
    }

    pub fn region(&self, region: &str) -> Option<&Arc<RegionCtx>> {
        self.regions.iter().find(|r| r.region == region)
    }
}

/// The SDK settings every client of one account shares: its credentials (the profile, any
/// role on top), the first region, the endpoint and our timeouts, with the SDK's own retries
/// off (our loop retries, paced per region; see limiter.rs). Also the profile's name as
/// errors name it.
pub(crate) async fn sdk_config(opts: &AwsOptions) -> Result<(SdkConfig, String), InventoryError> {
    let profile = opts
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        // Our own loop retries, paced per region (see limiter.rs).
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(name) = &opts.profile {
        loader = loader.profile_name(name);
    }
    if let Some(region) = opts.regions.first() {
        // STS and SSO calls need a region even when the profile names none.
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let mut sdk = loader.load().await;
    // aws-config tries environment keys before the named profile; the AWS CLI lets
    // --profile win, so the profile's provider is named explicitly.
    // AWS_PROFILE loses to environment keys, as in the AWS CLI.
    let env_keys = std::env::var_os("AWS_ACCESS_KEY_ID").is_some();
    let named = opts
        .profile
        .clone()
        .or_else(|| (!env_keys && profile != "default").then(|| profile.clone()));
    if let Some(creds) = credentials::provider(named.as_deref(), opts.role.as_ref(), &sdk).await? {
        sdk = sdk.to_builder().credentials_provider(creds).build();
    }
    Ok((sdk, profile))
}

/// What the header names as the credentials' source. Without `--profile`, keys in the
/// environment come before any profile (the SDK's chain reads them first), so the header says
/// so instead of naming a profile that was never read.
fn source_label(flag: Option<&str>, profile: &str, env_keys: bool) -> String {
    if flag.is_none() && env_keys {
        "environment keys (AWS_ACCESS_KEY_ID)".to_owned()
    } else {
        format!("profile {profile}")
    }
}

/// Region codes look like `eu-west-1`, `us-gov-west-1`, `cn-north-1`.
pub(crate) fn valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|n| n > 0)
}

impl Inventory for EcrInventory {
    fn describe(&self) -> String {
        self.profile_label.clone()
    }

    fn regions(&self) -> Vec<String> {
        self.regions.iter().map(|r| r.region.clone()).collect()
    }

    fn load(&self, opts: LoadOptions, sink: Sink) -> BoxFuture<'static, ()> {
        let regions = self.regions.clone();
        let (concurrency, tag_source) = (self.concurrency, self.tag_source);
        async move {
            // Regions are independent (quotas and retry partitions are per region).
            let all = regions.into_iter().map(|rc| {
                tokio::spawn(load_region(rc, opts, sink.clone(), concurrency, tag_source))
            });
            futures::future::join_all(all).await;
        }
        .boxed()
    }

    fn cli_context(&self) -> (Option<String>, Option<String>) {
        (self.profile.clone(), self.endpoint_url.clone())
    }

    fn write_tags(
        &self,
        target: &PlanItem,
    ) -> BoxFuture<'static, Result<Vec<Tag>, InventoryError>> {
        let rc = self.region(&target.region).cloned();
        let target = target.clone();
        async move {
            let Some(rc) = rc else {
                return Err(InventoryError::UnknownRegion(target.region.clone()));
            };
            let arn = target.arn.as_str();
            if let Change::Add { tag } = &target.change {
                // The plan read the tags a moment ago; another run may have written some
                // since. Read again right before the write, the plan still holds or is refused.
                if let Some(tags) = recheck_add(&rc, &target, tag).await? {
                    return Ok(tags);
                }
            }
            let written = match &target.change {
                Change::Add { tag } | Change::Overwrite { tag, .. } => {
                    let ecr_tag = aws_sdk_ecr::types::Tag::builder()
                        .key(&tag.key)
                        .value(&tag.value)
                        .build()
                        .map_err(|e| InventoryError::Service {
                            operation: "TagResource".into(),
                            region: rc.region.clone(),
                            code: "InvalidTag".into(),
                            message: e.to_string(),
                        })?;
                    call(&rc, "TagResource", || {
                        rc.client
                            .tag_resource()
                            .resource_arn(arn)
                            .tags(ecr_tag.clone())
                            .send()
                    })
                    .await
                    .map(|_| ())
                }
                Change::Remove { key, .. } => call(&rc, "UntagResource", || {
                    rc.client
                        .untag_resource()
                        .resource_arn(arn)
                        .tag_keys(key)
                        .send()
                })
                .await
                .map(|_| ()),
                _ => return Err(InventoryError::NothingToWrite),
            };
            let named = |failure: Failure| match failure.error {
                InventoryError::RepositoryNotFound { .. } => InventoryError::RepositoryNotFound {
                    name: target.name.clone(),
                    region: target.region.clone(),
                },
                other => other,
            };
            written.map_err(named)?;
            // Read back what ECR now has, so the list shows the truth, not our guess.
            match fetch_tags(&rc, arn).await {
                Fetched::Present(tags) => {
                    rc.written.record(arn, tags.clone());
                    Ok(tags)
                }
                Fetched::Failed(why) => Err(InventoryError::Service {
                    operation: "ListTagsForResource".into(),
                    region: rc.region.clone(),
                    code: "ReadBackFailed".into(),
                    message: format!("the write succeeded but reading the tags back failed: {why}"),
                }),
                Fetched::Pending | Fetched::Absent => Ok(Vec::new()),
            }
        }
        .boxed()
    }

    fn fetch_policies(&self, load: u64, repo: &Repository, sink: Sink) -> BoxFuture<'static, ()> {
        let rc = self.region(&repo.region).cloned();
        let (arn, name, registry) = (
            repo.arn.clone(),
            repo.name.clone(),
            repo.registry_id.clone(),
        );
        async move {
            if let Some(rc) = rc {
                send_policies(&rc, load, arn, &name, &registry, &sink).await;
            }
        }
        .boxed()
    }
}

async fn load_region(
    rc: Arc<RegionCtx>,
    opts: LoadOptions,
    sink: Sink,
    concurrency: usize,
    tag_source: TagSource,
) {
    let load = opts.load;
    let region = rc.region.clone();
    let _ = sink.send(Event::RegionStarted {
        load,
        region: region.clone(),
    });
    let (tag_queue, mut tag_workers) = worker_pool(concurrency, {
        let (rc, sink) = (rc.clone(), sink.clone());
        move |arn: String| {
            let (rc, sink) = (rc.clone(), sink.clone());
            async move {
                let tags = fetch_tags(&rc, &arn).await;
                let _ = sink.send(Event::Tags { load, arn, tags });
            }
        }
    });
    // The index is read while the listing pages in; ECR's per-repository calls wait for its
    // verdict.
    let index = (tag_source != TagSource::Ecr).then(|| {
        let rc = rc.clone();
        tokio::spawn(async move { tagging::region_tags(&rc).await })
    });
    let per_repo = index.is_none();
    let mut listed: Vec<(String, String, String)> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = call(&rc, "DescribeRepositories", || {
            rc.client
                .describe_repositories()
                .max_results(1000)
                .set_next_token(token.clone())
                .send()
        })
        .await;
        let page = match page {
            Ok(page) => page,
            Err(failure) => {
                tag_workers.abort_all();
                if let Some(index) = &index {
                    index.abort();
                }
                let _ = sink.send(Event::RegionFailed {
                    load,
                    region,
                    error: failure.error,
                });
                return;
            }
        };
        let repos: Vec<Repository> = page
            .repositories()
            .iter()
            .map(|r| convert(r, &region))
            .collect();
        let arns: Vec<String> = repos.iter().map(|r| r.arn.clone()).collect();
        listed.extend(
            repos
                .iter()
                .map(|r| (r.arn.clone(), r.name.clone(), r.registry_id.clone())),
        );
        // The page goes out before any of its tags can: a Tags event for a repository the
        // listener has not seen yet would be dropped.
        if sink
            .send(Event::Page {
                load,
                region: region.clone(),
                repos,
            })
            .is_err()
        {
            tag_workers.abort_all();
            if let Some(index) = &index {
                index.abort();
            }
            return;
        }
        if per_repo {
            for arn in arns {
                let _ = tag_queue.send(arn);
            }
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    if let Some(index) = index {
        let answer = match index.await {
            Ok(answer) => answer.map_err(|f| f.error.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match tagging::plan(tag_source, answer, listed.len()) {
            Plan::Use(mut tags) => {
                rc.written.overlay(&mut tags);
                for (arn, _, _) in &listed {
                    let found = tags.remove(arn).unwrap_or_default();
                    let _ = sink.send(Event::Tags {
                        load,
                        arn: arn.clone(),
                        tags: Fetched::Present(found),
                    });
                }
            }
            Plan::Fallback => {
                for (arn, _, _) in &listed {
                    let _ = tag_queue.send(arn.clone());
                }
            }
            Plan::Fail(why) => {
                for (arn, _, _) in &listed {
                    let _ = sink.send(Event::Tags {
                        load,
                        arn: arn.clone(),
                        tags: Fetched::Failed(why.clone()),
                    });
                }
            }
        }
    }
    drop(tag_queue);
    while tag_workers.join_next().await.is_some() {}
    let _ = sink.send(Event::RegionListed {
        load,
        region: region.clone(),
    });
    if !opts.policies {
        return;
    }
    let (policy_queue, mut policy_workers) = worker_pool(concurrency, {
        let (rc, sink) = (rc.clone(), sink.clone());
        move |(arn, name, registry): (String, String, String)| {
            let (rc, sink) = (rc.clone(), sink.clone());
            async move { send_policies(&rc, load, arn, &name, &registry, &sink).await }
        }
    });
    for job in listed {
        let _ = policy_queue.send(job);
    }
    drop(policy_queue);
    while policy_workers.join_next().await.is_some() {}
    let _ = sink.send(Event::PoliciesDone { load, region });
}

/// `concurrency` workers draining a queue. A fixed pool rather than a task per repository:
/// 10,000 parked tasks, each holding an SDK call's state, cost far more memory than the
/// repositories themselves. Dropping the sender lets the workers finish.
fn worker_pool<J, F, Fut>(
    concurrency: usize,
    work: F,
) -> (tokio::sync::mpsc::UnboundedSender<J>, JoinSet<()>)
where
    J: Send + 'static,
    F: Fn(J) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<J>();
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (rx, work) = (rx.clone(), work.clone());
        workers.spawn(async move {
            loop {
                let job = rx.lock().await.recv().await;
                match job {
                    Some(job) => work(job).await,
                    None => break,
                }
            }
        });
    }
    (tx, workers)
}

fn convert(r: &aws_sdk_ecr::types::Repository, region: &str) -> Repository {
    let name = r.repository_name().unwrap_or_default().to_owned();
    let registry_id = r.registry_id().unwrap_or_default().to_owned();
    let (arn, uri) = crate::model::repository::arn_and_uri(region, &registry_id, &name);
    let encryption = r.encryption_configuration();
    Repository {
        arn: r.repository_arn().map_or(arn, str::to_owned),
        uri: r.repository_uri().map_or(uri, str::to_owned),
        created_at: r.created_at().map(|t| t.secs()),
        image_tag_mutability: r
            .image_tag_mutability()
            .map_or("MUTABLE", |m| m.as_str())
            .to_owned(),
        scan_on_push: r
            .image_scanning_configuration()
            .is_some_and(|c| c.scan_on_push()),
        encryption_type: encryption
            .map_or("AES256", |e| e.encryption_type().as_str())
            .to_owned(),
        kms_key: encryption.and_then(|e| e.kms_key()).map(str::to_owned),
        tags: Fetched::Pending,
        lifecycle_policy: Fetched::Pending,
        repository_policy: Fetched::Pending,
        region: region.to_owned(),
        name,
        registry_id,
    }
}

/// The planned new key against the repository's tags as they are now: `Some(tags)` when the
/// very tag is already there (nothing to write); an error when the key was set to another
/// value since the plan (not overwritten unseen) or the limit is reached; `None` to write.
async fn recheck_add(
    rc: &RegionCtx,
    target: &PlanItem,
    tag: &Tag,
) -> Result<Option<Vec<Tag>>, InventoryError> {
    let Fetched::Present(tags) = fetch_tags(rc, &target.arn).await else {
        // Unreadable tags: ECR itself still refuses a 51st tag.
        return Ok(None);
    };
    let refused = |message: String| InventoryError::Service {
        operation: "TagResource".into(),
        region: rc.region.clone(),
        code: "ChangedSincePlan".into(),
        message,
    };
    match tags.iter().find(|t| t.key == tag.key) {
        Some(t) if t.value == tag.value => Ok(Some(tags)),
        Some(t) => Err(refused(format!(
            "`{}` was set to `{}` since the plan; not overwritten (plan again to see it)",
            t.key, t.value
        ))),
        None if tags.len() >= MAX_TAGS => Err(refused(format!(
            "{} now has {} tags, ECR's limit is {MAX_TAGS} (tags were added since the plan)",
            target.name,
            tags.len()
        ))),
        None => Ok(None),
    }
}

async fn fetch_tags(rc: &RegionCtx, arn: &str) -> Fetched<Vec<Tag>> {
    let out = call(rc, "ListTagsForResource", || {
        rc.client.list_tags_for_resource().resource_arn(arn).send()
    })
    .await;
    match out {
        Ok(out) => Fetched::Present(
            out.tags()
                .iter()
                .map(|t| Tag::new(t.key(), t.value()))
                .collect(),
        ),
        Err(failure) => Fetched::Failed(failure.error.to_string()),
    }
}

/// Fetches one repository's policies and reports them.
async fn send_policies(
    rc: &RegionCtx,
    load: u64,
    arn: String,
    name: &str,
    registry: &str,
    sink: &Sink,
) {
    let (lifecycle, repository) = fetch_policies(rc, name, registry).await;
    let _ = sink.send(Event::Policies {
        load,
        arn,
        lifecycle,
        repository,
    });
}

async fn fetch_policies(
    rc: &RegionCtx,
    name: &str,
    registry: &str,
) -> (Fetched<String>, Fetched<String>) {
    let lifecycle = call(rc, "GetLifecyclePolicy", || {
        rc.client
            .get_lifecycle_policy()
            .repository_name(name)
            .registry_id(registry)
            .send()
    });
    let policy = call(rc, "GetRepositoryPolicy", || {
        rc.client
            .get_repository_policy()
            .repository_name(name)
            .registry_id(registry)
            .send()
    });
    let (lifecycle, policy) = tokio::join!(lifecycle, policy);
    let lifecycle = match lifecycle {
        Ok(out) => out
            .lifecycle_policy_text()
            .map_or(Fetched::Absent, |t| Fetched::Present(t.to_owned())),
        Err(f) if f.code.as_deref() == Some("LifecyclePolicyNotFoundException") => Fetched::Absent,
        Err(f) => Fetched::Failed(f.error.to_string()),
    };
    let policy = match policy {
        Ok(out) => out
            .policy_text()
            .map_or(Fetched::Absent, |t| Fetched::Present(t.to_owned())),
        Err(f) if f.code.as_deref() == Some("RepositoryPolicyNotFoundException") => Fetched::Absent,
        Err(f) => Fetched::Failed(f.error.to_string()),
    };
    (lifecycle, policy)
}

/// A call that failed for good, with the service's error code when there was one.
#[derive(Debug)]
pub struct Failure {
    pub code: Option<String>,
    pub error: InventoryError,
}

enum Verdict {
    Throttled,
    Transient(String),
    Final(Failure),
}

/// Runs one ECR operation with pacing and retries: throttling backs off and slows the whole
/// region down; network hiccups and 5xx retry a few times; anything else is final.
pub async fn call<T, E, F, Fut>(rc: &RegionCtx, operation: &str, mut send: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E>>>,
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let (mut throttles, mut transients) = (0u32, 0u32);
    loop {
        let slot = rc.window.enter().await;
        rc.limiter.wait().await;
        let sent = tokio::time::Instant::now();
        let err = match send().await {
            Ok(out) => {
                rc.window.on_success(sent.elapsed());
                rc.limiter.on_success();
                return Ok(out);
            }
            Err(err) => err,
        };
        // Backing off is no call in flight.
        drop(slot);
        match classify(&err, rc, operation) {
            Verdict::Throttled => {
                rc.window.on_throttle();
                rc.limiter.on_throttle();
                throttles += 1;
                tracing::debug!(operation, region = %rc.region, throttles, "throttled");
                if throttles >= THROTTLE_ATTEMPTS {
                    return Err(Failure {
                        code: Some("ThrottlingException".into()),
                        error: InventoryError::Throttled {
                            operation: operation.to_owned(),
                            region: rc.region.clone(),
                            attempts: throttles,
                        },
                    });
                }
                tokio::time::sleep(backoff(
                    throttles,
                    Duration::from_millis(200),
                    Duration::from_secs(10),
                ))
                .await;
            }
            Verdict::Transient(detail) => {
                transients += 1;
                tracing::debug!(operation, region = %rc.region, %detail, "transient failure");
                if transients >= TRANSIENT_ATTEMPTS {
                    return Err(Failure {
                        code: None,
                        error: InventoryError::Unreachable {
                            endpoint: rc.endpoint.clone(),
                            detail,
                        },
                    });
                }
                tokio::time::sleep(backoff(
                    transients,
                    Duration::from_millis(100),
                    Duration::from_secs(5),
                ))
                .await;
            }
            Verdict::Final(failure) => {
                tracing::warn!(operation, region = %rc.region, error = %failure.error, "ECR call failed");
                return Err(failure);
            }
        }
    }
}

const THROTTLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "SlowDown",
];

pub(super) const BAD_CREDENTIAL_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
];

fn classify<E>(err: &SdkError<E>, rc: &RegionCtx, operation: &str) -> Verdict
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let text = DisplayErrorContext(err).to_string();
    let cause = innermost(err);
    match err {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("Unknown").to_owned();
            let message = se.err().message().unwrap_or_default().to_owned();
            let status = se.raw().status().as_u16();
            if THROTTLE_CODES.contains(&code.as_str()) || status == 429 {
                return Verdict::Throttled;
            }
            if status >= 500 {
                return Verdict::Transient(format!("HTTP {status} {code}"));
            }
            let error = if code.contains("AccessDenied") {
                InventoryError::AccessDenied {
                    region: rc.region.clone(),
                    action: denied_action(&message).unwrap_or_else(|| {
                        if operation.contains(':') {
                            operation.to_owned()
                        } else {
                            format!("ecr:{operation}")
                        }
                    }),
                    message,
                }
            } else if BAD_CREDENTIAL_CODES.contains(&code.as_str()) {
                InventoryError::BadCredentials {
                    profile: rc.profile.clone(),
                    code: code.clone(),
                }
            } else if code == "RepositoryNotFoundException" {
                InventoryError::RepositoryNotFound {
                    name: message,
                    region: rc.region.clone(),
                }
            } else {
                InventoryError::Service {
                    operation: operation.to_owned(),
                    region: rc.region.clone(),
                    code: code.clone(),
                    message,
                }
            };
            Verdict::Final(Failure {
                code: Some(code),
                error,
            })
        }
        SdkError::TimeoutError(_) => Verdict::Transient("timed out".to_owned()),
        SdkError::ResponseError(_) => Verdict::Transient(text),
        _ => {
            if let Some(error) = credential_problem(&text, &cause, &rc.profile) {
                return Verdict::Final(Failure { code: None, error });
            }
            match err {
                SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => {
                    Verdict::Transient(cause)
                }
                _ => Verdict::Final(Failure {
                    code: None,
                    error: InventoryError::Unreachable {
                        endpoint: rc.endpoint.clone(),
                        detail: cause,
                    },
                }),
            }
        }
    }
}

/// Credential-chain failures come back as dispatch or construction failures whose text is all
/// we have to tell them apart.
pub(super) fn credential_problem(text: &str, cause: &str, profile: &str) -> Option<InventoryError> {
    let lower = text.to_lowercase();
    if lower.contains("sso") && (lower.contains("expired") || lower.contains("refresh")) {
        return Some(InventoryError::SsoExpired {
            profile: profile.to_owned(),
        });
    }
    if lower.contains("credential") || lower.contains("profile") && lower.contains("not defined") {
        return Some(InventoryError::NoCredentials {
            profile: profile.to_owned(),
            detail: cause.to_owned(),
        });
    }
    None
}

/// The innermost error of the source chain that reads as a sentence ("Connection refused (os
/// error 111)", "no providers in chain provided credentials"), which is what a person can act
/// on. Some SDK layers print their Debug form; those are skipped.
pub(super) fn innermost(err: &(dyn StdError + 'static)) -> String {
    let readable = |text: &str| !text.trim().is_empty() && !text.contains(" { ");
    let mut best = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        let text = e.to_string();
        if readable(&text) {
            best = text;
        }
        next = e.source();
    }
    best
}

/// AWS says `... is not authorized to perform: ecr:ListTagsForResource on resource: ...`.
fn denied_action(message: &str) -> Option<String> {
    let rest = message.split("perform: ").nth(1)?;
    Some(rest.split_whitespace().next()?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_environment_keys_unless_a_profile_was_asked_for() {
        assert_eq!(
            source_label(None, "default", true),
            "environment keys (AWS_ACCESS_KEY_ID)"
        );
        assert_eq!(source_label(None, "default", false), "profile default");
        assert_eq!(source_label(Some("dev"), "dev", true), "profile dev");
    }

    #[test]
    fn region_codes() {
        for ok in ["eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5"] {
            assert!(valid_region(ok), "{ok}");
        }
        for bad in ["eu-west", "europe", "EU-WEST-1", "eu-west-0", "", "eu--1"] {
            assert!(!valid_region(bad), "{bad}");
        }
    }

    #[test]
    fn names_the_denied_action() {
        let msg = "User: arn:aws:iam::1:user/x is not authorized to perform: \
                   ecr:ListTagsForResource on resource: arn:aws:ecr:...";
        assert_eq!(
            denied_action(msg).as_deref(),
            Some("ecr:ListTagsForResource")
        );
        assert_eq!(denied_action("nope"), None);
    }

    #[test]
    fn credential_texts() {
        let sso = "dispatch failure: other: failed to load credentials: the SSO session \
                   has expired or is invalid";
        assert_eq!(
            credential_problem(sso, "the SSO session has expired", "dev"),
            Some(InventoryError::SsoExpired {
                profile: "dev".into()
            })
        );
        let none = "dispatch failure: other: no credentials in the chain";
        assert!(matches!(
            credential_problem(none, "no credentials in the chain", "default"),
            Some(InventoryError::NoCredentials { .. })
        ));
        assert_eq!(
            credential_problem("io error: connection refused", "connection refused", "x"),
            None
        );
    }
}
