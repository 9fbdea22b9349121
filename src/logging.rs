//! Logs go to a file in the state directory: the terminal belongs to the UI.

use std::io::Write as _;
use std::panic::PanicHookInfo;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Starts file logging; `ECR_PORT_LOG` sets the filter (default `info`). Failing to open the
/// log file is not fatal: the app runs without logs. Returns whether logs are written.
pub fn init(path: &Path) -> bool {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return false;
    };
    let filter = EnvFilter::try_from_env("ECR_PORT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .is_ok()
}

/// For headless commands (the TUI has its own, which restores the terminal first). A panic is
/// a bug, never the user's input: they get one line saying where the details are instead of
/// Rust's report, and the log gets the message and where it happened. The process ends at
/// once, whichever thread panicked, so a bug in a runtime worker cannot leave a command
/// running half-done. `log` is the log file when logging works.
pub fn install_panic_hook(log: Option<PathBuf>) {
    std::panic::set_hook(Box::new(move |info| {
        let message = panic_message(info);
        let location = info
            .location()
            .map_or_else(|| "an unknown place".to_owned(), ToString::to_string);
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        tracing::error!("internal error in thread {thread} at {location}: {message}");
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "{}",
            report_line(&message, &location, log.as_deref())
        );
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            let backtrace = std::backtrace::Backtrace::force_capture();
            tracing::error!("backtrace:\n{backtrace}");
            let _ = writeln!(stderr, "{backtrace}");
        }
        std::process::exit(101);
    }));
}

/// The panic's message on one line; payloads that are not text say so.
fn panic_message(info: &PanicHookInfo<'_>) -> String {
    let text = info.payload_as_str().unwrap_or("(no message)");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the user reads: the log holds the location; without a log, the line does.
fn report_line(message: &str, location: &str, log: Option<&Path>) -> String {
    match log {
        Some(path) => format!(
            "ecr-port: internal error: {message}; details in {}",
            path.display()
        ),
        None => format!("ecr-port: internal error: {message} (at {location})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_one_line_naming_the_log() {
        let line = report_line("boom", "src/x.rs:1:2", Some(Path::new("/s/ecr-port.log")));
        assert_eq!(
            line,
            "ecr-port: internal error: boom; details in /s/ecr-port.log"
        );
        let line = report_line("boom", "src/x.rs:1:2", None);
        assert_eq!(line, "ecr-port: internal error: boom (at src/x.rs:1:2)");
    }
}
