//! Everything the screens show, and the derived list view (filtered, sorted).

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use super::keys::Context;
use crate::model::inventory::InventoryError;
use crate::model::{Fetched, Repository, tags};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Region,
    Services,
    OtherTags,
    Mutability,
    Scan,
    Created,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::Name,
        Column::Region,
        Column::Services,
        Column::OtherTags,
        Column::Mutability,
        Column::Scan,
        Column::Created,
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
        }
    }

    fn position(self) -> usize {
        Column::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }

    pub fn next(self) -> Column {
        Column::ALL[(self.position() + 1) % Column::ALL.len()]
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionStatus {
    pub region: String,
    pub phase: Phase,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    List,
    Detail { arn: String, scroll: u16 },
    Activity { scroll: u16 },
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
    pub load: u64,
    pub repos: Vec<Repository>,
    pub(super) index: HashMap<String, usize>,
    /// Indices into `repos` that pass the filter, in sort order.
    pub view: Vec<usize>,
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
    pub activity: Vec<crate::model::activity::Activity>,
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
            load: 0,
            repos: Vec::new(),
            index: HashMap::new(),
            view: Vec::new(),
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
            viewport: None,
            dialog: None,
            review: None,
            workbench: None,
            push: None,
            push_generation: 0,
            port_services: None,
            port_services_requested: false,
            activity: Vec::new(),
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

    pub fn current(&self) -> Option<&Repository> {
        self.view.get(self.cursor).and_then(|&i| self.repos.get(i))
    }

    pub fn repo(&self, arn: &str) -> Option<&Repository> {
        self.index.get(arn).map(|&i| &self.repos[i])
    }

    pub(super) fn repo_mut(&mut self, arn: &str) -> Option<&mut Repository> {
        self.index.get(arn).map(|&i| &mut self.repos[i])
    }

    /// `(done, total)` of tag fetches, for the progress line.
    pub fn tag_progress(&self) -> (usize, usize) {
        let done = self.repos.iter().filter(|r| !r.tags.is_pending()).count();
        (done, self.repos.len())
    }

    pub fn policy_progress(&self) -> (usize, usize) {
        let done = self
            .repos
            .iter()
            .filter(|r| !r.lifecycle_policy.is_pending() && !r.repository_policy.is_pending())
            .count();
        (done, self.repos.len())
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

    /// Recomputes the filtered, sorted view, keeping the cursor on the same repository.
    pub(super) fn refresh_view(&mut self) {
        let keep = self.current().map(|r| r.arn.clone());
        let filter = Filter::parse(&self.filter);
        let mut view: Vec<usize> = (0..self.repos.len())
            .filter(|&i| filter.matches(&self.repos[i]))
            .collect();
        let sort = self.sort;
        let prefix = self.prefix.as_str();
        view.sort_by(|&a, &b| {
            let (ra, rb) = (&self.repos[a], &self.repos[b]);
            let ord = compare(ra, rb, sort.column, prefix);
            let ord = if sort.descending { ord.reverse() } else { ord };
            ord.then_with(|| ra.name.cmp(&rb.name))
                .then_with(|| ra.region.cmp(&rb.region))
        });
        self.view = view;
        let position = |arn: &str| self.view.iter().position(|&i| self.repos[i].arn == arn);
        let back = self.keep_cursor.as_deref().and_then(position);
        if back.is_some() {
            self.keep_cursor = None;
        }
        self.cursor = back
            .or_else(|| keep.and_then(|arn| position(&arn)))
            .unwrap_or(self.cursor)
            .min(self.view.len().saturating_sub(1));
        self.follow_cursor();
    }
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
    }
}

/// `/text` keeps rows containing `text` (any case) in the name, region or a tag `key=value`;
/// `/!text` keeps the others.
struct Filter {
    needle: String,
    invert: bool,
}

impl Filter {
    fn parse(text: &str) -> Filter {
        let (invert, needle) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        Filter {
            needle: needle.to_lowercase(),
            invert,
        }
    }

    fn matches(&self, repo: &Repository) -> bool {
        if self.needle.is_empty() {
            return true;
        }
        let hit = repo.name.to_lowercase().contains(&self.needle)
            || repo.region.contains(&self.needle)
            || match &repo.tags {
                Fetched::Present(tags) => tags.iter().any(|t| {
                    format!("{}={}", t.key, t.value)
                        .to_lowercase()
                        .contains(&self.needle)
                }),
                _ => false,
            };
        hit != self.invert
    }
}
