//! The list, the filter, loading and its failures, through `update`.

use super::*;
use crate::model::inventory::{InventoryError, Scope};
use crate::model::repository::sample;
use crate::model::{Fetched, Tag};

fn loaded(repos: Vec<crate::model::Repository>) -> State {
    let mut s = State::new("test", false, false);
    let regions = vec![Scope::region("eu-west-1"), Scope::region("us-east-1")];
    let fx = update(
        &mut s,
        Msg::Connected {
            source: "profile test".into(),
            regions,
        },
    );
    assert_eq!(fx, vec![Effect::Load { load: 1 }]);
    update(
        &mut s,
        Msg::Inventory(vec![Event::Page {
            load: 1,
            region: "eu-west-1".into(),
            repos,
        }]),
    );
    s
}

fn names(s: &State) -> Vec<&str> {
    s.view.iter().map(|&i| s.repos[i].name.as_str()).collect()
}

fn keys(s: &mut State, ks: &[Key]) -> Vec<Effect> {
    ks.iter().flat_map(|k| update(s, Msg::Key(*k))).collect()
}

fn three() -> Vec<crate::model::Repository> {
    vec![
        sample("web/shop", "eu-west-1", &[("port-shop", "true")]),
        sample("auth", "eu-west-1", &[("team", "id")]),
        sample("data/etl", "eu-west-1", &[]),
    ]
}

#[test]
fn rows_are_sorted_and_filtered() {
    let mut s = loaded(three());
    assert_eq!(names(&s), ["auth", "data/etl", "web/shop"]);
    keys(&mut s, &[Key::Char('/'), Key::Char('s'), Key::Char('h')]);
    assert_eq!(names(&s), ["web/shop"]);
    keys(&mut s, &[Key::Enter]);
    assert!(!s.filter_editing);
    keys(&mut s, &[Key::Esc]);
    assert_eq!(s.view.len(), 3);
    // Inverted filter, matching a tag.
    keys(
        &mut s,
        &[
            Key::Char('/'),
            Key::Char('!'),
            Key::Char('t'),
            Key::Char('e'),
        ],
    );
    keys(&mut s, &[Key::Char('a'), Key::Char('m'), Key::Char('=')]);
    assert_eq!(names(&s), ["data/etl", "web/shop"]);
}

#[test]
fn sort_by_column_and_reverse() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Char('3')]); // services
    assert_eq!(names(&s), ["auth", "data/etl", "web/shop"]);
    keys(&mut s, &[Key::Char('3')]);
    assert!(s.sort.descending);
    assert_eq!(names(&s)[0], "web/shop");
    keys(&mut s, &[Key::Char('s')]);
    assert_eq!(s.sort.column, Column::OtherTags);
}

#[test]
fn equal_keys_stay_in_name_then_region_order_either_way() {
    let mut s = loaded(vec![
        sample("b", "us-east-1", &[]),
        sample("a", "us-east-1", &[]),
        sample("b", "eu-west-1", &[]),
        sample("c", "eu-west-1", &[("port-x", "true")]),
    ]);
    let rows = |s: &State| -> Vec<String> {
        s.view
            .iter()
            .map(|&i| format!("{}@{}", s.repos[i].name, s.repos[i].region))
            .collect()
    };
    assert_eq!(
        rows(&s),
        ["a@us-east-1", "b@eu-west-1", "b@us-east-1", "c@eu-west-1"]
    );
    keys(&mut s, &[Key::Char('1')]); // name, descending: regions still ascending
    assert_eq!(
        rows(&s),
        ["c@eu-west-1", "b@eu-west-1", "b@us-east-1", "a@us-east-1"]
    );
    keys(&mut s, &[Key::Char('2'), Key::Char('2')]); // region, descending
    assert_eq!(
        rows(&s),
        ["a@us-east-1", "b@us-east-1", "b@eu-west-1", "c@eu-west-1"]
    );
    keys(&mut s, &[Key::Char('3'), Key::Char('3')]); // services, descending
    assert_eq!(
        rows(&s),
        ["c@eu-west-1", "a@us-east-1", "b@eu-west-1", "b@us-east-1"]
    );
}

