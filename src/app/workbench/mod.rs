//! The mapping workbench (`m`): the mapping's fields, an editor for one, each field's outcome
//! on the highlighted repository as you type, and a sweep over every repository of every
//! mapping in the file.

mod assist;
mod editing;
mod mappings;
mod saving;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;

use super::keys::Action;
use super::state::{Screen, State, Status, StatusLevel};
use super::{EditorOp, Effect, Key};
use crate::mapping::Plan;
use crate::mapping::engine::Outcome;
use crate::mapping::eval::{self, Collision, EntityOutcome, Semantics, Shape, Sweep};
use crate::mapping::file::{FieldName, Mapping, MappingFile, Origin};
use crate::mapping::protocol::CompileIssue;
use crate::mapping::protocol::{Evaluated, WorkerError};
pub use assist::{Assist, Completion};
use mappings::carry_columns;
pub use mappings::{Other, SweepColumn};
pub use saving::save_path;
pub(super) use saving::saved;

/// A one-line prompt inside the workbench.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    AddProperty(String),
    AddRelation(String),
    Rename(String),
    /// The path to save to, shown and editable.
    SaveAs(String),
    ConfirmDelete,
    ConfirmSave,
    ConfirmLeave,
    /// Esc after changing an expression: keep it, or put back what it was.
    ConfirmRevert,
}

impl Prompt {
    /// A name being typed, rather than a y/n question.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Prompt::AddProperty(_) | Prompt::AddRelation(_) | Prompt::Rename(_) | Prompt::SaveAs(_)
        )
    }
}

/// Where an evaluation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    Idle,
    Running,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Workbench {
    pub file: MappingFile,
    /// Where a save goes; `None` until the user has one (the shipped mapping).
    pub path: Option<PathBuf>,
    pub mapping: Mapping,
    /// The document as last loaded or saved, to know about unsaved edits in any mapping.
    saved: String,
    /// Every ECR mapping of the file, in order; `origins[current]` is the edited one.
    pub origins: Vec<Origin>,
    pub current: usize,
    /// The other mappings, swept too: Port applies them all.
    pub others: Vec<Other>,
    /// Entities of any mapping that Port would take for one (same blueprint and identifier).
    pub collisions: Vec<Collision>,
    pub plan: Plan,
    pub focus: usize,
    pub editing: bool,
    /// Cursor in the editor: (line, column in characters).
    pub cursor: (usize, usize),
    /// The expression as it was when editing began, for `Esc`'s offer to revert.
    pub edit_start: Option<String>,
    /// First line of the input pane shown.
    pub input_scroll: u16,
    pub semantics: Semantics,
    pub shape: Shape,
    pub prompt: Option<Prompt>,
    /// Latest request number; older replies are dropped.
    pub generation: u64,
    /// Per expression, for the highlighted repository.
    pub preview: Vec<Option<Outcome>>,
    /// The last value each field gave, kept while an expression is incomplete.
    pub last_good: Vec<Option<Value>>,
    pub preview_run: Run,
    pub compile: Vec<Vec<CompileIssue>>,
    /// `rows[repo][expr]`, repositories in `state.repos` order.
    pub rows: Vec<Vec<Outcome>>,
    pub entities: Vec<EntityOutcome>,
    pub sweep: Option<Sweep>,
    pub sweep_run: Run,
    /// Which expression each column of `rows` holds; a column is stale when it differs from
    /// the plan's.
    pub swept: Vec<Option<String>>,
    /// Every repository in the mapping's input shape, as the sweep worker holds them.
    pub inputs: Option<Arc<Vec<Value>>>,
    /// Bumped when the inputs change (repositories, shape), so the worker reloads them.
    pub inputs_version: u64,
    /// Completion and history in the editor.
    pub assist: Assist,
}

/// Where the shipped mapping is saved the first time.
pub const DEFAULT_SAVE_NAME: &str = "ecr-port-mapping.json";

