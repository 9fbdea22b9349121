//! Input that is wrong must say so, not pass or crash: typos in the settings (every documented
//! key still loading, the secret's 0600 rule kept) and in mapping files, numbers out of range
//! in flags and settings; and a bug ends in one line that names the log, not a backtrace.

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use support::{Env, Stub, run, stderr, stdout};

fn settings(env: &Env, text: &str) -> PathBuf {
    let path = env.path("settings.json");
    std::fs::write(&path, text).expect("write settings");
    path
}

#[test]
fn a_misspelt_read_only_key_stops_before_any_write() {
    let stub = Stub::start(Arc::new(|_, _| (200, serde_json::json!({}))));
    let env = Env::new();
    std::fs::write(
        env.path("aws-config"),
        "[profile prod]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        env.path("aws-credentials"),
        "[prod]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    // Lower-case `o`: read as nothing, this would turn the guard off for `prod`.
    let path = settings(&env, r#"{"aws": {"readonlyProfiles": ["prod"]}}"#);
    let out = run(env
        .cmd()
        .args(["--profile", "prod", "tag", "add", "--service", "shop", "a"])
        .arg("--config")
        .arg(&path)
        .args(["--endpoint-url", &stub.url]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{} is not valid: unknown key `aws.readonlyProfiles` at line 1 column ",
            path.display()
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `readOnlyProfiles`?"), "{err}");
    assert_eq!(stdout(&out), "");
    assert!(
        stub.log.lock().unwrap().is_empty(),
        "a request reached ECR: {:?}",
        stub.log.lock().unwrap()
    );
}

#[test]
fn settings_typos_and_non_objects_are_errors() {
    let env = Env::new();
    for (text, place, hint) in [
        (
            r#"{"aws": {"regoins": ["eu-west-1"]}}"#,
            "unknown key `aws.regoins` at line 1 column ",
            "; did you mean `regions`?",
        ),
        (
            r#"{"Aws": {}}"#,
            "unknown key `Aws` at line 1 column ",
            "; did you mean `aws`?",
        ),
        (
            r#"{"tags": {"prefix": "port-"}, "bogus": 1}"#,
            "unknown key `bogus` at line 1 column ",
            "; the keys here are aws, port, tags, mapping",
        ),
        (
            r#"{"port": {"clientSecrets": "x"}}"#,
            "unknown key `port.clientSecrets` at line 1 column ",
            "; did you mean `clientSecret`?",
        ),
        ("[]", "the file must be a JSON object", ", found an array"),
        (
            r#"{"mapping": ["a.json"]}"#,
            "`mapping` must be a JSON object",
            ", found an array",
        ),
    ] {
        let path = settings(&env, text);
        let out = run(env
            .cmd()
            .args(["--demo", "list"])
            .arg("--config")
            .arg(&path));
        assert_eq!(out.status.code(), Some(1), "{text}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!(
                "error: settings file {} is not valid: {place}",
                path.display()
            )),
            "{text}: {err}"
        );
        assert!(err.contains(hint), "{text}: {err}");
        assert_eq!(stdout(&out), "", "{text}");
    }
}

#[test]
fn every_documented_key_still_loads() {
    let env = Env::new();
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config.example.json");
    let out = run(env
        .cmd()
        .args(["--demo", "list", "--output", "table"])
        .arg("--config")
        .arg(&example));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("eu-west-1"));

    let path = settings(
        &env,
        r#"{
          "aws": {"profile": null, "regions": ["us-east-1"], "endpointUrl": null,
                  "concurrency": 256, "readOnlyProfiles": []},
          "port": {"region": "eu", "baseUrl": null, "clientId": null, "clientSecret": null},
          "tags": {"prefix": "port-", "defaultValue": "yes"},
          "mapping": {"file": null}
        }"#,
    );
    let out = run(env
        .cmd()
        .args(["--demo", "list", "--output", "table"])
        .arg("--config")
        .arg(&path));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("eu-west-1"), "regions were read");
}

