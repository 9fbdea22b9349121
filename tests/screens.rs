//! Screens rendered from constructed states on ratatui's TestBackend, snapshotted with insta.

use ecr_port::app::{Key, Msg, State, update};
use ecr_port::inventory::demo::DemoInventory;
use ecr_port::inventory::{self, Event, InventoryError, Scope};
use ecr_port::model::Fetched;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const W: u16 = 110;
const H: u16 = 24;

fn draw(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(W, H)).unwrap();
    terminal
        .draw(|f| {
            ecr_port::ui::render(f, state);
        })
        .unwrap();
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

/// A state the size of the test terminal, connected to `regions` when any are given.
fn connected(source: &str, read_only: bool, regions: &[&str]) -> State {
    let mut state = State::new("connecting", source == "demo data", read_only);
    update(
        &mut state,
        Msg::Resize {
            width: W,
            height: H,
        },
    );
    if !regions.is_empty() {
        update(
            &mut state,
            Msg::Connected {
                source: source.into(),
                regions: regions.iter().map(|r| Scope::region(*r)).collect(),
            },
        );
    }
    state
}

/// The demo inventory, loaded the way the event loop would load it.
async fn demo_state() -> State {
    loaded_state("demo data").await
}

/// The demo's repositories, loaded from `source`: the demo itself only for "demo data".
async fn loaded_state(source: &str) -> State {
    let demo = DemoInventory::new(&[]).unwrap();
    let (repos, _) = inventory::collect(&demo, true).await;
    let mut state = connected(source, false, &["eu-west-1", "us-east-1"]);
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
    // Reopened, the box still holds `!eu-west`: erase it so `zzz` is the whole filter.
    keys(&mut state, &[Key::Char('/'), Key::Ctrl('u')]);
    typed(&mut state, "zzz");
    let screen = draw(&state);
    assert!(
        screen.contains("No repository matches the filter"),
        "{screen}"
    );
    assert!(screen.contains("/zzz█  0 shown"), "{screen}");
    insta::assert_snapshot!("filter_no_match", screen);
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
    let mut state = connected("profile dev", false, &["eu-west-1"]);
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
    let mut state = connected("profile dev", true, &[]);
    update(
        &mut state,
        Msg::ConnectFailed(InventoryError::SsoExpired {
            profile: "corp".into(),
        }),
    );
    insta::assert_snapshot!("error_connect", draw(&state));

    let mut state = connected("profile dev", false, &["eu-west-1", "us-east-1"]);
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

fn draw_plain(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| {
            ecr_port::ui::render(f, state);
        })
        .unwrap();
    terminal.backend().to_string()
}

/// Too small a terminal still draws what fits and nothing panics on the way: the list's frame
/// when only it fits, the header, the list and the key bar at 30×8, the help's title over it.
#[tokio::test]
async fn tiny_terminal_does_not_panic() {
    let state = demo_state().await;
    assert_eq!(draw_plain(&state, 1, 1).trim_end(), "\"┌\"");
    let screen = draw_plain(&state, 10, 3);
    assert!(screen.starts_with("\"┌ reposit┐\""), "{screen}");
    let screen = draw_plain(&state, 30, 8);
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(lines.len(), 8, "{screen}");
    assert!(lines[0].starts_with("\" ecr-port  demo data"), "{screen}");
    assert!(lines[2].starts_with("\"┌ repositories [48]"), "{screen}");
    assert!(lines[7].starts_with("\" ?  help   q  quit"), "{screen}");
    let mut state = state;
    keys(&mut state, &[Key::Char('?')]);
    let screen = draw_plain(&state, 20, 5);
    assert!(screen.starts_with("\"┌ keys ─"), "{screen}");
    assert!(screen.contains("Everywhere"), "{screen}");
}

#[tokio::test]
async fn tagging_dialog_preview_results_and_activity() {
    use ecr_port::inventory::Applied;
    use ecr_port::model::Tag;

    let mut state = demo_state().await;
    // `mobile/bff` has 48 tags in the demo; two more bring it to ECR's limit of 50.
    let bff = state
        .repos
        .iter_mut()
        .find(|r| r.name == "mobile/bff")
        .unwrap();
    let ecr_port::model::Fetched::Present(tags) = &mut bff.tags else {
        panic!("the demo's tags are loaded");
    };
    assert_eq!(tags.len(), 48);
    tags.extend([Tag::new("cost-centre", "42"), Tag::new("tier", "gold")]);
    // Select four: two new (`payments/api` in both regions), one already tagged with this
    // service (`orders/api`), one at the limit (`mobile/bff`).
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "payments/api");
    keys(&mut state, &[Key::Enter, Key::Char('a'), Key::Esc]);
    for name in ["orders/api", "mobile/bff"] {
        keys(&mut state, &[Key::Char('/')]);
        typed(&mut state, name);
        keys(&mut state, &[Key::Enter, Key::Char(' '), Key::Esc]);
    }
    assert_eq!(state.selected.len(), 4);

    keys(&mut state, &[Key::Char('t')]);
    typed(&mut state, "pay");
    insta::assert_snapshot!("tag_dialog", draw(&state));

    typed(&mut state, " me!");
    keys(&mut state, &[Key::Enter]);
    insta::assert_snapshot!("tag_dialog_invalid", draw(&state));

    keys(&mut state, &[Key::Ctrl('u')]);
    typed(&mut state, "ord");
    keys(&mut state, &[Key::Tab, Key::Enter]);
    let preview = draw(&state);
    assert!(preview.contains("2 of 4 repositories change"), "{preview}");
    assert!(
        preview.contains("orders/api (eu-west-1)  = port-orders=true  (already present"),
        "{preview}"
    );
    assert!(
        preview.contains("mobile/bff (us-east-1)  ✗ refused: it has 50 tags, ECR's limit is 50"),
        "{preview}"
    );
    insta::assert_snapshot!("tag_preview", preview);

    // A bare Enter never confirms.
    let effects = update(&mut state, Msg::Key(Key::Enter));
    assert!(effects.is_empty());
    let effects = update(&mut state, Msg::Key(Key::Char('y')));
    let ecr_port::app::Effect::WriteTags { items, .. } = &effects[0] else {
        panic!("expected a write, got {effects:?}");
    };
    assert_eq!(items.len(), 2, "only the two that change are written");
    let (ok, failed) = (items[0].clone(), items[1].clone());
    update(
        &mut state,
        Msg::TagWritten {
            applied: vec![Applied {
                arn: ok.arn.clone(),
                result: Ok(vec![
                    Tag::new("port-payments-api", "true"),
                    Tag::new("port-orders", "true"),
                ]),
                command: Some(format!(
                    "aws ecr tag-resource --resource-arn {} ...",
                    ok.arn
                )),
            }],
            at: 1_790_000_000,
        },
    );
    update(
        &mut state,
        Msg::TagWritten {
            applied: vec![Applied {
                arn: failed.arn.clone(),
                result: Err(InventoryError::RepositoryNotFound {
                    name: failed.name.clone(),
                    region: failed.region.clone(),
                }),
                command: None,
            }],
            at: 1_790_000_001,
        },
    );
    insta::assert_snapshot!("tag_results", draw(&state));
    keys(&mut state, &[Key::Esc, Key::Char('L')]);
    insta::assert_snapshot!("activity_log", draw(&state));
    // The cursor on the older entry, at 80x24: its command is shown whole, wrapped.
    keys(&mut state, &[Key::Char('j')]);
    insta::assert_snapshot!(
        "activity_log_second_entry_80x24",
        draw_at(&mut state, 80, 24)
    );
}

