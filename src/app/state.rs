//! Everything the screens show, and the derived list view (filtered, sorted).

use std::collections::{BTreeSet, HashMap};

use super::keys::Context;
use crate::model::inventory::InventoryError;
use crate::model::{Repository, tags};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Region,
    Services,
    OtherTags,
    Mutability,
    Scan,
    Created,
    /// Shown once tags have been compared with Port (`D`).
    Drift,
    /// Shown only when several accounts are loaded; last here so that `1`–`7` keep their
    /// columns, though it is drawn first (see `ui::list`).
    Account,
}

impl Column {
    pub const ALL: [Column; 9] = [
        Column::Name,
        Column::Region,
        Column::Services,
        Column::OtherTags,
        Column::Mutability,
        Column::Scan,
        Column::Created,
        Column::Drift,
        Column::Account,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::Region => "REGION",
            Column::Services => "PORT SERVICES",
            Column::OtherTags => "OTHER TAGS",
            Column::Mutability => "TAG MUTABILITY",
            Column::Scan => "SCAN",
            Column::Created => "CREATED",
            Column::Drift => "DRIFT",
            Column::Account => "ACCOUNT",
        }
    }

    fn position(self) -> usize {
        Column::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }

    /// The next column in sort order among those `shown` (ACCOUNT with several accounts,
    /// DRIFT once compared with Port).
    pub fn next(self, shown: impl Fn(Column) -> bool) -> Column {
        self.step(shown, 1)
    }

    pub fn previous(self, shown: impl Fn(Column) -> bool) -> Column {
        self.step(shown, Column::ALL.len() - 1)
    }

    fn step(self, shown: impl Fn(Column) -> bool, by: usize) -> Column {
        let mut at = self.position();
        for _ in 0..Column::ALL.len() {
            at = (at + by) % Column::ALL.len();
            if shown(Column::ALL[at]) {
                return Column::ALL[at];
            }
        }
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    Listing,
    Policies,
    Done,
    Failed(InventoryError),
}

/// One account × region of the load (one region when a single account is loaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionStatus {
    /// The account's alias when several accounts are loaded.
    pub account: Option<String>,
    pub region: String,
    pub phase: Phase,
    /// Repositories listed so far.
    pub listed: usize,
}

impl RegionStatus {
    pub fn new(scope: crate::model::inventory::Scope) -> RegionStatus {
        RegionStatus {
            account: scope.account,
            region: scope.region,
            phase: Phase::Waiting,
            listed: 0,
        }
    }

    /// What the load's events call this scope.
    pub fn key(&self) -> String {
        crate::model::inventory::Scope {
            account: self.account.clone(),
            region: self.region.clone(),
        }
        .key()
    }
}

/// One account's load, summed over its regions, for the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatus<'a> {
    pub alias: &'a str,
    pub listed: usize,
    /// Some region is still waiting or listing.
    pub loading: bool,
    /// Regions that failed, with why; all of them failing means the account did.
    pub failed: Vec<(&'a str, &'a InventoryError)>,
    pub regions: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    List,
    Detail {
        arn: String,
        scroll: u16,
    },
    /// The activity log: the entry under the cursor (newest first) and the first one shown.
    Activity {
        cursor: usize,
        offset: usize,
    },
    Workbench,
    Push,
}

/// Rows the views last had room for, as they report them after drawing: paging moves by
/// what the user sees, not by a guess from the terminal size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewport {
    /// Repository rows of the list.
    pub list_rows: u16,
    /// Entity rows of the push plan.
    pub push_rows: u16,
    /// Lines of a text pane (detail, activity log).
    pub text_rows: u16,
    /// Rows the shown text pane's content takes.
    pub text_lines: u16,
    /// Rows of the help overlay, and its line count.
    pub help_rows: u16,
    pub help_lines: u16,
    /// Rows of the workbench's input pane, and its last scroll offset.
    pub pane_rows: u16,
    pub pane_end: u16,
    /// Where the rows of the screen's list were drawn, for the mouse.
    pub rows: Option<Rows>,
    /// The workbench's input pane: the wheel over it scrolls it.
    pub pane: Option<Area>,
}

