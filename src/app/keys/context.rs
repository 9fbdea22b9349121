//! Where a key applies and what it means, whatever key it is.

/// Where a key applies. Contexts that are not text boxes fall back to `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    Help,
    List,
    Filter,
    Detail,
    TagInput,
    TagPreview,
    TagResults,
    Activity,
    Workbench,
    /// A name typed in the workbench (add or rename a field).
    WorkbenchName,
    /// A y/n question of the workbench (save, delete, leave).
    WorkbenchConfirm,
    Editor,
    PushSetup,
    Push,
    PushDone,
    PushFailed,
    /// The y/n question before a push or a blueprint setup.
    PushConfirm,
    /// The suggestion review (S).
    Review,
    /// The review: a service typed for one repository.
    ReviewInput,
    /// The `:` command line.
    Command,
}

impl Context {
    /// In the order the `?` help lists them.
    pub const ALL: [Context; 21] = [
        Context::Global,
        Context::List,
        Context::Filter,
        Context::Detail,
        Context::TagInput,
        Context::TagPreview,
        Context::TagResults,
        Context::Activity,
        Context::Workbench,
        Context::WorkbenchName,
        Context::WorkbenchConfirm,
        Context::Editor,
        Context::PushSetup,
        Context::Push,
        Context::PushConfirm,
        Context::PushDone,
        Context::PushFailed,
        Context::Review,
        Context::ReviewInput,
        Context::Command,
        Context::Help,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Help => "This help (?)",
            Context::List => "Repository list",
            Context::Filter => "Filter box (/)",
            Context::Detail => "Detail pane",
            Context::TagInput => "Tag dialog (t, T): the service",
            Context::TagPreview => "Tag dialog: the preview",
            Context::TagResults => "Tag dialog: the results",
            Context::Activity => "Activity log (L)",
            Context::Workbench => "Mapping workbench (m)",
            Context::WorkbenchName => "Workbench: a new or changed name",
            Context::WorkbenchConfirm => "Workbench: a question",
            Context::Editor => "Expression editor",
            Context::PushSetup => "Push: blueprint setup",
            Context::Push => "Push to Port (p): the plan",
            Context::PushConfirm => "Push: the confirmation",
            Context::Review => "Suggested services (S)",
            Context::ReviewInput => "Suggested services: typing a service",
            Context::PushDone => "Push: results",
            Context::PushFailed => "Push: when it cannot go on",
            Context::Command => "Command line (:)",
        }
    }

    /// Text boxes take every other key as typed text; the others also answer the global keys.
    pub(super) fn inherits_global(self) -> bool {
        !matches!(
            self,
            Context::Global
                | Context::Help
                | Context::Filter
                | Context::TagInput
                | Context::TagPreview
                | Context::TagResults
                | Context::WorkbenchName
                | Context::WorkbenchConfirm
                | Context::Editor
                | Context::PushConfirm
                | Context::ReviewInput
                | Context::Command
        )
    }
}

/// What a key means, whatever key it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    QuitWithoutSaving,
    /// Stop the process until the shell's `fg` (Ctrl-z).
    Suspend,
    Help,
    Down,
    Up,
    PageDown,
    PageUp,
    /// `Ctrl-d` / `Ctrl-u` outside text boxes.
    HalfPageDown,
    HalfPageUp,
    First,
    Last,
    /// Leave this screen or dialog.
    Back,
    Yes,
    No,
    // The list.
    OpenDetail,
    Filter,
    ToggleSelect,
    SelectAll,
    ClearFilterOrSelection,
    /// Sort by the column with this index.
    SortBy(usize),
    SortNext,
    SortPrevious,
    SortReverse,
    Refresh,
    Push,
    Tag,
    Untag,
    Workbench,
    ActivityLog,
    /// Compare the service tags with Port.
    CheckDrift,
    /// Undo the last tag write (the activity log).
    Undo,
    /// Open the `:` command line.
    CommandLine,
    /// `y` / `Y`: copy what the screen shows (the second is the other thing it shows).
    Copy,
    CopySecond,
    // Text boxes.
    KeepText,
    /// Leave the box and move the list cursor.
    KeepAndDown,
    KeepAndUp,
    ClearText,
    EraseText,
    DeleteChar,
    Complete,
    /// The previous completion candidate.
    CompletePrevious,
    /// The editor's history of the field's expressions.
    HistoryPrevious,
    HistoryNext,
    /// The expression editor's own undo and redo.
    UndoEdit,
    RedoEdit,
    PreviewTags,
    // The workbench.
    Edit,
    AddProperty,
    AddRelation,
    Rename,
    Delete,
    NextFailing,
    PreviousFailing,
    NextRepository,
    PreviousRepository,
    ToggleSemantics,
    NextShape,
    NextMapping,
    PreviousMapping,
    Save,
    /// Save to a path the user types.
    SaveAs,
    /// Put an edited expression back as it was.
    Revert,
    // The push.
    Send,
    CreateMissing,
    IncludeUnchanged,
    RetryFailed,
    Retry,
    // The suggestion review.
    Suggest,
    Accept,
    Reject,
    PickAlternative(usize),
    ScoreFilter,
    AcceptAll,
}