#[tokio::test]
async fn read_only_refuses_to_open_the_tag_dialog() {
    let mut state = demo_state().await;
    state.read_only = true;
    keys(&mut state, &[Key::Char('t')]);
    assert!(state.dialog.is_none());
    insta::assert_snapshot!(draw(&state));
}

/// Every expression on every input with the real engine, in-process (the worker process is
/// the event loop's business; the view only sees outcomes).
fn evaluate(
    exprs: &[String],
    inputs: &[serde_json::Value],
    jq: ecr_port::mapping::engine::Dialect,
) -> ecr_port::mapping::worker::Evaluated {
    use ecr_port::mapping::engine::{self, Input};
    let filters: Vec<_> = exprs.iter().map(|e| engine::compile(e, jq)).collect();
    let compile = filters
        .iter()
        .map(|f| match f {
            Ok(_) => vec![],
            Err(errors) => errors
                .iter()
                .map(|e| ecr_port::mapping::protocol::CompileIssue {
                    message: e.message.clone(),
                    span: e.span.clone().map(|r| (r.start, r.end)),
                })
                .collect(),
        })
        .collect();
    let outcomes = inputs
        .iter()
        .map(|v| {
            let input = Input::from_json(v);
            filters
                .iter()
                .map(|f| match f {
                    Ok(f) => engine::first(f, &input),
                    Err(e) => engine::Outcome::Error(e[0].message.clone()),
                })
                .collect()
        })
        .collect();
    ecr_port::mapping::worker::Evaluated { compile, outcomes }
}

/// Performs the workbench's evaluations, as the event loop would, until none is left.
fn perform(state: &mut State, effects: Vec<ecr_port::app::Effect>) {
    use ecr_port::app::Effect;
    for effect in effects {
        match effect {
            Effect::Preview {
                generation,
                exprs,
                input,
                jq,
            } => {
                let result = Ok(evaluate(&exprs, &[input], jq));
                update(state, Msg::PreviewDone { generation, result });
            }
            Effect::Sweep {
                exprs,
                inputs,
                version,
                jq,
            } => {
                let texts: Vec<String> = exprs.iter().map(|(_, e)| e.clone()).collect();
                let result = Ok(evaluate(&texts, &inputs, jq));
                let next = update(
                    state,
                    Msg::SweepDone {
                        exprs,
                        version,
                        result,
                    },
                );
                perform(state, next);
            }
            // The editor takes the text and reports it back, as the event loop's does.
            Effect::SetEditorText { text, cursor } => {
                let next = update(state, Msg::Edited { text, cursor });
                perform(state, next);
            }
            _ => {}
        }
    }
}

/// The workbench on the guide's mapping: why `service` is empty, then the fix.
#[tokio::test]
async fn workbench_shows_why_service_is_empty_and_then_the_fix() {
    use ecr_port::app::Effect;
    use ecr_port::mapping::file::{Format, MappingFile};

    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "payments/api");
    keys(&mut state, &[Key::Enter]);
    let file = MappingFile::parse(
        include_str!("../assets/guide-mapping.json"),
        Format::ExporterJson,
    )
    .unwrap();
    let effects = update(
        &mut state,
        Msg::MappingLoaded(Ok(Box::new((file, Some("guide-mapping.json".into()))))),
    );
    perform(&mut state, effects);
    let wb = state.workbench.as_ref().unwrap();
    let service = wb
        .plan
        .fields
        .iter()
        .position(|f| f.name.to_string() == "relations.service")
        .unwrap();
    let sweep = wb.sweep.as_ref().unwrap();
    assert_eq!(
        sweep.ok[service], 0,
        "the guide's expression fails everywhere"
    );
    assert_eq!(sweep.dropped.len(), 48);
    insta::assert_snapshot!("workbench_guide", draw(&state));

    // Fix it in the editor: the event loop turns keys into the text; here the text arrives.
    for _ in 0..service {
        keys(&mut state, &[Key::Down]);
    }
    let effects = update(&mut state, Msg::Key(Key::Enter));
    assert!(matches!(effects[0], Effect::EditField { .. }));
    let fixed = r#"first(.Tags[]? | .Key | select(startswith("port-")) | ltrimstr("port-") | select(length > 0)) // null"#;
    // Half-typed first: a parse error with its span, the last good value kept.
    let effects = update(
        &mut state,
        Msg::Edited {
            text: "first(.Tags[]? | .Key |".into(),
            cursor: (0, 23),
        },
    );
    perform(&mut state, effects);
    insta::assert_snapshot!("workbench_incomplete", draw(&state));
    let effects = update(
        &mut state,
        Msg::Edited {
            text: fixed.into(),
            cursor: (0, fixed.len()),
        },
    );
    perform(&mut state, effects);
    let wb = state.workbench.as_ref().unwrap();
    let sweep = wb.sweep.as_ref().unwrap();
    assert_eq!(sweep.ok[service], 48);
    assert!(sweep.dropped.is_empty());
    assert!(wb.dirty());
    keys(&mut state, &[Key::Esc, Key::Char('y')]);
    insta::assert_snapshot!("workbench_fixed", draw(&state));

    // A jq 1.8 builtin: the exporter's jq 1.6 refuses it everywhere; `o` switches to
    // Ocean, which evaluates every repository again with jq 1.8.
    let with_trim = fixed.replace("ltrimstr(\"port-\")", "ltrimstr(\"port-\") | trim");
    let edit = |state: &mut State, text: &str| {
        let effects = update(state, Msg::Key(Key::Enter));
        assert!(matches!(effects[0], Effect::EditField { .. }));
        let effects = update(
            state,
            Msg::Edited {
                text: text.into(),
                cursor: (0, text.len()),
            },
        );
        perform(state, effects);
        keys(state, &[Key::Esc, Key::Char('y')]);
    };
    edit(&mut state, &with_trim);
    let ok = |state: &State| state.workbench.as_ref().unwrap().sweep.as_ref().unwrap().ok[service];
    assert_eq!(ok(&state), 0, "jq 1.6 has no trim");
    let effects = update(&mut state, Msg::Key(Key::Char('o')));
    perform(&mut state, effects);
    assert_eq!(ok(&state), 48, "jq 1.8 has trim");
    insta::assert_snapshot!("workbench_ocean_jq18", draw(&state));
    let effects = update(&mut state, Msg::Key(Key::Char('o')));
    perform(&mut state, effects);
    edit(&mut state, fixed);
    assert_eq!(ok(&state), 48);

    // Leaving with unsaved edits asks; saving asks for y.
    keys(&mut state, &[Key::Esc]);
    insta::assert_snapshot!("workbench_leave_prompt", draw(&state));
    keys(&mut state, &[Key::Char('s')]);
    let effects = update(&mut state, Msg::Key(Key::Char('y')));
    let Effect::SaveMapping { path, text } = &effects[0] else {
        panic!("expected a save, got {effects:?}");
    };
    assert_eq!(path.to_str(), Some("guide-mapping.json"));
    assert!(text.contains("ltrimstr"));
}