/// A rectangle of the screen, in cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Area {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

impl Area {
    pub fn contains(&self, column: u16, row: u16) -> bool {
        column >= self.x
            && column < self.x.saturating_add(self.width)
            && row >= self.y
            && row < self.y.saturating_add(self.height)
    }
}

/// The rows of a list as drawn: the area of the rows (no header, no border) and the index of
/// the item on its first row. A click on row `y` means item `first + y - area.y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows {
    pub area: Area,
    pub first: usize,
}

impl Rows {
    /// The item under a click, if the click is on a row.
    pub fn item_at(&self, column: u16, row: u16) -> Option<usize> {
        self.area
            .contains(column, row)
            .then(|| self.first + usize::from(row - self.area.y))
    }
}

impl Viewport {
    /// The last scroll offset that still shows text: scrolling stops at the end.
    pub fn text_end(&self) -> u16 {
        self.text_lines.saturating_sub(self.text_rows)
    }

    pub fn help_end(&self) -> u16 {
        self.help_lines.saturating_sub(self.help_rows)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusLevel {
    Info,
    Error,
}

/// The colours the screens are drawn in: for a dark terminal background or a light one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub level: StatusLevel,
    pub text: String,
}

/// Sets the status line: it belongs to the action that set it until the next one.
pub(super) fn status(state: &mut State, level: StatusLevel, text: impl Into<String>) {
    state.status = Some(Status {
        level,
        text: text.into(),
    });
}

/// Rows whose tags, and whose policies, have arrived.
#[derive(Debug, Clone, Copy, Default)]
struct Progress {
    tags: usize,
    policies: usize,
}

#[derive(Debug, Clone)]
pub struct State {
    /// Where the data comes from, e.g. `profile dev` or `demo data`.
    pub source: String,
    pub demo: bool,
    pub read_only: bool,
    pub prefix: String,
    pub connecting: bool,
    /// Set when the source could not be opened at all.
    pub fatal: Option<InventoryError>,
    pub regions: Vec<RegionStatus>,
    /// Account id → alias, learnt as pages arrive, when several accounts are loaded.
    pub account_names: HashMap<String, String>,
    pub load: u64,
    pub repos: Vec<Repository>,
    pub(super) index: HashMap<String, usize>,
    /// Indices into `repos` that pass the filter, in sort order.
    pub view: Vec<usize>,
    /// Every index into `repos` in sort order, kept until the rows or the sort change.
    pub(super) order: Vec<usize>,
    /// The filter `view` was computed with; `None` after the order changed.
    pub(super) view_filter: Option<String>,
    /// The longest name in `view`, in characters: the NAME column's width holds while
    /// scrolling, and is not measured again at every frame.
    pub name_width: usize,
    /// Per row, what the filter looks in (`view::haystack`), built when the rows change.
    pub(super) haystacks: Vec<String>,
    /// Per row, its name's length in characters, for `name_width`.
    name_widths: Vec<u16>,
    /// The order of rows whose sort keys are equal, kept from the last refresh.
    pub(super) ranks: super::ranks::Ranks,
    progress: Progress,
    pub cursor: usize,
    /// The repository the cursor was on when `r` reloaded, until it is back or the user moves.
    pub keep_cursor: Option<String>,
    /// First row shown; kept so the cursor moves within a page before the page scrolls.
    pub offset: usize,
    pub selected: BTreeSet<String>,
    pub filter: String,
    pub filter_editing: bool,
    pub sort: Sort,
    pub screen: Screen,
    pub help: Option<u16>,
    /// The `:` command line, while it is open.
    pub command: Option<super::command::CommandLine>,
    /// AWS profiles from the AWS config files, for `:profile` completion.
    pub known_profiles: Vec<String>,
    /// The directory last listed for `:mapping` completion.
    pub listing: Option<super::command::Listing>,
    /// What the views last had room for (`Msg::Viewport`).
    pub viewport: Option<Viewport>,
    pub dialog: Option<super::tagging::Dialog>,
    /// The suggestion review, over the list.
    pub review: Option<super::review::Review>,
    /// Kept when the user leaves the workbench, so unsaved edits survive.
    pub workbench: Option<super::workbench::Workbench>,
    pub push: Option<super::push::PushScreen>,
    /// Counts push plan requests across screens (latest wins).
    pub push_generation: u64,
    /// Service identifiers in Port's catalog, for tag suggestions; `None` until known (or
    /// when Port is not configured).
    pub port_services: Option<BTreeSet<String>>,
    pub port_services_requested: bool,
    /// Port's titles of those services, which suggestions match too.
    pub port_service_titles: HashMap<String, String>,
    /// The tags compared with Port (`D`).
    pub drift: super::drift::DriftView,
    pub activity: Vec<crate::model::activity::Activity>,
    /// By ARN, what each tag write sent and not yet answered changes, oldest first.
    pub(super) writing: std::collections::HashMap<String, std::collections::VecDeque<String>>,
    /// The value written with new service tags.
    pub tag_value: String,
    pub status: Option<Status>,
    pub width: u16,
    pub height: u16,
    /// `NO_COLOR` is set: the views draw without a colour.
    pub no_color: bool,
    pub theme: Theme,
    /// The binding table in effect: the built-in one, or a keymap file's.
    pub keymap: std::sync::Arc<super::keys::Keymap>,
    pub tick: u64,
    pub quit: bool,
}

impl State {
    pub fn new(source: impl Into<String>, demo: bool, read_only: bool) -> Self {
        State {
            source: source.into(),
            demo,
            read_only,
            prefix: tags::DEFAULT_PREFIX.to_owned(),
            connecting: true,
            fatal: None,
            regions: Vec::new(),
            account_names: HashMap::new(),
            load: 0,
            repos: Vec::new(),
            index: HashMap::new(),
            view: Vec::new(),
            order: Vec::new(),
            view_filter: None,
            name_width: 0,
            haystacks: Vec::new(),
            name_widths: Vec::new(),
            ranks: Default::default(),
            progress: Progress::default(),
            cursor: 0,
            keep_cursor: None,
            offset: 0,
            selected: BTreeSet::new(),
            filter: String::new(),
            filter_editing: false,
            sort: Sort {
                column: Column::Name,
                descending: false,
            },
            screen: Screen::List,
            help: None,
            command: None,
            known_profiles: Vec::new(),
            listing: None,
            viewport: None,
            dialog: None,
            review: None,
            workbench: None,
            push: None,
            push_generation: 0,
            port_services: None,
            port_services_requested: false,
            port_service_titles: HashMap::new(),
            drift: Default::default(),
            activity: Vec::new(),
            writing: std::collections::HashMap::new(),
            tag_value: "true".to_owned(),
            status: None,
            width: 80,
            height: 24,
            no_color: false,
            theme: Theme::Dark,
            keymap: std::sync::Arc::default(),
            tick: 0,
            quit: false,
        }
    }