impl Workbench {
    /// The whole document with the edited mapping in it, as it would be saved.
    pub fn document_text(&self) -> Result<String, String> {
        let mut file = self.file.clone();
        file.set_mapping(self.mapping.clone())
            .and_then(|()| file.to_text())
            .map_err(|e| e.to_string())
    }

    pub fn new(file: MappingFile, path: Option<PathBuf>) -> Workbench {
        let mapping = file.mapping().clone();
        let plan = Plan::new(&mapping);
        let n = plan.exprs.len();
        let origin = file.origin();
        // The file was read whole when it was loaded, so this is every mapping.
        let all = file.mappings().unwrap_or_default();
        let mut origins: Vec<Origin> = all.iter().map(|(o, _)| *o).collect();
        if !origins.contains(&origin) {
            origins = vec![origin];
        }
        let current = origins.iter().position(|o| *o == origin).unwrap_or(0);
        let others = all
            .into_iter()
            .filter(|(o, _)| *o != origin)
            .map(|(o, m)| Other::new(o, m))
            .collect();
        Workbench {
            saved: file.to_text().unwrap_or_default(),
            origins,
            current,
            others,
            collisions: Vec::new(),
            mapping,
            plan,
            file,
            path,
            focus: 0,
            editing: false,
            cursor: (0, 0),
            edit_start: None,
            input_scroll: 0,
            semantics: Semantics::Exporter,
            shape: Shape::Exporter,
            prompt: None,
            generation: 0,
            preview: vec![None; n],
            last_good: vec![None; n],
            preview_run: Run::Idle,
            compile: vec![vec![]; n],
            rows: Vec::new(),
            entities: Vec::new(),
            sweep: None,
            sweep_run: Run::Idle,
            swept: vec![None; n],
            inputs: None,
            inputs_version: 0,
            assist: Assist::default(),
        }
    }

    /// Whether a save would write something else than was loaded or last saved.
    pub fn dirty(&self) -> bool {
        !self.document_text().is_ok_and(|text| text == self.saved)
    }

    /// The focused field's expression as the editor shows it (the selector's after the fields).
    /// For expression `i` (a field, or the selector last): why its value for `repo` is not
    /// the policy's, when it reads one that has not arrived or could not be read. Without it
    /// the field would show `null` as if that were the policy.
    pub fn policy_gap(&self, i: usize, repo: &crate::model::Repository) -> Option<String> {
        let expr = self.plan.exprs.get(i)?;
        if !crate::model::repository::reads_policy(expr) {
            return None;
        }
        repo.policy_gap()
    }

    pub fn focused_expr(&self) -> String {
        if self.on_selector() {
            return self.mapping.selector_query.clone().unwrap_or_default();
        }
        self.plan
            .fields
            .get(self.focus)
            .map(|f| f.expr.clone())
            .unwrap_or_default()
    }

    pub fn focused_name(&self) -> Option<&FieldName> {
        self.plan.fields.get(self.focus).map(|f| &f.name)
    }

    /// Re-derives the plan after an edit, keeping results of unchanged expressions.
    fn replan(&mut self) {
        let old = std::mem::replace(&mut self.plan, Plan::new(&self.mapping));
        let carried = carry_columns(&old, &self.plan, &self.rows, &self.swept);
        let n = self.plan.exprs.len();
        let mut preview = vec![None; n];
        let mut last_good = vec![None; n];
        let mut compile = vec![vec![]; n];
        for (i, column) in carried.from.iter().enumerate() {
            match *column {
                Some(j) => {
                    preview[i] = self.preview.get(j).cloned().flatten();
                    last_good[i] = self.last_good.get(j).cloned().flatten();
                    compile[i] = self.compile.get(j).cloned().unwrap_or_default();
                }
                None => {
                    // Keep the last good value of a field whose expression is being edited.
                    let by_name = self
                        .plan
                        .fields
                        .get(i)
                        .and_then(|f| old.fields.iter().position(|g| g.name == f.name));
                    last_good[i] = by_name.and_then(|j| self.last_good.get(j).cloned().flatten());
                }
            }
        }
        (self.rows, self.swept) = (carried.rows, carried.swept);
        self.preview = preview;
        self.last_good = last_good;
        self.compile = compile;
        self.focus = self.focus.min(self.last_row());
        self.sync_siblings();
    }
}

