use super::check::JQ16_BUILTINS;
use super::value::format_number;
use super::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn eval_as(dialect: Dialect, source: &str, input: serde_json::Value) -> Outcome {
    let filter = compile(source, dialect).unwrap_or_else(|e| {
        panic!(
            "{source:?} does not compile as {}: {e:?}",
            dialect.version()
        )
    });
    first(&filter, &Input::from_json(&input))
}

fn value_as(dialect: Dialect, source: &str, input: serde_json::Value) -> serde_json::Value {
    match eval_as(dialect, source, input) {
        Outcome::Value(v) => v,
        other => panic!("{source:?} gave {other:?}"),
    }
}

fn eval(source: &str, input: serde_json::Value) -> Outcome {
    eval_as(Dialect::Jq16, source, input)
}

fn value(source: &str, input: serde_json::Value) -> serde_json::Value {
    value_as(Dialect::Jq16, source, input)
}

fn error(source: &str, input: serde_json::Value) -> String {
    match eval(source, input) {
        Outcome::Error(e) => e,
        other => panic!("{source:?} gave {other:?}, not an error"),
    }
}

fn compile_errors(source: &str) -> Vec<CompileError> {
    match compile(source, Dialect::Jq16) {
        Ok(_) => panic!("{source:?} compiled"),
        Err(errors) => errors,
    }
}

/// The single compile error of `source`, with the text its span points at.
fn compile_error(source: &str) -> (String, &str) {
    let errors = compile_errors(source);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let span = errors[0].span.clone().expect("a span");
    (errors[0].message.clone(), &source[span])
}

// Compile errors and their spans.

#[test]
fn undefined_filter_points_at_its_name() {
    let (message, at) = compile_error(".Tags | kyes");
    assert_eq!(at, "kyes");
    assert!(message.contains("kyes/0 is not defined"), "{message}");
}

#[test]
fn unexpected_end_of_input_points_at_the_end() {
    let source = ".a |";
    let errors = compile_errors(source);
    assert_eq!(errors[0].span, Some(4..4));
    assert!(
        errors[0].message.contains("unexpected end of input"),
        "{errors:?}"
    );
}

#[test]
fn syntax_errors_point_at_the_unexpected_token() {
    let (message, at) = compile_error(".a | ]");
    assert_eq!(at, "]");
    assert!(message.starts_with("syntax error"), "{message}");
    let errors = compile_errors("(.a");
    assert!(
        errors[0].message.contains("closing parenthesis"),
        "{errors:?}"
    );
}

#[test]
fn undefined_variable_points_at_it() {
    let (message, at) = compile_error(".a as $x | $y");
    assert_eq!(at, "$y");
    assert!(message.contains("$y"), "{message}");
}

#[test]
fn filters_jq_1_6_lacks_do_not_compile() {
    for (source, name) in [
        ("trim", "trim"),
        (".a | abs", "abs"),
        ("pick(.a)", "pick"),
        ("toarray", "toarray"),
        ("[splits]", "splits"),
        ("scan(\"a\"; \"g\")", "scan"),
        ("@base32", "@base32"),
        ("tobytes", "tobytes"),
    ] {
        let (_, at) = compile_error(source);
        assert_eq!(at, name, "{source}");
    }
}

#[test]
fn every_jq_1_6_builtin_compiles_except_the_refused_ones() {
    for builtin in JQ16_BUILTINS {
        let (name, arity) = builtin.split_once('/').expect("name/arity");
        let arity: usize = arity.parse().expect("arity");
        let args = vec!["."; arity].join("; ");
        let source = if arity == 0 {
            name.to_string()
        } else {
            format!("{name}({args})")
        };
        match (check::refusal(name), compile(&source, Dialect::Jq16)) {
            (None, Err(e)) => panic!("{source} does not compile: {e:?}"),
            (Some(_), Ok(_)) => panic!("{source} compiles but should be refused"),
            _ => {}
        }
    }
}

#[test]
fn own_definitions_shadow_builtins_and_refusals() {
    assert_eq!(value("def env: \"safe\"; env", json!(null)), json!("safe"));
    assert_eq!(value("def trim: 1; trim", json!(null)), json!(1));
    assert_eq!(
        value("def f(g): [g, g]; f(.a)", json!({"a": 1})),
        json!([1, 1])
    );
}

