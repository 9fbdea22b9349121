//! Every key, once: one binding table per context maps keys to semantic actions. `update`
//! dispatches through it, and the `?` help and the key bar are drawn from it, so the three
//! cannot disagree.

mod context;
mod keymap;
mod lookup;
mod names;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use super::Key;
pub use context::{Action, Context};
pub use keymap::{Keymap, KeymapError, PRESETS};
pub use lookup::{Binding, action, bar, bindings, key_for, key_name};
pub use names::{action_name, context_name};

use Key::{Char, Ctrl};

const MOVE: [(&[Key], Action, &str); 8] = [
    (&[Char('j'), Key::Down], Action::Down, "move down"),
    (&[Char('k'), Key::Up], Action::Up, "move up"),
    (&[Key::PageDown, Ctrl('f')], Action::PageDown, "a page down"),
    (&[Key::PageUp, Ctrl('b')], Action::PageUp, "a page up"),
    (&[Ctrl('d')], Action::HalfPageDown, "half a page down"),
    (&[Ctrl('u')], Action::HalfPageUp, "half a page up"),
    (&[Char('g'), Key::Home], Action::First, "to the top"),
    (&[Char('G'), Key::End], Action::Last, "to the bottom"),
];

type Row = (
    Context,
    &'static [Key],
    Option<Action>,
    &'static str,
    Option<&'static str>,
);

/// Rows written once for every context that moves through a list or a text.
fn movement(context: Context) -> impl Iterator<Item = Row> {
    MOVE.iter()
        .map(move |(keys, action, what)| (context, *keys, Some(*action), *what, None))
}

const SORT_KEYS: [[Key; 1]; 7] = [
    [Char('1')],
    [Char('2')],
    [Char('3')],
    [Char('4')],
    [Char('5')],
    [Char('6')],
    [Char('7')],
];

static BINDINGS: LazyLock<Vec<Binding>> = LazyLock::new(table);

// The suggestion review, in one block.
const REVIEW_LIST_ROWS: &[Row] = &[(
    Context::List,
    &[Char('S')],
    Some(Action::Suggest),
    "review suggested services for the untagged repositories",
    Some("suggest"),
)];

const REVIEW_ROWS: &[Row] = &[
    (
        Context::Review,
        &[Char('a'), Key::Enter],
        Some(Action::Accept),
        "accept the suggested service",
        Some("accept"),
    ),
    (
        Context::Review,
        &[Char('x')],
        Some(Action::Reject),
        "reject: leave the repository untagged",
        Some("reject"),
    ),
    (
        Context::Review,
        &[Char('1')],
        Some(Action::PickAlternative(0)),
        "take alternative n instead",
        Some("alternative"),
    ),
    (
        Context::Review,
        &[Char('2')],
        Some(Action::PickAlternative(1)),
        "take alternative n instead",
        None,
    ),
    (
        Context::Review,
        &[Char('3')],
        Some(Action::PickAlternative(2)),
        "take alternative n instead",
        None,
    ),
    (
        Context::Review,
        &[Char('e')],
        Some(Action::Edit),
        "type another service (with completion)",
        Some("type"),
    ),
    (
        Context::Review,
        &[Char('f')],
        Some(Action::ScoreFilter),
        "show only scores from 0.5, 0.7, 0.9, then all again",
        Some("score"),
    ),
    (
        Context::Review,
        &[Char('A')],
        Some(Action::AcceptAll),
        "accept every shown pick at or above the score shown (at least 0.5)",
        Some("accept all"),
    ),
    (
        Context::Review,
        &[Char('w')],
        Some(Action::PreviewTags),
        "preview the accepted tags; y there writes them",
        Some("write"),
    ),
    (
        Context::Review,
        &[Key::Esc],
        Some(Action::Back),
        "back to the list (the decisions are dropped)",
        Some("back"),
    ),
    (
        Context::ReviewInput,
        &[],
        None,
        "type: the service identifier; completions follow",
        None,
    ),
    (
        Context::ReviewInput,
        &[Key::Enter],
        Some(Action::KeepText),
        "accept the typed service for the row",
        Some("accept"),
    ),
    (
        Context::ReviewInput,
        &[Key::Tab],
        Some(Action::Complete),
        "complete with the chosen completion",
        Some("complete"),
    ),
    (
        Context::ReviewInput,
        &[Key::Down],
        Some(Action::Down),
        "choose the next completion",
        None,
    ),
    (
        Context::ReviewInput,
        &[Key::Up],
        Some(Action::Up),
        "choose the previous completion",
        None,
    ),
    (
        Context::ReviewInput,
        &[Key::Backspace],
        Some(Action::DeleteChar),
        "delete the last character",
        None,
    ),
    (
        Context::ReviewInput,
        &[Ctrl('u')],
        Some(Action::EraseText),
        "erase the text",
        None,
    ),
    (
        Context::ReviewInput,
        &[Key::Esc],
        Some(Action::Back),
        "cancel",
        Some("cancel"),
    ),
];

