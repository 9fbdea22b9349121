//! An in-memory Port catalog for `--demo`: the `ecr_repository`, `service` and `region`
//! blueprints and a few services, answering like Port (merge upserts, 404 `not_found` for a
//! missing relation target unless `create_missing_related_entities`). Nothing leaves the machine.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::blueprint;
use super::catalog::Catalog;
use super::{BulkItem, BulkResult, PortError};

/// Services the demo catalog knows: most of the demo inventory's `port-` tags, not all, so the
/// validation has dangling relations to show.
const DEMO_SERVICES: [&str; 9] = [
    "auth-service",
    "payments-api",
    "orders",
    "gateway",
    "notifications",
    "inventory",
    "search",
    "storefront",
    "user-profile",
];
const DEMO_REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];

#[derive(Default)]
struct Store {
    blueprints: BTreeMap<String, Value>,
    /// (blueprint, identifier) → entity.
    entities: BTreeMap<(String, String), Value>,
}

/// What `describe` says, and journals of demo pushes record as their target.
pub const DESCRIPTION: &str = "demo catalog (in memory)";

pub struct DemoCatalog {
    store: Mutex<Store>,
    /// Each bulk request waits this long, so the progress bar is visible in the demo.
    latency: Duration,
    /// Where the catalog is kept between runs, so a headless `blueprint setup` and a later
    /// `push` see each other.
    file: Option<PathBuf>,
    save_gate: tokio::sync::Mutex<()>,
}

/// The catalog as kept on disk.
#[derive(Serialize, Deserialize)]
struct Saved {
    blueprints: BTreeMap<String, Value>,
    /// (blueprint, identifier, entity).
    entities: Vec<(String, String, Value)>,
}

impl Default for DemoCatalog {
    fn default() -> Self {
        Self::new()
    }
}

impl DemoCatalog {
    /// The demo's starting point: `ecr_repository` as the exporter examples define it, without
    /// the `service` relation the guide asks to add (so `blueprint setup` has work to show).
    pub fn new() -> Self {
        let mut store = Store::default();
        let mut ecr = blueprint::guide_blueprint(blueprint::DEFAULT_BLUEPRINT);
        if let Some(rels) = ecr.get_mut("relations").and_then(Value::as_object_mut) {
            rels.remove(blueprint::SERVICE_RELATION);
        }
        for bp in [
            ecr,
            blueprint::target_blueprint("service", "Service"),
            blueprint::target_blueprint("region", "Region"),
        ] {
            let id = bp["identifier"].as_str().unwrap_or_default().to_owned();
            store.blueprints.insert(id, bp);
        }
        for (bp, ids) in [
            ("service", &DEMO_SERVICES[..]),
            ("region", &DEMO_REGIONS[..]),
        ] {
            for id in ids {
                store.entities.insert(
                    (bp.to_owned(), (*id).to_owned()),
                    json!({"identifier": id, "title": id, "blueprint": bp,
                           "properties": {}, "relations": {}}),
                );
            }
        }
        DemoCatalog {
            store: Mutex::new(store),
            latency: Duration::from_millis(60),
            file: None,
            save_gate: tokio::sync::Mutex::new(()),
        }
    }

    /// The demo catalog kept in `path` between runs (in the state directory). A missing file
    /// is the starting point; an unreadable one too, with a warning in the log.
    pub fn persistent(path: PathBuf) -> Self {
        let mut catalog = Self::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str::<Saved>(&text) {
                Ok(saved) => {
                    let store = Store {
                        blueprints: saved.blueprints,
                        entities: saved
                            .entities
                            .into_iter()
                            .map(|(bp, id, e)| ((bp, id), e))
                            .collect(),
                    };
                    catalog.store = Mutex::new(store);
                }
                Err(e) => tracing::warn!(path = %path.display(), error = %e,
                    "the saved demo catalog is unreadable; starting from the demo's own"),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %path.display(), error = %e,
                "cannot read the saved demo catalog; starting from the demo's own"),
        }
        catalog.file = Some(path);
        catalog
    }

    /// The catalog as the file holds it.
    fn encode(store: &Store) -> Result<Vec<u8>, String> {
        let saved = Saved {
            blueprints: store.blueprints.clone(),
            entities: store
                .entities
                .iter()
                .map(|((bp, id), e)| (bp.clone(), id.clone(), e.clone()))
                .collect(),
        };
        serde_json::to_vec(&saved).map_err(|e| e.to_string())
    }

    /// Keeps the catalog for the next run; a failure only costs that (it is a demo).
    fn save(&self, store: &Store) {
        let Some(path) = &self.file else { return };
        let written = Self::encode(store).and_then(|bytes| {
            crate::config::write_atomic(path, &bytes, false).map_err(|e| e.to_string())
        });
        if let Err(e) = written {
            tracing::warn!(path = %path.display(), error = %e, "cannot keep the demo catalog");
        }
    }

    /// `save` for the bulk path, off the runtime's threads and outside the store's lock. The
    /// gate orders the writes, and each takes the store as it is when its turn comes, so the
    /// file always ends with the latest state.
    async fn save_in_background(&self) {
        let Some(path) = self.file.clone() else {
            return;
        };
        let _turn = self.save_gate.lock().await;
        let encoded = Self::encode(&self.lock());
        let written = match encoded {
            Ok(bytes) => tokio::task::spawn_blocking(move || {
                crate::config::write_atomic(&path, &bytes, false).map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string())),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "cannot keep the demo catalog");
        }
    }

    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn rejected(request: &str, status: u16, error: &str, message: String) -> PortError {
    PortError::Rejected {
        request: request.to_owned(),
        status,
        error: error.to_owned(),
        message,
        trace_id: None,
    }
}