#[test]
fn cursor_follows_its_row_when_rows_arrive() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Down]);
    assert_eq!(s.current().unwrap().name, "data/etl");
    update(
        &mut s,
        Msg::Inventory(vec![Event::Page {
            load: 1,
            region: "us-east-1".into(),
            repos: vec![sample("aaa", "us-east-1", &[])],
        }]),
    );
    assert_eq!(s.current().unwrap().name, "data/etl");
    // On the first row, the cursor stays at the top as rows arrive before it.
    keys(&mut s, &[Key::Char('g')]);
    update(
        &mut s,
        Msg::Inventory(vec![Event::Page {
            load: 1,
            region: "us-east-1".into(),
            repos: vec![sample("aa", "us-east-1", &[])],
        }]),
    );
    assert_eq!((s.cursor, s.current().unwrap().name.as_str()), (0, "aa"));
}

#[test]
fn select_toggle_all_and_clear() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Char(' '), Key::Char(' ')]);
    assert_eq!(s.selected.len(), 2);
    assert_eq!(s.cursor, 2);
    keys(&mut s, &[Key::Char(' ')]);
    assert_eq!(s.selected.len(), 3);
    keys(&mut s, &[Key::Char('a')]);
    assert!(s.selected.is_empty());
    keys(&mut s, &[Key::Char('a')]);
    assert_eq!(s.selected.len(), 3);
    keys(&mut s, &[Key::Esc]);
    assert!(s.selected.is_empty());
}

#[test]
fn detail_asks_for_pending_policies_once() {
    let mut repos = three();
    repos[0].lifecycle_policy = Fetched::Pending;
    let mut s = loaded(repos);
    keys(&mut s, &[Key::End]);
    let fx = keys(&mut s, &[Key::Enter]);
    assert_eq!(
        fx,
        vec![Effect::FetchPolicies {
            load: 1,
            arn: s.repos[0].arn.clone()
        }]
    );
    assert!(matches!(s.screen, Screen::Detail { .. }));
    keys(&mut s, &[Key::Esc]);
    assert_eq!(s.screen, Screen::List);
    keys(&mut s, &[Key::Home]);
    assert!(keys(&mut s, &[Key::Enter]).is_empty());
}

#[test]
fn stale_load_events_are_ignored_after_refresh() {
    let mut s = loaded(three());
    let fx = keys(&mut s, &[Key::Char('r')]);
    assert_eq!(fx, vec![Effect::Load { load: 2 }]);
    assert!(s.repos.is_empty());
    update(
        &mut s,
        Msg::Inventory(vec![
            Event::Page {
                load: 1,
                region: "eu-west-1".into(),
                repos: three(),
            },
            Event::Tags {
                load: 2,
                arn: "nope".into(),
                tags: Fetched::Present(vec![Tag::new("a", "b")]),
            },
        ]),
    );
    assert!(s.repos.is_empty());
}

#[test]
fn region_failure_is_shown_and_connect_failure_can_retry() {
    let mut s = loaded(three());
    let error = InventoryError::AccessDenied {
        region: "us-east-1".into(),
        action: "ecr:DescribeRepositories".into(),
        message: "no".into(),
    };
    update(
        &mut s,
        Msg::Inventory(vec![Event::RegionFailed {
            load: 1,
            region: "us-east-1".into(),
            error: error.clone(),
        }]),
    );
    assert_eq!(s.regions[1].phase, Phase::Failed(error));
    assert!(
        s.status
            .as_ref()
            .unwrap()
            .text
            .contains("ecr:DescribeRepositories")
    );

    let mut s = State::new("x", false, false);
    update(&mut s, Msg::ConnectFailed(InventoryError::NoRegion));
    assert!(s.fatal.is_some());
    assert_eq!(keys(&mut s, &[Key::Char('r')]), vec![Effect::Connect]);
}

fn in_account(name: &str, account: &str) -> crate::model::Repository {
    let mut repo = sample(name, "eu-west-1", &[]);
    repo.registry_id = account.into();
    repo.arn = format!("arn:aws:ecr:eu-west-1:{account}:repository/{name}");
    repo
}

