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
                regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            },
        );
    }
    state
}

/// The demo inventory, loaded the way the event loop would load it.
async fn demo_state() -> State {
    let demo = DemoInventory::new(&[]).unwrap();
    let (repos, _) = inventory::collect(&demo, true).await;
    let mut state = connected("demo data", false, &["eu-west-1", "us-east-1"]);
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

#[tokio::test]
async fn tiny_terminal_does_not_panic() {
    let state = demo_state().await;
    for (w, h) in [(1, 1), (10, 3), (30, 8)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| {
                ecr_port::ui::render(f, &state);
            })
            .unwrap();
    }
    let mut state = state;
    keys(&mut state, &[Key::Char('?')]);
    let mut terminal = Terminal::new(TestBackend::new(20, 5)).unwrap();
    terminal
        .draw(|f| {
            ecr_port::ui::render(f, &state);
        })
        .unwrap();
}

#[tokio::test]
async fn tagging_dialog_preview_results_and_activity() {
    use ecr_port::inventory::Applied;
    use ecr_port::model::Tag;

    let mut state = demo_state().await;
    // Select three: one new, one already tagged with this service, one with 48 tags.
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "payments/api");
    keys(&mut state, &[Key::Enter, Key::Char('a'), Key::Esc]);
    keys(&mut state, &[Key::Char('/')]);
    typed(&mut state, "mobile/bff");
    keys(&mut state, &[Key::Enter, Key::Char(' '), Key::Esc]);
    assert_eq!(state.selected.len(), 3);

    keys(&mut state, &[Key::Char('t')]);
    typed(&mut state, "pay");
    insta::assert_snapshot!("tag_dialog", draw(&state));

    typed(&mut state, " me!");
    keys(&mut state, &[Key::Enter]);
    insta::assert_snapshot!("tag_dialog_invalid", draw(&state));

    keys(&mut state, &[Key::Ctrl('u')]);
    typed(&mut state, "ord");
    keys(&mut state, &[Key::Tab, Key::Enter]);
    insta::assert_snapshot!("tag_preview", draw(&state));

    // A bare Enter never confirms.
    let effects = update(&mut state, Msg::Key(Key::Enter));
    assert!(effects.is_empty());
    let effects = update(&mut state, Msg::Key(Key::Char('y')));
    let ecr_port::app::Effect::WriteTags { items } = &effects[0] else {
        panic!("expected a write, got {effects:?}");
    };
    assert_eq!(items.len(), 3);
    let (ok, failed) = (items[0].clone(), items[1].clone());
    update(
        &mut state,
        Msg::TagWritten {
            applied: Applied {
                arn: ok.arn.clone(),
                result: Ok(vec![
                    Tag::new("port-payments-api", "true"),
                    Tag::new("port-orders", "true"),
                ]),
                command: Some(format!(
                    "aws ecr tag-resource --resource-arn {} ...",
                    ok.arn
                )),
            },
            at: 1_790_000_000,
        },
    );
    update(
        &mut state,
        Msg::TagWritten {
            applied: Applied {
                arn: failed.arn.clone(),
                result: Err(InventoryError::RepositoryNotFound {
                    name: failed.name.clone(),
                    region: failed.region.clone(),
                }),
                command: None,
            },
            at: 1_790_000_001,
        },
    );
    insta::assert_snapshot!("tag_results", draw(&state));
    keys(&mut state, &[Key::Esc, Key::Char('L')]);
    insta::assert_snapshot!("activity_log", draw(&state));
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
        Msg::MappingLoaded(Ok((file, Some("guide-mapping.json".into())))),
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
    keys(&mut state, &[Key::Esc]);
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
        keys(state, &[Key::Esc]);
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
        Msg::MappingLoaded(Ok((file, Some("config.json".into())))),
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

/// The push screen for the first `n` demo repositories, planned against the demo catalog
/// with hand-made drafts (the mapping worker is not needed to draw): one update with a field
/// diff, one dangling service, the rest new.
async fn push_state(n: usize) -> State {
    use ecr_port::app::push::Prepared;
    use ecr_port::port::Catalog;
    use ecr_port::port::blueprint;
    use ecr_port::port::demo::DemoCatalog;
    use ecr_port::port::push::{Draft, plan};
    use serde_json::json;

    let mut state = demo_state().await;
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
    insta::assert_snapshot!("push_plan_update_diff", draw(&state));
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
        Msg::PortServices(Ok(vec!["payments-api".into(), "payroll".into()])),
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
        .map(String::from)
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
    let ecr_port::app::Effect::WriteTags { items } = &effects[0] else {
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
