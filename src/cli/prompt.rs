//! Asking on the terminal: yes/no, a line, a secret with the echo off.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;

/// Asks on the terminal; without one, `--yes` is the only way to say yes.
pub(super) fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("{question} — no terminal to ask on; pass --yes to go ahead");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

pub(super) fn prompt_line(question: &str) -> anyhow::Result<String> {
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        bail!("nothing entered");
    }
    Ok(line)
}

/// Reads a line with the terminal's echo off, restored on every way out, Ctrl-C included;
/// from a pipe, a line.
pub(super) async fn prompt_secret(question: &str) -> anyhow::Result<String> {
    let read_line = || -> std::io::Result<String> {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    };
    let line = if std::io::stdin().is_terminal() {
        eprint!("{question}");
        std::io::stderr().flush()?;
        let echo_off = EchoOff::new()?;
        let line = tokio::select! {
            read = tokio::task::spawn_blocking(read_line) => read??,
            _ = tokio::signal::ctrl_c() => {
                drop(echo_off);
                eprintln!();
                bail!("cancelled; nothing was saved");
            }
        };
        drop(echo_off);
        line
    } else {
        read_line()?
    };
    if line.is_empty() {
        bail!("no client secret entered");
    }
    Ok(line)
}

/// Terminal echo off for as long as it lives.
struct EchoOff {
    saved: libc::termios,
}

impl EchoOff {
    fn new() -> anyhow::Result<EchoOff> {
        // SAFETY: termios is plain data; tcgetattr fills it for a valid descriptor.
        let mut term: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut term) } != 0 {
            bail!("cannot read the terminal settings");
        }
        let saved = term;
        term.c_lflag &= !libc::ECHO;
        term.c_lflag |= libc::ECHONL;
        if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &term) } != 0 {
            bail!("cannot turn the terminal echo off");
        }
        Ok(EchoOff { saved })
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `new` on the same descriptor.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}