/// A file with two ECR resources, the second (only for `payments/`) with two mappings: the
/// title says which mapping is edited, the sweep adds what every mapping makes together (its
/// collisions: the second resource names `payments/api` by name in both regions, and by ARN
/// the same entities as the first), and `Tab` opens the next mapping.
#[tokio::test]
async fn workbench_switches_between_the_files_mappings() {
    use ecr_port::mapping::file::{Format, MappingFile, default_exporter_config};

    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "payments/api");
    keys(&mut state, &[Key::Enter]);
    let shipped: serde_json::Value = serde_json::from_str(default_exporter_config()).unwrap();
    let config = serde_json::json!({"resources": [
        shipped["resources"][0],
        {"kind": "AWS::ECR::Repository",
         "selector": {"query": ".RepositoryName | startswith(\"payments/\")"},
         "port": {"entity": {"mappings": [
            {"identifier": ".RepositoryName", "title": ".RepositoryName",
             "blueprint": "ecr_repository", "properties": {"repositoryUri": ".RepositoryUri"}},
            {"identifier": ".Arn", "title": "\"payments\"", "blueprint": "ecr_repository",
             "properties": {}}]}}}
    ]});
    let file = MappingFile::parse(&config.to_string(), Format::ExporterJson).unwrap();
    let effects = update(
        &mut state,
        Msg::MappingLoaded(Ok(Box::new((file, Some("config.json".into()))))),
    );
    perform(&mut state, effects);
    let first = draw(&state);
    assert!(
        first.contains("mapping 1 of 3 · #1.1 · config.json"),
        "{first}"
    );
    assert!(
        first.contains(
            "all 3 mappings → 58 entities  0 dropped  6 duplicate ids in #1.1, #2.1, #2.2"
        ),
        "{first}"
    );
    insta::assert_snapshot!("workbench_first_of_three_mappings", first);

    let effects = update(&mut state, Msg::Key(Key::Tab));
    perform(&mut state, effects);
    let second = draw(&state);
    assert!(
        second.contains("mapping 2 of 3 · #2.1 · config.json"),
        "{second}"
    );
    assert!(
        second.contains("48 repositories → 5 entities  0 dropped  1 duplicate ids"),
        "{second}"
    );
    insta::assert_snapshot!("workbench_second_mapping_after_tab", second);
}

/// The push screen for the first `n` of the demo's repositories, read through a profile and
/// pushed to Port itself (as a real session is: only `--demo` pushes to the in-memory
/// catalog). The plan is made against a demo catalog standing in for Port's answers, with
/// hand-made drafts (the mapping worker is not needed to draw): one update with a field diff,
/// one dangling service, the rest new.
async fn push_state(n: usize) -> State {
    use ecr_port::app::push::Prepared;
    use ecr_port::port::Catalog;
    use ecr_port::port::blueprint;
    use ecr_port::port::demo::DemoCatalog;
    use ecr_port::port::push::{Draft, plan};
    use serde_json::json;

    let mut state = loaded_state("profile dev").await;
    let names = ["data/airflow", "data/dbt", "legacy-billing", "orders/api"];
    let arns: Vec<String> = state
        .repos
        .iter()
        .filter(|r| names[..n].contains(&r.name.as_str()))
        .map(|r| r.arn.clone())
        .collect();
    state.selected.extend(arns);
    keys(&mut state, &[Key::Char('p')]);
    let demo = DemoCatalog::new().with_latency(std::time::Duration::ZERO);
    let report = blueprint::check(&demo, "ecr_repository").await.unwrap();
    blueprint::apply(&demo, &report.steps()).await.unwrap();
    let bp = demo.blueprint("ecr_repository").await.unwrap().unwrap();
    let bp = blueprint::Blueprint::from_json(&bp).unwrap();
    let drafts: Vec<Draft> = state
        .selected
        .iter()
        .enumerate()
        .map(|(i, arn)| {
            let repo = state.repo(arn).unwrap();
            let service = match i {
                1 => "ghost-service",
                _ => "orders",
            };
            Draft {
                repo: format!("{} ({})", repo.name, repo.region),
                entity: Ok(json!({
                    "identifier": repo.name, "title": repo.name, "blueprint": "ecr_repository",
                    "properties": {"imageTagMutability": repo.image_tag_mutability},
                    "relations": {"service": service, "region": repo.region}
                })),
            }
        })
        .collect();
    let first = drafts[0].entity.as_ref().unwrap()["identifier"].clone();
    demo.bulk_upsert(
        "ecr_repository",
        &[json!({"identifier": first, "title": first,
                 "properties": {"imageTagMutability": "MUTABLE"}})],
        false,
    )
    .await
    .unwrap();
    let plan = plan(&demo, "ecr_repository", &bp, drafts, false)
        .await
        .unwrap();
    let generation = state.push_generation;
    update(
        &mut state,
        Msg::PushPrepared {
            generation,
            result: Ok(Prepared::Plan {
                target: "https://api.port.io".into(),
                plan,
                skipped: 0,
                notes: vec![],
            }),
        },
    );
    state
}

