//! End to end: the release binary in tmux, keys in, screen out, as a person would use it.

#[allow(dead_code)] // each test binary uses a different part of the fake
mod fake_port;
mod support;

use std::path::PathBuf;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The release binary next to the test build (`scripts/test` builds it first). One older
/// than any source is refused: it would test other code than the checkout's.
fn release_bin() -> PathBuf {
    let debug = PathBuf::from(support::bin());
    let release = debug
        .parent()
        .and_then(|d| d.parent())
        .map(|t| t.join("release").join("ecr-port"))
        .expect("target dir");
    let built = std::fs::metadata(&release)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `cargo build --release` (scripts/test does)",
                release.display()
            )
        });
    if let Some((newest, changed)) = newest_source(&release)
        && changed > built
    {
        panic!(
            "{} is older than {}: run `cargo build --release` (scripts/test does)",
            release.display(),
            newest.display()
        );
    }
    release
}

/// The most recently changed file the release binary is built from: the sources cargo's
/// dep-info names for it (test-only modules are not among them), else every file under
/// `src/` and `assets/`.
fn newest_source(release: &std::path::Path) -> Option<(PathBuf, std::time::SystemTime)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("Cargo.toml"), root.join("Cargo.lock")];
    let dep_info = std::fs::read_to_string(release.with_extension("d")).unwrap_or_default();
    let deps = dep_info
        .split_once(": ")
        .map(|(_, deps)| deps.replace("\\ ", "\u{0}"))
        .unwrap_or_default();
    let named: Vec<PathBuf> = deps
        .split_whitespace()
        .map(|f| PathBuf::from(f.replace('\u{0}', " ")))
        .filter(|f| f.starts_with(&root))
        .collect();
    if named.is_empty() {
        // Built in another checkout sharing the target directory, or no dep-info.
        let mut stack = vec![root.join("src"), root.join("assets")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                match entry.file_type() {
                    Ok(t) if t.is_dir() => stack.push(entry.path()),
                    Ok(_) => files.push(entry.path()),
                    Err(_) => {}
                }
            }
        }
    }
    files.extend(named);
    files
        .into_iter()
        .filter_map(|f| Some((std::fs::metadata(&f).ok()?.modified().ok()?, f)))
        .max()
        .map(|(t, f)| (f, t))
}

/// A tmux server of our own, so nothing else on the machine interferes.
struct Tmux {
    socket: String,
    env: support::Env,
}

impl Tmux {
    fn start(args: &str, width: u16, height: u16) -> Tmux {
        Tmux::start_with(args, width, height, "")
    }

    /// `vars`: extra `NAME=value` words for the app's environment.
    fn start_with(args: &str, width: u16, height: u16, vars: &str) -> Tmux {
        Tmux::start_after("", args, width, height, vars)
    }

    /// `prelude`: shell words run before the app, e.g. a `trap` that keeps the shell alive
    /// through a Ctrl-C meant for the app, so it can still record the terminal's state.
    fn start_after(prelude: &str, args: &str, width: u16, height: u16, vars: &str) -> Tmux {
        let env = support::Env::new();
        let socket = format!("ecr-port-e2e-{}-{}", std::process::id(), fastrand_suffix());
        let command = format!(
            "{prelude}env HOME={home} ECR_PORT_STATE_DIR={home}/state AWS_CONFIG_FILE={home}/none \
             AWS_SHARED_CREDENTIALS_FILE={home}/none AWS_EC2_METADATA_DISABLED=true \
             {vars} TERM=xterm-256color {bin} {args}; s=$?; stty -a > {home}/stty-after; \
             echo $s > {home}/exit-status",
            home = env.home.path().display(),
            bin = release_bin().display(),
        );
        let t = Tmux { socket, env };
        t.tmux(&[
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &command,
        ]);
        t.tmux(&["set-option", "-g", "remain-on-exit", "on"]);
        // tmux would otherwise hold an Esc for 500 ms to see whether a key follows.
        t.tmux(&["set-option", "-s", "escape-time", "0"]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs (scripts/test checks it is installed)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "0", k]);
            // Esc followed at once by a key reads as Alt+key in every terminal.
            sleep(Duration::from_millis(if *k == "Escape" { 150 } else { 30 }));
        }
    }

    fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", text]);
    }

    /// `t` in the list, `service` typed, Enter: returns the preview it waits for, before `y`.
    fn preview_tag(&self, service: &str) -> String {
        self.keys(&["t"]);
        self.wait_for("Add a port-<service> tag");
        self.text(service);
        self.keys(&["Enter"]);
        self.wait_for("nothing is written until you press y")
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "0"])
    }

    /// Waits until the screen shows `needle`, and returns the screen.
    fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, |screen| screen.contains(needle))
    }

    /// Waits until the screen meets `done` (`what` names it if it never does).
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            sleep(Duration::from_millis(50));
        }
    }

    /// The app's exit status, written by the shell that runs it: tmux's own record of a dead
    /// pane can lag behind while the process waits to be reaped.
    fn exit_status(&self) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let file = self.env.path("exit-status");
        while Instant::now() < deadline {
            if let Ok(status) = std::fs::read_to_string(&file)
                && !status.trim().is_empty()
            {
                return Some(status.trim().to_owned());
            }
            sleep(Duration::from_millis(50));
        }
        eprintln!("still running; the screen:\n{}", self.screen());
        None
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
        let _ = &self.env;
    }
}

