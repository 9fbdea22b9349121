//! Bulk upsert helpers: splitting input into requests Port accepts, and matching Port's
//! per-index answers back to the inputs.

use serde::Deserialize;
use serde_json::Value;

use super::error::PortError;

/// Port's cap on entities per bulk request.
pub const BULK_MAX_ENTITIES: usize = 20;
/// Port's cap on any request body.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;
/// Identifier used in results when an entity has none (e.g. a search-query identifier); the
/// same word Port uses in bulk errors.
const UNKNOWN_IDENTIFIER: &str = "unknown";

/// Outcome of a bulk upsert: one item per input entity, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkResult {
    pub items: Vec<BulkItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkItem {
    Created {
        identifier: String,
    },
    Updated {
        identifier: String,
    },
    /// `status` is Port's per-entity `statusCode` (404 + `not_found` for a missing relation
    /// target). 413/422 with a message saying "not sent" come from checks made before sending.
    Failed {
        identifier: String,
        status: u16,
        error: String,
        message: String,
    },
}

#[derive(Deserialize)]
pub(super) struct BulkBody {
    #[serde(default)]
    entities: Vec<BulkOk>,
    #[serde(default)]
    errors: Vec<BulkErr>,
}

#[derive(Deserialize)]
pub(super) struct BulkOk {
    created: bool,
    identifier: String,
    index: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BulkErr {
    identifier: String,
    index: f64,
    status_code: f64,
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
}

pub(super) fn entity_identifier(entity: &Value) -> Option<&str> {
    entity.get("identifier")?.as_str()
}

/// Each entity serialised once (to size batches and build bodies); `None` for non-objects.
pub(super) fn encode_entities(entities: &[Value]) -> Result<Vec<Option<Vec<u8>>>, PortError> {
    entities
        .iter()
        .map(|e| match e {
            Value::Object(_) => serde_json::to_vec(e)
                .map(Some)
                .map_err(|err| PortError::Decode(format!("cannot encode an entity: {err}"))),
            _ => Ok(None),
        })
        .collect()
}

const BULK_PREFIX: &[u8] = b"{\"entities\":[";
const BULK_SUFFIX: &[u8] = b"]}";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Batch {
    /// These input indexes go out in one request.
    Send(std::ops::Range<usize>),
    /// This input is reported failed without being sent.
    Skip(usize, SkipReason),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SkipReason {
    NotObject,
    TooLarge(usize),
}

impl SkipReason {
    /// Why it is refused, in words.
    pub(super) fn reason(&self) -> String {
        match self {
            SkipReason::NotObject => "an entity must be a JSON object".to_owned(),
            SkipReason::TooLarge(bytes) => {
                format!("{bytes} bytes exceed Port's 1 MiB request limit")
            }
        }
    }

    pub(super) fn item(&self, entity: &Value) -> BulkItem {
        let identifier = entity_identifier(entity)
            .unwrap_or(UNKNOWN_IDENTIFIER)
            .to_owned();
        let (status, error, message) = match self {
            SkipReason::NotObject => (
                422,
                "invalid_entity",
                format!("not sent: {}", self.reason()),
            ),
            SkipReason::TooLarge(_) => (
                413,
                "entity_too_large",
                format!("not sent: {}", self.reason()),
            ),
        };
        BulkItem::Failed {
            identifier,
            status,
            error: error.to_owned(),
            message,
        }
    }
}

/// The query of every bulk upsert: create or update, keeping fields not sent.
pub fn bulk_query(create_missing_related: bool) -> Vec<(&'static str, &'static str)> {
    let mut query = vec![("upsert", "true"), ("merge", "true")];
    if create_missing_related {
        query.push(("create_missing_related_entities", "true"));
    }
    query
}

/// How entities go out to Port: the requests, each a run of input indexes in order, and the
/// inputs refused before sending. The one batcher: a push, its dry run and the client's
/// `bulk_upsert` all split with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batches {
    pub requests: Vec<std::ops::Range<usize>>,
    /// Input index and why it is not sent.
    pub refused: Vec<(usize, String)>,
}

pub fn batches(entities: &[Value]) -> Result<Batches, PortError> {
    let encoded = encode_entities(entities)?;
    let mut out = Batches {
        requests: Vec::new(),
        refused: Vec::new(),
    };
    for batch in plan_batches(&encoded, BULK_MAX_ENTITIES, BODY_LIMIT_BYTES) {
        match batch {
            Batch::Send(range) => out.requests.push(range),
            Batch::Skip(i, why) => out.refused.push((i, why.reason())),
        }
    }
    Ok(out)
}

/// Splits the input, in order, into requests of at most `max_count` entities and
/// `max_bytes` of body.
pub(super) fn plan_batches(
    encoded: &[Option<Vec<u8>>],
    max_count: usize,
    max_bytes: usize,
) -> Vec<Batch> {
    let overhead = BULK_PREFIX.len() + BULK_SUFFIX.len();
    let mut plan = Vec::new();
    let mut start = 0;
    let mut bytes = overhead;
    let flush = |plan: &mut Vec<Batch>, start: usize, end: usize| {
        if end > start {
            plan.push(Batch::Send(start..end));
        }
    };
    for (i, entity) in encoded.iter().enumerate() {
        let Some(entity) = entity else {
            flush(&mut plan, start, i);
            plan.push(Batch::Skip(i, SkipReason::NotObject));
            (start, bytes) = (i + 1, overhead);
            continue;
        };
        if overhead + entity.len() > max_bytes {
            flush(&mut plan, start, i);
            plan.push(Batch::Skip(i, SkipReason::TooLarge(entity.len())));
            (start, bytes) = (i + 1, overhead);
            continue;
        }
        let comma = usize::from(i > start);
        if i - start == max_count || bytes + comma + entity.len() > max_bytes {
            flush(&mut plan, start, i);
            (start, bytes) = (i, overhead);
        }
        bytes += usize::from(i > start) + entity.len();
    }
    flush(&mut plan, start, encoded.len());
    plan
}

/// `{"entities":[...]}` from already-encoded entities.
pub(super) fn bulk_body(encoded: &[Option<Vec<u8>>]) -> Vec<u8> {
    let mut body = BULK_PREFIX.to_vec();
    for (n, entity) in encoded.iter().flatten().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(entity);
    }
    body.extend_from_slice(BULK_SUFFIX);
    body
}

