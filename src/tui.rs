//! The terminal and its event loop: keys and IO results become `Msg`s, `update` decides, the
//! loop performs the effects and draws.

mod assist;
mod port;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream, KeyCode, KeyEvent,
    KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::{Effect, Key, Msg, State, update};
use crate::inventory::{self, Inventory, InventoryError, LoadOptions};
use crate::mapping::worker::{WorkerClient, WorkerOptions};
use crate::ops::context::{Context, load_mapping};
use crate::ops::push as ops_push;
use crate::port::Catalog;
use crate::port::push::Push;
use crate::signals::{Signals, Stop};
use ratatui_textarea::TextArea;
use std::sync::atomic::{AtomicBool, Ordering};

/// Port services read for tag suggestions; more would not help anyone choose.
const MAX_PORT_SERVICES: usize = 5_000;

/// Most inventory events folded into one update, so 5,000 rows cost a few redraws.
const MAX_BATCH: usize = 20_000;

/// Runs the TUI until the user quits or a signal ends it; the exit code is 0, or 128 + the
/// signal's number.
pub async fn run(ctx: &Context) -> anyhow::Result<std::process::ExitCode> {
    // A keymap the app cannot honour stops it before the terminal is taken, with every
    // problem named: starting on other keys than the user wrote would be worse.
    let keymap_path = ctx.paths.keymap_file();
    let keymap = crate::app::keys::Keymap::load(ctx.paths.read_keymap()?.as_deref(), &keymap_path)?;
    install_panic_hook();
    let mut terminal = ratatui::try_init().map_err(|e| {
        anyhow::anyhow!(
            "the interactive UI needs a terminal ({e}); for scripts use a subcommand \
             (`ecr-port --help`)"
        )
    })?;
    // Clicks and the wheel come as events; every way out turns the reporting off again.
    if let Err(e) = crossterm::execute!(io::stdout(), EnableMouseCapture) {
        tracing::warn!(error = %e, "the terminal does not report the mouse");
    }
    let exit = event_loop(&mut terminal, ctx, keymap).await;
    // After SIGHUP the terminal may be gone: restoring it can fail, and nothing is lost then.
    let restored = restore();
    if let Some(path) = &exit.unsaved {
        eprintln!(
            "ecr-port: the mapping had unsaved edits; they are in {}",
            path.display()
        );
    }
    if let Some(journal) = &exit.push_interrupted {
        eprintln!(
            "ecr-port: a push was still sending; its journal knows what landed: `{}` sends the rest",
            ops_push::resume_command(journal)
        );
    }
    if let Some(signal) = exit.signal {
        eprintln!("ecr-port: stopped by {}", signal.name());
        return Ok(std::process::ExitCode::from(128 + signal.number()));
    }
    exit.error.map_or(Ok(()), Err)?;
    restored?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// The terminal as it was: mouse reporting off, raw mode off, the main screen back.
fn restore() -> io::Result<()> {
    let mouse = crossterm::execute!(io::stdout(), DisableMouseCapture);
    ratatui::try_restore().and(mouse)
}

/// Ctrl-z or SIGTSTP: the terminal goes back to the shell as it was, the process stops, and
/// once continued (`fg`) the screen is taken and drawn again from scratch.
fn suspend(terminal: &mut DefaultTerminal) -> io::Result<()> {
    restore()?;
    // SIGTSTP is handled here, so the stop itself is SIGSTOP; this returns on SIGCONT.
    // SAFETY: raise only sends a signal to this process.
    unsafe { libc::raise(libc::SIGSTOP) };
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        EnableMouseCapture
    )?;
    // Both buffers blank, so the next frame is drawn whole. (`Terminal::clear` would ask the
    // terminal where its cursor is, and the answer goes to the event reader instead.)
    terminal.swap_buffers();
    Ok(())
}

/// What the session leaves behind to tell the user about.
struct Exit {
    unsaved: Option<std::path::PathBuf>,
    /// The journal of a push still sending at exit.
    push_interrupted: Option<std::path::PathBuf>,
    /// The signal that ended the session.
    signal: Option<Stop>,
    /// Why the loop could not go on (the terminal failed).
    error: Option<anyhow::Error>,
}