const GLOBAL_ROWS: &[Row] = &[
    (
        Context::Global,
        &[Char('?')],
        Some(Action::Help),
        "show or hide this help",
        Some("help"),
    ),
    (
        Context::Global,
        &[Char('q')],
        Some(Action::Quit),
        "quit (Ctrl-c works everywhere)",
        Some("quit"),
    ),
    (
        Context::Global,
        &[Ctrl('z')],
        Some(Action::Suspend),
        "suspend to the shell (fg brings it back, as it was)",
        None,
    ),
    (
        Context::Global,
        &[Char(':')],
        Some(Action::CommandLine),
        "command line: :region, :profile, :mapping, :semantics, :shape, :q, screens by name",
        None,
    ),
    (
        Context::Help,
        &[Key::Esc, Char('?'), Char('q')],
        Some(Action::Back),
        "close the help",
        None,
    ),
];

const LIST_ROWS: &[Row] = &[
    (
        Context::List,
        &[Key::Enter],
        Some(Action::OpenDetail),
        "open the repository's exporter JSON",
        Some("detail"),
    ),
    (
        Context::List,
        &[Char('/')],
        Some(Action::Filter),
        "filter rows (name, region, tag key=value; !text inverts)",
        Some("filter"),
    ),
    (
        Context::List,
        &[Char(' ')],
        Some(Action::ToggleSelect),
        "select / unselect the row and move down",
        Some("select"),
    ),
    (
        Context::List,
        &[Char('a')],
        Some(Action::SelectAll),
        "select all shown rows (again: unselect them)",
        Some("all"),
    ),
    (
        Context::List,
        &[Key::Esc],
        Some(Action::ClearFilterOrSelection),
        "clear the filter, then the selection",
        None,
    ),
];

