//! The Port side of a push, as one trait: the real API ([`PortClient`]) and the in-memory demo
//! catalog answer the same calls, so blueprint setup, validation, diff, push and journal run the
//! same code with `--demo` as against an account.

use futures::future::BoxFuture;
use serde_json::Value;

use super::{BulkResult, PortClient, PortError};

pub trait Catalog: Send + Sync {
    /// Where entities go, for headers and journals: the API base URL, or `demo`.
    fn describe(&self) -> String;

    /// True when nothing leaves the machine.
    fn is_demo(&self) -> bool {
        false
    }

    /// True when writes are refused (the read-only guard of `ops`).
    fn read_only(&self) -> bool {
        false
    }

    /// The blueprint, or `None` when it does not exist.
    fn blueprint<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Value>, PortError>>;

    fn create_blueprint<'a>(&'a self, bp: &'a Value) -> BoxFuture<'a, Result<Value, PortError>>;

    /// A partial update: top-level fields given replace the blueprint's.
    fn update_blueprint<'a>(
        &'a self,
        id: &'a str,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Value, PortError>>;

    /// Which of `ids` exist in `blueprint`.
    fn search_identifiers<'a>(
        &'a self,
        blueprint: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>>;

    /// Identifiers in `blueprint`, at most `max` (for suggestions).
    fn all_identifiers<'a>(
        &'a self,
        blueprint: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>>;

    /// Every entity of `blueprint` (at most `max`) with the fields `include` names at least:
    /// services with their titles for suggestions, repositories with their relations for drift.
    fn all_entities<'a>(
        &'a self,
        blueprint: &'a str,
        include: &'a [&'a str],
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<Value>, PortError>>;

    /// The existing entities among `ids`, for the diff.
    fn entities<'a>(
        &'a self,
        blueprint: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Value>, PortError>>;

    /// Upserts (merge) up to 20 entities in one request; one result per input, in order.
    fn bulk_upsert<'a>(
        &'a self,
        blueprint: &'a str,
        entities: &'a [Value],
        create_missing_related: bool,
    ) -> BoxFuture<'a, Result<BulkResult, PortError>>;
}

impl Catalog for PortClient {
    fn describe(&self) -> String {
        self.base_url().to_owned()
    }

    fn blueprint<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Value>, PortError>> {
        Box::pin(PortClient::blueprint(self, id))
    }

    fn create_blueprint<'a>(&'a self, bp: &'a Value) -> BoxFuture<'a, Result<Value, PortError>> {
        Box::pin(PortClient::create_blueprint(self, bp))
    }

    fn update_blueprint<'a>(
        &'a self,
        id: &'a str,
        patch: &'a Value,
    ) -> BoxFuture<'a, Result<Value, PortError>> {
        Box::pin(PortClient::update_blueprint(self, id, patch))
    }

    fn search_identifiers<'a>(
        &'a self,
        blueprint: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>> {
        Box::pin(PortClient::search_identifiers(self, blueprint, ids))
    }

    fn all_identifiers<'a>(
        &'a self,
        blueprint: &'a str,
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<String>, PortError>> {
        Box::pin(PortClient::all_identifiers(self, blueprint, max))
    }

    fn all_entities<'a>(
        &'a self,
        blueprint: &'a str,
        include: &'a [&'a str],
        max: usize,
    ) -> BoxFuture<'a, Result<Vec<Value>, PortError>> {
        Box::pin(PortClient::all_entities(self, blueprint, include, max))
    }

    fn entities<'a>(
        &'a self,
        blueprint: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Value>, PortError>> {
        Box::pin(PortClient::entities(self, blueprint, ids))
    }

    fn bulk_upsert<'a>(
        &'a self,
        blueprint: &'a str,
        entities: &'a [Value],
        create_missing_related: bool,
    ) -> BoxFuture<'a, Result<BulkResult, PortError>> {
        Box::pin(PortClient::bulk_upsert(
            self,
            blueprint,
            entities,
            create_missing_related,
        ))
    }
}
