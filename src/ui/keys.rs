//! Every key, once: the help overlay and the bottom bar both read this table.

/// Where a key applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Global,
    List,
    Filter,
    Detail,
    Tagging,
    Activity,
    Workbench,
    Editor,
    PushSetup,
    Push,
    PushDone,
    PushFailed,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Repository list",
            Context::Filter => "Filter box (/)",
            Context::Detail => "Detail pane",
            Context::Tagging => "Tag dialogs (t, T)",
            Context::Activity => "Activity log (L)",
            Context::Workbench => "Mapping workbench (m)",
            Context::Editor => "Expression editor",
            Context::PushSetup => "Push: blueprint setup",
            Context::Push => "Push to Port (p): the plan",
            Context::PushDone => "Push: results",
            Context::PushFailed => "Push: when it cannot go on",
        }
    }
}

pub struct Binding {
    pub context: Context,
    pub keys: &'static str,
    pub what: &'static str,
    /// Shown in the bottom bar under this short label.
    pub bar: Option<&'static str>,
}

const fn b(
    context: Context,
    keys: &'static str,
    what: &'static str,
    bar: Option<&'static str>,
) -> Binding {
    Binding {
        context,
        keys,
        what,
        bar,
    }
}

pub const BINDINGS: &[Binding] = &[
    b(Context::Global, "?", "show or hide this help", Some("help")),
    b(
        Context::Global,
        "q",
        "quit (Ctrl-c works everywhere)",
        Some("quit"),
    ),
    b(Context::List, "j k ↓ ↑", "move the cursor", None),
    b(
        Context::List,
        "PgDn PgUp Ctrl-f Ctrl-b",
        "move a page",
        None,
    ),
    b(Context::List, "g G Home End", "first / last row", None),
    b(
        Context::List,
        "Enter",
        "open the repository's exporter JSON",
        Some("detail"),
    ),
    b(
        Context::List,
        "/",
        "filter rows (name, region, tag key=value; !text inverts)",
        Some("filter"),
    ),
    b(
        Context::List,
        "Space",
        "select / unselect the row and move down",
        Some("select"),
    ),
    b(
        Context::List,
        "a",
        "select all shown rows (again: unselect them)",
        Some("all"),
    ),
    b(
        Context::List,
        "Esc",
        "clear the filter, then the selection",
        None,
    ),
    b(
        Context::List,
        "1-7",
        "sort by column n (again: reverse)",
        Some("sort"),
    ),
    b(
        Context::List,
        "s → ←",
        "sort by the next / previous column",
        None,
    ),
    b(Context::List, "S", "reverse the sort order", None),
    b(
        Context::List,
        "r",
        "reload from ECR (retry after an error)",
        Some("refresh"),
    ),
    b(
        Context::List,
        "p",
        "push the selection (or all shown rows) to Port",
        Some("push"),
    ),
    b(
        Context::List,
        "t T",
        "add / remove a port-<service> tag on the selection (or the row)",
        Some("tag"),
    ),
    b(
        Context::List,
        "m",
        "open the mapping workbench",
        Some("mapping"),
    ),
    b(
        Context::List,
        "L",
        "activity log: every write and its AWS CLI equivalent",
        None,
    ),
    b(Context::Filter, "type", "narrow the list as you type", None),
    b(
        Context::Filter,
        "Enter ↓ ↑",
        "keep the filter and go back to the list",
        Some("keep"),
    ),
    b(Context::Filter, "Esc", "clear the filter", Some("clear")),
    b(Context::Filter, "Ctrl-u", "erase the filter text", None),
    b(Context::Detail, "j k ↓ ↑", "scroll", None),
    b(Context::Detail, "Space PgDn PgUp", "scroll a page", None),
    b(Context::Detail, "Esc h ←", "back to the list", Some("back")),
    b(
        Context::Tagging,
        "type",
        "the service identifier; suggestions follow",
        None,
    ),
    b(
        Context::Tagging,
        "Tab →  ↑ ↓",
        "complete with / choose a suggestion",
        None,
    ),
    b(
        Context::Tagging,
        "Enter",
        "preview the exact change per repository",
        None,
    ),
    b(
        Context::Tagging,
        "y / n",
        "in the preview: write / cancel (Enter never confirms)",
        None,
    ),
    b(
        Context::Tagging,
        "Esc",
        "cancel, or close the results",
        None,
    ),
    b(Context::Activity, "j k ↓ ↑", "scroll", None),
    b(Context::Activity, "Esc L", "back to the list", Some("back")),
    b(Context::Workbench, "j k ↓ ↑", "choose a field", None),
    b(
        Context::Workbench,
        "Enter e",
        "edit the field's expression",
        Some("edit"),
    ),
    b(
        Context::Workbench,
        "a A",
        "add a property / a relation",
        Some("add"),
    ),
    b(
        Context::Workbench,
        "R D",
        "rename / delete the property or relation",
        Some("rename"),
    ),
    b(
        Context::Workbench,
        "n N",
        "jump to the next / previous failing repository",
        Some("next fail"),
    ),
    b(
        Context::Workbench,
        "] [",
        "preview the next / previous repository",
        None,
    ),
    b(
        Context::Workbench,
        "o",
        "semantics: AWS exporter ↔ Ocean",
        Some("semantics"),
    ),
    b(
        Context::Workbench,
        "p",
        "input shape: exporter → ocean-aws → aws-v3",
        Some("shape"),
    ),
    b(
        Context::Workbench,
        "s Ctrl-s",
        "save the mapping file (asks first)",
        Some("save"),
    ),
    b(
        Context::Workbench,
        "Esc q",
        "back to the list (asks if there are unsaved edits)",
        Some("back"),
    ),
    b(
        Context::Editor,
        "type",
        "edit; every field is re-evaluated as you type",
        None,
    ),
    b(
        Context::Editor,
        "← → ↑ ↓ Home End",
        "move; Ctrl-u undo, Ctrl-r redo; Ctrl-k cuts to the end of the line",
        None,
    ),
    b(Context::Editor, "Esc", "stop editing", Some("done")),
    b(Context::PushSetup, "j k ↓ ↑", "scroll the requests", None),
    b(
        Context::PushSetup,
        "Enter",
        "send these requests (asks y/n; only y sends)",
        Some("send"),
    ),
    b(Context::PushSetup, "Esc", "back to the list", Some("back")),
    b(
        Context::Push,
        "j k ↓ ↑",
        "choose an entity: its diff or why it is refused",
        None,
    ),
    b(
        Context::Push,
        "Enter p",
        "push what changes (asks y/n; only y sends)",
        Some("push"),
    ),
    b(
        Context::Push,
        "c",
        "let Port create missing relation targets (plans again)",
        Some("create missing"),
    ),
    b(
        Context::Push,
        "u",
        "also send entities Port already holds unchanged",
        Some("unchanged"),
    ),
    b(
        Context::Push,
        "Esc",
        "back to the list; while sending: stop after the requests in flight",
        Some("back"),
    ),
    b(
        Context::PushDone,
        "j k ↓ ↑",
        "choose an entity: its outcome and Port's error",
        None,
    ),
    b(
        Context::PushDone,
        "R",
        "send the failed and unsent entities again",
        Some("retry failed"),
    ),
    b(Context::PushDone, "Esc", "back to the list", Some("back")),
    b(
        Context::PushFailed,
        "r",
        "try again (plans anew)",
        Some("retry"),
    ),
    b(Context::PushFailed, "Esc", "back to the list", Some("back")),
];