#[test]
fn grammar_jq_1_6_lacks_does_not_compile() {
    let cases = [
        ("{a: .b // 1}", "//"),
        ("{a: if . then 1 else 2 end}", "if"),
        ("if . then 1 end", "if"),
        (".a.[0]", "."),
        ("2 * 3 % 4", "%"),
        ("def f($x): x; f(1)", "x"),
        ("{(1): 2}", "1"),
        ("1 / 0", "0"),
    ];
    for (source, at) in cases {
        let (message, found) = compile_error(source);
        assert_eq!(found, at, "{source}: {message}");
    }
    // What jq 1.6 does accept.
    assert_eq!(
        value("{a: (.b // 1), c: .b | not, d: -1}", json!({})),
        json!({"a": 1, "c": true, "d": -1})
    );
    assert_eq!(value("(2 * 3) % 4", json!(null)), json!(2));
    assert_eq!(value("# only a comment", json!(3)), json!(3));
}

// Safety.

#[test]
fn env_and_env_variable_are_refused() {
    for (source, name) in [
        ("env", "env"),
        ("env.HOME", "env"),
        ("$ENV.PATH", "$ENV"),
        (".a | $ENV", "$ENV"),
    ] {
        let (message, at) = compile_error(source);
        assert_eq!(at, name);
        assert!(message.contains("credentials"), "{message}");
    }
}

#[test]
fn input_and_inputs_are_refused() {
    for source in ["input", "[inputs]", "first(inputs)"] {
        let (message, _) = compile_error(source);
        assert!(message.contains("not available in mappings"), "{message}");
    }
}

#[test]
fn modules_are_refused() {
    let errors = compile_errors("include \"x\"; .");
    assert!(errors[0].message.contains("not supported"), "{errors:?}");
}

#[test]
fn halt_error_is_an_error_and_the_process_survives() {
    let message = error("\"bye\" | halt_error", json!(null));
    assert!(
        message.contains("bye") && message.contains("exit code 5"),
        "{message}"
    );
    let message = error("{a: 1} | halt_error(2)", json!(null));
    assert!(
        message.contains(r#"{"a":1}"#) && message.contains("exit code 2"),
        "{message}"
    );
    // Not catchable, as in jq 1.6.
    assert!(error("try halt_error catch \"caught\"", json!("x")).contains("halt_error"));
    assert!(error("halt", json!(null)).contains("halt"));
    // Still here: the test process did not exit.
    assert_eq!(value("1 + 1", json!(null)), json!(2));
}

#[test]
fn first_stops_at_the_first_output() {
    let start = Instant::now();
    assert_eq!(value("range(1e10)", json!(null)), json!(0));
    assert_eq!(value("first(range(1e10))", json!(null)), json!(0));
    assert_eq!(value("limit(1; repeat(1))", json!(null)), json!(1));
    assert_eq!(value("range(1e10) | select(. == 3)", json!(null)), json!(3));
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn filter_and_input_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Filter>();
    send_sync::<Input>();
}

#[test]
fn one_filter_runs_on_many_inputs_and_threads() {
    let filter = compile(".a + 1", Dialect::Jq16).expect("compiles");
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let filter = filter.clone();
            std::thread::spawn(move || first(&filter, &Input::from_json(&json!({"a": i}))))
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().expect("thread"), Outcome::Value(json!(i + 1)));
    }
}

// Values never become invalid JSON.

#[test]
fn non_string_object_keys_are_errors() {
    assert!(
        compile_error("{(1): 2}")
            .0
            .contains("Cannot use number (1) as object key")
    );
    assert!(error("{(.a): 2}", json!({"a": 1})).contains("Cannot use number (1) as object key"));
    assert_eq!(
        value("try {(.a): 2} catch \"caught\"", json!({"a": null})),
        json!("caught")
    );
    assert!(error("{} | .[0] = 1", json!(null)).contains("Cannot index object with number"));
    assert!(error("{} | setpath([0]; 1)", json!(null)).contains("Cannot index object with number"));
}