#[tokio::test]
async fn push_blueprint_setup_shows_the_exact_request() {
    use ecr_port::app::push::Prepared;
    use ecr_port::port::blueprint;
    use ecr_port::port::demo::DemoCatalog;

    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('p')]);
    insta::assert_snapshot!("push_preparing", draw(&state));
    let report = blueprint::check(&DemoCatalog::new(), "ecr_repository")
        .await
        .unwrap();
    let generation = state.push_generation;
    update(
        &mut state,
        Msg::PushPrepared {
            generation,
            result: Ok(Prepared::Blueprint {
                target: "demo catalog (in memory)".into(),
                findings: report.describe(),
                steps: report.steps(),
            }),
        },
    );
    keys(&mut state, &[Key::Enter]);
    insta::assert_snapshot!("push_blueprint_confirm", draw(&state));
}

#[tokio::test]
async fn push_plan_diff_confirm_progress_and_results() {
    use ecr_port::port::journal::Outcome;

    let mut state = push_state(4).await;
    let screen = draw(&state);
    assert!(
        screen.contains("push to Port https://api.port.io"),
        "{screen}"
    );
    assert!(!screen.contains("DEMO"), "{screen}");
    insta::assert_snapshot!("push_plan_update_diff", screen);
    keys(&mut state, &[Key::Down]);
    insta::assert_snapshot!("push_plan_dangling", draw(&state));
    // Enter asks; anything but y cancels; y sends.
    keys(&mut state, &[Key::Enter]);
    insta::assert_snapshot!("push_confirm", draw(&state));
    keys(&mut state, &[Key::Char('n')]);
    assert!(ecr_port::app::push::question(state.push.as_ref().unwrap()).is_none());
    keys(&mut state, &[Key::Enter, Key::Char('y')]);
    update(&mut state, Msg::PushProgress { done: 1, total: 3 });
    insta::assert_snapshot!("push_progress", draw(&state));
    let labels: Vec<&str> = state
        .push
        .as_ref()
        .unwrap()
        .plan()
        .unwrap()
        .entries
        .iter()
        .map(|e| e.verdict.label())
        .collect();
    assert_eq!(labels, ["update", "dangling", "create", "create"]);
    let outcomes = vec![
        Some(Outcome::Updated),
        Some(Outcome::Refused {
            reason: "relations.service: `ghost-service` is not an entity of blueprint `service`"
                .into(),
        }),
        Some(Outcome::Created),
        Some(Outcome::Failed {
            status: 503,
            error: "request_failed".into(),
            message:
                "Port server error on POST /v1/blueprints/ecr_repository/entities/bulk (HTTP 503)"
                    .into(),
        }),
    ];
    update(
        &mut state,
        Msg::PushFinished(Ok(ecr_port::app::push::Finished {
            outcomes,
            journal: "/state/pushes/push-20261127T120000Z-000.jsonl".into(),
            problem: None,
        })),
    );
    keys(&mut state, &[Key::End]);
    insta::assert_snapshot!("push_results", draw(&state));
}

#[tokio::test]
async fn tag_suggestions_include_ports_services_and_warn_about_unknown_ones() {
    use ecr_port::app::Effect;

    let mut state = demo_state().await;
    let fx = update(&mut state, Msg::Key(Key::Char('t')));
    assert_eq!(fx, vec![Effect::LoadPortServices], "asked once per session");
    update(
        &mut state,
        Msg::PortServices(Ok(["payments-api", "payroll"]
            .map(|id| ecr_port::model::suggest::Service::new(id, None))
            .to_vec())),
    );
    typed(&mut state, "pay");
    insta::assert_snapshot!("tag_dialog_port_services", draw(&state));
    typed(&mut state, "ments-v2");
    let screen = draw(&state);
    assert!(
        screen.contains("`payments-v2` is not a service in Port yet"),
        "{screen}"
    );
    keys(&mut state, &[Key::Esc]);
    assert!(update(&mut state, Msg::Key(Key::Char('t'))).is_empty());
}

// Narrow terminals, the editor and feedback: the screens at the sizes people use.

fn resize(state: &mut State, width: u16, height: u16) {
    update(state, Msg::Resize { width, height });
}

/// Draws twice at `width` × `height`, as the event loop does when the views report what they
/// had room for.
fn draw_at(state: &mut State, width: u16, height: u16) -> String {
    resize(state, width, height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut viewport = None;
    terminal
        .draw(|f| viewport = Some(ecr_port::ui::render(f, state)))
        .unwrap();
    if let Some(v) = viewport {
        update(state, Msg::Viewport(v));
    }
    terminal
        .draw(|f| {
            ecr_port::ui::render(f, state);
        })
        .unwrap();
    terminal.backend().to_string()
}

#[tokio::test]
async fn narrow_list_keeps_names_and_services() {
    let mut state = demo_state().await;
    let screen = draw_at(&mut state, 80, 24);
    assert!(
        screen.contains("analytics/clickstream-collector"),
        "{screen}"
    );
    assert!(screen.contains("PORT SERVICES"), "{screen}");
    assert!(!screen.contains("CREATED"), "{screen}");
    insta::assert_snapshot!("narrow_list_80x24", screen);
    let screen = draw_at(&mut state, 40, 10);
    assert!(
        screen.contains("NAME") && screen.contains("PORT SERVICES"),
        "{screen}"
    );
    assert!(screen.contains("analytics/…"), "{screen}");
    insta::assert_snapshot!("narrow_list_40x10", screen);
}

#[tokio::test]
async fn narrow_workbench_push_and_tag_dialog() {
    use ecr_port::mapping::file::{Format, MappingFile, default_exporter_config};

    let mut state = demo_state().await;
    let file = MappingFile::parse(default_exporter_config(), Format::ExporterJson).unwrap();
    let effects = update(&mut state, Msg::MappingLoaded(Ok(Box::new((file, None)))));
    perform(&mut state, effects);
    insta::assert_snapshot!("narrow_workbench_80x24", draw_at(&mut state, 80, 24));
    insta::assert_snapshot!("narrow_workbench_40x10", draw_at(&mut state, 40, 10));
    keys(&mut state, &[Key::Char('s')]);
    insta::assert_snapshot!("narrow_save_prompt_80x24", draw_at(&mut state, 80, 24));

    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('t')]);
    typed(&mut state, "ord");
    insta::assert_snapshot!("narrow_tag_dialog_80x24", draw_at(&mut state, 80, 24));
    insta::assert_snapshot!("narrow_tag_dialog_40x10", draw_at(&mut state, 40, 10));

    let mut state = push_state(4).await;
    insta::assert_snapshot!("narrow_push_80x24", draw_at(&mut state, 80, 24));
    insta::assert_snapshot!("narrow_push_40x10", draw_at(&mut state, 40, 10));
}