    /// Which binding table answers the next key.
    pub fn key_context(&self) -> Context {
        use super::push::Stage;
        use super::tagging::Dialog;
        if self.help.is_some() {
            return Context::Help;
        }
        if self.command.is_some() {
            return Context::Command;
        }
        if let Some(dialog) = &self.dialog {
            return match dialog {
                Dialog::Service(_) => Context::TagInput,
                Dialog::Preview(_) => Context::TagPreview,
                Dialog::Results(_) => Context::TagResults,
            };
        }
        if let Some(review) = &self.review {
            return review.context();
        }
        if self.filter_editing {
            return Context::Filter;
        }
        match self.screen {
            Screen::List => Context::List,
            Screen::Detail { .. } => Context::Detail,
            Screen::Activity { .. } => Context::Activity,
            Screen::Workbench => match self.workbench.as_ref() {
                Some(wb) if wb.prompt.as_ref().is_some_and(|p| p.is_text()) => {
                    Context::WorkbenchName
                }
                Some(wb) if wb.prompt.is_some() => Context::WorkbenchConfirm,
                Some(wb) if wb.editing => Context::Editor,
                _ => Context::Workbench,
            },
            Screen::Push => match self.push.as_ref() {
                Some(p) if p.confirm => Context::PushConfirm,
                Some(p) => match p.stage {
                    Stage::Blueprint { .. } => Context::PushSetup,
                    Stage::Done { .. } => Context::PushDone,
                    Stage::Failed(_) => Context::PushFailed,
                    _ => Context::Push,
                },
                None => Context::Push,
            },
        }
    }