/// Accounts `prod` and `dev` in eu-west-1 and us-east-1; prod lists two repositories, dev
/// one, and `dev · us-east-1` is still listing.
fn two_accounts() -> State {
    let mut s = State::new("test", false, false);
    let scope = |account: &str, region: &str| Scope {
        account: Some(account.into()),
        region: region.into(),
    };
    update(
        &mut s,
        Msg::Connected {
            source: "profile prod + profile dev".into(),
            regions: vec![
                scope("prod", "eu-west-1"),
                scope("prod", "us-east-1"),
                scope("dev", "eu-west-1"),
                scope("dev", "us-east-1"),
            ],
        },
    );
    let page = |region: &str, repos| Event::Page {
        load: 1,
        region: region.into(),
        repos,
    };
    let started = |region: &str| Event::RegionStarted {
        load: 1,
        region: region.into(),
    };
    let listed = |region: &str| Event::RegionListed {
        load: 1,
        region: region.into(),
    };
    update(
        &mut s,
        Msg::Inventory(vec![
            started("prod · eu-west-1"),
            started("dev · us-east-1"),
            page(
                "prod · eu-west-1",
                vec![
                    in_account("shop", "111111111111"),
                    in_account("auth", "111111111111"),
                ],
            ),
            listed("prod · eu-west-1"),
            listed("prod · us-east-1"),
            page("dev · eu-west-1", vec![in_account("shop", "222222222222")]),
            listed("dev · eu-west-1"),
        ]),
    );
    s
}

#[test]
fn several_accounts_name_their_rows_and_report_each_load() {
    let mut s = two_accounts();
    assert!(s.several_accounts());
    let accounts: Vec<&str> = s.view.iter().map(|&i| s.account_of(&s.repos[i])).collect();
    assert_eq!(names(&s), ["auth", "shop", "shop"]);
    assert_eq!(accounts, ["prod", "dev", "prod"]);
    let statuses = s.account_statuses();
    assert_eq!(
        statuses
            .iter()
            .map(|a| (a.alias, a.listed, a.loading))
            .collect::<Vec<_>>(),
        [("prod", 2, false), ("dev", 1, true)]
    );

    // One account failing is its own: the other keeps its rows and its status.
    let expired = InventoryError::BadCredentials {
        profile: "dev".into(),
        code: "ExpiredToken".into(),
    };
    update(
        &mut s,
        Msg::Inventory(vec![Event::RegionFailed {
            load: 1,
            region: "dev · us-east-1".into(),
            error: expired.clone(),
        }]),
    );
    let dev = &s.account_statuses()[1];
    assert_eq!(dev.failed, [("us-east-1", &expired)]);
    assert!(!dev.loading);
    assert_eq!(s.repos.len(), 3);
    let status = s.status.as_ref().unwrap().text.clone();
    assert!(status.starts_with("dev · us-east-1: "), "{status}");
    assert_eq!(expired.short(), "session expired");
}

#[test]
fn a_narrowing_filter_and_rows_arriving_give_what_a_fresh_filter_would() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Char('/'), Key::Char('a')]);
    let wide = names(&s).into_iter().map(String::from).collect::<Vec<_>>();
    keys(&mut s, &[Key::Char('t')]);
    let narrow = names(&s).into_iter().map(String::from).collect::<Vec<_>>();
    assert!(narrow.len() < wide.len(), "{wide:?} then {narrow:?}");
    // A row that matches arrives while the filter is on: it is shown, in order.
    update(
        &mut s,
        Msg::Inventory(vec![Event::Page {
            load: 1,
            region: "eu-west-1".into(),
            repos: vec![sample("aaa/at", "eu-west-1", &[])],
        }]),
    );
    assert_eq!(names(&s)[0], "aaa/at");
    keys(&mut s, &[Key::Backspace]);
    let mut fresh = loaded(three());
    update(
        &mut fresh,
        Msg::Inventory(vec![Event::Page {
            load: 1,
            region: "eu-west-1".into(),
            repos: vec![sample("aaa/at", "eu-west-1", &[])],
        }]),
    );
    keys(&mut fresh, &[Key::Char('/'), Key::Char('a')]);
    assert_eq!(names(&s), names(&fresh));
    // Inverted filters widen as they grow: never narrowed from the rows shown. Every
    // region has an `e`, so `!e` keeps nothing and `!et` all but data/etl.
    keys(&mut s, &[Key::Ctrl('u'), Key::Char('!'), Key::Char('e')]);
    assert!(names(&s).is_empty());
    keys(&mut s, &[Key::Char('t')]);
    assert!(!names(&s).is_empty());
    keys(&mut fresh, &[Key::Ctrl('u')]);
    for c in "!et".chars() {
        keys(&mut fresh, &[Key::Char(c)]);
    }
    assert_eq!(names(&s), names(&fresh));
}

