//! How names are compared: one spelling for the separators, the words of a name, and an edit
//! distance that gives up early.

/// The characters repository names and identifiers separate words with.
const SEPARATORS: [char; 5] = ['/', '-', '_', '.', ' '];

/// Words that say what kind of thing a repository is rather than which service: sharing one of
/// them says little (`orders-api` and `payments-api` are not the same service).
const GENERIC: [&str; 30] = [
    "api", "app", "apps", "svc", "service", "services", "server", "srv", "web", "worker",
    "workers", "backend", "frontend", "ui", "client", "core", "lib", "base", "image", "images",
    "prod", "dev", "staging", "test", "main", "common", "shared", "v1", "v2", "v3",
];

/// How much a word counts when names are compared word by word.
pub fn weight(word: &str) -> f64 {
    if GENERIC.contains(&word) || word.chars().all(|c| c.is_ascii_digit()) {
        0.2
    } else {
        1.0
    }
}

/// Lowercase with every run of separators written as one `-`: `Orders_API` and `orders/api`
/// spell the same name.
pub fn normalized(text: &str) -> String {
    words(text).join("-")
}

/// Lowercase letters and digits only: `authservice` and `auth-service`.
pub fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The lowercase words of a name, split on `/`, `-`, `_`, `.` and spaces.
pub fn words(text: &str) -> Vec<String> {
    text.split(SEPARATORS)
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Letters counted, to bound the edit distance from below without computing it: each edit
/// changes at most two counts by one.
#[derive(Debug, Clone)]
pub struct Letters([u16; 38]);

impl Letters {
    pub fn of(text: &str) -> Letters {
        let mut counts = [0u16; 38];
        for c in text.chars() {
            let slot = match c {
                'a'..='z' => c as usize - 'a' as usize,
                '0'..='9' => 26 + c as usize - '0' as usize,
                '-' => 36,
                _ => 37,
            };
            counts[slot] = counts[slot].saturating_add(1);
        }
        Letters(counts)
    }

    /// A lower bound of the edit distance between the two texts.
    pub fn distance_bound(&self, other: &Letters) -> usize {
        let diff: usize = self
            .0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| a.abs_diff(*b) as usize)
            .sum();
        diff.div_ceil(2)
    }
}

/// How many edits a near spelling of a word this long may have: one in five characters, and
/// none below five characters (`api` and `app` are different words, not typos).
pub fn allowed_edits(chars: usize) -> usize {
    if chars < 5 { 0 } else { chars / 5 }
}

/// The edit distance between `a` and `b` when it is between 1 and what their length allows,
/// checked cheaply first: most pairs of names are nowhere near each other.
pub fn near(a: &str, la: &Letters, b: &str, lb: &Letters) -> Option<usize> {
    let (ca, cb) = (a.chars().count(), b.chars().count());
    let allowed = allowed_edits(ca.max(cb));
    if allowed == 0 || ca.abs_diff(cb) > allowed || la.distance_bound(lb) > allowed {
        return None;
    }
    let d = strsim::levenshtein(a, b);
    (1..=allowed).contains(&d).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_name_agree() {
        assert_eq!(normalized("Orders_API"), "orders-api");
        assert_eq!(normalized("team//orders.api"), "team-orders-api");
        assert_eq!(compact("Auth-Service"), "authservice");
        assert_eq!(
            words("ml/training/pytorch-base"),
            ["ml", "training", "pytorch", "base"]
        );
    }

    #[test]
    fn near_spellings_are_bounded_by_length() {
        let d = |a: &str, b: &str| near(a, &Letters::of(a), b, &Letters::of(b));
        assert_eq!(d("notifcations", "notifications"), Some(1));
        assert_eq!(
            d("orders", "orders"),
            None,
            "the same word is not a near spelling"
        );
        assert_eq!(d("api", "app"), None, "short words need an exact match");
        assert_eq!(d("payments", "shipping"), None);
        assert_eq!(
            d("inventroy", "inventory"),
            None,
            "a swap is two edits in nine letters"
        );
        assert_eq!(d("recomendations", "recommendations"), Some(1));
        let (a, b) = (Letters::of("abcde"), Letters::of("abcdf"));
        assert_eq!(a.distance_bound(&b), 1);
    }
}