    /// Several accounts are loaded side by side: the list shows whose each repository is.
    pub fn several_accounts(&self) -> bool {
        self.regions.iter().any(|r| r.account.is_some())
    }

    /// Whether the list draws (and sorts by) a column: ACCOUNT with several accounts, DRIFT
    /// once the tags were compared with Port.
    pub fn column_shown(&self, column: Column) -> bool {
        match column {
            Column::Account => self.several_accounts(),
            Column::Drift => self.drift.checked,
            _ => true,
        }
    }

    /// How the list names a repository's account: its alias, or its id when none is known.
    pub fn account_of<'a>(&'a self, repo: &'a Repository) -> &'a str {
        self.account_names
            .get(&repo.registry_id)
            .map_or(repo.registry_id.as_str(), String::as_str)
    }

    /// Each account's load in the order the accounts were given.
    pub fn account_statuses(&self) -> Vec<AccountStatus<'_>> {
        let mut out: Vec<AccountStatus<'_>> = Vec::new();
        for scope in &self.regions {
            let Some(alias) = scope.account.as_deref() else {
                continue;
            };
            let at = match out.iter().position(|a| a.alias == alias) {
                Some(at) => at,
                None => {
                    out.push(AccountStatus {
                        alias,
                        listed: 0,
                        loading: false,
                        failed: Vec::new(),
                        regions: 0,
                    });
                    out.len() - 1
                }
            };
            let account = &mut out[at];
            account.regions += 1;
            account.listed += scope.listed;
            match &scope.phase {
                Phase::Waiting | Phase::Listing => account.loading = true,
                Phase::Failed(e) => account.failed.push((scope.region.as_str(), e)),
                Phase::Policies | Phase::Done => {}
            }
        }
        out
    }

    pub fn current(&self) -> Option<&Repository> {
        self.view.get(self.cursor).and_then(|&i| self.repos.get(i))
    }

    pub fn repo(&self, arn: &str) -> Option<&Repository> {
        self.index.get(arn).map(|&i| &self.repos[i])
    }

    pub(super) fn repo_mut(&mut self, arn: &str) -> Option<&mut Repository> {
        self.index.get(arn).map(|&i| &mut self.repos[i])
    }

    /// `(done, total)` of tag fetches, for the progress line: counted when the rows change,
    /// not at every frame (a pass over 50,000 rows is most of a frame's budget).
    pub fn tag_progress(&self) -> (usize, usize) {
        (self.progress.tags, self.repos.len())
    }

    pub fn policy_progress(&self) -> (usize, usize) {
        (self.progress.policies, self.repos.len())
    }

    fn count_progress(&mut self) {
        let mut progress = Progress::default();
        for r in &self.repos {
            progress.tags += usize::from(!r.tags.is_pending());
            progress.policies +=
                usize::from(!r.lifecycle_policy.is_pending() && !r.repository_policy.is_pending());
        }
        self.progress = progress;
    }

    /// Whether something on screen moves by itself (spinners, progress), so the loop keeps
    /// ticking.
    pub fn animating(&self) -> bool {
        self.loading()
            || self.push.as_ref().is_some_and(|p| {
                matches!(
                    p.stage,
                    super::push::Stage::Preparing | super::push::Stage::Pushing { .. }
                )
            })
    }

