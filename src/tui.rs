//! The terminal and its event loop: keys and IO results become `Msg`s, `update` decides, the
//! loop performs the effects and draws.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    Event as TermEvent, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers,
};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::{Effect, Key, Msg, State, update};
use crate::cli::{Context, open_inventory};
use crate::inventory::{self, Inventory, InventoryError, LoadOptions};

/// Most inventory events folded into one update, so 5,000 rows cost a few redraws.
const MAX_BATCH: usize = 20_000;

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    install_panic_hook();
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&mut terminal, ctx).await;
    ratatui::try_restore()?;
    result
}

/// Any panic, in any task, restores the terminal and ends the process: a half-working UI on
/// a raw terminal is worse than a clean exit with the message.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = ratatui::try_restore();
        tracing::error!("panic: {info}");
        previous(info);
        std::process::exit(101);
    }));
}

struct Runtime {
    inventory: Option<Arc<dyn Inventory>>,
    load_task: Option<JoinHandle<()>>,
    events: mpsc::UnboundedSender<inventory::Event>,
    connected: mpsc::UnboundedSender<Result<Arc<dyn Inventory>, InventoryError>>,
    written: mpsc::UnboundedSender<inventory::Applied>,
}

async fn event_loop(terminal: &mut DefaultTerminal, ctx: &Context) -> anyhow::Result<()> {
    let mut state = State::new("connecting", ctx.global.demo, ctx.read_only());
    state.prefix = ctx.prefix();
    state.tag_value = ctx.tag_value();
    let size = terminal.size()?;
    update(
        &mut state,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );
    let (event_tx, mut event_rx) = mpsc::unbounded_channel();
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel();
    let (written_tx, mut written_rx) = mpsc::unbounded_channel();
    let mut rt = Runtime {
        inventory: None,
        load_task: None,
        events: event_tx,
        connected: conn_tx,
        written: written_tx,
    };
    let mut terminal_events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(200));

    // The first frame goes out before any AWS call.
    terminal.draw(|f| crate::ui::render(f, &state))?;
    perform(Effect::Connect, &mut rt, &state, ctx);

    loop {
        let msg = tokio::select! {
            event = terminal_events.next() => match event {
                Some(Ok(TermEvent::Key(key))) => match map_key(key) {
                    Some(key) => Msg::Key(key),
                    None => continue,
                },
                Some(Ok(TermEvent::Resize(width, height))) => Msg::Resize { width, height },
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => return Err(io::Error::other("the terminal closed its input").into()),
            },
            Some(first) = event_rx.recv() => {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match event_rx.try_recv() {
                        Ok(e) => batch.push(e),
                        Err(_) => break,
                    }
                }
                Msg::Inventory(batch)
            }
            Some(result) = conn_rx.recv() => match result {
                Ok(inv) => {
                    let msg = Msg::Connected { source: inv.describe(), regions: inv.regions() };
                    rt.inventory = Some(inv);
                    msg
                }
                Err(e) => Msg::ConnectFailed(e),
            },
            Some(applied) = written_rx.recv() => Msg::TagWritten { applied, at: now() },
            _ = tick.tick() => {
                if !state.loading() {
                    continue;
                }
                Msg::Tick
            }
        };
        for effect in update(&mut state, msg) {
            perform(effect, &mut rt, &state, ctx);
        }
        if state.quit {
            break;
        }
        terminal.draw(|f| crate::ui::render(f, &state))?;
    }
    if let Some(task) = rt.load_task.take() {
        task.abort();
    }
    Ok(())
}

fn perform(effect: Effect, rt: &mut Runtime, state: &State, ctx: &Context) {
    match effect {
        Effect::Connect => {
            let (demo, opts, tx) = (ctx.global.demo, ctx.aws_options(), rt.connected.clone());
            tokio::spawn(async move {
                let _ = tx.send(open_inventory(demo, &opts).await);
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
        Effect::WriteTags { items } => {
            if let Some(inv) = rt.inventory.clone() {
                let (tx, read_only) = (rt.written.clone(), state.read_only);
                let concurrency = ctx.aws_options().concurrency;
                tokio::spawn(async move {
                    let mut results = futures::stream::iter(items)
                        .map(|item| {
                            let inv = inv.clone();
                            async move { inventory::apply(inv.as_ref(), read_only, &item).await }
                        })
                        .buffer_unordered(concurrency);
                    while let Some(applied) = results.next().await {
                        let _ = tx.send(applied);
                    }
                });
            }
        }
        Effect::Quit => {}
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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