/// Unsaved workbench edits at exit go to a file in the state directory, so quitting (even
/// with Ctrl-c) never loses them.
fn keep_unsaved(state: &State, ctx: &Context) -> Option<std::path::PathBuf> {
    let wb = state.workbench.as_ref().filter(|w| w.dirty())?;
    let text = match wb.document_text() {
        Ok(text) => text,
        Err(e) => {
            eprintln!("ecr-port: the unsaved mapping edits could not be kept: {e}");
            return None;
        }
    };
    let ext = match wb.mapping.format {
        crate::mapping::file::Format::ExporterJson => "json",
        crate::mapping::file::Format::OceanYaml => "yaml",
    };
    let path = ctx.paths.state_dir.join(format!(
        "unsaved-mapping-{}.{ext}",
        crate::port::push::now_secs()
    ));
    if let Err(e) = crate::config::write_atomic(&path, text.as_bytes(), false) {
        eprintln!("ecr-port: the unsaved mapping edits could not be kept: {e}");
        return None;
    }
    Some(path)
}

/// Any panic, in any task, restores the terminal and ends the process: a half-working UI on
/// a raw terminal is worse than a clean exit with the message.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore();
        tracing::error!("panic: {info}");
        previous(info);
        std::process::exit(101);
    }));
}

/// With `ECR_PORT_TEST_PANIC=tui`, a key panics inside the running UI: no input reaches a
/// panic otherwise, so this is how the tests see the terminal restored after one.
fn panic_if_asked() {
    if std::env::var_os("ECR_PORT_TEST_PANIC").is_some_and(|v| v == "tui") {
        panic!("ECR_PORT_TEST_PANIC=tui and a key was pressed");
    }
}

/// The newest job for a worker; a newer one replaces a waiting one (latest wins).
type Latest<T> = tokio::sync::watch::Sender<Option<Arc<T>>>;

struct PreviewJob {
    generation: u64,
    exprs: Vec<String>,
    input: serde_json::Value,
    jq: crate::mapping::engine::Dialect,
}

struct SweepJob {
    exprs: Vec<(crate::app::workbench::SweepColumn, String)>,
    inputs: Arc<Vec<serde_json::Value>>,
    version: u64,
    jq: crate::mapping::engine::Dialect,
}

struct Runtime {
    inventory: Option<Arc<dyn Inventory>>,
    /// The workbench's text area: widget state lives here, edits reach `update` as Msgs.
    editor: Option<TextArea<'static>>,
    /// Each row's text area once left, with its undo history, by `Effect::EditField`'s key.
    editors: std::collections::HashMap<String, TextArea<'static>>,
    /// The key of the row `editor` belongs to.
    editor_key: String,
    /// The editor's last completion or recall, undone and redone whole.
    replaced: Option<assist::Replaced>,
    preview: Option<Latest<PreviewJob>>,
    sweep: Option<Latest<SweepJob>>,
    msgs: mpsc::UnboundedSender<Msg>,
    load_task: Option<JoinHandle<()>>,
    events: mpsc::UnboundedSender<inventory::Event>,
    connected: mpsc::UnboundedSender<Result<Arc<dyn Inventory>, InventoryError>>,
    written: mpsc::UnboundedSender<inventory::Applied>,
    /// Opened at the first push or tag dialog; the demo catalog lives as long as the session.
    catalog: Option<Arc<dyn Catalog>>,
    /// The running push plan; a newer request aborts it (and its mapping worker).
    prepare_task: Option<JoinHandle<()>>,
    drift_task: Option<JoinHandle<()>>,
    /// The last push, kept for `R`.
    push: Arc<tokio::sync::Mutex<Option<Push>>>,
    push_stop: Arc<AtomicBool>,
    /// The preview and sweep worker tasks, waited for at exit.
    workers: Vec<JoinHandle<()>>,
    /// The task sending a push; at exit it is stopped and waited for.
    push_task: Option<JoinHandle<()>>,
    /// `:profile` and `:region` over the flags and settings, for every later connect.
    profile: Option<String>,
    regions: Option<Vec<String>>,
}