const SCREEN_ROWS: &[Row] = &[
    (
        Context::List,
        &[Char('s'), Key::Right],
        Some(Action::SortNext),
        "sort by the next column",
        None,
    ),
    (
        Context::List,
        &[Key::Left],
        Some(Action::SortPrevious),
        "sort by the previous column",
        None,
    ),
    (
        Context::List,
        &[Char('R')],
        Some(Action::SortReverse),
        "reverse the sort order",
        None,
    ),
    (
        Context::List,
        &[Char('r'), Ctrl('r')],
        Some(Action::Refresh),
        "reload from ECR (retry after an error)",
        Some("refresh"),
    ),
    (
        Context::List,
        &[Char('p')],
        Some(Action::Push),
        "push the selection (or all shown rows) to Port",
        Some("push"),
    ),
    (
        Context::List,
        &[Char('t')],
        Some(Action::Tag),
        "add a port-<service> tag to the selection (or the row)",
        Some("tag"),
    ),
    (
        Context::List,
        &[Char('T')],
        Some(Action::Untag),
        "remove a port-<service> tag from the selection (or the row)",
        None,
    ),
    (
        Context::List,
        &[Char('m')],
        Some(Action::Workbench),
        "open the mapping workbench",
        Some("mapping"),
    ),
    (
        Context::List,
        &[Char('D')],
        Some(Action::CheckDrift),
        "compare the service tags with Port: DRIFT column, /drift keeps what drifts",
        None,
    ),
    (
        Context::List,
        &[Char('L')],
        Some(Action::ActivityLog),
        "activity log: every write and its AWS CLI equivalent",
        None,
    ),
    (
        Context::Global,
        &[Char('Q')],
        Some(Action::QuitWithoutSaving),
        "quit now (unsaved workbench edits go to the state directory)",
        None,
    ),
    (
        Context::Filter,
        &[],
        None,
        "type: narrow the list as you type",
        None,
    ),
    (
        Context::Filter,
        &[Key::Enter],
        Some(Action::KeepText),
        "keep the filter and go back to the list",
        Some("keep"),
    ),
    (
        Context::Filter,
        &[Key::Down],
        Some(Action::KeepAndDown),
        "keep the filter and move down the list",
        None,
    ),
    (
        Context::Filter,
        &[Key::Up],
        Some(Action::KeepAndUp),
        "keep the filter and move up the list",
        None,
    ),
    (
        Context::Filter,
        &[Key::Esc],
        Some(Action::ClearText),
        "clear the filter",
        Some("clear"),
    ),
    (
        Context::Filter,
        &[Ctrl('u')],
        Some(Action::EraseText),
        "erase the filter text",
        None,
    ),
    (
        Context::Filter,
        &[Key::Backspace],
        Some(Action::DeleteChar),
        "delete the last character",
        None,
    ),
    (
        Context::Detail,
        &[Key::Esc, Key::Backspace, Char('h'), Key::Left],
        Some(Action::Back),
        "back to the list",
        Some("back"),
    ),
    (
        Context::TagInput,
        &[],
        None,
        "type: the service identifier; suggestions follow",
        None,
    ),
    (
        Context::TagInput,
        &[Key::Tab, Key::Right],
        Some(Action::Complete),
        "complete with the chosen suggestion",
        Some("complete"),
    ),
    (
        Context::TagInput,
        &[Key::Down],
        Some(Action::Down),
        "choose the next suggestion",
        None,
    ),
    (
        Context::TagInput,
        &[Key::Up],
        Some(Action::Up),
        "choose the previous suggestion",
        None,
    ),
    (
        Context::TagInput,
        &[Key::Enter],
        Some(Action::PreviewTags),
        "preview the exact change per repository",
        Some("preview"),
    ),
    (
        Context::TagInput,
        &[Key::Backspace],
        Some(Action::DeleteChar),
        "delete the last character",
        None,
    ),
    (
        Context::TagInput,
        &[Ctrl('u')],
        Some(Action::EraseText),
        "erase the text",
        None,
    ),
    (
        Context::TagInput,
        &[Key::Esc],
        Some(Action::Back),
        "cancel",
        Some("cancel"),
    ),
    (
        Context::TagPreview,
        &[Char('y'), Char('Y')],
        Some(Action::Yes),
        "write the change (Enter never confirms)",
        Some("write"),
    ),
    (
        Context::TagPreview,
        &[Char('n'), Char('N'), Key::Esc, Char('q')],
        Some(Action::No),
        "cancel",
        Some("cancel"),
    ),
    (
        Context::TagResults,
        &[Key::Esc, Key::Enter, Char('q')],
        Some(Action::Back),
        "close the results",
        Some("close"),
    ),
    (
        Context::Activity,
        &[Char('u')],
        Some(Action::Undo),
        "undo the last tag write: preview what it restores, y writes",
        Some("undo"),
    ),
    (
        Context::Activity,
        &[Key::Esc, Char('L'), Char('h'), Key::Left],
        Some(Action::Back),
        "back to the list",
        Some("back"),
    ),
    (
        Context::Workbench,
        &[Char('j'), Key::Down],
        Some(Action::Down),
        "choose the next field",
        None,
    ),
    (
        Context::Workbench,
        &[Char('k'), Key::Up],
        Some(Action::Up),
        "choose the previous field",
        None,
    ),
    (
        Context::Workbench,
        &[Key::Enter, Char('e'), Char('i')],
        Some(Action::Edit),
        "edit the field's expression",
        Some("edit"),
    ),
    (
        Context::Workbench,
        &[Char('g'), Key::Home],
        Some(Action::First),
        "the first field",
        None,
    ),
    (
        Context::Workbench,
        &[Char('G'), Key::End],
        Some(Action::Last),
        "the last field (selector.query)",
        None,
    ),
    (
        Context::Workbench,
        &[Key::PageDown, Ctrl('f')],
        Some(Action::PageDown),
        "scroll the input pane a page down",
        None,
    ),
    (
        Context::Workbench,
        &[Key::PageUp, Ctrl('b')],
        Some(Action::PageUp),
        "scroll the input pane a page up",
        None,
    ),
    (
        Context::Workbench,
        &[Ctrl('d')],
        Some(Action::HalfPageDown),
        "scroll the input pane half a page down",
        None,
    ),
    (
        Context::Workbench,
        &[Ctrl('u')],
        Some(Action::HalfPageUp),
        "scroll the input pane half a page up",
        None,
    ),
    (
        Context::Workbench,
        &[Key::Tab],
        Some(Action::NextMapping),
        "edit the file's next mapping (Port applies every ECR mapping)",
        Some("mapping"),
    ),
    (
        Context::Workbench,
        &[Key::BackTab],
        Some(Action::PreviousMapping),
        "edit the file's previous mapping",
        None,
    ),
    (
        Context::Workbench,
        &[Char('a')],
        Some(Action::AddProperty),
        "add a property",
        Some("add"),
    ),
    (
        Context::Workbench,
        &[Char('A')],
        Some(Action::AddRelation),
        "add a relation",
        None,
    ),
    (
        Context::Workbench,
        &[Char('R')],
        Some(Action::Rename),
        "rename the property or relation",
        Some("rename"),
    ),
    (
        Context::Workbench,
        &[Char('D')],
        Some(Action::Delete),
        "delete the property or relation",
        None,
    ),
    (
        Context::Workbench,
        &[Char('n')],
        Some(Action::NextFailing),
        "jump to the next failing repository",
        Some("next fail"),
    ),
    (
        Context::Workbench,
        &[Char('N')],
        Some(Action::PreviousFailing),
        "jump to the previous failing repository",
        None,
    ),
    (
        Context::Workbench,
        &[Char(']')],
        Some(Action::NextRepository),
        "preview the next repository",
        None,
    ),
    (
        Context::Workbench,
        &[Char('[')],
        Some(Action::PreviousRepository),
        "preview the previous repository",
        None,
    ),
    (
        Context::Workbench,
        &[Char('o')],
        Some(Action::ToggleSemantics),
        "semantics: AWS exporter ↔ Ocean",
        // The sweep box names `o` and `p` with their current value, so the bar leaves them.
        None,
    ),
    (
        Context::Workbench,
        &[Char('p')],
        Some(Action::NextShape),
        "input shape: exporter → ocean-aws → aws-v3",
        None,
    ),
    (
        Context::Workbench,
        &[Char('s'), Ctrl('s')],
        Some(Action::Save),
        "save the mapping file (asks first, showing where)",
        Some("save"),
    ),
    (
        Context::Workbench,
        &[Char('S')],
        Some(Action::SaveAs),
        "save as: type the path to write the mapping to",
        None,
    ),
    (
        Context::Workbench,
        &[Key::Esc, Char('q')],
        Some(Action::Back),
        "back to the list (asks if there are unsaved edits)",
        Some("back"),
    ),
    (Context::WorkbenchName, &[], None, "type: the name", None),
    (
        Context::WorkbenchName,
        &[Key::Enter],
        Some(Action::KeepText),
        "use the name",
        Some("ok"),
    ),
    (
        Context::WorkbenchName,
        &[Key::Backspace],
        Some(Action::DeleteChar),
        "delete the last character",
        None,
    ),
    (
        Context::WorkbenchName,
        &[Ctrl('u')],
        Some(Action::EraseText),
        "erase the text",
        None,
    ),
    (
        Context::WorkbenchName,
        &[Key::Esc],
        Some(Action::Back),
        "cancel",
        Some("cancel"),
    ),
    (
        Context::WorkbenchConfirm,
        &[Char('y')],
        Some(Action::Yes),
        "yes (any other key keeps the question open)",
        Some("yes"),
    ),
    (
        Context::WorkbenchConfirm,
        &[Char('s')],
        Some(Action::Save),
        "when leaving: save first",
        None,
    ),
    (
        Context::WorkbenchConfirm,
        &[Char('a')],
        Some(Action::SaveAs),
        "when saving: save as (type the path)",
        None,
    ),
    (
        Context::WorkbenchConfirm,
        &[Char('r')],
        Some(Action::Revert),
        "after editing: put the expression back as it was",
        None,
    ),
    (
        Context::WorkbenchConfirm,
        &[Char('n'), Key::Esc],
        Some(Action::No),
        "no (after editing: back to the editor)",
        Some("no"),
    ),
    (
        Context::Editor,
        &[],
        None,
        "type: edit; every field is re-evaluated as you type",
        None,
    ),
    (
        Context::Editor,
        &[],
        None,
        "← → ↑ ↓ Home End: move; Ctrl-k erases to the line's end",
        None,
    ),
    (
        Context::Editor,
        &[Ctrl('u')],
        Some(Action::EraseText),
        "erase to the line's start",
        None,
    ),
    (
        Context::Editor,
        &[Ctrl('z')],
        Some(Action::UndoEdit),
        "undo (the history outlasts leaving the editor)",
        None,
    ),
    (
        Context::Editor,
        &[Ctrl('y'), Ctrl('r')],
        Some(Action::RedoEdit),
        "redo",
        None,
    ),
    (
        Context::Editor,
        &[Key::Esc],
        Some(Action::Back),
        "stop editing (asks whether to keep a changed expression)",
        Some("done"),
    ),
    (
        Context::Editor,
        &[Key::Tab],
        Some(Action::Complete),
        "complete the input path (.Tags[].Key) or jq builtin under the cursor; again: the next",
        Some("complete"),
    ),
    (
        Context::Editor,
        &[Key::BackTab],
        Some(Action::CompletePrevious),
        "the previous completion",
        None,
    ),
    (
        Context::Editor,
        &[Ctrl('p')],
        Some(Action::HistoryPrevious),
        "the field's previous expression (history of this mapping file)",
        Some("history"),
    ),
    (
        Context::Editor,
        &[Ctrl('n')],
        Some(Action::HistoryNext),
        "the next expression in the history, then back to the typed one",
        None,
    ),
];