impl State {
    /// Every repository in the shape the mapping reads, in `repos` order.
    pub fn mapping_inputs(&self, shape: Shape) -> Arc<Vec<Value>> {
        Arc::new(self.repos.iter().map(|r| shape.input(r)).collect())
    }
}

/// `m`: opens the workbench on a mapping file the event loop has loaded.
pub(super) fn open(state: &mut State, file: MappingFile, path: Option<PathBuf>) -> Vec<Effect> {
    let (wb, mut effects) = match state.workbench.take() {
        Some(wb) => (wb, vec![]),
        None => (
            Workbench::new(file, path.clone()),
            vec![Effect::LoadHistory { mapping: path }],
        ),
    };
    state.workbench = Some(wb);
    state.screen = Screen::Workbench;
    effects.extend(preview(state));
    effects.extend(sweep(state));
    effects
}

/// Asks for the highlighted repository's outcomes, every field.
pub(super) fn preview(state: &mut State) -> Vec<Effect> {
    let input = state.current().map(|r| (r.arn.clone(), r.clone()));
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    let Some((_, repo)) = input else {
        return vec![];
    };
    wb.generation += 1;
    wb.preview_run = Run::Running;
    vec![Effect::Preview {
        generation: wb.generation,
        exprs: wb.plan.exprs.clone(),
        input: wb.shape.input(&repo),
        jq: wb.semantics.dialect(),
    }]
}

/// Asks for a sweep of every stale column over every repository, the edited mapping's first,
/// then the other mappings'. The request names the expressions it carries, so a reply that
/// arrives after further edits still lands right.
pub(super) fn sweep(state: &mut State) -> Vec<Effect> {
    let repos = state.repos.len();
    let Some(wb) = state.workbench.as_ref() else {
        return vec![];
    };
    // Inputs are rebuilt only when the repositories or the shape changed, not per keystroke.
    let fresh =
        (wb.inputs.is_none() || wb.rows.len() != repos).then(|| state.mapping_inputs(wb.shape));
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    if let Some(inputs) = fresh {
        let n = wb.plan.exprs.len();
        wb.rows = vec![vec![Outcome::NoOutput; n]; repos];
        wb.swept = vec![None; n];
        for other in &mut wb.others {
            let n = other.plan.exprs.len();
            other.rows = vec![vec![Outcome::NoOutput; n]; repos];
            other.swept = vec![None; n];
        }
        wb.inputs_version += 1;
        wb.inputs = Some(inputs);
    }
    let Some(inputs) = wb.inputs.clone() else {
        return vec![];
    };
    let mut stale = stale_columns(wb.origin(), &wb.plan, &wb.swept);
    for other in &wb.others {
        stale.extend(stale_columns(other.origin, &other.plan, &other.swept));
    }
    if stale.is_empty() {
        resummarise(wb);
        return vec![];
    }
    wb.sweep_run = Run::Running;
    vec![Effect::Sweep {
        exprs: stale,
        inputs,
        version: wb.inputs_version,
        jq: wb.semantics.dialect(),
    }]
}

/// The columns of a plan whose results are not for its current expression.
fn stale_columns(
    origin: Origin,
    plan: &Plan,
    swept: &[Option<String>],
) -> Vec<(SweepColumn, String)> {
    plan.exprs
        .iter()
        .enumerate()
        .filter(|(i, e)| swept.get(*i).cloned().flatten().as_deref() != Some(e.as_str()))
        .map(|(index, e)| (SweepColumn { origin, index }, e.clone()))
        .collect()
}

/// The repositories changed (a reload, a tag write): every column is stale.
pub(super) fn inputs_changed(state: &mut State) {
    if let Some(wb) = state.workbench.as_mut() {
        wb.inputs = None;
    }
}

