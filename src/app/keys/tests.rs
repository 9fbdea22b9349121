use super::*;

#[test]
fn no_key_means_two_things_in_one_context() {
    for context in Context::ALL {
        let mut seen: Vec<Key> = Vec::new();
        for b in bindings(context) {
            for k in &b.keys {
                assert!(!seen.contains(k), "{context:?}: {k:?} bound twice");
                seen.push(*k);
            }
        }
    }
}

#[test]
fn text_boxes_take_letters_and_lists_fall_back_to_global() {
    assert_eq!(action(Context::Filter, Key::Char('q')), None);
    assert_eq!(action(Context::List, Key::Char('q')), Some(Action::Quit));
    assert_eq!(
        action(Context::Workbench, Key::Char('q')),
        Some(Action::Back)
    );
    assert_eq!(
        action(Context::List, Key::Char('3')),
        Some(Action::SortBy(2))
    );
    assert_eq!(action(Context::Push, Key::Char('?')), Some(Action::Help));
}

#[test]
fn tab_picks_the_workbench_mapping_and_the_bar_says_so() {
    assert_eq!(
        action(Context::Workbench, Key::Tab),
        Some(Action::NextMapping)
    );
    assert_eq!(
        action(Context::Workbench, Key::BackTab),
        Some(Action::PreviousMapping)
    );
    assert!(bar(Context::Workbench).contains(&("Tab".to_owned(), "mapping")));
}

#[test]
fn every_context_has_help_and_the_bar_starts_with_global_keys() {
    for context in Context::ALL {
        assert!(bindings(context).next().is_some(), "{context:?} has no row");
    }
    let bar = bar(Context::List);
    assert_eq!(bar[0], ("?".to_owned(), "help"));
    assert!(bar.contains(&("1-7".to_owned(), "sort")));
}