/// The shipped mapping in the workbench, the focus on `field`.
async fn workbench_on(field: &str) -> State {
    use ecr_port::mapping::file::{Format, MappingFile, default_exporter_config};
    let mut state = demo_state().await;
    let file = MappingFile::parse(default_exporter_config(), Format::ExporterJson).unwrap();
    let effects = update(&mut state, Msg::MappingLoaded(Ok(Box::new((file, None)))));
    perform(&mut state, effects);
    let wb = state.workbench.as_ref().unwrap();
    let at = wb
        .plan
        .fields
        .iter()
        .position(|f| f.name.to_string() == field)
        .unwrap_or(wb.plan.fields.len());
    for _ in 0..at {
        keys(&mut state, &[Key::Down]);
    }
    state
}

#[tokio::test]
async fn editor_keeps_the_cursor_in_view_at_80_columns() {
    use ecr_port::app::Effect;
    let mut state = workbench_on("relations.service").await;
    let effects = update(&mut state, Msg::Key(Key::Enter));
    let Some(Effect::EditField { text, .. }) = effects.first() else {
        panic!("expected the editor, got {effects:?}");
    };
    assert!(text.chars().count() > 78, "the shipped expression is long");
    // After End the cursor sits after the last character: so must the view.
    let typed_text = format!("{text} | ascii_downcase");
    let effects = update(
        &mut state,
        Msg::Edited {
            cursor: (0, typed_text.chars().count()),
            text: typed_text,
        },
    );
    perform(&mut state, effects);
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("| ascii_downcase"), "{screen}");
    insta::assert_snapshot!("editor_end_80x24", screen);
}

#[tokio::test]
async fn esc_after_an_edit_offers_to_revert() {
    let mut state = workbench_on("title").await;
    let before = state.workbench.as_ref().unwrap().focused_expr();
    keys(&mut state, &[Key::Enter]);
    let effects = update(
        &mut state,
        Msg::Edited {
            text: "\"changed\"".into(),
            cursor: (0, 9),
        },
    );
    perform(&mut state, effects);
    keys(&mut state, &[Key::Esc]);
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("y keep · r revert"), "{screen}");
    // Esc goes back to the editor, a second Esc asks again, `r` puts the expression back.
    keys(&mut state, &[Key::Esc]);
    assert!(state.workbench.as_ref().unwrap().editing);
    keys(&mut state, &[Key::Esc, Key::Char('r')]);
    let wb = state.workbench.as_ref().unwrap();
    assert_eq!(wb.focused_expr(), before);
    assert!(!wb.editing && wb.prompt.is_none() && !wb.dirty());
    // Unchanged, Esc just stops editing.
    keys(&mut state, &[Key::Enter, Key::Esc]);
    let wb = state.workbench.as_ref().unwrap();
    assert!(!wb.editing && wb.prompt.is_none());
}

#[tokio::test]
async fn the_selector_is_a_row_that_edits_like_a_field() {
    use ecr_port::app::Effect;
    let mut state = workbench_on("selector.query").await;
    let effects = update(&mut state, Msg::Key(Key::Enter));
    let Some(Effect::EditField { key, text }) = effects.first() else {
        panic!("expected the editor, got {effects:?}");
    };
    assert!(
        key.ends_with("selector.query") && text == "true",
        "{key}: {text}"
    );
    let query = ".RepositoryName | startswith(\"data/\")";
    let effects = update(
        &mut state,
        Msg::Edited {
            text: query.into(),
            cursor: (0, query.len()),
        },
    );
    perform(&mut state, effects);
    keys(&mut state, &[Key::Esc, Key::Char('y')]);
    let wb = state.workbench.as_ref().unwrap();
    assert_eq!(wb.mapping.selector_query.as_deref(), Some(query));
    let data = state
        .repos
        .iter()
        .filter(|r| r.name.starts_with("data/"))
        .count();
    let sweep = wb.sweep.as_ref().unwrap();
    assert_eq!(
        sweep.skipped,
        48 - data,
        "only the data/ repositories are mapped"
    );
    assert!(
        wb.document_text()
            .unwrap()
            .contains("startswith(\\\"data/\\\")")
    );
}

#[tokio::test]
async fn ctrl_u_erases_in_every_text_box() {
    let mut state = workbench_on("identifier").await;
    keys(&mut state, &[Key::Char('a')]);
    typed(&mut state, "owner");
    keys(&mut state, &[Key::Ctrl('u')]);
    typed(&mut state, "team");
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("identifier: team█"), "{screen}");
    keys(&mut state, &[Key::Esc, Key::Esc]);
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "data");
    keys(&mut state, &[Key::Ctrl('u')]);
    assert!(state.filter.is_empty());
}

#[tokio::test]
async fn saving_shows_where_and_offers_save_as() {
    use ecr_port::app::Effect;
    let mut state = workbench_on("identifier").await;
    keys(&mut state, &[Key::Char('s')]);
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("ecr-port-mapping.json (a new"), "{screen}");
    assert!(screen.contains("a save as"), "{screen}");
    keys(&mut state, &[Key::Char('a')]);
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("path: ecr-port-mapping.json█"), "{screen}");
    keys(&mut state, &[Key::Ctrl('u')]);
    typed(&mut state, "/srv/maps/ecr.json");
    let effects = update(&mut state, Msg::Key(Key::Enter));
    let [Effect::SaveMapping { path, text }] = &effects[..] else {
        panic!("expected a save, got {effects:?}");
    };
    assert_eq!(path.to_str(), Some("/srv/maps/ecr.json"));
    assert!(text.contains("\"resources\""));
    // `S` goes straight to the box.
    keys(&mut state, &[Key::Char('S')]);
    assert!(draw_at(&mut state, 80, 24).contains("path: ecr-port-mapping.json█"));
}

#[tokio::test]
async fn no_color_leaves_no_colour_and_marks_keys_reversed() {
    use ratatui::style::{Color, Modifier};
    let mut state = demo_state().await;
    state.no_color = true;
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| {
            ecr_port::ui::render(f, &state);
        })
        .unwrap();
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    // The key bar's `?` stands out without its background colour.
    let key = &buffer[(1, 23)];
    assert_eq!(key.symbol(), "?");
    assert!(key.modifier.contains(Modifier::REVERSED));
}

#[tokio::test]
async fn help_uses_the_width_and_lists_quit_without_saving() {
    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('?')]);
    let wide = draw_at(&mut state, 140, 40);
    // The longest row whole, on one line, at 140 columns.
    assert!(
        wide.contains("quit now (unsaved workbench edits go to the state directory)"),
        "{wide}"
    );
    assert!(wide.contains("  Q  "), "{wide}");
    insta::assert_snapshot!("help_80x24", draw_at(&mut state, 80, 24));
}