    pub fn loading(&self) -> bool {
        self.connecting
            || self
                .regions
                .iter()
                .any(|r| matches!(r.phase, Phase::Waiting | Phase::Listing))
    }

    /// Rows of the table body: the screen minus the two top lines, the table's borders and
    /// header, and the two bottom bars.
    /// Rows of the list page: as last drawn, or a guess from the height before the first frame.
    pub fn page_size(&self) -> usize {
        let rows = match self.viewport {
            Some(v) => v.list_rows,
            None => self.height.saturating_sub(7),
        };
        usize::from(rows).max(1)
    }

    /// Scrolls the page just enough to show the cursor.
    pub(super) fn follow_cursor(&mut self) {
        let page = self.page_size();
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + page {
            self.offset = self.cursor + 1 - page;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(page));
    }

    pub(super) fn reindex(&mut self) {
        self.index = self
            .repos
            .iter()
            .enumerate()
            .map(|(i, r)| (r.arn.clone(), i))
            .collect();
    }

    /// Sorts every repository again and filters them: the rows or the sort changed.
    pub(super) fn refresh_view(&mut self) {
        self.count_progress();
        self.haystacks = self.repos.iter().map(super::view::haystack).collect();
        self.name_widths = self
            .repos
            .iter()
            .map(|r| u16::try_from(r.name.chars().count()).unwrap_or(u16::MAX))
            .collect();
        self.ranks = super::view::ranks(self);
        self.order = super::view::sorted(self);
        self.view_filter = None;
        self.refilter();
    }

    /// Sorts again and filters: the sort (or what it sorts by, such as drift) changed, the
    /// rows did not, so what the filter searches stays as it was.
    pub(super) fn resort(&mut self) {
        if self.haystacks.len() != self.repos.len() || self.ranks.ties.len() != self.repos.len() {
            return self.refresh_view();
        }
        self.order = super::view::sorted(self);
        self.view_filter = None;
        self.refilter();
    }

    /// Filters the sorted rows again, keeping the cursor on the same repository: one pass,
    /// no sort, so each key typed in the filter box costs little however long the list. A
    /// filter that narrows the last one (a letter added) looks only at the rows shown.
    pub(super) fn refilter(&mut self) {
        if self.order.len() != self.repos.len()
            || self.haystacks.len() != self.repos.len()
            || self.name_widths.len() != self.repos.len()
        {
            // Rows came or went without a refresh: the order no longer covers them.
            self.refresh_view();
            return;
        }
        let keep = self.current().map(|r| r.arn.clone());
        let filter = super::view::Filter::parse(&self.filter);
        let several = self.several_accounts();
        let keeps = |i: &usize| {
            let repo = &self.repos[*i];
            filter.matches(
                repo,
                &self.haystacks[*i],
                several.then(|| self.account_of(repo)),
                || self.drift.drifts(&repo.arn),
            )
        };
        let narrows = self
            .view_filter
            .as_deref()
            .is_some_and(|last| filter.narrows(&super::view::Filter::parse(last)));
        let view: Vec<usize> = if narrows {
            self.view.iter().filter(|i| keeps(i)).copied().collect()
        } else {
            self.order.iter().filter(|i| keeps(i)).copied().collect()
        };
        self.name_width = view
            .iter()
            .map(|&i| usize::from(self.name_widths[i]))
            .max()
            .unwrap_or(0);
        self.view = view;
        self.view_filter = Some(self.filter.clone());
        // A row is found again by its index: comparing ARNs read every row's string.
        let position = |arn: &str| {
            let row = self.index.get(arn)?;
            self.view.iter().position(|i| i == row)
        };
        let back = self.keep_cursor.as_deref().and_then(position);
        if back.is_some() {
            self.keep_cursor = None;
        }
        self.cursor = back
            .or_else(|| keep.as_deref().and_then(position))
            .unwrap_or(self.cursor)
            .min(self.view.len().saturating_sub(1));
        self.follow_cursor();
    }
}
