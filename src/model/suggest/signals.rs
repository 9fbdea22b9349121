//! What says a repository belongs to a service, each signal with its score and its reason:
//! the name (whole, last segment, namespace, words, near spellings), tags that name a service,
//! and what the repository's siblings are tagged with.
//!
//! The scores keep the order the user can predict: an exact identifier beats a namespace match
//! beats shared words beats a near spelling, and a tag like `service=orders` is as strong as
//! an exact name.

use std::collections::HashMap;

use super::Service;
use super::text::{self, Letters};

/// Tag keys whose value names the service the repository belongs to (any case).
pub const SERVICE_KEYS: [&str; 5] = ["service", "app", "application", "component", "project"];

pub const EXACT_NAME: f64 = 1.0;
pub const COMPACT_NAME: f64 = 0.95;
pub const TITLE_NAME: f64 = 0.93;
pub const TAG_EXACT: f64 = 0.95;
pub const LAST_SEGMENT: f64 = 0.9;
pub const NAMESPACE: f64 = 0.8;
pub const TAG_NEAR: f64 = 0.75;
/// Shared words score from this floor up to `WORDS_MAX`, below a namespace match.
const WORDS_FLOOR: f64 = 0.3;
const WORDS_MAX: f64 = 0.75;
/// A near spelling scores at most this (one edit in a long name).
const NEAR_MAX: f64 = 0.7;
const WORD_NEAR_PENALTY: f64 = 0.05;
/// Siblings: all of several tagged siblings agreeing reaches this.
const SIBLINGS_MAX: f64 = 0.75;

/// Where a signal comes from; signals of different kinds add up, those of one kind do not
/// (a name that matches exactly also shares all its words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Name,
    Tag,
    Siblings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub kind: Kind,
    pub score: f64,
    pub reason: String,
}

/// The services, prepared once for every repository.
pub struct Catalog<'a> {
    pub services: &'a [Service],
    forms: Vec<Forms>,
    /// Normalized and compact identifiers and titles → services.
    by_spelling: HashMap<String, Vec<(usize, Spelling)>>,
    /// Word → services whose identifier or title has it.
    by_word: HashMap<String, Vec<usize>>,
    /// Identifier → service.
    by_id: HashMap<&'a str, usize>,
    /// Compact identifiers and titles by length in characters, for near spellings: only
    /// lengths a few edits apart can be near.
    by_length: HashMap<usize, Vec<(usize, Near)>>,
}