// The suggestion review (S).

#[tokio::test]
async fn the_review_suggests_accepts_edits_and_previews_the_accepted_tags() {
    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('S')]);
    let Some(review) = &state.review else {
        panic!("S opens the review");
    };
    assert!(review.rows.is_none(), "waiting for Port's services");
    insta::assert_snapshot!("review_waiting", draw(&state));
    update(
        &mut state,
        Msg::PortServices(Ok([
            "storefront",
            "search",
            "orders",
            "inventory",
            "gateway",
        ]
        .map(|id| ecr_port::model::suggest::Service::new(id, None))
        .to_vec())),
    );
    insta::assert_snapshot!("review", draw(&state));

    // Only the picks from 0.5: accept all of them, then reject the first.
    keys(&mut state, &[Key::Char('f')]);
    let shown = state.review.as_ref().unwrap().shown().len();
    assert!(shown >= 2, "{shown} rows from 0.5");
    keys(&mut state, &[Key::Char('A'), Key::Char('x')]);
    // Back to all; the first row gets a typed service with the dialog's completion.
    keys(
        &mut state,
        &[
            Key::Char('f'),
            Key::Char('f'),
            Key::Char('f'),
            Key::Char('g'),
        ],
    );
    keys(&mut state, &[Key::Char('e')]);
    typed(&mut state, "inv");
    insta::assert_snapshot!("review_typing", draw(&state));
    keys(&mut state, &[Key::Tab, Key::Enter]);
    // A tie: alternative 2 is taken.
    keys(&mut state, &[Key::Char('j'), Key::Char('2')]);
    insta::assert_snapshot!("review_decided", draw(&state));

    keys(&mut state, &[Key::Char('w')]);
    assert!(state.review.is_none(), "the preview replaces the review");
    insta::assert_snapshot!("review_preview", draw(&state));
    let effects = update(&mut state, Msg::Key(Key::Char('y')));
    let ecr_port::app::Effect::WriteTags { items, .. } = &effects[0] else {
        panic!("expected a write, got {effects:?}");
    };
    let written: Vec<(String, String)> = items
        .iter()
        .map(|i| match &i.change {
            ecr_port::model::tag_rules::Change::Add { tag } => (i.name.clone(), tag.key.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(written.len(), state_accepted_count(&written), "{written:?}");
    assert!(
        written.contains(&("base-images".into(), "port-inventory".into())),
        "{written:?}"
    );
    assert!(
        written.contains(&("data/airflow".into(), "port-orders".into())),
        "{written:?}"
    );
    assert_eq!(
        written.len(),
        5,
        "the typed, the alternative and three of A: {written:?}"
    );
}

/// Each repository is written once.
fn state_accepted_count(written: &[(String, String)]) -> usize {
    let mut names: Vec<&String> = written.iter().map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    names.len()
}

/// `D` on the demo: every tagged repository gets a DRIFT word, `/drift` keeps the drifting
/// ones, and the column fits at 80 columns.
#[tokio::test]
async fn drift_column_and_filter() {
    use ecr_port::model::drift::{PortSide, compare};
    use ecr_port::model::tags;

    let mut state = demo_state().await;
    let effects = update(&mut state, Msg::Key(Key::Char('D')));
    let [
        ecr_port::app::Effect::CheckDrift {
            generation, repos, ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    // Port as a test sets it up: orders exists, and each tagged repository is one case.
    let services = ["orders".to_owned(), "payments-api".to_owned()]
        .into_iter()
        .collect();
    let result = repos
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let tagged = tags::services(r.tag_list(), "port-");
            let side = match i % 3 {
                0 => PortSide::Entity {
                    identifier: r.name.clone(),
                    related: Some(tagged.iter().map(|s| (*s).to_owned()).collect()),
                },
                1 => PortSide::Entity {
                    identifier: r.name.clone(),
                    related: Some(vec!["orders".into()]),
                },
                _ => PortSide::Entity {
                    identifier: r.name.clone(),
                    related: None,
                },
            };
            (r.arn.clone(), compare(&tagged, &side, &services))
        })
        .collect();
    update(
        &mut state,
        Msg::DriftChecked {
            generation: *generation,
            result: Ok(result),
        },
    );
    let screen = draw_at(&mut state, 110, 24);
    assert!(screen.contains("DRIFT"), "{screen}");
    assert!(screen.contains("no such service"), "{screen}");
    insta::assert_snapshot!("drift_column", screen);
    typed(&mut state, "/drift");
    keys(&mut state, &[Key::Enter]);
    let screen = draw_at(&mut state, 80, 24);
    assert!(!screen.contains("in sync"), "{screen}");
    assert!(screen.contains("DRIFT"), "{screen}");
    insta::assert_snapshot!("drift_filter_80x24", screen);
}

/// `u` in the activity log: the journal's write undone, previewed first.
#[tokio::test]
async fn undo_from_the_activity_log_previews_the_restore() {
    use ecr_port::model::Tag;
    use ecr_port::model::tag_undo::Written;

    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char('L')]);
    let effects = update(&mut state, Msg::Key(Key::Char('u')));
    assert!(matches!(
        effects.as_slice(),
        [ecr_port::app::Effect::ReadUndoJournal]
    ));
    let orders = state
        .repos
        .iter()
        .find(|r| r.name == "orders/api")
        .unwrap()
        .clone();
    let mut before: Vec<Tag> = orders
        .tag_list()
        .iter()
        .filter(|t| t.key != "port-orders")
        .cloned()
        .collect();
    before.push(Tag::new("port-checkout", "true"));
    let written = vec![Written {
        arn: orders.arn.clone(),
        name: orders.name.clone(),
        region: orders.region.clone(),
        before,
        after: orders.tag_list().to_vec(),
    }];
    let journal = std::path::PathBuf::from("/state/tag-writes/20261201T120000Z-tui.jsonl");
    update(&mut state, Msg::UndoJournal(Ok((journal, written))));
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("Undo the last tag write"), "{screen}");
    assert!(screen.contains("1 of 1 repository changes"), "{screen}");
    assert!(screen.contains("- port-orders=true"), "{screen}");
    assert!(screen.contains("+ port-checkout=true"), "{screen}");
    insta::assert_snapshot!("undo_preview", screen);
}