#[cfg(unix)]
#[test]
fn a_secret_others_can_read_is_still_refused() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let path = settings(
        &env,
        r#"{"port": {"clientId": "id", "clientSecret": "hunter2"}}"#,
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(env
        .cmd()
        .env_remove("PORT_CLIENT_ID")
        .env_remove("PORT_CLIENT_SECRET")
        // Nothing listens there: the refusal must come before any request.
        .env("PORT_BASE_URL", "http://127.0.0.1:9")
        .arg("--config")
        .arg(&path)
        .args(["blueprint", "check"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("hunter2"));
}

const SHIPPED_MAPPING: &str = include_str!("../assets/default-mapping.json");

fn render(env: &Env, mapping: &std::path::Path, extra: &[&str]) -> std::process::Output {
    run(env
        .cmd()
        .args(["--demo", "render", "--mapping"])
        .arg(mapping)
        .args(extra))
}

#[test]
fn a_misspelt_mapping_key_names_its_path_and_the_key_meant() {
    let env = Env::new();
    for (from, to, at, meant) in [
        (
            "\"mappings\": [",
            "\"mapings\": [",
            "resources[0].port.entity.mapings",
            "mappings",
        ),
        (
            "\"properties\": {",
            "\"propertes\": {",
            "resources[0].port.entity.mappings[0].propertes",
            "properties",
        ),
        (
            "\"query\": \"true\"",
            "\"querry\": \"true\"",
            "resources[0].selector.querry",
            "query",
        ),
    ] {
        assert!(SHIPPED_MAPPING.contains(from), "{from}");
        let path = env.path("config.json");
        std::fs::write(&path, SHIPPED_MAPPING.replacen(from, to, 1)).unwrap();
        let out = render(&env, &path, &[]);
        assert_eq!(out.status.code(), Some(1), "{to}: {}", stderr(&out));
        let err = stderr(&out);
        let key = at.rsplit('.').next().unwrap();
        assert!(
            err.contains(&format!(
                "{}: `{at}`: unknown key `{key}`, did you mean `{meant}`?",
                path.display()
            )),
            "{to}: {err}"
        );
        assert_eq!(stdout(&out), "", "{to}");
    }

    let ocean = env.path("port-app-config.yml");
    std::fs::write(
        &ocean,
        "deleteDependentEntities: true\nresources:\n- kind: AWS::ECR::Repository\n  selector:\n    query: 'true'\n  port:\n    entity:\n      mappings:\n        identifier: .Properties.RepositoryName\n        blueprint: '\"ecr_repository\"'\n        relatons:\n          region: .__Region\n",
    )
    .unwrap();
    let out = render(
        &env,
        &ocean,
        &["--semantics", "ocean", "--shape", "ocean-aws"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "`resources[0].port.entity.mappings.relatons`: unknown key `relatons`, did you mean `relations`?"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn keys_port_tolerates_still_render() {
    let env = Env::new();
    let mut doc: serde_json::Value = serde_json::from_str(SHIPPED_MAPPING).unwrap();
    doc["deleteDependentEntities"] = true.into();
    doc["resources"][0]["selector"]["aws"] = serde_json::json!({"regions": ["eu-west-1"]});
    doc["resources"][0]["port"]["entity"]["mappings"][0]["itemsToParse"] = ".Layers".into();
    doc["resources"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"kind": "AWS::S3::Bucket", "port": {"entity": {"mapings": []}}}));
    let path = env.path("config.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = render(&env, &path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).lines().count() > 10);
}

/// Every flag whose value is a number, with the subcommand it belongs to, found by the type
/// its parser yields, so that a new one is walked too.
fn numeric_flags() -> Vec<(Vec<String>, String)> {
    use clap::CommandFactory;
    use std::any::TypeId;
    fn walk(cmd: &clap::Command, path: &[String], out: &mut Vec<(Vec<String>, String)>) {
        let numeric = [
            TypeId::of::<usize>(),
            TypeId::of::<u64>(),
            TypeId::of::<u32>(),
            TypeId::of::<u16>(),
            TypeId::of::<u8>(),
            TypeId::of::<i64>(),
            TypeId::of::<i32>(),
            TypeId::of::<f64>(),
            TypeId::of::<f32>(),
        ];
        for arg in cmd.get_arguments() {
            let id = arg.get_value_parser().type_id();
            if let Some(long) = arg.get_long()
                && numeric.iter().any(|t| id == *t)
            {
                out.push((path.to_vec(), format!("--{long}")));
            }
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut path = path.to_vec();
            path.push(sub.get_name().to_owned());
            walk(sub, &path, out);
        }
    }
    let mut cmd = ecr_port::cli::args::Cli::command();
    // Global flags reach the subcommands only once the command is built.
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, &[], &mut out);
    out
}

fn assert_clean_refusal(out: &std::process::Output, flag: &str, what: &str) {
    let err = stderr(out);
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "{what}: exit {:?}: {err}",
        out.status.code()
    );
    assert!(
        err.contains(flag),
        "{what}: the message names no {flag}: {err}"
    );
    for word in ["panicked", "backtrace", "internal error"] {
        assert!(!err.to_lowercase().contains(word), "{what}: {err}");
    }
    assert_eq!(stdout(out), "", "{what}");
}

#[test]
fn every_numeric_flag_refuses_out_of_range_values() {
    let flags = numeric_flags();
    for wanted in [
        (vec![], "--concurrency"),
        (vec!["render"], "--timeout"),
        (vec!["push"], "--in-flight"),
    ] {
        assert!(
            flags
                .iter()
                .any(|(path, flag)| path.iter().eq(wanted.0.iter()) && flag == wanted.1),
            "{wanted:?} not found in {flags:?}"
        );
    }
    let env = Env::new();
    let bad = [
        "0",
        "-1",
        "-0.5",
        "18446744073709551615",
        "18446744073709551616",
        "1e30",
        "1e-300",
        "inf",
        "-inf",
        "nan",
        "text",
        "",
    ];
    // A score may be 0 (or next to it): every suggestion counts.
    let in_range =
        |flag: &str, value: &str| flag == "--min-score" && matches!(value, "0" | "1e-300");
    for (path, flag) in &flags {
        for value in bad.into_iter().filter(|v| !in_range(flag, v)) {
            let what = format!("{} {flag}={value}", path.join(" "));
            let out = run(env
                .cmd()
                .env_remove("RUST_BACKTRACE")
                .args(path)
                .arg(format!("{flag}={value}")));
            assert_clean_refusal(&out, flag, &what);
        }
        // Written apart, a negative number is still the flag's value.
        let out = run(env
            .cmd()
            .env_remove("RUST_BACKTRACE")
            .args(path)
            .args([flag.as_str(), "-1"]));
        assert_clean_refusal(&out, flag, &format!("{} {flag} -1", path.join(" ")));
    }
}

#[test]
fn numeric_flags_in_range_still_work() {
    let env = Env::new();
    for args in [
        &["--demo", "render", "--timeout", "2.5"][..],
        &["--demo", "render", "--timeout", "3600"],
        &["--demo", "--concurrency", "1", "list"],
        &["--demo", "list", "--concurrency", "256"],
    ] {
        let out = run(env.cmd().args(args));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn numeric_settings_refuse_out_of_range_values() {
    let env = Env::new();
    for value in [
        "0",
        "-1",
        "257",
        "18446744073709551615",
        "1e30",
        "1.5",
        "\"8\"",
        "1e400",
    ] {
        let path = settings(&env, &format!("{{\"aws\": {{\"concurrency\": {value}}}}}"));
        let out = run(env
            .cmd()
            .env_remove("RUST_BACKTRACE")
            .args(["--demo", "list"])
            .arg("--config")
            .arg(&path));
        assert_eq!(out.status.code(), Some(1), "{value}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&path.display().to_string()), "{value}: {err}");
        // serde_json refuses 1e400 while reading the number, before it knows the key.
        if value != "1e400" {
            assert!(
                err.contains("`aws.concurrency` must be a whole number from 1 to 256"),
                "{value}: {err}"
            );
        }
        assert!(err.contains("line 1 column"), "{value}: {err}");
        assert!(!err.contains("panicked"), "{value}: {err}");
    }
}

#[test]
fn a_bug_in_a_headless_command_ends_in_one_line_naming_the_log() {
    let env = Env::new();
    let log = env.path("state").join("ecr-port.log");
    let out = run(env
        .cmd()
        .env_remove("RUST_BACKTRACE")
        .env("ECR_PORT_TEST_PANIC", "1")
        .args(["--demo", "list"]));
    assert_eq!(out.status.code(), Some(101));
    assert_eq!(
        stderr(&out),
        format!(
            "ecr-port: internal error: ECR_PORT_TEST_PANIC is set; details in {}\n",
            log.display()
        )
    );
    let logged = std::fs::read_to_string(&log).expect("the log exists");
    assert!(
        logged.contains("internal error in thread") && logged.contains("src/cli/mod.rs:"),
        "{logged}"
    );

    // Asked for, the backtrace follows the line.
    let out = run(env
        .cmd()
        .env("RUST_BACKTRACE", "1")
        .env("ECR_PORT_TEST_PANIC", "1")
        .args(["--demo", "list"]));
    assert_eq!(out.status.code(), Some(101));
    let err = stderr(&out);
    assert!(err.starts_with("ecr-port: internal error: "), "{err}");
    assert!(err.lines().count() > 3, "{err}");
}

#[test]
fn completions_for_each_shell_know_the_commands_and_flags() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(env.cmd().args(["completions", shell]));
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for word in ["render", "push", "region", "read-only", "completions"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    // The bash script is valid bash: sourcing it defines the completion function.
    let out = run(env.cmd().args(["completions", "bash"]));
    let script = env.path("ecr-port.bash");
    std::fs::write(&script, stdout(&out)).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p ecr-port",
            script.display()
        ))
        .output()
        .expect("bash runs");
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("ecr-port"),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = run(env.cmd().args(["completions", "tcsh-like"]));
    assert_eq!(out.status.code(), Some(2), "an unknown shell is refused");
}

#[test]
fn demo_regions_are_checked_and_spaces_after_commas_are_dropped() {
    let env = Env::new();
    let out = run(env.cmd().args(["--demo", "--region", "us-east1", "list"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown region `us-east1`"),
        "{}",
        stderr(&out)
    );
    let out = run(env
        .cmd()
        .args(["--demo", "--region", "eu-west-1, us-east-1", "list"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("us-east-1") && stdout(&out).contains("eu-west-1"));
    let out = run(env.cmd().args(["--mapping", "m.json", "list"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("after the command's name"),
        "{}",
        stderr(&out)
    );
}

/// The raw bytes the terminal UI writes to a pseudo-terminal (`script`) of 80×24 until `q`.
fn tui_bytes(env: &Env, no_color: &str) -> Vec<u8> {
    tui_bytes_with(env, no_color, "")
}

/// As [`tui_bytes`], with more flags for the app.
fn tui_bytes_with(env: &Env, no_color: &str, flags: &str) -> Vec<u8> {
    let out = env.path("pty.out");
    let command = format!(
        "stty rows 24 cols 80; exec {} --demo {flags}",
        support::bin()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qfec", &command])
        .arg(&out)
        .env("HOME", env.home.path())
        .env("ECR_PORT_STATE_DIR", env.path("state"))
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", no_color)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("script(1) runs");
    // The first frames, with the demo's rows, then `q`.
    std::thread::sleep(std::time::Duration::from_secs(3));
    use std::io::Write as _;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"q").unwrap();
    std::thread::sleep(std::time::Duration::from_secs(1));
    drop(stdin);
    assert!(child.wait().unwrap().success());
    std::fs::read(&out).unwrap()
}

/// SGR parameters that set a colour: 30-49 (with 38/48's extended forms), 90-107.
fn colour_codes(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Vec::new();
    for seq in text.split("\x1b[").skip(1) {
        let Some(end) = seq.find(|c: char| !(c.is_ascii_digit() || c == ';')) else {
            continue;
        };
        if !seq[end..].starts_with('m') {
            continue;
        }
        let colour = seq[..end]
            .split(';')
            .filter_map(|p| p.parse::<u32>().ok())
            .any(|p| (30..=49).contains(&p) || (90..=107).contains(&p));
        if colour {
            found.push(seq[..=end].to_owned());
        }
    }
    found
}

#[test]
fn no_color_draws_without_a_single_colour_escape() {
    let env = Env::new();
    let coloured = tui_bytes(&env, "");
    assert!(
        !colour_codes(&coloured).is_empty(),
        "without NO_COLOR the screen has colours (else this test proves nothing)"
    );
    let plain = tui_bytes(&env, "1");
    assert!(
        String::from_utf8_lossy(&plain).contains("repositories"),
        "the screen was drawn"
    );
    assert_eq!(colour_codes(&plain), Vec::<String>::new());
}

/// The colours the codes set, as 256-colour indexes (crossterm writes `38;5;N` and `48;5;N`;
/// 6 is cyan, 4 blue).
fn colour_params(bytes: &[u8]) -> Vec<u32> {
    let mut found = Vec::new();
    for code in colour_codes(bytes) {
        let params: Vec<u32> = code
            .trim_end_matches('m')
            .split(';')
            .filter_map(|p| p.parse().ok())
            .collect();
        for w in params.windows(3) {
            if matches!(w[0], 38 | 48) && w[1] == 5 {
                found.push(w[2]);
            }
        }
    }
    found
}

#[test]
fn the_light_theme_swaps_the_accent_and_no_color_still_wins() {
    let env = Env::new();
    // Cyan (6) is the dark theme's accent; the light one draws it blue (4), and no cyan.
    let dark = colour_params(&tui_bytes_with(&env, "", ""));
    assert!(dark.contains(&6), "{dark:?}");
    let light = colour_params(&tui_bytes_with(&env, "", "--theme light"));
    assert!(light.contains(&4), "{light:?}");
    assert!(!light.contains(&6), "{light:?}");
    // From the settings too.
    let settings = env.path("light.json");
    std::fs::write(&settings, r#"{"ui": {"theme": "light"}}"#).unwrap();
    let from_file = colour_params(&tui_bytes_with(
        &env,
        "",
        &format!("--config {}", settings.display()),
    ));
    assert!(
        from_file.contains(&4) && !from_file.contains(&6),
        "{from_file:?}"
    );
    let plain = tui_bytes_with(&env, "1", "--theme light");
    assert!(String::from_utf8_lossy(&plain).contains("repositories"));
    assert_eq!(colour_codes(&plain), Vec::<String>::new());
}