// Copying (OSC 52) and the command line, in one block.
const COPY_ROWS: &[Row] = &[
    (
        Context::List,
        &[Char('y')],
        Some(Action::Copy),
        "copy the repository's ARN (to the terminal's clipboard)",
        Some("copy"),
    ),
    (
        Context::List,
        &[Char('Y')],
        Some(Action::CopySecond),
        "copy the repository's URI",
        None,
    ),
    (
        Context::Detail,
        &[Char('y')],
        Some(Action::Copy),
        "copy the exporter JSON record",
        Some("copy"),
    ),
    (
        Context::Activity,
        &[Char('y')],
        Some(Action::Copy),
        "copy the marked entry with its AWS CLI command",
        Some("copy"),
    ),
    (
        Context::Workbench,
        &[Char('y')],
        Some(Action::Copy),
        "copy the field's value on the repository shown",
        Some("copy"),
    ),
    (
        Context::Workbench,
        &[Char('Y')],
        Some(Action::CopySecond),
        "copy the field's expression",
        None,
    ),
    (
        Context::Command,
        &[],
        None,
        "type: a command; completions follow",
        None,
    ),
    (
        Context::Command,
        &[Key::Enter],
        Some(Action::KeepText),
        "run the command",
        Some("run"),
    ),
    (
        Context::Command,
        &[Key::Tab],
        Some(Action::Complete),
        "complete with the chosen completion",
        Some("complete"),
    ),
    (
        Context::Command,
        &[Key::Down],
        Some(Action::Down),
        "choose the next completion",
        None,
    ),
    (
        Context::Command,
        &[Key::Up],
        Some(Action::Up),
        "choose the previous completion",
        None,
    ),
    (
        Context::Command,
        &[Key::Backspace],
        Some(Action::DeleteChar),
        "delete the last character",
        None,
    ),
    (
        Context::Command,
        &[Ctrl('u')],
        Some(Action::EraseText),
        "erase the text",
        None,
    ),
    (
        Context::Command,
        &[Key::Esc],
        Some(Action::Back),
        "cancel",
        Some("cancel"),
    ),
];