#[tokio::test]
async fn command_line_with_completions() {
    let mut state = demo_state().await;
    keys(&mut state, &[Key::Char(':')]);
    typed(&mut state, "region eu-west-1,us-");
    keys(&mut state, &[Key::Down]);
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains(":region eu-west-1,us-█"), "{screen}");
    // us-east-1 is loaded: it comes first; the second is chosen.
    assert!(screen.contains(" region eu-west-1,us-east-1 "), "{screen}");
    assert!(screen.contains("2 of 4"), "{screen}");
    insta::assert_snapshot!("command_line_region_completions", screen);
    keys(&mut state, &[Key::Ctrl('u')]);
    typed(&mut state, "frob");
    keys(&mut state, &[Key::Enter]);
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("unknown command :frob"), "{screen}");
    assert!(screen.contains(":frob█"), "{screen}");
    insta::assert_snapshot!("command_line_unknown_command", screen);
}

#[tokio::test]
async fn paging_half_a_page_and_to_the_bottom() {
    let mut state = demo_state().await;
    draw_at(&mut state, 80, 24);
    keys(&mut state, &[Key::Ctrl('d')]);
    let rows = usize::from(state.viewport.unwrap().list_rows);
    assert_eq!(state.cursor, rows / 2);
    keys(&mut state, &[Key::Char('G')]);
    let screen = draw_at(&mut state, 80, 24);
    assert_eq!(state.cursor, state.view.len() - 1);
    insta::assert_snapshot!("paging_list_at_the_bottom", screen);
}

/// Three accounts at 80×24: `prod` loaded in two regions, `staging` still listing, `dev`
/// refused with an expired session. The list names each row's account, the header each
/// account's load.
#[tokio::test]
async fn several_accounts() {
    let demo = DemoInventory::new(&[]).unwrap();
    let (repos, _) = inventory::collect(&demo, true).await;
    let mut state = State::new("connecting", false, false);
    let scope = |account: &str, region: &str| Scope {
        account: Some(account.into()),
        region: region.into(),
    };
    update(
        &mut state,
        Msg::Connected {
            source: "3 accounts".into(),
            regions: vec![
                scope("prod", "eu-west-1"),
                scope("prod", "us-east-1"),
                scope("staging", "eu-west-1"),
                scope("dev", "eu-west-1"),
            ],
        },
    );
    let moved = |account: &str, r: &ecr_port::model::Repository| {
        let mut r = r.clone();
        r.arn = r.arn.replace(&r.registry_id, account);
        r.registry_id = account.into();
        r
    };
    let mut events = vec![];
    for region in ["eu-west-1", "us-east-1"] {
        let key = format!("prod · {region}");
        events.push(Event::RegionStarted {
            load: 1,
            region: key.clone(),
        });
        events.push(Event::Page {
            load: 1,
            region: key.clone(),
            repos: repos
                .iter()
                .filter(|r| r.region == region)
                .cloned()
                .collect(),
        });
        events.push(Event::RegionListed {
            load: 1,
            region: key,
        });
    }
    events.push(Event::RegionStarted {
        load: 1,
        region: "staging · eu-west-1".into(),
    });
    events.push(Event::Page {
        load: 1,
        region: "staging · eu-west-1".into(),
        repos: repos
            .iter()
            .filter(|r| r.region == "eu-west-1")
            .take(3)
            .map(|r| moved("444455556666", r))
            .collect(),
    });
    events.push(Event::RegionFailed {
        load: 1,
        region: "dev · eu-west-1".into(),
        error: InventoryError::BadCredentials {
            profile: "dev".into(),
            code: "ExpiredToken".into(),
        },
    });
    update(&mut state, Msg::Inventory(events));
    insta::assert_snapshot!("several_accounts", draw_at(&mut state, 80, 24));
    // `/@stag` keeps the one account's rows.
    update(&mut state, Msg::Key(Key::Char('/')));
    typed(&mut state, "@stag");
    insta::assert_snapshot!("several_accounts_filtered", draw_at(&mut state, 80, 24));
}

/// A field that reads a policy not loaded yet says so instead of showing `null` as its value,
/// and its count waits for the policies.
#[tokio::test]
async fn workbench_says_when_a_policy_is_not_loaded() {
    let mut state = workbench_on("properties.lifecyclePolicy").await;
    let arn = state.current().unwrap().arn.clone();
    let loaded = draw(&state);
    assert!(!loaded.contains("policy not loaded"), "{loaded}");
    let effects = update(
        &mut state,
        Msg::Inventory(vec![Event::Policies {
            load: 1,
            arn: arn.clone(),
            lifecycle: Fetched::Pending,
            repository: Fetched::Pending,
        }]),
    );
    perform(&mut state, effects);
    let screen = draw(&state);
    assert!(screen.contains("policy not loaded"), "{screen}");
    assert!(screen.contains("policies 47/48"), "{screen}");
    insta::assert_snapshot!("workbench_policy_not_loaded", screen);
    // An unreadable policy says why (cut at the pane's edge here).
    let effects = update(
        &mut state,
        Msg::Inventory(vec![Event::Policies {
            load: 1,
            arn,
            lifecycle: Fetched::Failed("AccessDenied".into()),
            repository: Fetched::Absent,
        }]),
    );
    perform(&mut state, effects);
    let screen = draw(&state);
    assert!(screen.contains("policy unreadable: AccessDe"), "{screen}");
}

/// The buffer cell where `text` first starts, read row by row.
fn cell_at<'b>(buffer: &'b ratatui::buffer::Buffer, text: &str) -> &'b ratatui::buffer::Cell {
    let area = buffer.area;
    for y in 0..area.height {
        let row: Vec<&str> = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        for x in 0..row.len() {
            let found = text
                .chars()
                .enumerate()
                .all(|(i, c)| row.get(x + i).is_some_and(|s| *s == c.to_string()));
            if found {
                return &buffer[(u16::try_from(x).unwrap(), y)];
            }
        }
    }
    panic!("{text:?} is not on the screen");
}

fn buffer_of(state: &State) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| {
            ecr_port::ui::render(f, state);
        })
        .unwrap();
    terminal.backend().buffer().clone()
}