/// The receiving ends of the runtime's channels.
struct Inbox {
    events: mpsc::UnboundedReceiver<inventory::Event>,
    connected: mpsc::UnboundedReceiver<Result<Arc<dyn Inventory>, InventoryError>>,
    written: mpsc::UnboundedReceiver<inventory::Applied>,
    msgs: mpsc::UnboundedReceiver<Msg>,
}

/// The session from start to exit. However it ends (quit, signal, a failing terminal), the
/// unsaved edits are kept and an interrupted push is named.
async fn event_loop(
    terminal: &mut DefaultTerminal,
    ctx: &Context,
    keymap: crate::app::keys::Keymap,
) -> Exit {
    let mut state = State::new("connecting", ctx.global.demo, ctx.read_only());
    if let Some(warning) = keymap.warnings.first() {
        state.status = Some(crate::app::Status {
            level: crate::app::StatusLevel::Error,
            text: format!("keymap: {warning}"),
        });
    }
    state.keymap = Arc::new(keymap);
    state.theme = match ctx.settings.ui.theme.unwrap_or_default() {
        crate::config::Theme::Dark => crate::app::Theme::Dark,
        crate::config::Theme::Light => crate::app::Theme::Light,
    };
    state.prefix = ctx.prefix();
    state.tag_value = ctx.tag_value();
    // no-color.org: set and not empty.
    state.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if let Ok(size) = terminal.size() {
        update(
            &mut state,
            Msg::Resize {
                width: size.width,
                height: size.height,
            },
        );
    }
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let (conn_tx, conn_rx) = mpsc::unbounded_channel();
    let (written_tx, written_rx) = mpsc::unbounded_channel();
    let (msg_tx, msg_rx) = mpsc::unbounded_channel();
    let mut rt = Runtime {
        editor: None,
        editors: std::collections::HashMap::new(),
        editor_key: String::new(),
        replaced: None,
        preview: None,
        sweep: None,
        msgs: msg_tx,
        inventory: None,
        load_task: None,
        events: event_tx,
        connected: conn_tx,
        written: written_tx,
        catalog: None,
        prepare_task: None,
        drift_task: None,
        push: Arc::new(tokio::sync::Mutex::new(None)),
        push_stop: Arc::new(AtomicBool::new(false)),
        workers: Vec::new(),
        push_task: None,
        profile: None,
        regions: None,
    };
    state.known_profiles = crate::config::aws_profiles();
    {
        // Journals are read off the event loop: the first frame must not wait for them.
        let (dir, tx) = (ctx.journal_dir(), rt.msgs.clone());
        tokio::task::spawn_blocking(move || {
            if let Some(notice) = ops_push::unfinished_notice(&dir) {
                let _ = tx.send(Msg::Notice(notice));
            }
        });
    }
    let inbox = Inbox {
        events: event_rx,
        connected: conn_rx,
        written: written_rx,
        msgs: msg_rx,
    };
    let (signal, error) = match Signals::install(&Stop::ALL) {
        Ok(mut signals) => {
            match run_loop(terminal, &mut state, &mut rt, inbox, &mut signals, ctx).await {
                Ok(signal) => (signal, None),
                Err(e) => (None, Some(e)),
            }
        }
        Err(e) => (
            None,
            Some(anyhow::Error::from(e).context("cannot handle signals")),
        ),
    };
    if let Some(task) = rt.load_task.take() {
        task.abort();
    }
    // No jq worker outlives the session: their channels close, they end and are waited for
    // (one still on a runaway evaluation is killed when its task is dropped).
    rt.preview = None;
    rt.sweep = None;
    for worker in rt.workers.drain(..) {
        let _ = tokio::time::timeout(Duration::from_secs(1), worker).await;
    }
    let push_interrupted = stop_the_push(&state, &mut rt).await;
    Exit {
        unsaved: keep_unsaved(&state, ctx),
        push_interrupted,
        signal,
        error,
    }
}

