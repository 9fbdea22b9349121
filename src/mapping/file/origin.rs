//! Where an entity mapping sits in its file, and the short label entities carry so that a
//! file with several ECR resources or mappings says which one made each entity.

use std::fmt;

/// `resources[resource]`, and for the exporter its `mappings[mapping]` (Ocean: always 0).
/// Both are indices in the file, so the label points at what the user reads there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub resource: usize,
    pub mapping: usize,
}

impl Origin {
    /// `resource 2 · mapping 1`, counted from 1 as people count.
    pub fn describe(self) -> String {
        format!(
            "resource {} · mapping {}",
            self.resource + 1,
            self.mapping + 1
        )
    }
}

impl fmt::Display for Origin {
    /// `#2.1`: resource 2 of the file, its mapping 1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}.{}", self.resource + 1, self.mapping + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_count_from_one() {
        let origin = Origin {
            resource: 1,
            mapping: 0,
        };
        assert_eq!(origin.to_string(), "#2.1");
        assert_eq!(origin.describe(), "resource 2 · mapping 1");
    }
}