#[tokio::test]
async fn the_dark_and_the_light_theme_colour_the_same_cells_differently() {
    use ecr_port::app::Theme;
    use ratatui::style::{Color, Modifier};
    let mut state = demo_state().await;
    let dark = buffer_of(&state);
    state.theme = Theme::Light;
    let light = buffer_of(&state);
    // The key bar's `?`: black on cyan for a dark terminal, white on blue for a light one.
    let (d, l) = (&dark[(1, 23)], &light[(1, 23)]);
    assert_eq!((d.symbol(), d.fg, d.bg), ("?", Color::Black, Color::Cyan));
    assert_eq!((l.symbol(), l.fg, l.bg), ("?", Color::White, Color::Blue));
    // The screen's title, and the table's white header that a light background would hide.
    assert_eq!(cell_at(&dark, "repositories [").fg, Color::Cyan);
    assert_eq!(cell_at(&light, "repositories [").fg, Color::Blue);
    assert_eq!(cell_at(&dark, "REGION").fg, Color::White);
    assert_eq!(cell_at(&light, "REGION").fg, Color::Black);
    assert!(
        light
            .content
            .iter()
            .all(|c| c.fg != Color::White || c.bg != Color::Reset)
    );
    // NO_COLOR wins over either theme: no colour at all, the keys reversed.
    state.no_color = true;
    let plain = buffer_of(&state);
    assert!(
        plain
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    assert!(plain[(1, 23)].modifier.contains(Modifier::REVERSED));
}

/// Types `text` into the open editor (the event loop's text area, here its result) and
/// evaluates.
fn edit_to(state: &mut State, text: &str) {
    let cursor = (0, text.chars().count());
    let effects = update(
        state,
        Msg::Edited {
            text: text.to_owned(),
            cursor,
        },
    );
    perform(state, effects);
}

fn press(state: &mut State, key: Key) -> Vec<ecr_port::app::Effect> {
    let effects = update(state, Msg::Key(key));
    perform(state, effects.clone());
    effects
}

/// However few rows the list of candidates has room for, the chosen one is among them.
#[tokio::test]
async fn the_chosen_completion_stays_in_sight_at_80x24() {
    let mut state = workbench_on("properties.encryptionConfiguration").await;
    keys(&mut state, &[Key::Enter]);
    edit_to(&mut state, ".");
    for n in 1..=7 {
        press(&mut state, Key::Tab);
        let screen = draw_at(&mut state, 80, 24);
        let wb = state.workbench.as_ref().unwrap();
        let c = wb.assist.completion.as_ref().expect("completing");
        let chosen = &c.candidates[c.chosen].text;
        assert!(
            screen.contains(&format!("│ {chosen} ")),
            "Tab {n}: {chosen} is not shown:\n{screen}"
        );
    }
}

#[tokio::test]
async fn the_editor_completes_paths_of_the_input_and_tab_cycles() {
    let mut state = workbench_on("properties.encryptionConfiguration").await;
    keys(&mut state, &[Key::Enter]);
    edit_to(&mut state, ".Enc");
    press(&mut state, Key::Tab);
    let wb = state.workbench.as_ref().unwrap();
    assert_eq!(wb.focused_expr(), ".EncryptionConfiguration");
    assert_eq!(wb.cursor, (0, 24));
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("1 of 2 · Tab next"), "{screen}");
    insta::assert_snapshot!("editor_completion_80x24", screen);
    press(&mut state, Key::Tab);
    let wb = state.workbench.as_ref().unwrap();
    assert_eq!(wb.focused_expr(), ".EncryptionConfiguration.EncryptionType");
    // The field's live value, evaluated on the highlighted repository, on its row.
    let screen = draw_at(&mut state, 80, 24);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("properties.e") && l.contains("\"AES256\"")),
        "{screen}"
    );
    assert!(screen.contains("2 of 2"), "{screen}");
    // Shift-Tab goes back; typing ends the completion.
    press(&mut state, Key::BackTab);
    assert_eq!(
        state.workbench.as_ref().unwrap().focused_expr(),
        ".EncryptionConfiguration"
    );
    edit_to(&mut state, ".EncryptionConfiguration | len");
    assert!(
        state
            .workbench
            .as_ref()
            .unwrap()
            .assist
            .completion
            .is_none()
    );
    press(&mut state, Key::Tab);
    assert_eq!(
        state.workbench.as_ref().unwrap().focused_expr(),
        ".EncryptionConfiguration | length",
        "the one builtin completes without a list"
    );
    assert!(!draw_at(&mut state, 80, 24).contains(" of 1 "));
}

#[tokio::test]
async fn a_kept_edit_is_remembered_and_ctrl_p_brings_it_back() {
    use ecr_port::app::Effect;
    let mut state = workbench_on("properties.encryptionConfiguration").await;
    keys(&mut state, &[Key::Enter]);
    edit_to(&mut state, ".EncryptionConfiguration.KmsKey");
    keys(&mut state, &[Key::Esc]);
    let effects = press(&mut state, Key::Char('y'));
    let [Effect::RecordHistory { field, exprs, .. }] = &effects[..] else {
        panic!("keeping the edit records it: {effects:?}");
    };
    assert!(
        field.ends_with("properties.encryptionConfiguration"),
        "{field}"
    );
    assert_eq!(
        exprs,
        &[
            ".EncryptionConfiguration",
            ".EncryptionConfiguration.KmsKey"
        ]
    );
    keys(&mut state, &[Key::Enter]);
    edit_to(&mut state, ".Arn");
    press(&mut state, Key::Ctrl('p'));
    let wb = state.workbench.as_ref().unwrap();
    assert_eq!(wb.focused_expr(), ".EncryptionConfiguration.KmsKey");
    press(&mut state, Key::Ctrl('p'));
    assert_eq!(
        state.workbench.as_ref().unwrap().focused_expr(),
        ".EncryptionConfiguration"
    );
    press(&mut state, Key::Ctrl('n'));
    press(&mut state, Key::Ctrl('n'));
    assert_eq!(
        state.workbench.as_ref().unwrap().focused_expr(),
        ".Arn",
        "past the newest: the typed text again"
    );
    // The history the event loop read for the file is what Ctrl-p walks.
    update(
        &mut state,
        Msg::HistoryLoaded(
            [(field.clone(), vec![".RepositoryUri".to_owned()])]
                .into_iter()
                .collect(),
        ),
    );
    press(&mut state, Key::Ctrl('p'));
    assert_eq!(
        state.workbench.as_ref().unwrap().focused_expr(),
        ".RepositoryUri"
    );
}

#[tokio::test]
async fn help_shows_the_vim_presets_keys() {
    let mut state = demo_state().await;
    state.keymap = std::sync::Arc::new(ecr_port::app::keys::Keymap::preset("vim").unwrap());
    keys(&mut state, &[Key::Char('?')]);
    let screen = draw_at(&mut state, 80, 24);
    assert!(screen.contains("l Enter"), "{screen}");
    insta::assert_snapshot!("help_vim_80x24", screen);
    // And the preset's keys work.
    keys(&mut state, &[Key::Esc, Key::Char('l')]);
    assert!(matches!(state.screen, ecr_port::app::Screen::Detail { .. }));
}