impl Tmux {
    /// The app's process: the child of the shell tmux runs in the pane.
    fn app_pid(&self) -> String {
        let shell = self.tmux(&["display-message", "-p", "-t", "0", "#{pane_pid}"]);
        let out = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .expect("pgrep runs");
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(!pid.is_empty(), "no app process under the pane's shell");
        pid
    }
}

fn fastrand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

#[test]
fn a_new_user_tours_the_demo() {
    let t = Tmux::start("--demo", 110, 30);
    let screen = t.wait_for("48 repositories");
    assert!(screen.contains("DEMO"), "{screen}");
    assert!(screen.contains("auth-service"), "{screen}");

    t.keys(&["?"]);
    let help = t.wait_for("Repository list");
    assert!(help.contains("sort by column n"), "{help}");
    t.keys(&["Escape"]);

    t.keys(&["/"]);
    t.text("payments");
    let filtered = t.wait_for("5 shown");
    assert!(filtered.contains("payments/fraud-scorer"), "{filtered}");
    assert!(!filtered.contains("auth-service "), "{filtered}");

    t.keys(&["Enter", "Enter"]);
    let detail = t.wait_for("\"RepositoryName\": \"payments/api\"");
    assert!(
        detail.contains("payments/api eu-west-1 · exporter input"),
        "{detail}"
    );
    assert!(
        detail.contains(r#""Arn": "arn:aws:ecr:eu-west-1:123456789012:repository/payments/api""#),
        "{detail}"
    );

    t.keys(&["Escape"]);
    t.keys(&["Escape"]); // clears the filter
    t.wait_for("[48]");

    t.keys(&["3", "3"]);
    let sorted = t.wait_for("PORT SERVICES▼");
    assert!(sorted.contains("PORT SERVICES▼"), "{sorted}");

    t.keys(&["Space", "Space"]);
    t.wait_for("2 selected");

    // Tag the two selected repositories, in memory.
    let preview = t.preview_tag("search");
    assert!(preview.contains("+ port-search=true"), "{preview}");
    t.keys(&["y"]);
    // Both written: the results say `done` with no failure, a tick on each row.
    t.wait_until("both tags written", |s| {
        s.contains("│done ") && s.matches("│✓ ").count() == 2
    });
    t.keys(&["Escape"]);
    t.keys(&["L"]);
    let log = t.wait_for("activity log [2]");
    assert!(
        log.contains("$ aws ecr tag-resource --resource-arn"),
        "{log}"
    );
    t.keys(&["Escape"]);
    t.wait_for("2 selected");

    // Redrawn for the new size: the list's frame closes at column 80 and the key bar is the
    // 20th line (tmux alone would only cut the old 110-column frame).
    t.tmux(&["resize-window", "-t", "0", "-x", "80", "-y", "20"]);
    let small = t.wait_until("the list redrawn 80 columns wide", |s| {
        s.lines().any(|l| {
            l.starts_with("┌ repositories [48]") && l.ends_with('┐') && l.chars().count() == 80
        })
    });
    let lines: Vec<&str> = small.lines().collect();
    assert_eq!(lines.len(), 20, "{small}");
    assert!(lines[1].contains("2 selected"), "{small}");
    assert!(lines[19].starts_with(" ?  help"), "{small}");

    t.keys(&["q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
    // Out of the alternate screen: the table is gone.
    assert!(!t.screen().contains("repositories ["), "{}", t.screen());
}

#[test]
fn the_guides_mapping_is_fixed_in_the_workbench_and_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("config.json");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/assets/guide-mapping.json"),
        &mapping,
    )
    .unwrap();
    let settings = dir.path().join("settings.json");
    std::fs::write(
        &settings,
        format!(r#"{{"mapping": {{"file": "{}"}}}}"#, mapping.display()),
    )
    .unwrap();
    let t = Tmux::start(&format!("--demo --config {}", settings.display()), 120, 32);
    t.wait_for("48 repositories");
    t.keys(&["m"]);
    let screen = t.wait_for("0/48");
    assert!(screen.contains("relations.service"), "{screen}");
    assert!(screen.contains("48 dropped"), "{screen}");
    // The sweep line wraps, so only the start of jq's message is on one line.
    assert!(screen.contains("startswith() requires"), "{screen}");

    // Go to the service relation and retype it.
    for _ in 0..12 {
        t.keys(&["j"]);
    }
    t.keys(&["Enter", "Home", "C-k"]);
    t.text(r#"first(.Tags[]? | .Key | select(startswith("port-")) | ltrimstr("port-") | select(length > 0)) // null"#);
    let fixed = t.wait_for("48 entities");
    assert!(fixed.contains("0 dropped"), "{fixed}");
    assert!(fixed.contains("[modified]"), "{fixed}");

    // A runaway expression: the field says so, the app keeps answering. Esc after a change
    // asks whether to keep it: `y` keeps.
    t.keys(&["Escape", "y"]);
    t.keys(&["k", "Enter", "Home", "C-k"]);
    t.text("def f: f; f");
    t.wait_for("timed out");
    t.keys(&["Home", "C-k"]);
    t.text(r#".Arn | split(":") | .[3]"#);
    t.wait_for("48 entities");
    t.keys(&["Escape", "y"]);

    // Save, with confirmation; the previous file is kept.
    t.keys(&["s"]);
    t.wait_for("Write the mapping to");
    t.keys(&["y"]);
    t.wait_for("saved");
    let saved = std::fs::read_to_string(&mapping).unwrap();
    assert!(saved.contains("ltrimstr"), "{saved}");
    let mut backup = mapping.clone().into_os_string();
    backup.push(".bak");
    assert!(std::fs::read_to_string(backup).unwrap().contains(".[6:]"));

    t.keys(&["Escape"]);
    t.wait_for("48 repositories");
    t.keys(&["q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
}

#[test]
fn a_configuration_error_is_shown_in_place_and_quits_cleanly() {
    let t = Tmux::start("--region not-a-region", 100, 24);
    let screen = t.wait_for("Cannot read the inventory");
    assert!(screen.contains("unknown region `not-a-region`"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
}

#[test]
fn the_demo_sets_up_the_blueprint_and_pushes_to_the_in_memory_catalog() {
    let t = Tmux::start("--demo", 130, 36);
    t.wait_for("48 repositories");
    t.keys(&["p"]);
    let setup = t.wait_for("has no `service` relation");
    assert!(
        setup.contains("PATCH /v1/blueprints/ecr_repository"),
        "{setup}"
    );
    assert!(setup.contains("nothing leaves this machine"), "{setup}");
    t.keys(&["Enter"]);
    t.wait_for("y / n");
    t.keys(&["y"]);
    let plan = t.wait_for("Enter/p push 38 entities");
    // The shipped mapping names repositories by ARN, so the six names in both regions are
    // twelve entities; ten repositories name services the catalog does not have.
    assert!(plan.contains("0 invalid  10 dangling"), "{plan}");
    t.keys(&["Enter"]);
    t.wait_for("y / n");
    t.keys(&["y"]);
    let done = t.wait_for("48 entities: 38 created");
    assert!(done.contains("10 refused · 0 not attempted"), "{done}");
    let journals = t.env.path("state").join("pushes");
    // The directory also holds the push lock.
    let journal = std::fs::read_dir(&journals)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("push-"))
        })
        .expect("a journal");
    let text = std::fs::read_to_string(journal).unwrap();
    assert_eq!(text.matches(r#""kind":"outcome""#).count(), 48);

    // Planned again: Port now holds the 38.
    t.keys(&["Escape"]);
    t.wait_for("48 repositories");
    t.keys(&["p"]);
    let again = t.wait_for("38 unchanged");
    assert!(again.contains("0 create"), "{again}");

    // Drift: the pushed entities carry one service each; a repository tagged with two, or
    // with a service the catalog lacks, drifts.
    t.keys(&["Escape"]);
    t.wait_for("48 repositories");
    t.keys(&["D"]);
    let drift = t.wait_for("tagged repositories drift from Port");
    assert!(drift.contains("DRIFT"), "{drift}");
    assert!(
        drift.contains("14 of 30 tagged repositories drift from Port"),
        "{drift}"
    );
    t.text("/drift");
    t.keys(&["Enter"]);
    let only = t.wait_for("14 shown");
    assert!(!only.contains("in sync"), "{only}");
    assert!(
        only.contains("no such service") && only.contains("differs"),
        "{only}"
    );
    t.keys(&["Escape", "q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
}

/// Issue 13's tour in the demo: `S` reviews suggestions; three are accepted, one is typed;
/// the write goes through the preview, `L` shows it, and `u` undoes it from the journal.
#[test]
fn suggestions_are_reviewed_applied_and_undone_in_the_tui() {
    let t = Tmux::start("--demo", 110, 34);
    t.wait_for("48 repositories");
    t.keys(&["S"]);
    t.wait_for("Suggested services");
    // Rows in the review's order; the three with a pick are accepted by name.
    let rows: Vec<String> = t
        .screen()
        .lines()
        .filter(|l| l.contains("(eu-west-1)") || l.contains("(us-east-1)"))
        .map(str::to_owned)
        .collect();
    let at = |name: &str| {
        rows.iter()
            .position(|l| l.contains(&format!(" {name} (")))
            .unwrap_or_else(|| panic!("{name} is not a review row: {rows:#?}"))
    };
    let mut cursor = 0;
    let mut go = |row: usize| {
        let (key, n) = match row >= cursor {
            true => ("j", row - cursor),
            false => ("k", cursor - row),
        };
        for _ in 0..n {
            t.keys(&[key]);
        }
        cursor = row;
    };
    for name in ["web/static-assets", "ml/inference-gpu", "web/cdn-edge"] {
        go(at(name));
        t.keys(&["a"]);
    }
    t.wait_for("3 accepted");
    go(at("data/airflow"));
    t.keys(&["e"]);
    t.wait_for("another service");
    t.text("ord");
    t.keys(&["Tab", "Enter"]);
    let review = t.wait_for("4 accepted");
    assert!(
        review
            .lines()
            .any(|l| l.contains("✓ data/airflow") && l.contains("orders")),
        "{review}"
    );
    t.keys(&["w"]);
    let preview = t.wait_for("4 of 4 repositories change");
    assert!(preview.contains("+ port-orders=true"), "{preview}");
    t.keys(&["y"]);
    t.wait_until("the four written", |s| {
        s.matches("✓ ").count() >= 4 && s.contains("done")
    });
    t.keys(&["L"]);
    let log = t.wait_for("activity log [4]");
    assert!(log.contains("aws ecr tag-resource"), "{log}");
    t.keys(&["u"]);
    let undo = t.wait_for("Undo the last tag write");
    assert!(undo.contains("4 of 4 repositories change"), "{undo}");
    assert!(
        undo.contains("data/airflow (eu-west-1)  - port-orders=true"),
        "{undo}"
    );
    t.keys(&["y"]);
    t.wait_until("the undo written", |s| {
        s.contains("done") && s.matches("- port-").count() >= 4
    });
    t.keys(&["Escape", "Escape"]);
    let list = t.wait_for("48 repositories");
    let airflow = list
        .lines()
        .find(|l| l.contains("data/airflow"))
        .unwrap_or_default();
    assert!(!airflow.contains("orders"), "the tag is gone again: {list}");
    let journals = std::fs::read_dir(t.env.path("state").join("tag-writes"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(journals, 2, "the write and its undo are both journaled");
    t.keys(&["q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
}

/// A signal instead of a key ends the session like quitting: the terminal is restored (the
/// shell's `stty -a` after it shows a cooked tty), unsaved workbench edits are kept in the
/// state directory and named, and the exit code is 128 + the signal.
/// The pane's terminal settings now, read from outside (`stty -F`).
fn pane_stty(t: &Tmux) -> String {
    let tty = t.tmux(&["display-message", "-p", "-t", "0", "#{pane_tty}"]);
    let out = Command::new("stty")
        .args(["-F", tty.trim(), "-a"])
        .output()
        .expect("stty runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether the process is stopped (state `T` in /proc).
fn stopped(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit(')')
                .next()
                .map(|rest| rest.trim_start().starts_with('T'))
        })
        .unwrap_or(false)
}

/// Ctrl-z and `kill -TSTP` suspend as a shell job should: the terminal is given back cooked,
/// the main screen shown, the process stopped; SIGCONT takes the screen again and redraws.
#[test]
fn ctrl_z_and_sigtstp_suspend_with_the_terminal_restored_and_resume_redrawn() {
    let t = Tmux::start("--demo", 80, 24);
    t.wait_for("48 repositories");
    let pid = t.app_pid();
    for way in ["Ctrl-z", "SIGTSTP"] {
        if way == "Ctrl-z" {
            t.keys(&["C-z"]);
        } else {
            let sent = Command::new("kill")
                .args(["-TSTP", &pid])
                .status()
                .expect("kill runs");
            assert!(sent.success());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !stopped(&pid) {
            assert!(Instant::now() < deadline, "{way}: the app did not stop");
            sleep(Duration::from_millis(50));
        }
        let stty = pane_stty(&t);
        for flag in ["icanon", "echo", "isig"] {
            assert!(
                stty.split_whitespace().any(|w| w == flag),
                "{way}: `{flag}` is off while suspended:\n{stty}"
            );
        }
        assert!(
            !t.screen().contains("repositories ["),
            "{way}: the app's screen is still up:\n{}",
            t.screen()
        );
        let resumed = Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .expect("kill runs");
        assert!(resumed.success());
        t.wait_for("repositories [48]");
        let stty = pane_stty(&t);
        assert!(
            stty.split_whitespace().any(|w| w == "-icanon"),
            "{way}: raw again after fg:\n{stty}"
        );
        // Keys answer again: `G` moves the view to the end of the list.
        let top = t.screen();
        t.keys(&["G"]);
        t.wait_until("the list at its end", |s| s != top);
        t.keys(&["g"]);
        t.wait_until("the list at its top", |s| s == top);
    }
    t.keys(&["q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
    assert_cooked(&t, "after suspending twice");
}

#[test]
fn signals_restore_the_terminal_and_keep_unsaved_edits() {
    for (signal, number) in [("TERM", 15), ("HUP", 1), ("INT", 2), ("QUIT", 3)] {
        let t = Tmux::start_with("--demo", 110, 30, "ECR_PORT_LOG=debug");
        t.wait_for("48 repositories");
        t.keys(&["m"]);
        t.wait_for("48/48");
        t.keys(&["Enter", "End"]);
        t.text(" | ascii_downcase");
        t.wait_for("[modified]");
        t.keys(&["Escape"]);
        let pid = t.app_pid();
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let expected = (128 + number).to_string();
        assert_eq!(
            t.exit_status().as_deref(),
            Some(expected.as_str()),
            "SIG{signal}"
        );
        let stty = std::fs::read_to_string(t.env.path("stty-after")).expect("stty ran");
        for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
            assert!(
                stty.split_whitespace().any(|w| w == flag),
                "SIG{signal}: `{flag}` is off after exit:\n{stty}"
            );
        }
        let kept: Vec<_> = std::fs::read_dir(t.env.path("state"))
            .expect("state dir")
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("unsaved-mapping-")
            })
            .collect();
        assert_eq!(
            kept.len(),
            1,
            "SIG{signal}: one file with the unsaved edits"
        );
        let text = std::fs::read_to_string(kept[0].path()).unwrap();
        assert!(text.contains("ascii_downcase"), "SIG{signal}: {text}");
        // The workbench's preview and sweep workers were waited for, not left behind.
        let log = std::fs::read_to_string(t.env.path("state").join("ecr-port.log")).unwrap();
        assert_eq!(log.matches("jq worker ended").count(), 2, "SIG{signal}");
        // With the history: lines printed right after leaving the alternate screen may have
        // scrolled off the visible pane.
        let screen = t.tmux(&["capture-pane", "-p", "-S", "-", "-t", "0"]);
        assert!(
            screen.contains(&format!("stopped by SIG{signal}"))
                && screen.contains("the mapping had unsaved edits"),
            "SIG{signal}: {screen}"
        );
    }
}

/// The push plan, which first reads both policies of each repository from moto (the shipped
/// mapping maps them): that can take longer than a screen wait on a busy machine.
fn wait_for_plan(t: &Tmux) {
    let planned = Instant::now() + Duration::from_secs(30);
    while !t.screen().contains("Enter/p push 2 entities") {
        assert!(Instant::now() < planned, "no push plan: {}", t.screen());
        sleep(Duration::from_millis(100));
    }
}

/// After the app ends, the shell's `stty -a` shows a cooked terminal.
fn assert_cooked(t: &Tmux, what: &str) {
    let stty = std::fs::read_to_string(t.env.path("stty-after")).expect("stty ran");
    for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            stty.split_whitespace().any(|w| w == flag),
            "{what}: `{flag}` is off after exit:\n{stty}"
        );
    }
}

/// A panic inside the running UI restores the terminal before the process ends (101).
#[test]
fn a_panic_in_the_tui_restores_the_terminal() {
    let t = Tmux::start_with("--demo", 100, 30, "ECR_PORT_TEST_PANIC=tui");
    t.wait_for("48 repositories");
    t.keys(&["j"]);
    assert_eq!(t.exit_status().as_deref(), Some("101"));
    assert_cooked(&t, "after a panic");
    let screen = t.tmux(&["capture-pane", "-p", "-S", "-", "-t", "0"]);
    assert!(
        screen.contains("ECR_PORT_TEST_PANIC=tui and a key was pressed"),
        "{screen}"
    );
    // Out of the alternate screen: the table is gone.
    assert!(!t.screen().contains("repositories ["), "{}", t.screen());
}

/// Ctrl-C at `login`'s secret prompt cancels it, saves nothing and turns the echo back on.
#[test]
fn ctrl_c_at_the_secret_prompt_restores_echo() {
    let t = Tmux::start_after("trap true INT; ", "login --client-id someone", 100, 20, "");
    t.wait_for("Port client secret (not shown):");
    t.keys(&["C-c"]);
    assert_eq!(t.exit_status().as_deref(), Some("1"));
    assert_cooked(&t, "after Ctrl-C at the prompt");
    let screen = t.screen();
    assert!(screen.contains("cancelled; nothing was saved"), "{screen}");
    let saved = t.env.path(".config").join("ecr-port").join("config.json");
    assert!(!saved.exists(), "nothing was saved");
}

/// The TUI against real parts: ECR is moto's server, Port the stateful fake. A tag written in
/// the tag dialog lands in moto, the workbench maps both repositories, and the push creates
/// both entities with their services; quitting exits 0. A second session killed by SIGTERM
/// while its push is in flight exits 143 and names the resume command.
#[test]
fn the_tui_tags_maps_and_pushes_against_moto_and_port() {
    use ecr_port::port::blueprint;
    let moto = support::Moto::start();
    support::boto3(
        &moto,
        "c = ecr('eu-west-1')\n\
         c.create_repository(repositoryName='shop/api', tags=[{'Key': 'port-orders', 'Value': 'true'}])\n\
         c.create_repository(repositoryName='shop/web')\n",
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = rt.block_on(fake_port::FakePort::start());
    {
        let mut st = port.state();
        st.blueprints.insert(
            "ecr_repository".into(),
            blueprint::guide_blueprint("ecr_repository"),
        );
        for (id, title) in [("service", "Service"), ("region", "Region")] {
            st.blueprints
                .insert(id.into(), blueprint::target_blueprint(id, title));
        }
        for s in ["orders", "search"] {
            st.add_entity("service", s);
        }
        st.add_entity("region", "eu-west-1");
    }
    let vars = format!(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing PORT_CLIENT_ID={} \
         PORT_CLIENT_SECRET={} PORT_BASE_URL={}",
        fake_port::CLIENT_ID,
        fake_port::CLIENT_SECRET,
        port.url()
    );
    let args = format!("--endpoint-url {} --region eu-west-1", moto.url);
    let t = Tmux::start_with(&args, 120, 32, &vars);
    t.wait_for("2 repositories");
    // The tags come in after the list: moto answers the tagging API (empty for ECR, so the
    // app falls back to ECR's own calls) only once it has loaded every service's backend.
    let tagged = Instant::now() + Duration::from_secs(60);
    while !t.screen().contains("orders") {
        assert!(Instant::now() < tagged, "no tags: {}", t.screen());
        sleep(Duration::from_millis(100));
    }

    // Tag shop/web for `search`: the write goes to moto.
    t.keys(&["/"]);
    t.text("shop/web");
    t.wait_for("1 shown");
    t.keys(&["Enter", "Space"]);
    let preview = t.preview_tag("search");
    assert!(
        preview.contains("shop/web (eu-west-1)  + port-search=true"),
        "{preview}"
    );
    t.keys(&["y"]);
    t.wait_until("the tag written", |s| {
        s.contains("│done ") && s.contains("│✓ ")
    });
    support::boto3(
        &moto,
        "c = ecr('eu-west-1')\n\
         arn = c.describe_repositories(repositoryNames=['shop/web'])['repositories'][0]['repositoryArn']\n\
         assert c.list_tags_for_resource(resourceArn=arn)['tags'] == [{'Key': 'port-search', 'Value': 'true'}]\n",
    );
    // Close the results, clear the filter, then the selection.
    t.keys(&["Escape", "Escape", "Escape"]);
    t.wait_until("the list unfiltered and unselected", |s| {
        s.contains("[2]") && !s.contains("selected")
    });

    // The workbench maps both repositories with the shipped mapping.
    t.keys(&["m"]);
    t.wait_for("2/2");
    t.keys(&["Escape"]);
    t.wait_for("2 repositories");

    // The push plans against the fake Port and creates both.
    t.keys(&["p"]);
    wait_for_plan(&t);
    t.keys(&["Enter"]);
    t.wait_for("y / n");
    t.keys(&["y"]);
    t.wait_for("2 entities: 2 created");
    let services: std::collections::BTreeMap<String, serde_json::Value> = port
        .state()
        .entities
        .iter()
        .filter(|((b, _), _)| b == "ecr_repository")
        .map(|((_, id), e)| (id.clone(), e["relations"]["service"].clone()))
        .collect();
    let arn = |name: &str| format!("arn:aws:ecr:eu-west-1:123456789012:repository/{name}");
    assert_eq!(
        services,
        [
            (arn("shop/api"), serde_json::json!("orders")),
            (arn("shop/web"), serde_json::json!("search")),
        ]
        .into()
    );
    t.keys(&["Escape"]);
    t.wait_for("2 repositories");
    t.keys(&["q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
    drop(t);

    // A second session's push is held in flight; SIGTERM ends the session with 143.
    let gate = std::sync::Arc::new(tokio::sync::Notify::new());
    port.state().fault(
        "POST /v1/blueprints/ecr_repository/entities/bulk",
        fake_port::Fault::Hold(gate.clone()),
    );
    port.state()
        .entities
        .retain(|(b, _), _| b != "ecr_repository");
    let t = Tmux::start_with(&args, 120, 32, &vars);
    t.wait_for("2 repositories");
    t.keys(&["p"]);
    wait_for_plan(&t);
    t.keys(&["Enter"]);
    t.wait_for("y / n");
    t.keys(&["y"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while port
        .state()
        .count("POST /v1/blueprints/ecr_repository/entities/bulk")
        == 0
    {
        assert!(Instant::now() < deadline, "the push never sent");
        sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &t.app_pid()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    gate.notify_one();
    assert_eq!(t.exit_status().as_deref(), Some("143"));
    assert_cooked(&t, "after SIGTERM mid-push");
    let screen = t.tmux(&["capture-pane", "-p", "-S", "-", "-t", "0"]);
    assert!(
        screen.contains("a push was still sending") && screen.contains("push --resume"),
        "{screen}"
    );
}

impl Tmux {
    /// Whether the pane's program asked for mouse reports (tmux tracks the modes it set).
    fn mouse_reporting(&self) -> bool {
        let flags = self.tmux(&[
            "display-message",
            "-p",
            "-t",
            "0",
            "#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}",
        ]);
        flags.contains('1')
    }

    /// An SGR mouse report, as a terminal sends it (1-based cells; 0 the left button, 64/65
    /// the wheel up/down).
    fn mouse(&self, button: u8, column: u16, row: u16) {
        self.text(&format!("\x1b[<{button};{};{}M", column + 1, row + 1));
        if button < 64 {
            self.text(&format!("\x1b[<{button};{};{}m", column + 1, row + 1));
        }
        sleep(Duration::from_millis(50));
    }
}

/// A click moves the highlight, the wheel scrolls; after quitting, mouse reporting is off.
#[test]
fn the_mouse_clicks_and_scrolls_the_list_and_reporting_ends_with_the_app() {
    let t = Tmux::start("--demo", 80, 24);
    t.wait_for("48 repositories");
    t.wait_until("mouse reporting on", |_| t.mouse_reporting());
    // Screen row 4 holds the first repository (two header lines, the border, the titles).
    t.mouse(0, 10, 6);
    t.keys(&["Enter"]);
    let detail = t.wait_for("· exporter input");
    assert!(detail.contains(" auth-service us-east-1 ·"), "{detail}");
    t.keys(&["Escape"]);
    t.wait_for("[48]");
    // One notch down: three rows, as j three times.
    t.mouse(65, 10, 6);
    t.keys(&["Enter"]);
    let detail = t.wait_for("· exporter input");
    assert!(detail.contains(" data/airflow eu-west-1 ·"), "{detail}");
    // In the detail pane the wheel scrolls the text.
    let top = t.screen();
    t.mouse(65, 10, 10);
    let scrolled = t.wait_until("the detail scrolled", |s| s != top);
    assert!(scrolled.contains("· exporter input"), "{scrolled}");
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
    assert!(
        !t.mouse_reporting(),
        "mouse reporting is still on after quitting"
    );
    assert_cooked(&t, "after the mouse");
}

/// `y` puts the ARN on the clipboard through OSC 52: tmux, with `set-clipboard on`, takes the
/// sequence as a paste buffer, so the bytes are seen to arrive.
#[test]
fn y_copies_the_arn_through_osc_52() {
    let t = Tmux::start("--demo", 80, 24);
    t.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    t.wait_for("48 repositories");
    t.keys(&["j", "y"]);
    let status = t.wait_for("copied the ARN of auth-service");
    assert!(
        !status.contains("arn:aws:ecr"),
        "the status shows what, not the text: {status}"
    );
    let buffer = t.tmux(&["show-buffer"]);
    assert_eq!(
        buffer, "arn:aws:ecr:eu-west-1:123456789012:repository/auth-service",
        "tmux's buffer after OSC 52"
    );
    // The detail's `y` copies the exporter record itself.
    t.keys(&["Enter"]);
    t.wait_for("· exporter input");
    t.keys(&["y"]);
    t.wait_for("copied the exporter JSON record of auth-service");
    let record = t.tmux(&["show-buffer"]);
    let record: serde_json::Value = serde_json::from_str(&record).expect("JSON on the clipboard");
    assert_eq!(record["RepositoryName"], "auth-service");
    t.keys(&["Escape", "q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
    assert!(!t.mouse_reporting());
    assert_cooked(&t, "after copying");
}

/// The clipboard texts the app sent as OSC 52 (`ESC ] 52 ; c ; base64 BEL|ST`), decoded.
fn osc52_payloads(bytes: &[u8]) -> Vec<String> {
    use base64::Engine;
    let start = b"\x1b]52;c;";
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(start.len()).position(|w| w == start) {
        rest = &rest[at + start.len()..];
        let end = rest
            .iter()
            .position(|&b| b == 0x07 || b == 0x1b)
            .unwrap_or(rest.len());
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&rest[..end])
            .expect("OSC 52 carries base64");
        out.push(String::from_utf8(decoded).expect("UTF-8 text"));
        rest = &rest[end..];
    }
    out
}

/// A new user's tour at 80×24 with the default keys: tag a repository, edit a field with
/// completion (undo and redo it), copy the field's value, and quit. The copy is read from the
/// very bytes the app wrote to the terminal, not from tmux's buffer.
#[test]
fn tour_at_80x24_tag_edit_with_completion_copy_and_quit() {
    let t = Tmux::start("--demo", 80, 24);
    let written = t.env.path("pane-output");
    t.tmux(&[
        "pipe-pane",
        "-o",
        "-t",
        "0",
        &format!("cat >> {}", written.display()),
    ]);
    t.wait_for("48 repositories");
    // Tag auth-service (the second row) with a service.
    t.keys(&["j"]);
    let preview = t.preview_tag("billing");
    assert!(preview.contains("+ port-billing=true"), "{preview}");
    t.keys(&["y"]);
    t.wait_for("│done ");
    t.keys(&["Escape"]);
    t.wait_until("auth-service tagged billing", |s| {
        s.lines()
            .any(|l| l.contains("auth-service") && l.contains("billing"))
    });
    // The write in the log, copied with its command.
    t.keys(&["L"]);
    t.wait_for("entry 1 of 1");
    t.keys(&["y"]);
    t.wait_for("copied the log entry for auth-service");
    t.keys(&["Escape"]);
    // The workbench, on the same repository: the identifier is the first field.
    t.keys(&["m"]);
    t.wait_for("48/48");
    t.keys(&["Enter", "Home", "C-k"]);
    t.text(".Repo");
    t.keys(&["Tab"]);
    let completing = t.wait_for(" · Tab next");
    assert!(completing.contains("│.RepositoryName"), "{completing}");
    let identifier_is = |value: &'static str| {
        move |s: &str| {
            s.lines()
                .any(|l| l.contains("identifier") && l.contains(value))
        }
    };
    t.wait_until(
        "the completed path's value",
        identifier_is("\"auth-service\""),
    );
    // Undo and redo are the table's editor keys: back to what was typed, then forward.
    t.keys(&["C-z"]);
    t.wait_until("the completion undone", |s| {
        s.contains("│.Repo ") && !s.contains("│.RepositoryName")
    });
    t.keys(&["C-y"]);
    t.wait_for("│.RepositoryName");
    t.wait_until("the value back", identifier_is("\"auth-service\""));
    t.keys(&["Escape"]);
    t.wait_for("keep the edit?");
    t.keys(&["y"]);
    t.wait_until("the editor closed", |s| s.contains("Enter edit"));
    // Copy the value; the app writes the OSC 52 sequence itself.
    t.keys(&["y"]);
    t.wait_for("copied the value of identifier");
    let deadline = Instant::now() + Duration::from_secs(10);
    let copied = loop {
        let payloads = osc52_payloads(&std::fs::read(&written).unwrap_or_default());
        if payloads.len() >= 2 || Instant::now() > deadline {
            break payloads;
        }
        sleep(Duration::from_millis(50));
    };
    assert_eq!(copied.len(), 2, "two OSC 52 sequences written: {copied:?}");
    assert!(
        copied[0].starts_with("auth-service (eu-west-1)  + port-billing=true"),
        "{copied:?}"
    );
    assert_eq!(copied[1], "auth-service", "the field's value, as text");
    t.keys(&["Q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
    assert_cooked(&t, "after the tour");
}

#[test]
fn the_workbench_editor_completes_a_path_with_the_vim_keymap_and_remembers_it() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("config.json");
    std::fs::write(&settings, "{}").unwrap();
    // Beside the settings file: the vim preset, and `x` for the activity log in the list.
    std::fs::write(
        dir.path().join("keymap.json"),
        r#"{"preset": "vim", "bindings": {"list": {"x": "activity-log"}}}"#,
    )
    .unwrap();
    let t = Tmux::start(&format!("--demo --config {}", settings.display()), 80, 24);
    t.wait_for("48 repositories");
    t.keys(&["x"]);
    t.wait_for("activity log");
    t.keys(&["h"]);
    t.wait_for("48 repositories");
    t.keys(&["m"]);
    t.wait_for("48/48");
    // `l` edits in the vim preset; the first field is the identifier.
    t.keys(&["l", "Home", "C-k"]);
    t.text(".Repo");
    t.keys(&["Tab"]);
    // The record's paths that start so, each with its value; the first one taken.
    let screen = t.wait_for(" · Tab next");
    assert!(screen.contains("1 of "), "{screen}");
    assert!(
        screen.contains(".RepositoryUri  \"123456789012.dkr.ecr"),
        "{screen}"
    );
    assert!(screen.contains("│.RepositoryName"), "{screen}");
    // The completed path's live value, on the identifier's row.
    t.wait_until("the identifier's new value", |s| {
        s.lines()
            .any(|l| l.contains("identifier") && l.contains("\"analytics/clicks"))
    });
    t.keys(&["Tab"]);
    t.wait_for("│.RepositoryUri");
    t.keys(&["Escape", "y"]);
    t.wait_until("the editor closed", |s| s.contains("Enter edit"));
    // Kept in the state directory, for this mapping.
    let history = t.env.path("state/expression-history.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&history).is_ok_and(|h| h.contains(".RepositoryUri")) {
        assert!(
            Instant::now() < deadline,
            "no history at {}",
            history.display()
        );
        sleep(Duration::from_millis(50));
    }
    // Back in the editor, Ctrl-p brings back what the field was before.
    t.keys(&["l", "C-p"]);
    t.wait_for("│.Arn ");
    t.keys(&["Escape", "y"]);
    t.wait_until("the editor closed", |s| s.contains("Enter edit"));
    t.keys(&["Q"]);
    assert_eq!(t.exit_status().as_deref(), Some("0"));
}

#[test]
fn a_broken_keymap_stops_the_tui_before_it_starts_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("config.json");
    std::fs::write(&settings, "{}").unwrap();
    std::fs::write(
        dir.path().join("keymap.json"),
        "{\"bindings\": {\"list\": {\n  \"x\": \"tagg\"}}}",
    )
    .unwrap();
    let stderr = dir.path().join("stderr");
    let t = Tmux::start(
        &format!(
            "--demo --config {} 2> {}",
            settings.display(),
            stderr.display()
        ),
        100,
        24,
    );
    assert_eq!(t.exit_status().as_deref(), Some("1"));
    let expected = format!(
        "error: keymap file {}/keymap.json is not valid:\n  \
         line 2, list.\"x\": unknown action `tagg`; did you mean `tag`?\n",
        dir.path().display()
    );
    assert_eq!(std::fs::read_to_string(&stderr).unwrap(), expected);
    // The terminal was never taken: still cooked, no alternate screen left behind.
    assert_cooked(&t, "after the refused start");
    // `keys` says the same, and fails the same way.
    let out = t
        .env
        .bare()
        .args(["keys", "--config"])
        .arg(&settings)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
}