pub(super) fn preview_done(
    state: &mut State,
    generation: u64,
    result: Result<Evaluated, WorkerError>,
) {
    let Some(wb) = state.workbench.as_mut() else {
        return;
    };
    if generation != wb.generation {
        return;
    }
    match result {
        Err(e) => wb.preview_run = Run::Failed(short(&e)),
        Ok(ev) => {
            wb.preview_run = Run::Idle;
            let row = ev.outcomes.into_iter().next().unwrap_or_default();
            for (i, o) in row.into_iter().enumerate() {
                if let (Outcome::Value(v), Some(slot)) = (&o, wb.last_good.get_mut(i)) {
                    *slot = Some(v.clone());
                }
                if let Some(slot) = wb.preview.get_mut(i) {
                    *slot = Some(o);
                }
            }
            for (i, issues) in ev.compile.into_iter().enumerate() {
                if let Some(slot) = wb.compile.get_mut(i) {
                    *slot = issues;
                }
            }
        }
    }
}

fn short(e: &WorkerError) -> String {
    match e {
        WorkerError::TimedOut(d) => format!("timed out after {d:?}"),
        WorkerError::Crashed(why) => format!("crashed: {why}"),
        WorkerError::Spawn(why) => format!("no worker: {why}"),
        WorkerError::Input(why) => why.clone(),
    }
}

pub(super) fn sweep_done(
    state: &mut State,
    exprs: Vec<(SweepColumn, String)>,
    version: u64,
    result: Result<Evaluated, WorkerError>,
) {
    let Some(wb) = state.workbench.as_mut() else {
        return;
    };
    if version != wb.inputs_version {
        return;
    }
    let ev = match result {
        Err(e) => {
            wb.sweep_run = Run::Failed(short(&e));
            return;
        }
        Ok(ev) => ev,
    };
    wb.sweep_run = Run::Idle;
    let edited = wb.origin();
    for (k, (column, text)) in exprs.iter().enumerate() {
        // Only a column whose expression is still the one evaluated.
        let (plan, rows, swept) = match wb.others.iter_mut().find(|o| o.origin == column.origin) {
            _ if column.origin == edited => (&wb.plan, &mut wb.rows, &mut wb.swept),
            Some(other) => (&other.plan, &mut other.rows, &mut other.swept),
            None => continue,
        };
        let col = column.index;
        if plan.exprs.get(col) != Some(text) {
            continue;
        }
        for (row, new) in rows.iter_mut().zip(&ev.outcomes) {
            if let (Some(slot), Some(o)) = (row.get_mut(col), new.get(k)) {
                *slot = o.clone();
            }
        }
        if let Some(slot) = swept.get_mut(col) {
            *slot = Some(text.clone());
        }
        if column.origin == edited
            && let (Some(slot), Some(issues)) = (wb.compile.get_mut(col), ev.compile.get(k))
        {
            *slot = issues.clone();
        }
    }
    resummarise(wb);
}

/// Entities of every mapping, the edited one's sweep, and the collisions across them all.
fn resummarise(wb: &mut Workbench) {
    wb.entities = wb
        .rows
        .iter()
        .map(|row| wb.plan.entity(row, wb.semantics))
        .collect();
    for other in &mut wb.others {
        other.entities = other
            .rows
            .iter()
            .map(|row| other.plan.entity(row, wb.semantics))
            .collect();
    }
    wb.sweep = Some(eval::sweep(&wb.plan.fields, &wb.rows, &wb.entities));
    let edited = wb.origin();
    let mut all: Vec<(Origin, &[EntityOutcome])> = wb
        .others
        .iter()
        .map(|o| (o.origin, &o.entities[..]))
        .collect();
    all.push((edited, &wb.entities[..]));
    all.sort_by_key(|(o, _)| *o);
    wb.collisions = eval::collisions(&all);
}

