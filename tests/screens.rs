//! Screens rendered from constructed states on ratatui's TestBackend, snapshotted with insta.

use ecr_port::app::{Key, Msg, State, update};
use ecr_port::inventory::demo::DemoInventory;
use ecr_port::inventory::{self, Event, InventoryError};
use ecr_port::model::Fetched;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const W: u16 = 110;
const H: u16 = 24;

fn draw(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(W, H)).unwrap();
    terminal.draw(|f| ecr_port::ui::render(f, state)).unwrap();
    terminal.backend().to_string()
}

fn keys(state: &mut State, keys: &[Key]) {
    for k in keys {
        update(state, Msg::Key(*k));
    }
}

fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, Msg::Key(Key::Char(c)));
    }
}

/// The demo inventory, loaded the way the event loop would load it.
async fn demo_state() -> State {
    let demo = DemoInventory::new(&[]).unwrap();
    let (repos, _) = inventory::collect(&demo, true).await;
    let mut state = State::new("demo data", true, false);
    update(
        &mut state,
        Msg::Resize {
            width: W,
            height: H,
        },
    );
    update(
        &mut state,
        Msg::Connected {
            source: "demo data".into(),
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
        },
    );
    let mut events = vec![];
    for region in ["eu-west-1", "us-east-1"] {
        events.push(Event::RegionStarted {
            load: 1,
            region: region.into(),
        });
        events.push(Event::Page {
            load: 1,
            region: region.into(),
            repos: repos
                .iter()
                .filter(|r| r.region == region)
                .cloned()
                .collect(),
        });
        events.push(Event::RegionListed {
            load: 1,
            region: region.into(),
        });
        events.push(Event::PoliciesDone {
            load: 1,
            region: region.into(),
        });
    }
    update(&mut state, Msg::Inventory(events));
    state
}

#[tokio::test]
async fn list() {
    let mut state = demo_state().await;
    keys(
        &mut state,
        &[Key::Down, Key::Down, Key::Char(' '), Key::Char(' ')],
    );
    insta::assert_snapshot!(draw(&state));
}

#[tokio::test]
async fn list_sorted_by_services_descending() {
    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('3'), Key::Char('3')]);
    insta::assert_snapshot!(draw(&state));
}

#[tokio::test]
async fn filter_while_typing_and_inverted() {
    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "port-notif");
    insta::assert_snapshot!("filter_typing", draw(&state));
    keys(&mut state, &[Key::Esc, Key::Char('/')]);
    typed(&mut state, "!eu-west");
    keys(&mut state, &[Key::Enter]);
    insta::assert_snapshot!("filter_inverted", draw(&state));
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "zzz");
    insta::assert_snapshot!("filter_no_match", draw(&state));
}

#[tokio::test]
async fn detail() {
    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "payments/api");
    keys(&mut state, &[Key::Enter, Key::Enter]);
    insta::assert_snapshot!(draw(&state));
}

#[tokio::test]
async fn help() {
    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('?')]);
    insta::assert_snapshot!(draw(&state));
}

#[test]
fn loading_with_progress() {
    let mut state = State::new("connecting", false, false);
    update(
        &mut state,
        Msg::Resize {
            width: W,
            height: H,
        },
    );
    update(
        &mut state,
        Msg::Connected {
            source: "profile dev".into(),
            regions: vec!["eu-west-1".into()],
        },
    );
    let mut repos: Vec<_> = (0..5)
        .map(|i| {
            let mut r = ecr_port::model::Repository::from_exporter_json(&serde_json::json!({
                "RepositoryName": format!("svc-{i}"),
                "Arn": format!("arn:aws:ecr:eu-west-1:123456789012:repository/svc-{i}"),
                "RepositoryUri": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc-{i}"),
                "ImageTagMutability": "MUTABLE",
                "Tags": [{"Key": format!("port-svc-{i}"), "Value": "true"}]
            }))
            .unwrap();
            r.created_at = Some(1_700_000_000);
            r
        })
        .collect();
    for r in &mut repos[2..] {
        r.tags = Fetched::Pending;
    }
    repos[1].tags = Fetched::Failed("access denied".into());
    update(
        &mut state,
        Msg::Inventory(vec![
            Event::RegionStarted {
                load: 1,
                region: "eu-west-1".into(),
            },
            Event::Page {
                load: 1,
                region: "eu-west-1".into(),
                repos,
            },
        ]),
    );
    insta::assert_snapshot!(draw(&state));
}

#[test]
fn errors() {
    let mut state = State::new("connecting", false, true);
    update(
        &mut state,
        Msg::Resize {
            width: W,
            height: H,
        },
    );
    update(
        &mut state,
        Msg::ConnectFailed(InventoryError::SsoExpired {
            profile: "corp".into(),
        }),
    );
    insta::assert_snapshot!("error_connect", draw(&state));

    let mut state = State::new("connecting", false, false);
    update(
        &mut state,
        Msg::Resize {
            width: W,
            height: H,
        },
    );
    update(
        &mut state,
        Msg::Connected {
            source: "profile dev".into(),
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
        },
    );
    let denied = |region: &str| Event::RegionFailed {
        load: 1,
        region: region.into(),
        error: InventoryError::AccessDenied {
            region: region.into(),
            action: "ecr:DescribeRepositories".into(),
            message: "not authorized".into(),
        },
    };
    update(
        &mut state,
        Msg::Inventory(vec![denied("eu-west-1"), denied("us-east-1")]),
    );
    insta::assert_snapshot!("error_every_region", draw(&state));
}

#[tokio::test]
async fn tiny_terminal_does_not_panic() {
    let state = demo_state().await;
    for (w, h) in [(1, 1), (10, 3), (30, 8)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| ecr_port::ui::render(f, &state)).unwrap();
    }
    let mut state = state;
    keys(&mut state, &[Key::Char('?')]);
    let mut terminal = Terminal::new(TestBackend::new(20, 5)).unwrap();
    terminal.draw(|f| ecr_port::ui::render(f, &state)).unwrap();
}