/// One compact spelling of a service, ready for the edit-distance check.
struct Near {
    text: String,
    letters: Letters,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spelling {
    Identifier,
    Compact,
    Title,
}

struct Forms {
    compact: String,
    letters: Letters,
    title_compact: Option<(String, Letters)>,
    id_words: Vec<String>,
    title_words: Vec<String>,
}

impl<'a> Catalog<'a> {
    pub fn new(services: &'a [Service]) -> Catalog<'a> {
        let mut by_spelling: HashMap<String, Vec<(usize, Spelling)>> = HashMap::new();
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_id = HashMap::new();
        let mut forms = Vec::with_capacity(services.len());
        for (i, s) in services.iter().enumerate() {
            by_id.insert(s.identifier.as_str(), i);
            let compact = text::compact(&s.identifier);
            let title = s.title.as_deref().filter(|t| !t.trim().is_empty());
            let mut spell = |key: String, how| {
                let slot = by_spelling.entry(key).or_default();
                if !slot.iter().any(|(j, _)| *j == i) {
                    slot.push((i, how));
                }
            };
            spell(text::normalized(&s.identifier), Spelling::Identifier);
            spell(compact.clone(), Spelling::Compact);
            if let Some(t) = title {
                spell(text::normalized(t), Spelling::Title);
                spell(text::compact(t), Spelling::Title);
            }
            let id_words = text::words(&s.identifier);
            let title_words = title.map(text::words).unwrap_or_default();
            for w in id_words.iter().chain(&title_words) {
                let slot = by_word.entry(w.clone()).or_default();
                if slot.last() != Some(&i) {
                    slot.push(i);
                }
            }
            let title_compact = title.map(text::compact).filter(|t| *t != compact).map(|t| {
                let l = Letters::of(&t);
                (t, l)
            });
            forms.push(Forms {
                letters: Letters::of(&compact),
                compact,
                title_compact,
                id_words,
                title_words,
            });
        }
        let mut by_length: HashMap<usize, Vec<(usize, Near)>> = HashMap::new();
        for (i, f) in forms.iter().enumerate() {
            let spellings = std::iter::once((&f.compact, &f.letters))
                .chain(f.title_compact.as_ref().map(|(t, l)| (t, l)));
            for (text, letters) in spellings {
                by_length.entry(text.chars().count()).or_default().push((
                    i,
                    Near {
                        text: text.clone(),
                        letters: letters.clone(),
                    },
                ));
            }
        }
        Catalog {
            services,
            forms,
            by_spelling,
            by_word,
            by_id,
            by_length,
        }
    }

    pub fn index_of(&self, identifier: &str) -> Option<usize> {
        self.by_id.get(identifier).copied()
    }

    /// Services spelled `text` (normalized or compact), with how.
    fn spelled(&self, text: &str) -> Vec<(usize, Spelling)> {
        let mut found = self
            .by_spelling
            .get(&text::normalized(text))
            .cloned()
            .unwrap_or_default();
        for hit in self
            .by_spelling
            .get(&text::compact(text))
            .into_iter()
            .flatten()
        {
            if !found.iter().any(|(i, _)| *i == hit.0) {
                found.push((hit.0, Spelling::Compact));
            }
        }
        found
    }

    /// Services a near spelling of `text` names, with the number of edits.
    fn near(&self, text: &str) -> Vec<(usize, usize)> {
        let compact = text::compact(text);
        let letters = Letters::of(&compact);
        let len = compact.chars().count();
        let mut found: Vec<(usize, usize)> = Vec::new();
        // A longer spelling is near only within a fifth of its length: at most 5/4 of this one.
        for other in len.saturating_sub(len / 5)..=len + len / 4 + 1 {
            for (i, near) in self.by_length.get(&other).into_iter().flatten() {
                if let Some(d) = text::near(&compact, &letters, &near.text, &near.letters) {
                    match found.iter_mut().find(|(j, _)| j == i) {
                        Some(slot) => slot.1 = slot.1.min(d),
                        None => found.push((*i, d)),
                    }
                }
            }
        }
        found.sort_unstable();
        found
    }
}

/// The parts of a repository name the signals read.
pub struct NameParts {
    pub whole: String,
    /// The last segment of `team/app`, when there is a namespace.
    pub last: Option<String>,
    /// Everything before the last `/`.
    pub namespace: Option<String>,
    /// The first segment of the namespace, when the namespace has several (`platform/tools`).
    pub top: Option<String>,
}

impl NameParts {
    pub fn of(name: &str) -> NameParts {
        let (namespace, last) = match name.rsplit_once('/') {
            Some((ns, last)) if !ns.is_empty() && !last.is_empty() => {
                (Some(ns.to_owned()), Some(last.to_owned()))
            }
            _ => (None, None),
        };
        let top = namespace
            .as_deref()
            .and_then(|ns| ns.split_once('/'))
            .map(|(top, _)| top.to_owned())
            .filter(|t| !t.is_empty());
        NameParts {
            whole: name.to_owned(),
            last,
            namespace,
            top,
        }
    }
}

/// The name signals: every service the name, its last segment, its namespace, its words or a
/// near spelling of them points at.
pub fn name_signals(catalog: &Catalog, parts: &NameParts, out: &mut HashMap<usize, Vec<Signal>>) {
    let mut add = |i: usize, score: f64, reason: String| {
        out.entry(i).or_default().push(Signal {
            kind: Kind::Name,
            score,
            reason,
        })
    };
    let id = |i: usize| catalog.services[i].identifier.as_str();
    for (i, how) in catalog.spelled(&parts.whole) {
        let (score, reason) = match how {
            Spelling::Identifier => (
                EXACT_NAME,
                format!("the name is the identifier `{}`", id(i)),
            ),
            Spelling::Compact => (
                COMPACT_NAME,
                format!("the name spells the identifier `{}`", id(i)),
            ),
            Spelling::Title => (TITLE_NAME, format!("the name is the title of `{}`", id(i))),
        };
        add(i, score, reason);
    }
    let parts_scored = [
        (parts.last.as_deref(), LAST_SEGMENT, "the last segment"),
        (parts.namespace.as_deref(), NAMESPACE, "the namespace"),
        (parts.top.as_deref(), NAMESPACE - 0.02, "the top namespace"),
    ];
    for (part, score, what) in parts_scored {
        let Some(part) = part else { continue };
        for (i, how) in catalog.spelled(part) {
            let score = if how == Spelling::Identifier {
                score
            } else {
                score - 0.02
            };
            add(i, score, format!("{what} `{part}` names `{}`", id(i)));
        }
    }
    word_signals(catalog, &parts.whole, &mut add);
    let near_parts = [
        Some((parts.whole.as_str(), "the name")),
        parts.last.as_deref().map(|p| (p, "the last segment")),
        parts.namespace.as_deref().map(|p| (p, "the namespace")),
    ];
    // A word of a longer name spelled near a service counts a little less than the whole.
    let words = text::words(&parts.whole);
    let near_words = words
        .iter()
        .filter(|w| w.chars().count() >= 5 && words.len() > 1)
        .map(|w| (w.as_str(), "the word", WORD_NEAR_PENALTY));
    let near_parts = near_parts
        .into_iter()
        .flatten()
        .map(|(p, what)| (p, what, 0.0))
        .chain(near_words);
    for (part, what, penalty) in near_parts {
        for (i, d) in catalog.near(part) {
            let len = text::compact(part).chars().count().max(1) as f64;
            let score = 0.1 + (NEAR_MAX - 0.1) * (1.0 - d as f64 / len) - penalty;
            let edits = if d == 1 { "edit" } else { "edits" };
            add(
                i,
                score,
                format!("{what} `{part}` is {d} {edits} from `{}`", id(i)),
            );
        }
    }
}

/// Words the name shares with a service's identifier or title, weighted so that generic words
/// (`api`, `service`) count little: how much of the service's name is found, and how much of
/// the repository's name it explains. The first counts squared: one word of a two-word service
/// (`platform` of `Analytics Platform`) is an alternative to show, not a pick.
fn word_signals(catalog: &Catalog, name: &str, add: &mut impl FnMut(usize, f64, String)) {
    let mut mine = text::words(name);
    mine.sort();
    mine.dedup();
    let total = |ws: &[String]| ws.iter().map(|w| text::weight(w)).sum::<f64>();
    let mine_weight = total(&mine);
    let mut candidates: Vec<usize> = mine
        .iter()
        .filter_map(|w| catalog.by_word.get(w))
        .flatten()
        .copied()
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    for i in candidates {
        let f = &catalog.forms[i];
        let mut best: Option<(f64, Vec<&str>)> = None;
        for theirs in [&f.id_words, &f.title_words] {
            if theirs.is_empty() {
                continue;
            }
            let shared: Vec<&str> = mine
                .iter()
                .filter(|w| theirs.contains(w))
                .map(String::as_str)
                .collect();
            let shared_weight: f64 = shared.iter().map(|w| text::weight(w)).sum();
            let coverage = shared_weight / total(theirs).max(f64::EPSILON);
            let precision = shared_weight / mine_weight.max(f64::EPSILON);
            let score = WORDS_FLOOR
                + (WORDS_MAX - WORDS_FLOOR - 0.1) * coverage.min(1.0).powi(2)
                + 0.1 * precision.min(1.0);
            if best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((score, shared));
            }
        }
        if let Some((score, shared)) = best {
            let list = shared
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ");
            add(
                i,
                score,
                format!("shares {list} with `{}`", catalog.services[i].identifier),
            );
        }
    }
}

/// Tags like `service=orders` (any case of the key): the strongest signal after the name
/// itself, since someone wrote it down.
pub fn tag_signals(
    catalog: &Catalog,
    tags: &[crate::model::Tag],
    out: &mut HashMap<usize, Vec<Signal>>,
    unknown: &mut Vec<String>,
) {
    for tag in tags {
        if !SERVICE_KEYS
            .iter()
            .any(|k| k.eq_ignore_ascii_case(tag.key.trim()))
        {
            continue;
        }
        let spelled = catalog.spelled(&tag.value);
        let mut named = false;
        for (i, _) in &spelled {
            named = true;
            out.entry(*i).or_default().push(Signal {
                kind: Kind::Tag,
                score: TAG_EXACT,
                reason: format!("the tag `{}={}` names it", tag.key, tag.value),
            });
        }
        if !named {
            for (i, d) in catalog.near(&tag.value) {
                named = true;
                out.entry(i).or_default().push(Signal {
                    kind: Kind::Tag,
                    score: TAG_NEAR,
                    reason: format!(
                        "the tag `{}={}` is {d} edit{} from `{}`",
                        tag.key,
                        tag.value,
                        if d == 1 { "" } else { "s" },
                        catalog.services[i].identifier
                    ),
                });
            }
        }
        if !named {
            unknown.push(format!(
                "the tag `{}={}` names no known service",
                tag.key, tag.value
            ));
        }
    }
}

/// What the tagged siblings in the namespace are tagged with, as (service, siblings tagged
/// with it, tagged siblings).
pub fn sibling_signals(
    catalog: &Catalog,
    namespace: &str,
    tagged: &[(usize, usize)],
    tagged_siblings: usize,
    out: &mut HashMap<usize, Vec<Signal>>,
) {
    for &(i, count) in tagged {
        if tagged_siblings == 0 || count == 0 {
            continue;
        }
        let share = count as f64 / tagged_siblings as f64;
        let score = (0.3 + 0.3 * share + 0.05 * count.min(3) as f64).min(SIBLINGS_MAX);
        out.entry(i).or_default().push(Signal {
            kind: Kind::Siblings,
            score,
            reason: format!(
                "{count} of {tagged_siblings} tagged repositories in `{namespace}/` have `{}`",
                catalog.services[i].identifier
            ),
        });
    }
}

/// A service's score from its signals: the strongest, plus a tenth of the strongest of each
/// other kind, at most 1.
pub fn combine(signals: &[Signal]) -> f64 {
    let mut best: [f64; 3] = [0.0; 3];
    for s in signals {
        let slot = &mut best[s.kind as usize];
        *slot = slot.max(s.score);
    }
    let top = best.iter().copied().fold(0.0, f64::max);
    let rest: f64 = best.iter().sum::<f64>() - top;
    (top + 0.1 * rest).min(1.0)
}