/// A push still sending at exit stops after the requests in flight, so the journal gets
/// their answers (an unanswered one is `unknown` and read back by the resume); its journal is
/// named for the resume command.
async fn stop_the_push(state: &State, rt: &mut Runtime) -> Option<std::path::PathBuf> {
    let pushing = state
        .push
        .as_ref()
        .is_some_and(|p| matches!(p.stage, crate::app::push::Stage::Pushing { .. }));
    if !pushing {
        return None;
    }
    rt.push_stop.store(true, Ordering::SeqCst);
    if let Some(task) = rt.push_task.take() {
        let _ = tokio::time::timeout(PUSH_STOP_WAIT, task).await;
    }
    let slot = rt.push.try_lock().ok()?;
    slot.as_ref().map(|p| p.journal_path().to_owned())
}

/// How long quitting waits for the push's requests in flight.
const PUSH_STOP_WAIT: Duration = Duration::from_secs(15);

/// Keys, IO results and ticks into `update` until the user quits (`None`) or a signal stops
/// the session.
async fn run_loop(
    terminal: &mut DefaultTerminal,
    state: &mut State,
    rt: &mut Runtime,
    inbox: Inbox,
    signals: &mut Signals,
    ctx: &Context,
) -> anyhow::Result<Option<Stop>> {
    let Inbox {
        mut events,
        mut connected,
        mut written,
        mut msgs,
    } = inbox;
    let mut terminal_events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let mut suspends =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(libc::SIGTSTP))?;

    // The first frame goes out before any AWS call.
    draw(terminal, state)?;
    perform(Effect::Connect, rt, state, ctx);

    loop {
        let msg = tokio::select! {
            stop = signals.next() => return Ok(Some(stop)),
            Some(()) = suspends.recv() => {
                suspend(terminal)?;
                draw(terminal, state)?;
                continue;
            }
            event = terminal_events.next() => match event {
                Some(Ok(TermEvent::Key(key))) => {
                    panic_if_asked();
                    let started = std::time::Instant::now();
                    // Each key against the state the one before it left (an Esc that ends
                    // editing changes where the next key goes).
                    for key in unmerge_escape(key) {
                        let msg = match editor_key(rt, state, key) {
                            Some(msg) => msg,
                            None => match map_key(key) {
                                Some(key) => Msg::Key(key),
                                None => continue,
                            },
                        };
                        for effect in update(state, msg) {
                            perform(effect, rt, state, ctx);
                        }
                    }
                    if state.quit {
                        return Ok(None);
                    }
                    draw(terminal, state)?;
                    // Key to drawn frame, for bench/tui_keys.sh (ECR_PORT_LOG=latency=debug).
                    tracing::debug!(target: "latency", micros = started.elapsed().as_micros() as u64, rows = state.repos.len(), "key drawn");
                    continue;
                }
                Some(Ok(TermEvent::Resize(width, height))) => Msg::Resize { width, height },
                Some(Ok(TermEvent::Mouse(mouse))) => match map_mouse(mouse) {
                    Some(mouse) => Msg::Mouse(mouse),
                    None => continue,
                },
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => return Err(io::Error::other("the terminal closed its input").into()),
            },
            Some(first) = events.recv() => {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match events.try_recv() {
                        Ok(e) => batch.push(e),
                        Err(_) => break,
                    }
                }
                Msg::Inventory(batch)
            }
            Some(result) = connected.recv() => match result {
                Ok(inv) => {
                    let msg = Msg::Connected { source: inv.describe(), regions: inv.scopes() };
                    rt.inventory = Some(inv);
                    msg
                }
                Err(e) => Msg::ConnectFailed(e),
            },
            Some(first) = written.recv() => {
                let mut applied = vec![first];
                while applied.len() < MAX_BATCH {
                    match written.try_recv() {
                        Ok(more) => applied.push(more),
                        Err(_) => break,
                    }
                }
                Msg::TagWritten { applied, at: crate::port::push::now_secs() }
            }
            Some(msg) = msgs.recv() => msg,
            _ = tick.tick() => {
                if !state.animating() {
                    continue;
                }
                Msg::Tick
            }
        };
        for effect in update(state, msg) {
            perform(effect, rt, state, ctx);
        }
        if state.quit {
            return Ok(None);
        }
        draw(terminal, state)?;
    }
}

