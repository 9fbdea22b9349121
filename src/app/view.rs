//! The list's derived view: every repository in sort order, and the `/` filter over it. The
//! order is kept until the rows or the sort change, so a key typed in the filter box is one
//! pass over the rows without an allocation per row, never a sort (50,000 rows stay well
//! under a frame).

use std::cmp::Ordering;

use super::state::{Column, State};
use crate::model::{Fetched, Repository, tags};

/// Every index into `state.repos`, sorted by the state's sort column, then name, region and
/// account so that equal rows keep one order.
pub(super) fn sorted(state: &State) -> Vec<usize> {
    let sort = state.sort;
    let prefix = state.prefix.as_str();
    let repos = &state.repos;
    // Service lists are built once per row, not twice per comparison.
    let services: Vec<Vec<&str>> = if sort.column == Column::Services {
        repos
            .iter()
            .map(|r| tags::services(r.tag_list(), prefix))
            .collect()
    } else {
        Vec::new()
    };
    let other_tags: Vec<usize> = if sort.column == Column::OtherTags {
        repos
            .iter()
            .map(|r| tags::other_count(r.tag_list(), prefix))
            .collect()
    } else {
        Vec::new()
    };
    // Looked up once per row: a map lookup in every comparison cost most of a sort.
    let accounts: Vec<&str> = repos.iter().map(|r| state.account_of(r)).collect();
    let mut order: Vec<usize> = (0..repos.len()).collect();
    // Unstable is enough: the name, region and account leave no two rows equal.
    order.sort_unstable_by(|&a, &b| {
        let (ra, rb) = (&repos[a], &repos[b]);
        let ord = match sort.column {
            Column::Services => services[a].cmp(&services[b]),
            Column::OtherTags => other_tags[a].cmp(&other_tags[b]),
            Column::Account => accounts[a].cmp(accounts[b]),
            Column::Drift => {
                // Most urgent first; rows not compared after every state.
                let key = |r: &Repository| {
                    let state = state.drift.of(&r.arn).map(|c| c.state);
                    (state.is_none(), state)
                };
                key(ra).cmp(&key(rb))
            }
            column => compare(ra, rb, column, prefix),
        };
        let ord = if sort.descending { ord.reverse() } else { ord };
        ord.then_with(|| ra.name.cmp(&rb.name))
            .then_with(|| ra.region.cmp(&rb.region))
            .then_with(|| accounts[a].cmp(accounts[b]))
    });
    order
}

fn compare(a: &Repository, b: &Repository, column: Column, prefix: &str) -> Ordering {
    match column {
        Column::Name => a.name.cmp(&b.name),
        Column::Region => a.region.cmp(&b.region),
        Column::Services => {
            tags::services(a.tag_list(), prefix).cmp(&tags::services(b.tag_list(), prefix))
        }
        Column::OtherTags => {
            tags::other_count(a.tag_list(), prefix).cmp(&tags::other_count(b.tag_list(), prefix))
        }
        Column::Mutability => a.image_tag_mutability.cmp(&b.image_tag_mutability),
        Column::Scan => a.scan_on_push.cmp(&b.scan_on_push),
        Column::Created => a.created_at.cmp(&b.created_at),
        Column::Account => a.registry_id.cmp(&b.registry_id),
        Column::Drift => Ordering::Equal,
    }
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