/// Port's `index` is a JSON number; only whole numbers inside the batch name an input.
fn slot_index(index: f64, len: usize) -> Option<usize> {
    let whole = index.fract() == 0.0 && index >= 0.0 && index < len as f64;
    whole.then_some(index as usize)
}

fn status_from(code: f64) -> u16 {
    match code.fract() == 0.0 && (0.0..=999.0).contains(&code) {
        true => code as u16,
        false => 0,
    }
}

/// Matches Port's per-index results to the inputs. An index reported both ways counts as
/// failed; an input without any result is failed with status 0 (`no_result`).
pub(super) fn assemble_bulk(entities: &[Value], body: BulkBody) -> Vec<BulkItem> {
    let mut slots: Vec<Option<BulkItem>> = vec![None; entities.len()];
    for ok in body.entities {
        let Some(i) = slot_index(ok.index, entities.len()) else {
            tracing::warn!(
                index = ok.index,
                "Port reported a bulk result for an unknown index"
            );
            continue;
        };
        let identifier = ok.identifier;
        slots[i] = Some(match ok.created {
            true => BulkItem::Created { identifier },
            false => BulkItem::Updated { identifier },
        });
    }
    for err in body.errors {
        let Some(i) = slot_index(err.index, entities.len()) else {
            tracing::warn!(
                index = err.index,
                "Port reported a bulk error for an unknown index"
            );
            continue;
        };
        slots[i] = Some(BulkItem::Failed {
            identifier: err.identifier,
            status: status_from(err.status_code),
            error: err.error,
            message: err.message,
        });
    }
    slots
        .into_iter()
        .zip(entities)
        .map(|(slot, entity)| {
            slot.unwrap_or_else(|| BulkItem::Failed {
                identifier: entity_identifier(entity)
                    .unwrap_or(UNKNOWN_IDENTIFIER)
                    .to_owned(),
                status: 0,
                error: "no_result".into(),
                message: "Port's answer has no result for this entity".into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn encoded(sizes: &[usize]) -> Vec<Option<Vec<u8>>> {
        sizes.iter().map(|n| Some(vec![b'x'; *n])).collect()
    }

    /// An object whose compact JSON is exactly `bytes` long.
    fn sized(bytes: usize) -> Value {
        json!({"p": "x".repeat(bytes - 8)})
    }

    #[test]
    fn real_bodies_fit_and_too_large_entities_are_refused_alone() {
        let entities = vec![
            sized(600_000),
            sized(600_000),
            sized(1000),
            sized(BODY_LIMIT_BYTES),
            json!("not an object"),
        ];
        let got = batches(&entities).unwrap();
        assert_eq!(got.requests, vec![0..1, 1..3]);
        assert_eq!(got.refused.len(), 2);
        assert_eq!(got.refused[0].0, 3);
        assert!(got.refused[0].1.contains("exceed Port's 1 MiB"));
        assert_eq!(
            got.refused[1],
            (4, "an entity must be a JSON object".to_owned())
        );
        let many: Vec<Value> = (0..50).map(|i| sized(1000 + i * 20_011)).collect();
        let got = batches(&many).unwrap();
        for range in &got.requests {
            let body = json!({"entities": many[range.clone()].to_vec()});
            assert!(serde_json::to_vec(&body).unwrap().len() <= BODY_LIMIT_BYTES);
            assert!(range.len() <= BULK_MAX_ENTITIES);
        }
        let covered: Vec<usize> = got.requests.iter().flat_map(|r| r.clone()).collect();
        assert_eq!(covered, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn batches_hold_at_most_twenty() {
        let plan = plan_batches(&encoded(&[10; 45]), BULK_MAX_ENTITIES, BODY_LIMIT_BYTES);
        assert_eq!(
            plan,
            [Batch::Send(0..20), Batch::Send(20..40), Batch::Send(40..45)]
        );
        assert!(plan_batches(&[], BULK_MAX_ENTITIES, BODY_LIMIT_BYTES).is_empty());
    }

    #[test]
    fn batches_respect_the_body_limit_exactly() {
        // overhead 15 + 40 + 1 + 40 = 96 fits in 96; a third entity does not.
        let plan = plan_batches(&encoded(&[40, 40, 40]), 20, 96);
        assert_eq!(plan, [Batch::Send(0..2), Batch::Send(2..3)]);
        let plan = plan_batches(&encoded(&[40, 40, 40]), 20, 95);
        assert_eq!(
            plan,
            [Batch::Send(0..1), Batch::Send(1..2), Batch::Send(2..3)]
        );
    }

    #[test]
    fn oversized_and_non_objects_are_skipped_in_place() {
        let mut input = encoded(&[10, 200, 10, 10]);
        input.insert(3, None);
        let plan = plan_batches(&input, 20, 100);
        assert_eq!(
            plan,
            [
                Batch::Send(0..1),
                Batch::Skip(1, SkipReason::TooLarge(200)),
                Batch::Send(2..3),
                Batch::Skip(3, SkipReason::NotObject),
                Batch::Send(4..5),
            ]
        );
    }

    #[test]
    fn body_is_valid_json_in_input_order() {
        let entities = [json!({"identifier": "a"}), json!({"identifier": "b/c"})];
        let enc = encode_entities(&entities).expect("encode");
        let body: serde_json::Value = serde_json::from_slice(&bulk_body(&enc)).expect("json");
        assert_eq!(body, json!({"entities": entities}));
    }

    fn answer(v: serde_json::Value) -> BulkBody {
        serde_json::from_value(v).expect("bulk body")
    }

    #[test]
    fn results_land_on_their_input_index() {
        let inputs = [
            json!({"identifier": "a"}),
            json!({"identifier": "b"}),
            json!({"identifier": "c"}),
        ];
        let body = answer(json!({
            "ok": true,
            "entities": [
                {"created": false, "identifier": "c", "index": 2, "additionalData": {}},
                {"created": true, "identifier": "a", "index": 0}
            ],
            "errors": [{"identifier": "b", "index": 1, "statusCode": 404,
                        "error": "not_found", "message": "svc missing"}]
        }));
        assert_eq!(
            assemble_bulk(&inputs, body),
            [
                BulkItem::Created {
                    identifier: "a".into()
                },
                BulkItem::Failed {
                    identifier: "b".into(),
                    status: 404,
                    error: "not_found".into(),
                    message: "svc missing".into()
                },
                BulkItem::Updated {
                    identifier: "c".into()
                },
            ]
        );
    }

    #[test]
    fn odd_answers_do_not_misplace_results() {
        let inputs = [json!({"identifier": "a"}), json!({"title": "no id"})];
        // Prism's example: index 0 both created and failed; plus out-of-range and fractional
        // indexes; nothing for index 1.
        let body = answer(json!({
            "ok": true,
            "entities": [
                {"created": true, "identifier": "a", "index": 0},
                {"created": true, "identifier": "z", "index": 7},
                {"created": true, "identifier": "y", "index": 0.5}
            ],
            "errors": [{"identifier": "a", "index": 0, "statusCode": 422.0,
                        "error": "e", "message": "m"}]
        }));
        let items = assemble_bulk(&inputs, body);
        assert_eq!(
            items,
            [
                BulkItem::Failed {
                    identifier: "a".into(),
                    status: 422,
                    error: "e".into(),
                    message: "m".into()
                },
                BulkItem::Failed {
                    identifier: "unknown".into(),
                    status: 0,
                    error: "no_result".into(),
                    message: "Port's answer has no result for this entity".into()
                },
            ]
        );
        let result = BulkResult { items };
        let failed = result
            .items
            .iter()
            .filter(|i| matches!(i, BulkItem::Failed { .. }));
        assert_eq!(failed.count(), 2);
    }
}