impl Store {
    fn upsert(&mut self, bp: &str, entity: &Value, create_missing: bool) -> BulkItem {
        let identifier = entity
            .get("identifier")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        let fail = |status, error: &str, message: String| BulkItem::Failed {
            identifier: identifier.clone(),
            status,
            error: error.to_owned(),
            message,
        };
        let Some(schema) = self.blueprints.get(bp).cloned() else {
            return fail(
                404,
                "not_found",
                format!("blueprint \"{bp}\" was not found"),
            );
        };
        let rels = entity
            .get("relations")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut missing = Vec::new();
        for (rel, value) in &rels {
            let Some(target) = schema["relations"][rel]["target"].as_str() else {
                return fail(
                    422,
                    "invalid_request",
                    format!("relation \"{rel}\" does not exist in blueprint \"{bp}\""),
                );
            };
            let ids: Vec<&str> = match value {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for id in ids {
                if !self
                    .entities
                    .contains_key(&(target.to_owned(), id.to_owned()))
                {
                    missing.push((target.to_owned(), id.to_owned()));
                }
            }
        }
        if let Some((target, id)) = missing.first().filter(|_| !create_missing) {
            return fail(
                404,
                "not_found",
                format!("related entity \"{id}\" of blueprint \"{target}\" was not found"),
            );
        }
        for (target, id) in missing {
            self.entities.insert(
                (target.clone(), id.clone()),
                json!({"identifier": id, "blueprint": target, "properties": {}, "relations": {}}),
            );
        }
        let key = (bp.to_owned(), identifier.clone());
        let created = !self.entities.contains_key(&key);
        let stored = self.entities.entry(key).or_insert_with(|| {
            json!({"identifier": identifier, "blueprint": bp, "properties": {}, "relations": {}})
        });
        merge_entity(stored, entity);
        if created {
            BulkItem::Created { identifier }
        } else {
            BulkItem::Updated { identifier }
        }
    }
}

/// `merge=true`: top-level fields sent replace, properties and relations merge key by key.
fn merge_entity(stored: &mut Value, sent: &Value) {
    let (Some(stored), Some(sent)) = (stored.as_object_mut(), sent.as_object()) else {
        return;
    };
    for (key, value) in sent {
        match key.as_str() {
            "properties" | "relations" => {
                let slot = stored
                    .entry(key.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let (Some(slot), Some(value)) = (slot.as_object_mut(), value.as_object()) {
                    for (k, v) in value {
                        slot.insert(k.clone(), v.clone());
                    }
                }
            }
            "blueprint" => {}
            _ => {
                stored.insert(key.clone(), value.clone());
            }
        }
    }
}

impl Catalog for DemoCatalog {
    fn describe(&self) -> String {
        DESCRIPTION.to_owned()
    }

    fn is_demo(&self) -> bool {
        true
    }

    fn blueprint<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Value>, PortError>> {
        let found = self.lock().blueprints.get(id).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn create_blueprint<'a>(&'a self, bp: &'a Value) -> BoxFuture<'a, Result<Value, PortError>> {
        let result = (|| {
            let id = bp
                .get("identifier")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    rejected(
                        "POST /v1/blueprints",
                        422,
                        "invalid_request",
                        "identifier is required".into(),
                    )
                })?;
            let mut store = self.lock();
            if store.blueprints.contains_key(id) {
                return Err(rejected(
                    "POST /v1/blueprints",
                    409,
                    "identifier_taken",
                    format!("blueprint \"{id}\" already exists"),
                ));
            }
            store.blueprints.insert(id.to_owned(), bp.clone());
            self.save(&store);
            Ok(bp.clone())
        })();
        Box::pin(async move { result })
    }

    fn update_blueprint<'a>(
        &'a self,
        id: &'a str,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Value, PortError>> {
        let result = (|| {
            let mut store = self.lock();
            let Some(bp) = store.blueprints.get_mut(id) else {
                return Err(PortError::NotFound {
                    what: format!("blueprint `{id}`"),
                });
            };
            if let (Some(bp), Some(patch)) = (bp.as_object_mut(), patch.as_object()) {
                for (k, v) in patch {
                    bp.insert(k.clone(), v.clone());
                }
            }
            let updated = bp.clone();
            self.save(&store);
            Ok(updated)
        })();
        Box::pin(async move { result })
    }

    fn search_identifiers<'a>(
        &'a self,
        blueprint: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>> {
        let store = self.lock();
        let found = ids
            .iter()
            .filter(|id| {
                store
                    .entities
                    .contains_key(&(blueprint.to_owned(), (*id).clone()))
            })
            .cloned()
            .collect();
        Box::pin(async move { Ok(found) })
    }

