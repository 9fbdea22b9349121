//! The list's derived view: every repository in sort order, and the `/` filter over it. The
//! order is kept until the rows or the sort change, so a key typed in the filter box is one
//! pass over the rows without an allocation per row, never a sort (50,000 rows stay well
//! under a frame).

use super::ranks::{Ranks, Services, dense, dense_str};
use super::state::{Column, State};
use crate::model::{Fetched, Repository, tags};

/// Every index into `state.repos`, sorted by the state's sort column, then name, region and
/// account so that equal rows keep one order (`Ranks`).
pub(super) fn sorted(state: &State) -> Vec<usize> {
    let repos = &state.repos;
    let computed;
    let ranks = if state.ranks.ties.len() == repos.len() {
        &state.ranks
    } else {
        // Rows came without a refresh: rank them for this sort.
        computed = ranks(state);
        &computed
    };
    let column = state.sort.column;
    let keys = match ranks.keys.iter().find(|(c, _)| *c == column) {
        Some((_, keys)) => std::borrow::Cow::Borrowed(keys),
        None => std::borrow::Cow::Owned(keys(state, column)),
    };
    ranks.order(&keys, state.sort.descending)
}

/// Each row's sort key for `column`, as a rank.
fn keys(state: &State, column: Column) -> Vec<u32> {
    let repos = &state.repos;
    let prefix = state.prefix.as_str();
    match column {
        Column::Name => dense_str(repos.iter().map(|r| r.name.as_str())),
        Column::Region => dense(repos.iter().map(|r| r.region.as_str())),
        Column::Services => dense(
            repos
                .iter()
                .map(|r| Services::of(tags::each_service(r.tag_list(), prefix))),
        ),
        Column::OtherTags => repos
            .iter()
            .map(|r| u32::try_from(tags::other_count(r.tag_list(), prefix)).unwrap_or(u32::MAX))
            .collect(),
        Column::Mutability => dense(repos.iter().map(|r| r.image_tag_mutability.as_str())),
        Column::Scan => repos.iter().map(|r| u32::from(r.scan_on_push)).collect(),
        Column::Created => dense(repos.iter().map(|r| r.created_at)),
        Column::Account => dense(repos.iter().map(|r| state.account_of(r))),
        // Most urgent first; rows not compared after every state.
        Column::Drift => dense(repos.iter().map(|r| {
            let state = state.drift.of(&r.arn).map(|c| c.state);
            (state.is_none(), state)
        })),
    }
}

/// Columns whose keys are read from scattered strings: ranked once when the rows change, so
/// that a sort key costs no pass over them. (DRIFT changes without the rows; the others
/// are read in place.)
const KEPT: [Column; 5] = [
    Column::Region,
    Column::Services,
    Column::OtherTags,
    Column::Mutability,
    Column::Account,
];

/// The tie order of the rows as they are now, and the kept columns' keys.
pub(super) fn ranks(state: &State) -> Ranks {
    let names: Vec<&str> = state.repos.iter().map(|r| r.name.as_str()).collect();
    let regions: Vec<&str> = state.repos.iter().map(|r| r.region.as_str()).collect();
    let accounts: Vec<&str> = state.repos.iter().map(|r| state.account_of(r)).collect();
    let mut ranks = Ranks::of(&names, &regions, &accounts);
    ranks.keys = std::iter::once((Column::Name, ranks.names.clone()))
        .chain(KEPT.iter().map(|&c| (c, keys(state, c))))
        .collect();
    ranks
}

/// `/text` keeps rows containing `text` (any case) in the name, region, account (alias or
/// id) or a tag `key=value`; `/@text` only in the account; `/!text` and `/!@text` keep the
/// others. The word `drift` keeps the rows whose tags drift from Port (`D`).
pub(super) struct Filter {
    needle: String,
    invert: bool,
    account_only: bool,
    drift: bool,
}

impl Filter {
    pub(super) fn parse(text: &str) -> Filter {
        let (invert, rest) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (account_only, needle) = match rest.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let needle = needle.to_lowercase();
        Filter {
            drift: !account_only && needle == super::drift::FILTER_WORD,
            needle,
            invert,
            account_only,
        }
    }

