//! Which Port service an untagged repository most likely belongs to: a score in 0..1, the
//! reasons, and up to three alternatives. A repository with two equally good services gets no
//! pick (both are shown), and none below the threshold: a suggestion is never a silent guess.

pub mod plan;
mod signals;
pub mod text;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Repository, tags};
use signals::{Catalog, NameParts, Signal};

pub use signals::SERVICE_KEYS;

/// Below this score there is no suggestion, unless the user asks otherwise.
pub const DEFAULT_MIN_SCORE: f64 = 0.5;
pub const MAX_ALTERNATIVES: usize = 3;
/// Candidates below this are not worth showing even as alternatives.
const ALTERNATIVE_FLOOR: f64 = 0.3;

/// A service entity as far as matching needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Service {
    pub fn new(identifier: impl Into<String>, title: Option<&str>) -> Service {
        Service {
            identifier: identifier.into(),
            title: title.map(str::to_owned),
        }
    }

    /// A `service` entity as Port's search returns it with `$identifier` and `$title`.
    pub fn from_entity(entity: &serde_json::Value) -> Option<Service> {
        let id = entity.get("identifier")?.as_str()?;
        Some(Service::new(
            id,
            entity.get("title").and_then(|t| t.as_str()),
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub min_score: f64,
    /// Also repositories that already have a service tag.
    pub all: bool,
    pub prefix: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_score: DEFAULT_MIN_SCORE,
            all: false,
            prefix: tags::DEFAULT_PREFIX.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub service: String,
    pub score: f64,
}

/// One repository's suggestion, in the shape `tag suggest` prints and `tag apply` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub repository: String,
    pub region: String,
    pub arn: String,
    /// The pick, or none (below the threshold, a tie, or nothing matches).
    pub service: Option<String>,
    /// The pick's score, or the best candidate's when there is no pick.
    pub score: f64,
    pub reasons: Vec<String>,
    pub alternatives: Vec<Alternative>,
}

/// Scores are shown with two decimals, and two services are equally good when they show the
/// same: a difference nobody can see is not a reason to pick one.
fn rounded(score: f64) -> f64 {
    (score * 100.0).round() / 100.0
}

/// A suggestion for each repository without a service tag (every repository with `all`), in
/// the repositories' order.
pub fn suggest(repos: &[Repository], services: &[Service], opts: &Options) -> Vec<Suggestion> {
    let catalog = Catalog::new(services);
    let siblings = Siblings::of(repos, &catalog, &opts.prefix);
    repos
        .iter()
        .filter(|r| opts.all || tags::services(r.tag_list(), &opts.prefix).is_empty())
        .map(|r| suggest_one(r, &catalog, &siblings, opts))
        .collect()
}

/// Per namespace, how many repositories carry each known service tag.
struct Siblings {
    /// Namespace → (repository ARN, services) of its tagged repositories.
    tagged: HashMap<String, Vec<(String, Vec<usize>)>>,
}

impl Siblings {
    fn of(repos: &[Repository], catalog: &Catalog, prefix: &str) -> Siblings {
        let mut tagged: HashMap<String, Vec<(String, Vec<usize>)>> = HashMap::new();
        for r in repos {
            let Some(namespace) = NameParts::of(&r.name).namespace else {
                continue;
            };
            let services: Vec<usize> = tags::services(r.tag_list(), prefix)
                .into_iter()
                .filter_map(|s| catalog.index_of(s))
                .collect();
            if !services.is_empty() {
                tagged
                    .entry(namespace)
                    .or_default()
                    .push((r.arn.clone(), services));
            }
        }
        Siblings { tagged }
    }

    /// (service, count) over the tagged siblings of `repo`, and how many siblings are tagged.
    fn around(&self, namespace: &str, arn: &str) -> (Vec<(usize, usize)>, usize) {
        let mut counts: HashMap<usize, usize> = HashMap::new();
        let mut tagged = 0;
        for (other, services) in self.tagged.get(namespace).into_iter().flatten() {
            if other == arn {
                continue;
            }
            tagged += 1;
            for s in services {
                *counts.entry(*s).or_default() += 1;
            }
        }
        let mut counts: Vec<(usize, usize)> = counts.into_iter().collect();
        counts.sort_unstable();
        (counts, tagged)
    }
}

fn suggest_one(
    repo: &Repository,
    catalog: &Catalog,
    siblings: &Siblings,
    opts: &Options,
) -> Suggestion {
    let parts = NameParts::of(&repo.name);
    let mut found: HashMap<usize, Vec<Signal>> = HashMap::new();
    let mut notes = Vec::new();
    signals::name_signals(catalog, &parts, &mut found);
    signals::tag_signals(catalog, repo.tag_list(), &mut found, &mut notes);
    if let Some(ns) = &parts.namespace {
        let (counts, tagged) = siblings.around(ns, &repo.arn);
        signals::sibling_signals(catalog, ns, &counts, tagged, &mut found);
    }
    let mut ranked: Vec<(usize, f64, Vec<Signal>)> = found
        .into_iter()
        .map(|(i, mut sigs)| {
            sigs.sort_by(|a, b| b.score.total_cmp(&a.score));
            (i, rounded(signals::combine(&sigs)), sigs)
        })
        .filter(|(_, score, _)| *score >= ALTERNATIVE_FLOOR)
        .collect();
    ranked.sort_by(|a, b| {
        b.1.total_cmp(&a.1).then_with(|| {
            catalog.services[a.0]
                .identifier
                .cmp(&catalog.services[b.0].identifier)
        })
    });
    decide(repo, catalog, ranked, notes, opts)
}

/// The pick, or why there is none, from the candidates best first.
fn decide(
    repo: &Repository,
    catalog: &Catalog,
    ranked: Vec<(usize, f64, Vec<Signal>)>,
    notes: Vec<String>,
    opts: &Options,
) -> Suggestion {
    let id = |i: usize| catalog.services[i].identifier.clone();
    let alternative = |(i, score, _): &(usize, f64, Vec<Signal>)| Alternative {
        service: id(*i),
        score: *score,
    };
    let best_score = ranked.first().map_or(0.0, |c| c.1);
    let tied: Vec<&(usize, f64, Vec<Signal>)> =
        ranked.iter().take_while(|c| c.1 == best_score).collect();
    let mut reasons = Vec::new();
    let (service, shown_from) = match ranked.first() {
        None => {
            reasons.push("nothing in the name, its tags or its namespace names a service".into());
            (None, 0)
        }
        Some(_) if tied.len() > 1 => {
            let names: Vec<String> = tied.iter().map(|c| format!("`{}`", id(c.0))).collect();
            reasons.push(format!(
                "tie: {} score {best_score:.2} each; pick one",
                names.join(" and ")
            ));
            for c in &tied {
                reasons.extend(c.2.iter().map(|s| format!("{}: {}", id(c.0), s.reason)));
            }
            (None, 0)
        }
        Some((i, score, sigs)) if *score < opts.min_score => {
            reasons.push(format!(
                "the best match `{}` scores {score:.2}, below {:.2}",
                id(*i),
                opts.min_score
            ));
            reasons.extend(sigs.iter().map(|s| s.reason.clone()));
            (None, 0)
        }
        Some((i, _, sigs)) => {
            reasons.extend(sigs.iter().map(|s| s.reason.clone()));
            (Some(id(*i)), 1)
        }
    };
    reasons.extend(notes);
    Suggestion {
        repository: repo.name.clone(),
        region: repo.region.clone(),
        arn: repo.arn.clone(),
        service,
        score: best_score,
        reasons,
        alternatives: ranked
            .iter()
            .skip(shown_from)
            .take(MAX_ALTERNATIVES)
            .map(alternative)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::repository::sample;

    fn services(ids: &[&str]) -> Vec<Service> {
        ids.iter().map(|id| Service::new(*id, None)).collect()
    }

    fn one(name: &str, tags: &[(&str, &str)], ids: &[&str]) -> Suggestion {
        let repos = [sample(name, "eu-west-1", tags)];
        suggest(&repos, &services(ids), &Options::default()).remove(0)
    }

    #[test]
    fn the_signals_rank_in_the_promised_order() {
        let s = one("orders/api", &[], &["orders-api", "orders", "api-gateway"]);
        assert_eq!(s.service.as_deref(), Some("orders-api"), "{s:?}");
        assert_eq!(s.alternatives[0].service, "orders");
        let s = one("orders/events", &[], &["orders", "order-events"]);
        assert_eq!(
            s.service.as_deref(),
            Some("orders"),
            "namespace beats words: {s:?}"
        );
        let s = one("checkout-frontend", &[], &["checkout", "checkuot-frontend"]);
        assert_eq!(
            s.service.as_deref(),
            Some("checkout"),
            "words beat near: {s:?}"
        );
        let s = one("notifcations", &[], &["notifications"]);
        assert_eq!(s.service.as_deref(), Some("notifications"), "{s:?}");
        assert!(s.reasons[0].contains("1 edit"), "{s:?}");
    }

    #[test]
    fn a_service_tag_is_strong_and_an_unknown_one_is_said() {
        let s = one(
            "misc-image",
            &[("Service", "billing")],
            &["billing", "misc"],
        );
        assert_eq!(s.service.as_deref(), Some("billing"), "{s:?}");
        assert!(s.score >= 0.95, "{s:?}");
        let s = one("misc", &[("app", "nowhere")], &["billing"]);
        assert!(
            s.reasons
                .iter()
                .any(|r| r.contains("names no known service"))
        );
    }

    #[test]
    fn ties_and_weak_matches_get_no_pick() {
        let s = one("payments-orders-bridge", &[], &["payments", "orders"]);
        assert_eq!(s.service, None, "{s:?}");
        assert_eq!(s.alternatives.len(), 2);
        assert!(s.reasons[0].starts_with("tie"), "{s:?}");
        let s = one("sandbox/experiments", &[], &["payments", "orders"]);
        assert_eq!((s.service, s.score, s.alternatives.len()), (None, 0.0, 0));
        let s = one("payments-api-client", &[], &["orders-api"]);
        assert_eq!(s.service, None, "a generic word alone is no match: {s:?}");
    }

    #[test]
    fn tagged_repositories_are_left_out_unless_all_are_asked_for() {
        let repos = [
            sample("a/orders", "eu-west-1", &[("port-orders", "true")]),
            sample("a/thing", "eu-west-1", &[]),
        ];
        let ids = services(&["orders"]);
        let out = suggest(&repos, &ids, &Options::default());
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].service.as_deref(),
            Some("orders"),
            "from its sibling"
        );
        let all = Options {
            all: true,
            ..Options::default()
        };
        assert_eq!(suggest(&repos, &ids, &all).len(), 2);
    }
}
