//! The activity log: every write the app made, with its outcome and the AWS CLI command that
//! does the same (what lazygit users value most: seeing what the tool ran).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Seconds since the epoch.
    pub at: i64,
    /// `name (region)`.
    pub target: String,
    pub action: String,
    /// `Err` holds why it failed.
    pub outcome: Result<(), String>,
    pub command: Option<String>,
}