/// The editor's text changed (the event loop owns the text area).
pub(super) fn edited(state: &mut State, text: String, cursor: (usize, usize)) -> Vec<Effect> {
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    wb.cursor = cursor;
    wb.assist.edited(&text);
    if wb.focused_expr() == text {
        return vec![];
    }
    if let Err(e) = wb.set_focused(text) {
        state_error(state, e);
        return vec![];
    }
    let mut effects = preview(state);
    effects.extend(sweep(state));
    effects
}

pub(super) fn on_key(state: &mut State, key: Key, action: Option<Action>) -> Vec<Effect> {
    let Some(wb) = state.workbench.as_mut() else {
        state.screen = Screen::List;
        return vec![];
    };
    if let Some(prompt) = wb.prompt.take() {
        return on_prompt(state, prompt, key, action);
    }
    if wb.editing {
        // The event loop feeds text keys to the editor; the table's editor keys come here.
        return match action {
            Some(Action::Back) => {
                editing::stop(wb);
                vec![]
            }
            Some(Action::EraseText) => vec![Effect::EditInPlace(EditorOp::EraseToLineStart)],
            Some(Action::UndoEdit) => vec![Effect::EditInPlace(EditorOp::Undo)],
            Some(Action::RedoEdit) => vec![Effect::EditInPlace(EditorOp::Redo)],
            Some(a) => assist::on_action(state, a),
            None => vec![],
        };
    }
    let last = wb.last_row();
    let Some(action) = action else {
        return vec![];
    };
    match action {
        Action::QuitWithoutSaving => return super::update::quit(state),
        Action::Back => {
            if wb.dirty() {
                wb.prompt = Some(Prompt::ConfirmLeave);
            } else {
                state.screen = Screen::List;
            }
        }
        Action::Down => wb.focus = (wb.focus + 1).min(last),
        Action::Up => wb.focus = wb.focus.saturating_sub(1),
        Action::First => wb.focus = 0,
        Action::Last => wb.focus = last,
        Action::Edit => return vec![editing::start(wb)],
        // The pages are the input pane's; the fields have j/k and g/G.
        Action::PageDown | Action::PageUp | Action::HalfPageDown | Action::HalfPageUp => {
            let (page, end) = state
                .viewport
                .map_or((10, u16::MAX), |v| (v.pane_rows, v.pane_end));
            wb.input_scroll = super::update::scrolled(wb.input_scroll, page, end, action)
                .unwrap_or(wb.input_scroll);
        }
        Action::AddProperty => wb.prompt = Some(Prompt::AddProperty(String::new())),
        Action::AddRelation => wb.prompt = Some(Prompt::AddRelation(String::new())),
        Action::Rename => {
            if let Some(FieldName::Property(n) | FieldName::Relation(n)) = wb.focused_name() {
                wb.prompt = Some(Prompt::Rename(n.clone()));
            }
        }
        Action::Delete => {
            if matches!(
                wb.focused_name(),
                Some(FieldName::Property(_) | FieldName::Relation(_))
            ) {
                wb.prompt = Some(Prompt::ConfirmDelete);
            }
        }
        Action::Save => wb.prompt = Some(Prompt::ConfirmSave),
        Action::SaveAs => wb.prompt = Some(saving::save_as(wb)),
        Action::ToggleSemantics => {
            // Ocean runs jq 1.8, the exporter jq 1.6: every value is evaluated again.
            wb.semantics = wb.semantics.toggled();
            wb.inputs = None;
            let mut effects = preview(state);
            effects.extend(sweep(state));
            return effects;
        }
        Action::NextShape => {
            wb.shape = wb.shape.next();
            wb.inputs = None;
            let mut effects = preview(state);
            effects.extend(sweep(state));
            return effects;
        }
        Action::NextRepository | Action::PreviousRepository => {
            let last_row = state.view.len().saturating_sub(1);
            state.cursor = if action == Action::NextRepository {
                (state.cursor + 1).min(last_row)
            } else {
                state.cursor.saturating_sub(1)
            };
            state.follow_cursor();
            return preview(state);
        }
        Action::NextFailing | Action::PreviousFailing => {
            return jump(state, action == Action::NextFailing);
        }
        Action::NextMapping | Action::PreviousMapping => {
            return mappings::switch(state, action == Action::NextMapping);
        }
        _ => {}
    }
    vec![]
}