#[test]
fn the_account_filter_and_sort() {
    let mut s = two_accounts();
    keys(
        &mut s,
        &[
            Key::Char('/'),
            Key::Char('@'),
            Key::Char('d'),
            Key::Char('e'),
        ],
    );
    assert_eq!(names(&s), ["shop"]);
    assert_eq!(s.account_of(s.current().unwrap()), "dev");
    // By id too, and inverted.
    keys(&mut s, &[Key::Ctrl('u')]);
    for c in "!@1111".chars() {
        keys(&mut s, &[Key::Char(c)]);
    }
    assert_eq!(names(&s), ["shop"]);
    keys(&mut s, &[Key::Esc]);
    // Plain text finds the alias as it finds the region.
    keys(&mut s, &[Key::Char('/')]);
    for c in "prod".chars() {
        keys(&mut s, &[Key::Char(c)]);
    }
    assert_eq!(names(&s), ["auth", "shop"]);
    keys(&mut s, &[Key::Esc]);
    // `←` from NAME wraps to ACCOUNT, shown only with several accounts.
    keys(&mut s, &[Key::Left]);
    assert_eq!(s.sort.column, Column::Account);
    let accounts: Vec<&str> = s.view.iter().map(|&i| s.account_of(&s.repos[i])).collect();
    assert_eq!(accounts, ["dev", "prod", "prod"]);
    let mut one = loaded(three());
    keys(&mut one, &[Key::Left]);
    assert_eq!(one.sort.column, Column::Created);
    // With one account, `@` looks at the id and plain text does not.
    keys(&mut one, &[Key::Char('/')]);
    for c in "1234".chars() {
        keys(&mut one, &[Key::Char(c)]);
    }
    assert!(names(&one).is_empty());
    keys(&mut one, &[Key::Ctrl('u'), Key::Char('@'), Key::Char('1')]);
    assert_eq!(names(&one).len(), 3);
}

#[test]
fn paging_moves_by_the_rows_the_view_reported() {
    let repos: Vec<_> = (0..50)
        .map(|i| sample(&format!("r{i:02}"), "eu-west-1", &[]))
        .collect();
    let mut s = loaded(repos);
    update(
        &mut s,
        Msg::Resize {
            width: 80,
            height: 40,
        },
    );
    update(
        &mut s,
        Msg::Viewport(crate::app::Viewport {
            list_rows: 5,
            push_rows: 5,
            text_rows: 5,
            ..Default::default()
        }),
    );
    keys(&mut s, &[Key::PageDown]);
    assert_eq!(s.cursor, 5);
    keys(&mut s, &[Key::PageDown, Key::Down]);
    assert_eq!(s.cursor, 11);
    // The page scrolled just enough to keep the cursor on the 5 rows shown.
    assert_eq!(s.offset, 7);
}