    /// Whether every row this filter keeps is one `last` kept: then it need only look at
    /// those. A longer needle narrows; an inverted one widens as it grows.
    pub(super) fn narrows(&self, last: &Filter) -> bool {
        let everything = last.needle.is_empty() && !last.invert;
        // `drift` is a word, not text: `drif` kept other rows.
        everything
            || (!self.invert
                && !self.drift
                && !last.drift
                && !last.invert
                && self.account_only == last.account_only
                && self.needle.contains(&last.needle))
    }

    /// `hay` is the row's [`haystack`]; `account` is the alias when several accounts are
    /// loaded: only then does plain text look in it (one account's id would match every row).
    /// `drifts` says whether the row's tags drift from Port, asked only for the word `drift`.
    pub(super) fn matches(
        &self,
        repo: &Repository,
        hay: &str,
        account: Option<&str>,
        drifts: impl FnOnce() -> bool,
    ) -> bool {
        let needle = self.needle.as_str();
        if needle.is_empty() {
            return true;
        }
        if self.drift {
            return drifts() != self.invert;
        }
        let in_alias = account.is_some_and(|a| contains_folded(a, needle));
        if self.account_only {
            return (in_alias || repo.registry_id.contains(needle)) != self.invert;
        }
        // A needle never holds the separator (typed text has no newline), so it matches the
        // joined text exactly when it matches one of its parts.
        let hit = in_alias || hay.contains(needle);
        hit != self.invert
    }
}

/// What plain filter text looks in, lower case, built once when the rows change: the name,
/// the region and every tag `key=value`, one a line. Filtering is then one contiguous search
/// a row instead of a dozen scattered strings.
pub(super) fn haystack(repo: &Repository) -> String {
    let mut hay = String::with_capacity(repo.name.len() + repo.region.len() + 64);
    hay.push_str(&repo.name);
    hay.push('\n');
    hay.push_str(&repo.region);
    if let Fetched::Present(tags) = &repo.tags {
        for t in tags {
            hay.push('\n');
            hay.push_str(&t.key);
            hay.push('=');
            hay.push_str(&t.value);
        }
    }
    hay.to_lowercase()
}

/// `hay` contains `needle` (already lower case) in any case; ASCII text, as ECR names and
/// most tags are, is compared in place.
fn contains_folded(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle.is_ascii() {
        let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
        hay.len() >= needle.len()
            && hay
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle))
    } else {
        hay.to_lowercase().contains(needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::repository::sample;

    #[test]
    fn the_filter_folds_case_without_changing_what_matches() {
        let repo = sample(
            "Web/Shop",
            "eu-west-1",
            &[("Team", "Payments"), ("port-shop", "true")],
        );
        let hay = haystack(&repo);
        let keeps = |text: &str| Filter::parse(text).matches(&repo, &hay, None, || false);
        assert!(keeps("web/s"));
        assert!(keeps("team"));
        assert!(keeps("m=pay"), "spans the key and the value");
        assert!(keeps("payments"));
        assert!(!keeps("m=true"));
        assert!(keeps("eu-west"));
        assert!(!keeps("!shop"));
        assert!(keeps("!nothing"));
        let utf = sample("café", "eu-west-1", &[]);
        assert!(Filter::parse("CAFÉ").matches(&utf, &haystack(&utf), None, || false));
    }

    #[test]
    fn only_a_filter_keeping_a_subset_narrows() {
        let narrows = |new: &str, last: &str| Filter::parse(new).narrows(&Filter::parse(last));
        assert!(narrows("ab", "a"));
        assert!(narrows("xab", "a"));
        assert!(narrows("!a", ""));
        assert!(narrows("@a", ""));
        assert!(!narrows("a", "ab"));
        assert!(!narrows("!ab", "!a"));
        assert!(!narrows("@ab", "a"));
        assert!(!narrows("b", "a"));
    }
}