#[test]
fn nan_is_null_and_infinities_are_the_largest_doubles() {
    assert_eq!(value("nan", json!(null)), json!(null));
    assert_eq!(
        value("[nan, {a: nan}]", json!(null)),
        json!([null, {"a": null}])
    );
    assert_eq!(value("infinite", json!(null)), json!(f64::MAX));
    assert_eq!(value("-infinite", json!(null)), json!(-f64::MAX));
    assert_eq!(
        value("[nan, infinite] | tojson", json!(null)),
        json!("[null,1.7976931348623157e+308]")
    );
    assert_eq!(value("nan | tostring", json!(null)), json!("null"));
}

#[test]
fn numbers_print_like_jq_1_6() {
    let cases = [
        (1.0, "1"),
        (-0.0, "-0"),
        (0.1, "0.1"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (1.5e300, "1.5e+300"),
        (1e16, "1e+16"),
        (5e15, "5000000000000000"),
        (123456789012345678.0, "123456789012345680"),
        (0.30000000000000004, "0.30000000000000004"),
        (f64::INFINITY, "1.7976931348623157e+308"),
        (f64::NAN, "null"),
    ];
    for (x, text) in cases {
        assert_eq!(format_number(x), text, "{x}");
    }
    assert_eq!(value("10 / 2 | tostring", json!(null)), json!("5"));
    assert_eq!(value("\"\\(1.5 * 2)\"", json!(null)), json!("3"));
}

#[test]
fn deep_outputs_are_errors_not_crashes() {
    let message = error("reduce range(300) as $i (0; [.])", json!(null));
    assert!(message.contains("nested"), "{message}");
    assert_eq!(
        value("reduce range(300) as $i (0; [.]) | length", json!(null)),
        json!(1)
    );
}

#[test]
fn huge_results_are_errors_not_aborts() {
    assert_eq!(error(".[1e10] = 1", json!([])), "Array index too large");
    assert_eq!(
        error("\"x\" * 1e12", json!(null)),
        "Repeat string result too long"
    );
    assert_eq!(value("\"ab\" * 2.7", json!(null)), json!("abab"));
}

#[test]
fn invalid_utf8_is_replaced() {
    // "test" decodes to bytes that are not UTF-8; jq 1.6 gives two U+FFFD.
    assert_eq!(
        value("\"test\" | @base64d", json!(null)),
        json!("\u{FFFD}\u{FFFD}")
    );
}

// jq 1.6 semantics where jaq differs.

#[test]
fn from_entries_reads_the_keys_jq_1_6_reads() {
    let entries = json!([
        {"Key": "a", "Value": 1},
        {"key": "b", "value": 2},
        {"name": "c", "value": 3},
        {"Name": "d", "Value": 4},
        {"key": "e", "value": false},
        {"key": "f"}
    ]);
    assert_eq!(
        value("from_entries", entries),
        json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": false, "f": null})
    );
    // {k, v} is jq 1.7; jq 1.6 finds no key, and null is no object key.
    assert!(
        error("from_entries", json!([{"k": "a", "v": 1}]))
            .contains("Cannot use null (null) as object key")
    );
    assert!(
        error("from_entries", json!([{"key": 1, "value": 1}])).contains("Cannot use number (1)")
    );
    assert_eq!(value("from_entries", json!([])), json!({}));
    let tags = json!({"Tags": [{"Key": "team", "Value": "platform"}]});
    assert_eq!(
        value(".Tags | from_entries | .team", tags.clone()),
        json!("platform")
    );
    assert_eq!(
        value(
            ".Tags | from_entries | with_entries(.value |= ascii_upcase)",
            tags
        ),
        json!({"team": "PLATFORM"})
    );
    assert_eq!(
        value("to_entries", json!({"b": 1, "a": 2})),
        json!([{"key": "b", "value": 1}, {"key": "a", "value": 2}])
    );
}

#[test]
fn string_functions_on_non_strings() {
    assert_eq!(value("ltrimstr(\"a\")", json!(1)), json!(1));
    assert_eq!(value("ltrimstr(1)", json!("port-x")), json!("port-x"));
    assert_eq!(value("ltrimstr(\"port-\")", json!("port-x")), json!("x"));
    assert_eq!(value("rtrimstr(\"x\")", json!(null)), json!(null));
    assert_eq!(
        error("startswith(\"a\")", json!(1)),
        "startswith() requires string inputs"
    );
    assert_eq!(
        error("endswith(1)", json!("a")),
        "endswith() requires string inputs"
    );
}

#[test]
fn the_guides_expressions() {
    let repo = json!({"Tags": [{"Key": "port-auth-service", "Value": "true"}, {"Key": "team", "Value": "platform"}]});
    let broken = r#".Tags | keys[] | select(startswith("port-")) | .[6:]"#;
    assert_eq!(
        error(broken, repo.clone()),
        "startswith() requires string inputs"
    );
    let object_tags = json!({"Tags": {"port-auth-service": "true", "team": "platform"}});
    assert_eq!(value(broken, object_tags), json!("uth-service"));
    let fixed = r#"first(.Tags[]? | .Key | select(startswith("port-")) | ltrimstr("port-") | select(length>0)) // null"#;
    assert_eq!(value(fixed, repo.clone()), json!("auth-service"));
    assert_eq!(value(fixed, json!({})), json!(null));
    let all = r#"[.Tags[]? | .Key | select(startswith("port-")) | ltrimstr("port-") | select(length>0)] | unique"#;
    assert_eq!(value(all, repo), json!(["auth-service"]));
}

#[test]
fn indexing_and_keys() {
    assert_eq!(error("keys", json!(null)), "null (null) has no keys");
    assert_eq!(value("keys", json!([5, 6])), json!([0, 1]));
    assert_eq!(error(".[0]", json!({})), "Cannot index object with number");
    assert_eq!(value(".[1.7]", json!([1, 2, 3])), json!(null));
    assert_eq!(value(".[6:]", json!("abcdefghij")), json!("ghij"));
    assert_eq!(value(".[1:3]", json!("héllo")), json!("él"));
    assert_eq!(value(".[6:]", json!(null)), json!(null));
    assert_eq!(value("has(\"a\")", json!(null)), json!(false));
    assert_eq!(value("index(\"/\")", json!("aé/b")), json!(3));
    assert_eq!(value("indices(\"aa\")", json!("aaaa")), json!([0, 2]));
}

#[test]
fn updates_and_deletions_follow_jq_1_6() {
    assert_eq!(value(".[] |= (.,.)", json!([1, 2])), json!([1, 2]));
    assert_eq!(
        value(".[] |= (if . == 1 then empty else . end)", json!([1, 2, 3])),
        json!([2, 3, null])
    );
    assert_eq!(value("del(.[1,2])", json!([1, 2, 3, 4])), json!([1, 4]));
    assert_eq!(value("del(.a.b)", json!({})), json!({}));
    assert_eq!(
        value("del(.a)", json!({"a": 1, "b": 2, "c": 3})),
        json!({"b": 2, "c": 3})
    );
    assert_eq!(
        error(".[-1] = 5", json!([])),
        "Out of bounds negative array index"
    );
}

#[test]
fn generators_follow_jq_1_6() {
    assert_eq!(value("[limit(0; 1, 2)]", json!(null)), json!([1]));
    assert_eq!(value("[limit(-1; 1, 2)]", json!(null)), json!([1, 2]));
    assert_eq!(value("last(empty)", json!(null)), json!(null));
    assert_eq!(value("nth(5; 1, 2)", json!(null)), json!(2));
    assert_eq!(value("[range(0; 10; 0)]", json!(null)), json!([]));
    assert_eq!(value("[1, error(null), 2]", json!(null)), json!([1, 2]));
    assert_eq!(eval("error(null)", json!(null)), Outcome::NoOutput);
    assert_eq!(eval("empty", json!(null)), Outcome::NoOutput);
}

#[test]
fn errors_carry_their_message() {
    assert_eq!(error("error(\"boom\")", json!(null)), "boom");
    assert_eq!(
        error("error({a: 1})", json!(null)),
        r#"{"a":1} (not a string)"#
    );
    assert_eq!(
        error(".a.b", json!({"a": 1})),
        "Cannot index number with string \"b\""
    );
}

#[test]
fn regex_functions() {
    assert_eq!(
        value("ascii_downcase | gsub(\"/\"; \"-\")", json!("Team/API")),
        json!("team-api")
    );
    assert_eq!(value("test(\"dkr\")", json!("1.dkr.ecr")), json!(true));
    assert_eq!(
        value("[match(\"a\"; \"g\").offset]", json!("éaéa")),
        json!([1, 3])
    );
    assert_eq!(
        value("capture(\"(?<g>[^/]+)/(?<n>.+)\")", json!("team/api")),
        json!({"g": "team", "n": "api"})
    );
    assert_eq!(
        value("[splits(\", *\")]", json!("a, b,c")),
        json!(["a", "b", "c"])
    );
    // Optional groups that did not match are null, as in jq 1.6.
    let image = r#"capture("(?<repo>[^:]+)(:(?<tag>.+))?")"#;
    assert_eq!(
        value(image, json!("team/api")),
        json!({"repo": "team/api", "tag": null})
    );
    assert_eq!(
        value(image, json!("team/api:v1")),
        json!({"repo": "team/api", "tag": "v1"})
    );
    // jq 1.6 re-anchors `^` on what is left after each replacement.
    assert_eq!(value("gsub(\"^a\"; \"x\")", json!("aaa")), json!("xxx"));
    assert!(error("gsub(\"x*\"; \"-\")", json!("ab")).contains("empty string"));
}

/// Each documented divergence is shown to be real here, and each shown one is documented:
/// a stale entry, or one whose example now behaves as jq does, fails.
#[test]
fn known_divergences_are_documented() {
    let compiles = |src: &str, d: Dialect| compile(src, d).is_ok();
    let demos: [(&str, bool); 10] = [
        (
            "Regular expressions run on jaq's engine",
            matches!(eval(r#"test("(?=api)")"#, json!("api")), Outcome::Error(_)),
        ),
        // jq keeps the update's last value: 1.
        (
            "`reduce`/`foreach` whose update yields several",
            value("reduce (1,2) as $k (0; ., 1)", json!(null)) == json!(0),
        ),
        // jq 1.6 gives [1,3].
        (
            "`(.[] | select(f)) |= empty`",
            eval("(.[] | select(. >= 2)) |= empty", json!([1, 2, 3, 4]))
                != Outcome::Value(json!([1, 3])),
        ),
        (
            "Refused on purpose",
            !compiles("env", Dialect::Jq16) && !compiles("input", Dialect::Jq18),
        ),
        (
            "`halt` and `halt_error` are reported as errors",
            matches!(eval("halt", json!(1)), Outcome::Error(_)),
        ),
        (
            "`input_filename` is null",
            value("input_filename", json!(1)) == json!(null),
        ),
        (
            "Programs jq accepts but jaq's parser does not read",
            !compiles(".5", Dialect::Jq16) && !compiles("[-1 as $x | 1, $x]", Dialect::Jq16),
        ),
        (
            "jq 1.6 never returns from `index(\"\")`",
            matches!(eval(r#"index("")"#, json!("abc")), Outcome::Error(_)),
        ),
        // jq 1.6 gives 1.7976931348623157e+308 (folded), or fails to compile here.
        (
            "jq 1.6 folds arithmetic on two number literals",
            !compiles("1 / 0", Dialect::Jq16)
                || matches!(eval("1 / 0", json!(null)), Outcome::Error(_)),
        ),
        // jq 1.8 says false.
        (
            "jq 1.8 compares two number literals",
            value_as(
                Dialect::Jq18,
                "100000000000000000001 == 100000000000000000000",
                json!(null),
            ) == json!(true),
        ),
    ];
    for entry in KNOWN_DIVERGENCES {
        let shown: Vec<bool> = demos
            .iter()
            .filter(|(prefix, _)| entry.starts_with(prefix))
            .map(|(_, shown)| *shown)
            .collect();
        assert_eq!(shown, [true], "{entry}");
    }
    assert_eq!(demos.len(), KNOWN_DIVERGENCES.len());
}

fn eval18(source: &str, input: serde_json::Value) -> Outcome {
    eval_as(Dialect::Jq18, source, input)
}

fn value18(source: &str, input: serde_json::Value) -> serde_json::Value {
    value_as(Dialect::Jq18, source, input)
}

#[test]
fn jq_1_8_keeps_number_literals() {
    for (source, printed) in [
        ("1.000 | tostring", "1.000"),
        ("123456789012345678 | tostring", "123456789012345678"),
        (
            "[1e3, 1.5e2, -1.50, -0, 0.0] | tostring",
            "[1E+3,1.5E+2,-1.50,0,0.0]",
        ),
        ("1.10 | length | tostring", "1.10"),
        ("1.50 + 0 | tostring", "1.5"),
        ("-(1 - 1) | tostring", "-0"),
        ("\"1.50\" | tonumber | tostring", "1.50"),
        ("\"[1.50]\" | fromjson | tojson", "[1.50]"),
        ("infinite | tostring", "1.7976931348623157e+308"),
        (".a | tostring", "1.0"),
    ] {
        assert_eq!(
            value18(source, json!({"a": 1.0})),
            json!(printed),
            "{source}"
        );
    }
    // The same in jq 1.6: doubles from the start.
    assert_eq!(value("1.000 | tostring", json!(null)), json!("1"));
    assert_eq!(value(".a | tostring", json!({"a": 1.0})), json!("1"));
    // What reaches Port: Python's jq converts through the double, whole ones to ints.
    assert_eq!(value18(".a", json!({"a": 1.0})), json!(1));
    assert_eq!(value18("1e3", json!(null)), json!(1000));
    assert_eq!(value18("1.5", json!(null)), json!(1.5));
    assert_eq!(value18("12", json!(null)), json!(12));
    assert_eq!(value18("-0", json!(null)), json!(0));
}

#[test]
fn jq_1_8_builtins_and_changed_behaviour() {
    assert_eq!(value18(r#""  x " | trim"#, json!(null)), json!("x"));
    assert_eq!(value18("[limit(0; 1, 2)]", json!(null)), json!([]));
    assert_eq!(value18("[last(empty)]", json!(null)), json!([]));
    assert_eq!(
        value18("try (null | error) catch .", json!(null)),
        json!(null)
    );
    assert_eq!(value18("[range(5)] | .[1.7]", json!(null)), json!(1));
    assert_eq!(value18(r#""x" * 0"#, json!(null)), json!(""));
    assert_eq!(value18(r#""aéb" | index("b")"#, json!(null)), json!(2));
    assert_eq!(
        value18(r#""ab" | gsub(""; "-")"#, json!(null)),
        json!("-a-b-")
    );
    assert_eq!(
        value18(r#""é" | gsub(""; "-")"#, json!(null)),
        json!("-é--")
    );
    assert_eq!(
        value18(
            "[1, 2, 3] | .[] |= (if . == 1 then empty else . end)",
            json!(null)
        ),
        json!([2, 3])
    );
    assert_eq!(
        value18("$__loc__", json!(null)),
        json!({"file": "<top-level>", "line": 1})
    );
    assert_eq!(value18("{a: 1 + 2}", json!(null)), json!({"a": 3}));
    assert!(matches!(
        eval18(r#"" 12" | tonumber"#, json!(null)),
        Outcome::Error(_)
    ));
    assert!(matches!(
        eval18(r#"1 | ltrimstr("x")"#, json!(null)),
        Outcome::Error(_)
    ));
    assert_eq!(eval18("halt", json!(null)), Outcome::NoOutput);
}

#[test]
fn a_builtin_of_the_other_version_names_it() {
    let message = |source: &str, dialect| match compile(source, dialect) {
        Ok(_) => panic!("{source:?} compiled"),
        Err(errors) => errors[0].message.clone(),
    };
    assert_eq!(
        message(r#""x" | trim"#, Dialect::Jq16),
        "trim/0 is not defined in jq 1.6 (jq 1.8 has it)"
    );
    assert_eq!(
        message("leaf_paths", Dialect::Jq18),
        "leaf_paths/0 is not defined in jq 1.8 (jq 1.6 has it)"
    );
    assert_eq!(
        message("toarray", Dialect::Jq18),
        "toarray/0 is not defined (jq 1.8 has no such builtin)"
    );
}