#[test]
fn text_panes_stop_scrolling_at_their_end() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Enter]);
    update(
        &mut s,
        Msg::Viewport(crate::app::Viewport {
            text_rows: 5,
            text_lines: 12,
            help_rows: 10,
            help_lines: 30,
            ..Default::default()
        }),
    );
    keys(&mut s, &[Key::Char('j'); 20]);
    assert!(
        matches!(s.screen, Screen::Detail { scroll: 7, .. }),
        "{:?}",
        s.screen
    );
    keys(&mut s, &[Key::PageDown, Key::Char('k')]);
    assert!(matches!(s.screen, Screen::Detail { scroll: 6, .. }));
    keys(&mut s, &[Key::Char('?')]);
    keys(&mut s, &[Key::Char('j'); 50]);
    assert_eq!(s.help, Some(20));
}

#[test]
fn help_answers_in_dialogs_and_l_opens_the_log_from_the_results() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Char('t'), Key::Char('x'), Key::Enter]);
    assert!(matches!(
        s.dialog,
        Some(super::super::tagging::Dialog::Preview(_))
    ));
    keys(&mut s, &[Key::Char('?')]);
    assert!(s.help.is_some(), "? opens the help over the preview");
    keys(&mut s, &[Key::Esc]);
    assert!(
        s.help.is_none() && s.dialog.is_some(),
        "the preview is still there"
    );
    keys(&mut s, &[Key::Char('y'), Key::Char('L')]);
    assert!(s.dialog.is_none());
    assert!(matches!(s.screen, Screen::Activity { .. }));
}

#[test]
fn quit_from_anywhere_but_the_filter_box() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Char('/'), Key::Char('q')]);
    assert!(!s.quit);
    assert_eq!(s.filter, "q");
    keys(&mut s, &[Key::Esc, Key::Char('?')]);
    assert!(s.help.is_some());
    keys(&mut s, &[Key::Esc, Key::Char('q')]);
    assert!(s.quit);
}

#[test]
fn a_status_lasts_until_the_next_key_unless_it_is_still_true() {
    let mut s = loaded(three());
    s.workbench = None;
    update(&mut s, Msg::Notice("an old notice".into()));
    assert!(s.status.is_some());
    keys(&mut s, &[Key::Down]);
    assert_eq!(s.status, None, "the next action clears it");
    let error = InventoryError::AccessDenied {
        region: "us-east-1".into(),
        action: "ecr:DescribeRepositories".into(),
        message: "no".into(),
    };
    update(
        &mut s,
        Msg::Inventory(vec![Event::RegionFailed {
            load: 1,
            region: "us-east-1".into(),
            error,
        }]),
    );
    keys(&mut s, &[Key::Down, Key::Up]);
    assert!(
        s.status
            .as_ref()
            .is_some_and(|st| st.text.contains("us-east-1")),
        "a failed region stays said: {:?}",
        s.status
    );
}

#[test]
fn refresh_brings_the_cursor_back_to_its_repository() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Down, Key::Down]);
    assert_eq!(s.current().unwrap().name, "web/shop");
    assert_eq!(
        keys(&mut s, &[Key::Char('r')]),
        vec![Effect::Load { load: 2 }]
    );
    // The first page does not hold it yet; the second does.
    update(
        &mut s,
        Msg::Inventory(vec![Event::Page {
            load: 2,
            region: "eu-west-1".into(),
            repos: vec![three()[1].clone()],
        }]),
    );
    update(
        &mut s,
        Msg::Inventory(vec![Event::Page {
            load: 2,
            region: "eu-west-1".into(),
            repos: vec![three()[0].clone(), three()[2].clone()],
        }]),
    );
    assert_eq!(s.current().unwrap().name, "web/shop");
}