/// `n` / `N`: the list cursor moves to the next / previous repository with a problem.
fn jump(state: &mut State, forward: bool) -> Vec<Effect> {
    let failing: Vec<String> = match state.workbench.as_ref().filter(|w| w.sweep.is_some()) {
        Some(wb) => wb
            .failing()
            .into_iter()
            .filter_map(|i| state.repos.get(i).map(|r| r.arn.clone()))
            .collect(),
        None => return vec![],
    };
    if failing.is_empty() {
        state.status = Some(Status {
            level: StatusLevel::Info,
            text: "no failing repository".into(),
        });
        return vec![];
    }
    if !state.filter.is_empty() {
        state.filter.clear();
        state.refresh_view();
    }
    let positions: Vec<usize> = state
        .view
        .iter()
        .enumerate()
        .filter(|(_, i)| failing.contains(&state.repos[**i].arn))
        .map(|(p, _)| p)
        .collect();
    let next = if forward {
        positions
            .iter()
            .find(|&&p| p > state.cursor)
            .or(positions.first())
    } else {
        positions
            .iter()
            .rev()
            .find(|&&p| p < state.cursor)
            .or(positions.last())
    };
    if let Some(&p) = next {
        state.cursor = p;
        state.follow_cursor();
    }
    preview(state)
}

fn on_prompt(state: &mut State, prompt: Prompt, key: Key, action: Option<Action>) -> Vec<Effect> {
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    let text_prompt = |p: &Prompt, text: String| match p {
        Prompt::AddProperty(_) => Prompt::AddProperty(text),
        Prompt::AddRelation(_) => Prompt::AddRelation(text),
        Prompt::SaveAs(_) => Prompt::SaveAs(text),
        _ => Prompt::Rename(text),
    };
    match (&prompt, action) {
        (Prompt::SaveAs(t), Some(Action::KeepText)) => saving::save_to(state, t.trim()),
        (
            Prompt::AddProperty(t) | Prompt::AddRelation(t) | Prompt::Rename(t) | Prompt::SaveAs(t),
            action,
        ) => {
            let mut t = t.clone();
            match (action, key) {
                (Some(Action::Back), _) => return vec![],
                (Some(Action::DeleteChar), _) => {
                    t.pop();
                }
                (Some(Action::EraseText), _) => t.clear(),
                (Some(Action::KeepText), _) => {
                    return apply_name(state, &prompt, t.trim().to_owned());
                }
                (None, Key::Char(c)) => t.push(c),
                _ => {}
            }
            wb.prompt = Some(text_prompt(&prompt, t));
            vec![]
        }
        (Prompt::ConfirmDelete, Some(Action::Yes)) => {
            let result = match wb.focused_name().cloned() {
                Some(FieldName::Property(n)) => wb.mapping.remove_property(&n).map(drop),
                Some(FieldName::Relation(n)) => wb.mapping.remove_relation(&n).map(drop),
                _ => Ok(()),
            };
            if let Err(e) = result {
                state_error(state, e.to_string());
                return vec![];
            }
            changed(state)
        }
        (Prompt::ConfirmSave, Some(Action::Yes)) => {
            let path = saving::save_path(wb);
            saving::save_to(state, &path.to_string_lossy())
        }
        (Prompt::ConfirmSave, Some(Action::SaveAs)) => {
            wb.prompt = Some(saving::save_as(wb));
            vec![]
        }
        (Prompt::ConfirmLeave, Some(Action::Yes)) => {
            // The edits stay in memory for this session: `m` brings them back.
            state.screen = Screen::List;
            state.status = Some(Status {
                level: StatusLevel::Info,
                text: "unsaved mapping edits kept for this session: m returns to them".into(),
            });
            vec![]
        }
        (Prompt::ConfirmLeave, Some(Action::Save)) => {
            wb.prompt = Some(Prompt::ConfirmSave);
            vec![]
        }
        (Prompt::ConfirmDelete | Prompt::ConfirmSave | Prompt::ConfirmLeave, Some(Action::No)) => {
            vec![]
        }
        (Prompt::ConfirmRevert, _) => editing::on_revert_prompt(state, action),
        // Anything else keeps the question open: a stray key never confirms.
        _ => {
            wb.prompt = Some(prompt);
            vec![]
        }
    }
}

