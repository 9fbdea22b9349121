//! Sorting 50,000 rows within a frame: every sort key is turned into a dense integer rank in
//! one pass over the rows, and the rows are then sorted as packed integers. Comparing the
//! rows' own strings instead reads memory scattered over the whole heap at every comparison,
//! which cost ten times the sort itself.

use std::collections::HashMap;
use std::hash::Hash;

/// What orders rows whose sort keys are equal (name, region, account), computed when the
/// rows change, not on every sort.
#[derive(Debug, Clone, Default)]
pub(super) struct Ranks {
    /// Each row's place in name, region, account order.
    pub ties: Vec<u32>,
    /// The row at each place: `ties` inverted.
    pub by_tie: Vec<u32>,
    /// Each row's name among the distinct names, in order: the NAME column's key.
    pub names: Vec<u32>,
    /// Columns' keys ranked with the rows, for sorts that need not read them again.
    pub keys: Vec<(super::state::Column, Vec<u32>)>,
}

impl Ranks {
    pub fn of<'a>(names: &[&'a str], regions: &[&'a str], accounts: &[&'a str]) -> Ranks {
        let name_ranks = dense_str(names.iter().copied());
        let region_ranks = dense(regions.iter().copied());
        let account_ranks = dense(accounts.iter().copied());
        // Regions and accounts are few: 16 bits each leave room for the row.
        let mut packed: Vec<(u64, u32)> = (0..names.len())
            .map(|i| {
                let key = (u64::from(name_ranks[i]) << 32)
                    | (u64::from(region_ranks[i].min(0xffff)) << 16)
                    | u64::from(account_ranks[i].min(0xffff));
                (key, i as u32)
            })
            .collect();
        packed.sort_unstable();
        let by_tie: Vec<u32> = packed.iter().map(|&(_, i)| i).collect();
        let mut ties = vec![0u32; by_tie.len()];
        for (place, &row) in (0u32..).zip(&by_tie) {
            ties[row as usize] = place;
        }
        Ranks {
            ties,
            by_tie,
            names: name_ranks,
            keys: Vec::new(),
        }
    }

    /// Rows in order of `keys` (one per row; reversed when `descending`), equal keys in tie
    /// order, whichever way the keys go.
    pub fn order(&self, keys: &[u32], descending: bool) -> Vec<usize> {
        let mut packed: Vec<u64> = keys
            .iter()
            .zip(&self.ties)
            .map(|(&key, &tie)| {
                let key = if descending { u32::MAX - key } else { key };
                (u64::from(key) << 32) | u64::from(tie)
            })
            .collect();
        packed.sort_unstable();
        packed
            .into_iter()
            .map(|p| self.by_tie[(p & 0xffff_ffff) as usize] as usize)
            .collect()
    }
}

/// Each key's rank among the distinct keys, in their order (equal keys, equal ranks).
pub(super) fn dense<K: Ord + Hash + Eq>(keys: impl Iterator<Item = K>) -> Vec<u32> {
    let mut ids: HashMap<K, u32> = HashMap::new();
    let rows: Vec<u32> = keys
        .map(|k| {
            let next = ids.len() as u32;
            *ids.entry(k).or_insert(next)
        })
        .collect();
    let mut distinct: Vec<(K, u32)> = ids.into_iter().collect();
    distinct.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    remap(rows, distinct.iter().map(|(_, id)| *id))
}

/// As `dense`, for strings that may all differ (names): they are copied side by side first,
/// so that sorting them reads one block of memory.
pub(super) fn dense_str<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut arena = String::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let rows: Vec<u32> = keys
        .map(|k| {
            *ids.entry(k).or_insert_with(|| {
                spans.push((arena.len(), k.len()));
                arena.push_str(k);
                (spans.len() - 1) as u32
            })
        })
        .collect();
    let text = |id: u32| {
        let (at, len) = spans[id as usize];
        &arena[at..at + len]
    };
    let mut distinct: Vec<u32> = (0..spans.len() as u32).collect();
    distinct.sort_unstable_by(|&a, &b| text(a).cmp(text(b)));
    remap(rows, distinct.into_iter())
}

/// A row's services as a sort key, without an allocation for the usual none or one.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) enum Services<'a> {
    AtMostOne(Option<&'a str>),
    Several(Vec<&'a str>),
}

impl<'a> Services<'a> {
    pub fn of(mut services: impl Iterator<Item = &'a str>) -> Services<'a> {
        let first = services.next();
        match (first, services.next()) {
            (first, None) => Services::AtMostOne(first),
            (Some(first), Some(second)) => {
                Services::Several([first, second].into_iter().chain(services).collect())
            }
            (None, Some(_)) => Services::AtMostOne(None),
        }
    }

    fn as_slice(&self) -> &[&'a str] {
        match self {
            Services::AtMostOne(None) => &[],
            Services::AtMostOne(Some(one)) => std::slice::from_ref(one),
            Services::Several(all) => all,
        }
    }
}

/// Ordered as the lists of services are: the first service, then the next.
impl Ord for Services<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl PartialOrd for Services<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Rows' provisional ids to ranks, given the ids in rank order.
fn remap(rows: Vec<u32>, ids_in_order: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut rank_of = Vec::new();
    for (rank, id) in (0u32..).zip(ids_in_order) {
        if rank_of.len() <= id as usize {
            rank_of.resize(id as usize + 1, 0);
        }
        rank_of[id as usize] = rank;
    }
    rows.into_iter().map(|id| rank_of[id as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_dense_and_keep_the_keys_order() {
        assert_eq!(dense(["b", "a", "b", "c"].into_iter()), [1, 0, 1, 2]);
        assert_eq!(dense_str(["b", "a", "b", "c"].into_iter()), [1, 0, 1, 2]);
        assert_eq!(dense([Some(3), None, Some(1)].into_iter()), [2, 0, 1]);
    }

    #[test]
    fn services_sort_as_their_lists_do() {
        let lists: [&[&str]; 5] = [&["b"], &[], &["a", "c"], &["a"], &["a", "b", "c"]];
        let keys: Vec<Services> = lists
            .iter()
            .map(|l| Services::of(l.iter().copied()))
            .collect();
        let mut by_key: Vec<usize> = (0..lists.len()).collect();
        by_key.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        let mut by_list: Vec<usize> = (0..lists.len()).collect();
        by_list.sort_by(|&a, &b| lists[a].cmp(lists[b]));
        assert_eq!(by_key, by_list);
        assert_eq!(by_key, [1, 3, 4, 2, 0]);
    }

    #[test]
    fn equal_keys_keep_tie_order_either_way() {
        let ranks = Ranks::of(
            &["b", "a", "b", "c"],
            &["us-east-1", "us-east-1", "eu-west-1", "eu-west-1"],
            &["1", "1", "1", "1"],
        );
        assert_eq!(ranks.ties, [2, 0, 1, 3]);
        assert_eq!(ranks.order(&ranks.names, false), [1, 2, 0, 3]);
        assert_eq!(ranks.order(&ranks.names, true), [3, 2, 0, 1]);
        assert_eq!(ranks.order(&[0, 0, 0, 0], true), [1, 2, 0, 3]);
    }
}