const PUSH_ROWS: &[Row] = &[
    (
        Context::PushSetup,
        &[Key::Enter, Char('p'), Char('b')],
        Some(Action::Send),
        "send these requests (asks y/n; only y sends)",
        Some("send"),
    ),
    (
        Context::Push,
        &[Key::Enter, Char('p'), Char('b')],
        Some(Action::Send),
        "push what changes (asks y/n; only y sends)",
        Some("push"),
    ),
    (
        Context::Push,
        &[Char('c')],
        Some(Action::CreateMissing),
        "let Port create missing relation targets (plans again)",
        Some("create missing"),
    ),
    (
        Context::Push,
        &[Char('u')],
        Some(Action::IncludeUnchanged),
        "also send entities Port already holds unchanged",
        Some("unchanged"),
    ),
    (
        Context::PushConfirm,
        &[Char('y')],
        Some(Action::Yes),
        "yes: send",
        Some("yes, send"),
    ),
    (
        Context::PushConfirm,
        &[Char('n'), Key::Esc],
        Some(Action::No),
        "no: nothing is sent (so does any other key)",
        Some("no"),
    ),
    (
        Context::PushDone,
        &[Char('R')],
        Some(Action::RetryFailed),
        "send the failed and unsent entities again",
        Some("retry failed"),
    ),
    (
        Context::PushFailed,
        &[Char('r')],
        Some(Action::Retry),
        "try again (plans anew)",
        Some("retry"),
    ),
];