fn state_error(state: &mut State, text: String) {
    state.status = Some(Status {
        level: StatusLevel::Error,
        text,
    });
}

fn apply_name(state: &mut State, prompt: &Prompt, name: String) -> Vec<Effect> {
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    let result = match (prompt, wb.focused_name().cloned()) {
        (Prompt::AddProperty(_), _) if wb.mapping.properties.iter().any(|(k, _)| *k == name) => {
            Err(format!("a property `{name}` already exists"))
        }
        (Prompt::AddRelation(_), _) if wb.mapping.relations.iter().any(|(k, _)| *k == name) => {
            Err(format!("a relation `{name}` already exists"))
        }
        (Prompt::AddProperty(_), _) => wb
            .mapping
            .set_property(&name, "null")
            .map_err(|e| e.to_string()),
        (Prompt::AddRelation(_), _) => wb
            .mapping
            .set_relation(&name, "null")
            .map_err(|e| e.to_string()),
        (Prompt::Rename(_), Some(FieldName::Property(old))) => wb
            .mapping
            .rename_property(&old, &name)
            .map_err(|e| e.to_string()),
        (Prompt::Rename(_), Some(FieldName::Relation(old))) => wb
            .mapping
            .rename_relation(&old, &name)
            .map_err(|e| e.to_string()),
        _ => Ok(()),
    };
    if let Err(e) = result {
        let e: String = e;
        // Keep the prompt open with what was typed, and say why.
        wb.prompt = Some(match prompt {
            Prompt::AddProperty(_) => Prompt::AddProperty(name),
            Prompt::AddRelation(_) => Prompt::AddRelation(name),
            _ => Prompt::Rename(name),
        });
        state_error(state, e.to_string());
        return vec![];
    }
    let target = match prompt {
        Prompt::AddRelation(_) => FieldName::Relation(name),
        Prompt::AddProperty(_) => FieldName::Property(name),
        _ => match wb.focused_name() {
            Some(FieldName::Relation(_)) => FieldName::Relation(name),
            _ => FieldName::Property(name),
        },
    };
    let mut effects = changed(state);
    if let Some(wb) = state.workbench.as_mut()
        && let Some(i) = wb.plan.fields.iter().position(|f| f.name == target)
    {
        wb.focus = i;
        if matches!(prompt, Prompt::AddProperty(_) | Prompt::AddRelation(_)) {
            effects.push(editing::start(wb));
        }
    }
    effects
}