/// Draws, and when the views had room for other row counts than before, tells `update` and
/// draws again (paging and the cursor follow what is on the screen).
fn draw(terminal: &mut DefaultTerminal, state: &mut State) -> io::Result<()> {
    let mut viewport = None;
    terminal.draw(|f| viewport = Some(crate::ui::render(f, state)))?;
    if viewport.is_some() && viewport != state.viewport {
        if let Some(v) = viewport {
            update(state, Msg::Viewport(v));
        }
        terminal.draw(|f| {
            crate::ui::render(f, state);
        })?;
    }
    Ok(())
}

fn perform(effect: Effect, rt: &mut Runtime, state: &State, ctx: &Context) {
    match effect {
        Effect::Connect
        | Effect::Load { .. }
        | Effect::FetchPolicies { .. }
        | Effect::WriteTags { .. } => perform_inventory(effect, rt, state, ctx),
        Effect::LoadMapping
        | Effect::EditField { .. }
        | Effect::Preview { .. }
        | Effect::Sweep { .. }
        | Effect::SaveMapping { .. } => perform_workbench(effect, rt, ctx),
        Effect::SetEditorText { .. }
        | Effect::EditInPlace(_)
        | Effect::LoadHistory { .. }
        | Effect::RecordHistory { .. } => assist::perform(effect, rt, ctx),
        Effect::PreparePush { .. } => port::prepare_push(effect, rt, ctx),
        Effect::CheckDrift { .. } => port::check_drift(effect, rt, ctx),
        Effect::ReadUndoJournal => {
            let dir = crate::ops::tag_journal::dir(ctx);
            let read = crate::ops::tag_journal::latest(&dir)
                .and_then(|path| {
                    let (_, written) = crate::ops::tag_journal::read(&path)?;
                    Ok((path, written))
                })
                .map_err(|e| e.to_string());
            let _ = rt.msgs.send(Msg::UndoJournal(read));
        }
        Effect::Copy { .. }
        | Effect::Reconnect { .. }
        | Effect::LoadMappingFrom { .. }
        | Effect::ListDir { .. } => perform_command(effect, rt, state, ctx),
        Effect::Quit => {}
        // The same way as a SIGTSTP from outside: the event loop's handler suspends.
        Effect::Suspend => {
            // SAFETY: raise only sends a signal to this process.
            unsafe { libc::raise(libc::SIGTSTP) };
        }
        _ => port::perform_port(effect, rt, ctx),
    }
}