    fn all_identifiers<'a>(
        &'a self,
        blueprint: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>> {
        let found = self
            .lock()
            .entities
            .keys()
            .filter(|(bp, _)| bp == blueprint)
            .map(|(_, id)| id.clone())
            .take(max)
            .collect();
        Box::pin(async move { Ok(found) })
    }

    /// The whole entities: the demo has no reason to trim them.
    fn all_entities<'a>(
        &'a self,
        blueprint: &'a str,
        _include: &'a [&'a str],
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<Value>, PortError>> {
        let found = self
            .lock()
            .entities
            .iter()
            .filter(|((bp, _), _)| bp == blueprint)
            .map(|(_, e)| e.clone())
            .take(max)
            .collect();
        Box::pin(async move { Ok(found) })
    }

    fn entities<'a>(
        &'a self,
        blueprint: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Value>, PortError>> {
        let store = self.lock();
        let found = ids
            .iter()
            .filter_map(|id| {
                store
                    .entities
                    .get(&(blueprint.to_owned(), id.clone()))
                    .cloned()
            })
            .collect();
        Box::pin(async move { Ok(found) })
    }

    fn bulk_upsert<'a>(
        &'a self,
        blueprint: &'a str,
        entities: &'a [Value],
        create_missing_related: bool,
    ) -> BoxFuture<'a, Result<BulkResult, PortError>> {
        Box::pin(async move {
            tokio::time::sleep(self.latency).await;
            let items = {
                let mut store = self.lock();
                entities
                    .iter()
                    .map(|e| store.upsert(blueprint, e, create_missing_related))
                    .collect()
            };
            self.save_in_background().await;
            Ok(BulkResult { items })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(id: &str, service: &str) -> Value {
        json!({"identifier": id, "title": id, "properties": {"repositoryUri": "u"},
               "relations": {"region": "eu-west-1", "service": service}})
    }

    #[tokio::test]
    async fn missing_targets_fail_alone_unless_created() {
        let demo = DemoCatalog::new().with_latency(Duration::ZERO);
        let mut bp = demo.blueprint("ecr_repository").await.unwrap().unwrap();
        assert!(
            bp["relations"].get("service").is_none(),
            "setup has work to do"
        );
        bp["relations"]["service"] = json!({"target": "service", "many": false, "required": false});
        demo.update_blueprint("ecr_repository", &json!({"relations": bp["relations"]}))
            .await
            .unwrap();
        let sent = [repo("a", "orders"), repo("b", "nope")];
        let r = demo
            .bulk_upsert("ecr_repository", &sent, false)
            .await
            .unwrap();
        assert!(matches!(&r.items[0], BulkItem::Created { identifier } if identifier == "a"));
        assert!(matches!(&r.items[1], BulkItem::Failed { status: 404, .. }));
        let r = demo
            .bulk_upsert("ecr_repository", &sent, true)
            .await
            .unwrap();
        assert!(matches!(&r.items[0], BulkItem::Updated { .. }));
        assert!(matches!(&r.items[1], BulkItem::Created { .. }));
        let found = demo
            .search_identifiers("service", &["nope".into(), "orders".into(), "x".into()])
            .await
            .unwrap();
        assert_eq!(found, ["nope", "orders"]);
    }

    #[tokio::test]
    async fn a_persistent_catalog_remembers_setup_and_pushes_between_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo-port-catalog.json");
        let first = DemoCatalog::persistent(path.clone()).with_latency(Duration::ZERO);
        let report = blueprint::check(&first, "ecr_repository").await.unwrap();
        blueprint::apply(&first, &report.steps()).await.unwrap();
        let sent = [json!({"identifier": "r/a", "relations": {"service": "orders"}})];
        first
            .bulk_upsert("ecr_repository", &sent, false)
            .await
            .unwrap();
        drop(first);
        let second = DemoCatalog::persistent(path.clone());
        assert!(
            blueprint::check(&second, "ecr_repository")
                .await
                .unwrap()
                .ready()
        );
        let found = second
            .entities("ecr_repository", &["r/a".into()])
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        // A damaged file starts over rather than failing.
        std::fs::write(&path, "{not json").unwrap();
        let third = DemoCatalog::persistent(path);
        assert!(
            !blueprint::check(&third, "ecr_repository")
                .await
                .unwrap()
                .ready()
        );
    }

    #[tokio::test]
    async fn merge_keeps_fields_not_sent() {
        let demo = DemoCatalog::new().with_latency(Duration::ZERO);
        let first = json!({"identifier": "a", "properties": {"x": "1", "y": "2"}});
        let second = json!({"identifier": "a", "properties": {"y": "3"}});
        demo.bulk_upsert("region", &[first], false).await.unwrap();
        demo.bulk_upsert("region", &[second], false).await.unwrap();
        let got = demo.entities("region", &["a".into()]).await.unwrap();
        assert_eq!(got[0]["properties"], json!({"x": "1", "y": "3"}));
    }
}