/// After a structural edit: new plan, new preview, re-sweep what changed.
fn changed(state: &mut State) -> Vec<Effect> {
    let Some(wb) = state.workbench.as_mut() else {
        return vec![];
    };
    wb.replan();
    let mut effects = preview(state);
    effects.extend(sweep(state));
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Msg, update};
    use crate::mapping::file::{Format, default_exporter_config};
    use crate::model::inventory::Event;
    use crate::model::repository::sample;

    fn opened() -> (State, Vec<Effect>) {
        let repos = vec![
            sample("a", "eu-west-1", &[("port-x", "true")]),
            sample("b", "eu-west-1", &[]),
        ];
        opened_with(repos, default_exporter_config())
    }

    /// The workbench opened on `config` over `repos` of eu-west-1, and what that asked for.
    pub(super) fn opened_with(
        repos: Vec<crate::model::Repository>,
        config: &str,
    ) -> (State, Vec<Effect>) {
        let mut state = State::new("test", false, false);
        update(
            &mut state,
            Msg::Connected {
                source: "test".into(),
                regions: vec![crate::model::inventory::Scope::region("eu-west-1")],
            },
        );
        update(
            &mut state,
            Msg::Inventory(vec![Event::Page {
                load: 1,
                region: "eu-west-1".into(),
                repos,
            }]),
        );
        let file = MappingFile::parse(config, Format::ExporterJson).unwrap();
        let effects = update(&mut state, Msg::MappingLoaded(Ok(Box::new((file, None)))));
        (state, effects)
    }

    fn sweep_of(effects: &[Effect]) -> (Vec<(SweepColumn, String)>, u64) {
        effects
            .iter()
            .find_map(|e| match e {
                Effect::Sweep { exprs, version, .. } => Some((exprs.clone(), *version)),
                _ => None,
            })
            .expect("a sweep")
    }

    fn answer(exprs: &[(SweepColumn, String)]) -> Evaluated {
        Evaluated {
            compile: vec![vec![]; exprs.len()],
            outcomes: vec![vec![Outcome::Value(Value::Bool(true)); exprs.len()]; 2],
        }
    }

    #[test]
    fn opening_sweeps_every_field_then_only_what_changed() {
        let (mut state, effects) = opened();
        let (exprs, version) = sweep_of(&effects);
        let n = state.workbench.as_ref().unwrap().plan.exprs.len();
        assert_eq!(exprs.len(), n);
        update(
            &mut state,
            Msg::SweepDone {
                exprs: exprs.clone(),
                version,
                result: Ok(answer(&exprs)),
            },
        );
        let wb = state.workbench.as_mut().unwrap();
        assert!(wb.swept.iter().all(Option::is_some));
        wb.focus = 0;
        let effects = update(
            &mut state,
            Msg::Edited {
                text: ".RepositoryUri".into(),
                cursor: (0, 14),
            },
        );
        let (again, same_version) = sweep_of(&effects);
        let again: Vec<(usize, String)> = again.into_iter().map(|(c, e)| (c.index, e)).collect();
        assert_eq!(again, vec![(0, ".RepositoryUri".to_owned())]);
        assert_eq!(same_version, version, "inputs are not resent per keystroke");
    }

    #[test]
    fn a_reply_for_an_expression_since_replaced_does_not_land() {
        let (mut state, effects) = opened();
        let (exprs, version) = sweep_of(&effects);
        state.workbench.as_mut().unwrap().focus = 0;
        update(
            &mut state,
            Msg::Edited {
                text: ".RepositoryName".into(),
                cursor: (0, 15),
            },
        );
        // The first sweep (with the old identifier expression) answers late.
        update(
            &mut state,
            Msg::SweepDone {
                exprs: exprs.clone(),
                version,
                result: Ok(answer(&exprs)),
            },
        );
        let wb = state.workbench.as_ref().unwrap();
        assert_eq!(
            wb.swept[0], None,
            "column 0 holds `.RepositoryName` now, not the old reply"
        );
        assert!(wb.swept[1..].iter().all(Option::is_some));
    }

    #[test]
    fn a_new_preview_makes_older_ones_stale() {
        let (mut state, effects) = opened();
        let first = effects
            .iter()
            .find_map(|e| match e {
                Effect::Preview { generation, .. } => Some(*generation),
                _ => None,
            })
            .unwrap();
        update(&mut state, Msg::Key(crate::app::Key::Char(']')));
        let n = state.workbench.as_ref().unwrap().plan.exprs.len();
        let late = Evaluated {
            compile: vec![vec![]; n],
            outcomes: vec![vec![Outcome::NoOutput; n]],
        };
        update(
            &mut state,
            Msg::PreviewDone {
                generation: first,
                result: Ok(late),
            },
        );
        assert!(
            state
                .workbench
                .as_ref()
                .unwrap()
                .preview
                .iter()
                .all(Option::is_none)
        );
    }
}