/// `?` also answers in dialogs and questions, which take no typed text.
const HELP_IN_QUESTIONS: [Context; 4] = [
    Context::TagPreview,
    Context::TagResults,
    Context::WorkbenchConfirm,
    Context::PushConfirm,
];

const PUSH_CONTEXTS: [Context; 4] = [
    Context::PushSetup,
    Context::Push,
    Context::PushDone,
    Context::PushFailed,
];

fn table() -> Vec<Binding> {
    let mut rows: Vec<Row> = GLOBAL_ROWS.to_vec();
    rows.extend(movement(Context::List));
    rows.extend_from_slice(LIST_ROWS);
    // Text panes and dialogs scroll with the same keys as the lists.
    for context in [
        Context::Detail,
        Context::Activity,
        Context::TagPreview,
        Context::TagResults,
        Context::Help,
    ] {
        rows.extend(movement(context));
    }
    rows.push((
        Context::Detail,
        &[Char(' ')],
        Some(Action::PageDown),
        "a page down",
        None,
    ));
    for (i, keys) in SORT_KEYS.iter().enumerate() {
        let bar = (i == 0).then_some("sort");
        rows.push((
            Context::List,
            keys,
            Some(Action::SortBy(i)),
            "sort by column n (again: reverse)",
            bar,
        ));
    }
    rows.extend_from_slice(SCREEN_ROWS);
    for context in HELP_IN_QUESTIONS {
        rows.push((
            context,
            &[Char('?')],
            Some(Action::Help),
            "show the help",
            None,
        ));
    }
    rows.push((
        Context::TagResults,
        &[Char('L')],
        Some(Action::ActivityLog),
        "close and open the activity log",
        Some("log"),
    ));
    for context in PUSH_CONTEXTS {
        rows.extend(movement(context));
    }
    rows.extend_from_slice(PUSH_ROWS);
    for context in PUSH_CONTEXTS {
        let what = match context {
            Context::Push => "back to the list; while sending: stop after the requests in flight",
            _ => "back to the list",
        };
        rows.push((
            context,
            &[Key::Esc, Char('q')],
            Some(Action::Back),
            what,
            Some("back"),
        ));
    }
    rows.extend_from_slice(REVIEW_LIST_ROWS);
    rows.extend(movement(Context::Review));
    rows.extend_from_slice(REVIEW_ROWS);
    rows.extend_from_slice(COPY_ROWS);
    rows.into_iter()
        .map(|(context, keys, action, what, bar)| {
            let (label, what) = match what.split_once(": ") {
                Some((label, rest)) if keys.is_empty() => (Some(label), rest),
                _ => (None, what),
            };
            Binding {
                context,
                keys: keys.to_vec(),
                label,
                action,
                what,
                bar,
            }
        })
        .collect()
}