#[test]
fn ctrl_d_and_ctrl_u_move_half_a_page_and_g_shift_g_the_ends() {
    use crate::app::fixtures::loaded;
    let mut s = loaded(50, 10);
    keys(&mut s, &[Key::Ctrl('d')]);
    assert_eq!(s.cursor, 5);
    keys(&mut s, &[Key::Ctrl('d'), Key::Ctrl('u')]);
    assert_eq!(s.cursor, 5);
    keys(&mut s, &[Key::PageDown]);
    assert_eq!(s.cursor, 15);
    keys(&mut s, &[Key::Char('G')]);
    assert_eq!(s.cursor, 49);
    keys(&mut s, &[Key::PageUp, Key::Char('g')]);
    assert_eq!(s.cursor, 0);
    // The same keys in a text pane; the help lists them for it.
    keys(&mut s, &[Key::Enter]);
    let mut v = s.viewport.unwrap();
    v.text_lines = 40;
    update(&mut s, Msg::Viewport(v));
    keys(&mut s, &[Key::Ctrl('d')]);
    assert!(matches!(s.screen, Screen::Detail { scroll: 5, .. }));
    keys(&mut s, &[Key::Char('G')]);
    assert!(matches!(s.screen, Screen::Detail { scroll: 30, .. }));
    keys(&mut s, &[Key::Ctrl('u'), Key::Char(' ')]);
    assert!(matches!(s.screen, Screen::Detail { scroll: 30, .. }));
    for context in [
        keys::Context::Detail,
        keys::Context::Activity,
        keys::Context::Help,
    ] {
        let helps: Vec<&str> = keys::bindings(context).map(|b| b.what).collect();
        assert!(helps.contains(&"half a page down"), "{context:?}");
    }
    // In a text box Ctrl-u keeps erasing.
    keys(
        &mut s,
        &[Key::Esc, Key::Char('/'), Key::Char('r'), Key::Ctrl('u')],
    );
    assert!(s.filter_editing && s.filter.is_empty());
}

#[test]
fn a_bulk_write_settles_in_batches_keeps_each_change_and_holds_undo_until_done() {
    use crate::model::inventory::Applied;
    let mut s = loaded(three());
    keys(&mut s, &[Key::Char('a'), Key::Char('t')]);
    for c in "zz".chars() {
        keys(&mut s, &[Key::Char(c)]);
    }
    keys(&mut s, &[Key::Enter]);
    let fx = keys(&mut s, &[Key::Char('y')]);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::WriteTags { .. })),
        "{fx:?}"
    );
    // The results view closed before anything came back; the log opened.
    keys(&mut s, &[Key::Esc, Key::Char('L'), Key::Char('u')]);
    let status = s.status.clone().expect("a status");
    assert!(
        status.text.starts_with("3 tag writes still being written"),
        "{status:?}"
    );
    let applied: Vec<Applied> = s
        .repos
        .iter()
        .map(|r| Applied {
            arn: r.arn.clone(),
            result: Ok(vec![Tag::new("port-zz", "true")]),
            command: None,
        })
        .collect();
    update(&mut s, Msg::TagWritten { applied, at: 7 });
    assert_eq!(s.activity.len(), 3);
    for entry in &s.activity {
        assert_eq!(entry.action, "+ port-zz=true  (new key)", "{entry:?}");
    }
    assert!(
        s.repos
            .iter()
            .all(|r| r.tag_list().iter().any(|t| t.key == "port-zz")),
        "the list has the written tags"
    );
    // Every write answered: `u` no longer waits for them.
    assert!(s.writing.is_empty());
    keys(&mut s, &[Key::Char('u')]);
    assert!(
        !s.status
            .as_ref()
            .is_some_and(|st| st.text.contains("still being written")),
        "{:?}",
        s.status
    );
}

#[test]
fn the_tag_dialog_takes_service_equals_value() {
    let mut s = loaded(three());
    keys(&mut s, &[Key::Char('t')]);
    for c in "orders=v2".chars() {
        keys(&mut s, &[Key::Char(c)]);
    }
    keys(&mut s, &[Key::Enter]);
    let Some(crate::app::tagging::Dialog::Preview(p)) = &s.dialog else {
        panic!("no preview: {:?}", s.dialog)
    };
    assert!(
        p.plan
            .iter()
            .all(|i| i.change.describe().starts_with("+ port-orders=v2")),
        "{:?}",
        p.plan
    );
    // A removal has no value to take.
    keys(&mut s, &[Key::Esc, Key::Char('T')]);
    for c in "orders=v2".chars() {
        keys(&mut s, &[Key::Char(c)]);
    }
    keys(&mut s, &[Key::Enter]);
    assert!(matches!(
        s.dialog,
        Some(crate::app::tagging::Dialog::Service(_))
    ));
}