/// Loading repositories and writing their tags.
fn perform_inventory(effect: Effect, rt: &mut Runtime, state: &State, ctx: &Context) {
    match effect {
        Effect::Connect => {
            let (request, tx) = (requested(rt, ctx), rt.connected.clone());
            tokio::spawn(async move {
                let _ = tx.send(request.open().await);
            });
        }
        Effect::Load { load } => {
            if let Some(old) = rt.load_task.take() {
                old.abort();
            }
            if let Some(inv) = &rt.inventory {
                let run = inv.load(
                    LoadOptions {
                        load,
                        policies: true,
                    },
                    rt.events.clone(),
                );
                rt.load_task = Some(tokio::spawn(run));
            }
        }
        Effect::FetchPolicies { load, arn } => {
            if let (Some(inv), Some(repo)) = (&rt.inventory, state.repo(&arn)) {
                tokio::spawn(inv.fetch_policies(load, repo, rt.events.clone()));
            }
        }
        Effect::WriteTags { items, undoes } => {
            if let Some(inv) = rt.inventory.clone() {
                let tx = rt.written.clone();
                let concurrency = ctx.aws_options().concurrency;
                let batches = crate::ops::tags::Batch::per_repository(items, &state.repos);
                // Journaled as the headless writes are, so `tag undo` can restore them; a
                // write that could not be journaled is not made.
                let journal = if ctx.read_only() {
                    Ok(None)
                } else {
                    crate::ops::tag_journal::TagJournal::create(
                        &crate::ops::tag_journal::dir(ctx),
                        crate::port::push::now_secs(),
                        if undoes.is_some() { "tui undo" } else { "tui" },
                        undoes.as_deref(),
                    )
                    .map(Some)
                };
                tokio::spawn(async move {
                    let journal = match journal {
                        Ok(j) => j,
                        Err(e) => {
                            for batch in batches {
                                for item in batch.items {
                                    let error = crate::inventory::InventoryError::NotJournaled(
                                        e.to_string(),
                                    );
                                    let _ = tx.send(crate::inventory::Applied {
                                        arn: item.arn,
                                        result: Err(error),
                                        command: None,
                                    });
                                }
                            }
                            return;
                        }
                    };
                    let mut results = Box::pin(crate::ops::tags::write_journaled(
                        inv,
                        batches,
                        concurrency,
                        journal,
                    ));
                    while let Some((_, applied)) = results.next().await {
                        for a in applied {
                            let _ = tx.send(a);
                        }
                    }
                });
            }
        }
        _ => {}
    }
}

/// What to open: the flags and settings, with `:profile` and `:region` over them.
fn requested(rt: &Runtime, ctx: &Context) -> crate::ops::context::InventoryRequest {
    let mut request = ctx.inventory_request();
    if let Some(profile) = &rt.profile {
        request.aws.profile = Some(profile.clone());
        request.accounts = vec![request.aws.clone()];
        request.read_only =
            ctx.global.read_only || ctx.settings.aws.read_only_profiles.contains(profile);
    }
    if let Some(regions) = &rt.regions {
        request.aws.regions = regions.clone();
        for account in &mut request.accounts {
            account.regions = regions.clone();
        }
    }
    request
}

/// The command line's effects and copying.
fn perform_command(effect: Effect, rt: &mut Runtime, state: &State, ctx: &Context) {
    match effect {
        Effect::Copy { text, what } => {
            let result = copy_to_clipboard(&text).map(|()| what);
            let _ = rt.msgs.send(Msg::Copied(result.map_err(|e| e.to_string())));
        }
        Effect::Reconnect { profile, regions } => {
            if profile.is_some() {
                rt.profile = profile;
            }
            if regions.is_some() {
                rt.regions = regions;
            }
            if let Some(task) = rt.load_task.take() {
                task.abort();
            }
            rt.inventory = None;
            let read_only = requested(rt, ctx).read_only;
            let _ = rt.msgs.send(Msg::ReadOnly(read_only));
            perform_inventory(Effect::Connect, rt, state, ctx);
        }
        Effect::LoadMappingFrom { path } => {
            let loaded = load_mapping(ctx, Some(path.clone()))
                .map(|file| Box::new((file, Some(path))))
                .map_err(|e| format!("{e:#}"));
            let _ = rt.msgs.send(Msg::MappingLoaded(loaded));
        }
        Effect::ListDir { dir } => {
            let tx = rt.msgs.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::Listed(crate::app::command::Listing {
                    names: list_dir(&dir),
                    dir,
                }));
            });
        }
        _ => {}
    }
}

