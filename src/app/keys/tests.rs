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

mod keymap_file {
    use super::super::{Keymap, KeymapError};
    use super::*;
    use std::path::Path;

    fn load(text: &str) -> Result<Keymap, KeymapError> {
        Keymap::from_file(text, Path::new("/home/u/.config/ecr-port/keymap.json"))
    }

    /// The one problem a file has, with the file named in the whole message.
    fn problem(text: &str) -> String {
        let err = load(text).expect_err("the keymap should be refused");
        assert!(
            err.to_string()
                .contains("keymap file /home/u/.config/ecr-port/keymap.json is not valid"),
            "{err}"
        );
        assert_eq!(err.problems.len(), 1, "{:?}", err.problems);
        err.problems[0].clone()
    }

    #[test]
    fn the_vim_preset_adds_hjkl_ways_without_losing_a_key() {
        let vim = Keymap::preset("vim").expect("the vim preset is valid");
        assert!(vim.warnings.is_empty(), "{:?}", vim.warnings);
        assert_eq!(
            vim.action(Context::List, Key::Char('l')),
            Some(Action::OpenDetail)
        );
        assert_eq!(
            vim.action(Context::List, Key::Enter),
            Some(Action::OpenDetail)
        );
        assert_eq!(
            vim.action(Context::Workbench, Key::Char('h')),
            Some(Action::Back)
        );
        assert_eq!(
            vim.action(Context::Workbench, Ctrl('f')),
            Some(Action::PageDown)
        );
        assert_eq!(vim.action(Context::TagInput, Ctrl('n')), Some(Action::Down));
        // Typed text stays text in the boxes.
        assert_eq!(vim.action(Context::Filter, Key::Char('l')), None);
        for context in Context::ALL {
            let mut seen: Vec<Key> = Vec::new();
            for b in vim.bindings(context) {
                for k in &b.keys {
                    assert!(!seen.contains(k), "{context:?}: {k:?} bound twice");
                    seen.push(*k);
                }
            }
        }
    }

    #[test]
    fn an_override_moves_the_key_and_the_bar_shows_it() {
        let km = load(r#"{"bindings": {"list": {"x": "tag", "Ctrl-T": "untag"}}}"#).unwrap();
        assert_eq!(km.action(Context::List, Key::Char('x')), Some(Action::Tag));
        assert_eq!(km.action(Context::List, Ctrl('t')), Some(Action::Untag));
        assert_eq!(km.action(Context::List, Key::Char('t')), Some(Action::Tag));
        assert!(km.bar(Context::List).contains(&("x".to_owned(), "tag")));
        assert!(km.warnings.is_empty());
        // The default table is untouched.
        assert_eq!(action(Context::List, Key::Char('x')), None);
    }

    #[test]
    fn taking_an_actions_only_key_is_a_warning_that_says_which() {
        let km = load(r#"{"bindings": {"list": {"t": "untag"}}}"#).unwrap();
        assert_eq!(
            km.action(Context::List, Key::Char('t')),
            Some(Action::Untag)
        );
        assert_eq!(
            km.warnings,
            vec!["list: `tag` has no key left (t now means `untag`)".to_owned()]
        );
    }

    #[test]
    fn a_preset_and_the_users_own_keys_on_top() {
        let km = load(r#"{"preset": "vim", "bindings": {"list": {"l": "activity-log"}}}"#).unwrap();
        assert_eq!(
            km.action(Context::List, Key::Char('l')),
            Some(Action::ActivityLog)
        );
        assert_eq!(
            km.action(Context::Workbench, Key::Char('h')),
            Some(Action::Back)
        );
    }

    #[test]
    fn broken_json_names_the_line() {
        let p = problem("{\n  \"bindings\": {\n    \"list\": {\"x\" \"tag\"}\n  }\n}");
        assert!(p.starts_with("line 3 column"), "{p}");
    }

    #[test]
    fn each_mistake_is_named_with_its_line_and_entry() {
        let cases = [
            (
                "{\n\"bindings\": {\"lsit\": {\"x\": \"tag\"}}}",
                "line 2, lsit.\"x\": unknown context `lsit`; did you mean `list`?",
            ),
            (
                "{\"bindings\": {\"list\": {\"Ctrl-\": \"tag\"}}}",
                "line 1, list.\"Ctrl-\": unknown key \"Ctrl-\"",
            ),
            (
                "{\"bindings\": {\"list\": {\n\"x\": \"tagg\"}}}",
                "line 2, list.\"x\": unknown action `tagg`; did you mean `tag`?",
            ),
            (
                "{\"bindings\": {\"list\": {\"x\": \"save-as\"}}}",
                "list.\"x\": `save-as` does not apply in list (its actions: ",
            ),
            (
                "{\"bindings\": {\"filter\": {\"q\": \"clear-text\"}}}",
                "filter.\"q\": \"q\" is typed text in filter; bind a Ctrl- or named key there",
            ),
            (
                "{\"bindings\": {\"list\": {\"ctrl-c\": \"tag\"}}}",
                "list.\"ctrl-c\": Ctrl-c always quits and cannot be bound",
            ),
            (
                "{\"bindings\": {\"list\": {\"x\": 3}}}",
                "list.\"x\": the action must be a string, found a number",
            ),
            (
                "{\"preset\": \"emacs\"}",
                "line 1, preset: unknown preset `emacs` (the presets: vim)",
            ),
            (
                "{\"bindngs\": {}}",
                "line 1, unknown key `bindngs` (the keys are preset, bindings)",
            ),
            (
                "{\"bindings\": {\"list\": [\"x\"]}}",
                "bindings.list must be an object of key: action, found an array",
            ),
            ("[]", "the file must be a JSON object, found an array"),
        ];
        for (text, expected) in cases {
            let p = problem(text);
            assert!(p.contains(expected), "{text}\n got: {p}\nwant: {expected}");
        }
    }

    #[test]
    fn one_key_bound_twice_in_a_context_is_refused_with_both_actions() {
        // Written twice, and written two ways: both are one key.
        for text in [
            "{\"bindings\": {\"list\": {\"x\": \"tag\",\n\"x\": \"untag\"}}}",
            "{\"bindings\": {\"list\": {\"PgDn\": \"last\",\n\"pagedown\": \"first\"}}}",
        ] {
            let p = problem(text);
            assert!(p.contains("is bound twice in list: to `"), "{p}");
            assert!(p.starts_with("line 2, "), "{p}");
        }
        // One key in two contexts is two bindings.
        assert!(
            load(r#"{"bindings": {"list": {"x": "tag"}, "workbench": {"x": "save"}}}"#).is_ok()
        );
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let err =
            load(r#"{"bindings": {"list": {"x": "tagg", "y": "nope", "z": "tag"}}}"#).unwrap_err();
        assert_eq!(err.problems.len(), 2, "{:?}", err.problems);
    }
}
