//! Read-only mode, enforced once: every write to ECR or Port passes through one of these
//! wrappers, which refuse it when the run is read-only. The faces ask `read_only()` only to
//! say so early; they never decide it.

use futures::future::BoxFuture;
use serde_json::Value;

use crate::inventory::{Inventory, InventoryError, LoadOptions, Sink};
use crate::model::Repository;
use crate::model::Tag;
use crate::model::tag_rules::PlanItem;
use crate::port::{BulkResult, Catalog, PortError};

/// An inventory whose tag writes are refused in read-only mode.
pub struct GuardedInventory {
    inner: Box<dyn Inventory>,
    read_only: bool,
}

impl GuardedInventory {
    pub fn new(inner: Box<dyn Inventory>, read_only: bool) -> GuardedInventory {
        GuardedInventory { inner, read_only }
    }
}

impl Inventory for GuardedInventory {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn regions(&self) -> Vec<String> {
        self.inner.regions()
    }

    fn scopes(&self) -> Vec<crate::inventory::Scope> {
        self.inner.scopes()
    }

    fn load(&self, opts: LoadOptions, sink: Sink) -> BoxFuture<'static, ()> {
        self.inner.load(opts, sink)
    }

    fn fetch_policies(&self, load: u64, repo: &Repository, sink: Sink) -> BoxFuture<'static, ()> {
        self.inner.fetch_policies(load, repo, sink)
    }

    fn write_tags(
        &self,
        target: &PlanItem,
    ) -> BoxFuture<'static, Result<Vec<Tag>, InventoryError>> {
        if self.read_only {
            return Box::pin(async { Err(InventoryError::ReadOnly) });
        }
        self.inner.write_tags(target)
    }

    fn cli_context(&self) -> (Option<String>, Option<String>) {
        self.inner.cli_context()
    }
}

/// A Port catalog whose writes (blueprints, entities) are refused in read-only mode; reads
/// (blueprint check, plan, diff) go through.
pub struct GuardedCatalog {
    inner: Box<dyn Catalog>,
    read_only: bool,
}

impl GuardedCatalog {
    pub fn new(inner: Box<dyn Catalog>, read_only: bool) -> GuardedCatalog {
        GuardedCatalog { inner, read_only }
    }

    fn refuse<'a, T: Send + 'a>(&self) -> Option<BoxFuture<'a, Result<T, PortError>>> {
        self.read_only
            .then(|| Box::pin(async { Err(PortError::ReadOnly) }) as BoxFuture<'a, _>)
    }
}

impl Catalog for GuardedCatalog {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn is_demo(&self) -> bool {
        self.inner.is_demo()
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn blueprint<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Value>, PortError>> {
        self.inner.blueprint(id)
    }

    fn create_blueprint<'a>(&'a self, bp: &'a Value) -> BoxFuture<'a, Result<Value, PortError>> {
        self.refuse()
            .unwrap_or_else(|| self.inner.create_blueprint(bp))
    }

    fn update_blueprint<'a>(
        &'a self,
        id: &'a str,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Value, PortError>> {
        self.refuse()
            .unwrap_or_else(|| self.inner.update_blueprint(id, patch))
    }

    fn search_identifiers<'a>(
        &'a self,
        blueprint: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>> {
        self.inner.search_identifiers(blueprint, ids)
    }

    fn all_identifiers<'a>(
        &'a self,
        blueprint: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>> {
        self.inner.all_identifiers(blueprint, max)
    }

    fn all_entities<'a>(
        &'a self,
        blueprint: &'a str,
        include: &'a [&'a str],
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<Value>, PortError>> {
        self.inner.all_entities(blueprint, include, max)
    }

    fn entities<'a>(
        &'a self,
        blueprint: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Value>, PortError>> {
        self.inner.entities(blueprint, ids)
    }

    fn bulk_upsert<'a>(
        &'a self,
        blueprint: &'a str,
        entities: &'a [Value],
        create_missing_related: bool,
    ) -> BoxFuture<'a, Result<BulkResult, PortError>> {
        self.refuse().unwrap_or_else(|| {
            self.inner
                .bulk_upsert(blueprint, entities, create_missing_related)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::demo::DemoInventory;
    use crate::model::tag_rules::{Change, PlanItem};
    use crate::port::demo::DemoCatalog;

    #[tokio::test]
    async fn read_only_refuses_every_write_and_passes_reads() {
        let catalog = GuardedCatalog::new(Box::new(DemoCatalog::new()), true);
        assert!(catalog.read_only());
        let bp = serde_json::json!({"identifier": "x", "title": "X"});
        assert!(matches!(
            catalog.create_blueprint(&bp).await,
            Err(PortError::ReadOnly)
        ));
        assert!(matches!(
            catalog.update_blueprint("x", &bp).await,
            Err(PortError::ReadOnly)
        ));
        assert!(matches!(
            catalog
                .bulk_upsert("x", std::slice::from_ref(&bp), false)
                .await,
            Err(PortError::ReadOnly)
        ));
        assert!(catalog.blueprint("x").await.is_ok());
        // Nothing reached the catalog behind the guard.
        assert_eq!(catalog.blueprint("x").await.ok().flatten(), None);

        let regions = vec!["eu-west-1".to_owned()];
        let inventory =
            GuardedInventory::new(Box::new(DemoInventory::new(&regions).unwrap()), true);
        let item = PlanItem {
            arn: "arn:aws:ecr:eu-west-1:123456789012:repository/x".into(),
            name: "x".into(),
            region: "eu-west-1".into(),
            change: Change::Add {
                tag: Tag::new("port-x", "true"),
            },
            warnings: Vec::new(),
        };
        assert_eq!(
            inventory.write_tags(&item).await,
            Err(InventoryError::ReadOnly)
        );
    }
}