/// The entries of a typed directory, directories marked with `/`; hidden ones only when
/// asked for by a leading dot would be typed, so they are left out. An unreadable directory
/// completes to nothing.
fn list_dir(dir: &str) -> Vec<String> {
    let path = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(path) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let is_dir = e.file_type().ok()?.is_dir();
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// OSC 52 to the terminal, which puts the text on the system clipboard, also over SSH.
/// Inside tmux the sequence reaches tmux, which keeps it as a paste buffer and passes it on to
/// the outer terminal when `set-clipboard` is `on` (see the README).
fn copy_to_clipboard(text: &str) -> io::Result<()> {
    crossterm::execute!(
        io::stdout(),
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    )
}

/// The workbench's file, editor and workers.
fn perform_workbench(effect: Effect, rt: &mut Runtime, ctx: &Context) {
    match effect {
        Effect::LoadMapping => {
            let loaded = load_mapping(ctx, None)
                .map(|file| Box::new((file, ctx.settings.mapping.file.clone())))
                .map_err(|e| format!("{e:#}"));
            let _ = rt.msgs.send(Msg::MappingLoaded(loaded));
        }
        Effect::EditField { key, text } => {
            if let Some(old) = rt.editor.take() {
                rt.editors.insert(std::mem::take(&mut rt.editor_key), old);
            }
            // The row's own editor comes back, undo and all, while it still holds this text
            // (a revert or another way of changing the row starts a fresh one).
            let kept = rt
                .editors
                .remove(&key)
                .filter(|area| area.lines().join("\n") == text);
            let area = kept.unwrap_or_else(|| {
                let mut area = TextArea::new(text.lines().map(str::to_owned).collect());
                area.move_cursor(ratatui_textarea::CursorMove::Bottom);
                area.move_cursor(ratatui_textarea::CursorMove::End);
                area
            });
            rt.editor = Some(area);
            rt.editor_key = key;
            rt.replaced = None;
        }
        Effect::Preview {
            generation,
            exprs,
            input,
            jq,
        } => {
            let tx = rt
                .preview
                .get_or_insert_with(|| spawn_preview_worker(rt.msgs.clone(), &mut rt.workers));
            let _ = tx.send(Some(Arc::new(PreviewJob {
                generation,
                exprs,
                input,
                jq,
            })));
        }
        Effect::Sweep {
            exprs,
            inputs,
            version,
            jq,
        } => {
            let tx = rt
                .sweep
                .get_or_insert_with(|| spawn_sweep_worker(rt.msgs.clone(), &mut rt.workers));
            let _ = tx.send(Some(Arc::new(SweepJob {
                exprs,
                inputs,
                version,
                jq,
            })));
        }
        Effect::SaveMapping { path, text } => {
            let result = crate::config::write_atomic(&path, text.as_bytes(), false)
                .map(|backup| crate::app::SavedFile { path, backup })
                .map_err(|e| e.to_string());
            let _ = rt.msgs.send(Msg::Saved(result));
        }
        _ => {}
    }
}

/// In the workbench editor, text keys go to the text area; Ctrl-c and the keys the binding
/// table gives the editor (Esc, completion, history) go to `update`.
fn editor_key(rt: &mut Runtime, state: &State, key: KeyEvent) -> Option<Msg> {
    let editing = state.screen == crate::app::Screen::Workbench
        && state.help.is_none()
        && state
            .workbench
            .as_ref()
            .is_some_and(|w| w.editing && w.prompt.is_none());
    if !editing || key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    let bound = map_key(key).is_some_and(|k| {
        state
            .keymap
            .action(crate::app::keys::Context::Editor, k)
            .is_some()
    });
    if bound || ctrl_c {
        return None;
    }
    let area = rt.editor.as_mut()?;
    area.input(key);
    Some(edited(area))
}

/// What the editor holds now, for `update`.
fn edited(area: &TextArea<'_>) -> Msg {
    let cursor = area.cursor();
    Msg::Edited {
        text: area.lines().join("\n"),
        cursor: (cursor.0, cursor.1),
    }
}

fn spawn_preview_worker(
    msgs: mpsc::UnboundedSender<Msg>,
    workers: &mut Vec<JoinHandle<()>>,
) -> Latest<PreviewJob> {
    let (tx, mut rx) = tokio::sync::watch::channel::<Option<Arc<PreviewJob>>>(None);
    workers.push(tokio::spawn(async move {
        let mut client = match WorkerOptions::current() {
            Ok(opts) => WorkerClient::new(opts),
            Err(e) => {
                let _ = msgs.send(Msg::PreviewDone {
                    generation: 0,
                    result: Err(e),
                });
                return;
            }
        };
        while rx.changed().await.is_ok() {
            let job = rx.borrow_and_update().clone();
            let Some(job) = job else { continue };
            client.set_dialect(job.jq);
            let result =
                crate::mapping::evaluate_one(&mut client, &job.exprs, job.input.clone()).await;
            let _ = msgs.send(Msg::PreviewDone {
                generation: job.generation,
                result: Ok(result),
            });
        }
        // The session is over (its sender is gone): the worker process ends with it.
        client.shutdown().await;
    }));
    tx
}

fn spawn_sweep_worker(
    msgs: mpsc::UnboundedSender<Msg>,
    workers: &mut Vec<JoinHandle<()>>,
) -> Latest<SweepJob> {
    let (tx, mut rx) = tokio::sync::watch::channel::<Option<Arc<SweepJob>>>(None);
    workers.push(tokio::spawn(async move {
        let Ok(opts) = WorkerOptions::current() else {
            return;
        };
        let mut client = WorkerClient::new(opts);
        let mut loaded: Option<u64> = None;
        while rx.changed().await.is_ok() {
            let job = rx.borrow_and_update().clone();
            let Some(job) = job else { continue };
            client.set_dialect(job.jq);
            if loaded != Some(job.version) {
                if let Err(e) = client.load(job.inputs.clone()).await {
                    let _ = msgs.send(Msg::SweepDone {
                        exprs: job.exprs.clone(),
                        version: job.version,
                        result: Err(e),
                    });
                    continue;
                }
                loaded = Some(job.version);
            }
            // Column by column, so a runaway expression costs only its own column, and a
            // newer job (the user typed on) replaces the rest of this one.
            for (col, expr) in &job.exprs {
                if rx.has_changed().unwrap_or(false) {
                    break;
                }
                let result = crate::mapping::evaluate_columns(
                    &mut client,
                    std::slice::from_ref(expr),
                    job.inputs.len(),
                )
                .await;
                let _ = msgs.send(Msg::SweepDone {
                    exprs: vec![(*col, expr.clone())],
                    version: job.version,
                    result: Ok(result),
                });
            }
        }
        client.shutdown().await;
    }));
    tx
}

/// An Esc followed at once by a key arrives as one Alt+key (the terminal cannot tell them
/// apart, and a busy moment or a slow link merges them). Nothing here is bound to Alt, so it
/// is read as what was typed: Esc, then the key.
fn unmerge_escape(key: KeyEvent) -> Vec<KeyEvent> {
    if !key.modifiers.contains(KeyModifiers::ALT) || key.kind == KeyEventKind::Release {
        return vec![key];
    }
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    let mut plain = key;
    plain.modifiers.remove(KeyModifiers::ALT);
    vec![esc, plain]
}

/// Left clicks and the wheel; moves, drags and other buttons mean nothing here.
fn map_mouse(event: MouseEvent) -> Option<crate::app::mouse::Mouse> {
    use crate::app::mouse::{Mouse, MouseKind};
    let kind = match event.kind {
        MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
        MouseEventKind::ScrollUp => MouseKind::WheelUp,
        MouseEventKind::ScrollDown => MouseKind::WheelDown,
        _ => return None,
    };
    Some(Mouse {
        kind,
        column: event.column,
        row: event.row,
    })
}

fn map_key(key: KeyEvent) -> Option<Key> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alt_key_is_an_escape_then_the_key() {
        let alt_k = KeyEvent::new(KeyCode::Char('k'), KeyModifiers::ALT);
        let keys = unmerge_escape(alt_k);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].code, KeyCode::Esc);
        assert_eq!(
            (keys[1].code, keys[1].modifiers),
            (KeyCode::Char('k'), KeyModifiers::NONE)
        );
        let plain = KeyEvent::new(KeyCode::Char('k'), KeyModifiers::NONE);
        assert_eq!(unmerge_escape(plain), vec![plain]);
    }
}
