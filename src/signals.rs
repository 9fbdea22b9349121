//! The signals that ask ecr-port to stop. Both faces handle them like their own way out: the
//! TUI restores the terminal and keeps unsaved edits, a push stops after the requests in flight.
//! Without handlers they would kill the process with the tty raw or a batch unanswered.

use std::io;

/// A signal that asks the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
    HangUp,
    Quit,
}

impl Stop {
    pub const ALL: [Stop; 4] = [Stop::Interrupt, Stop::Terminate, Stop::HangUp, Stop::Quit];

    pub fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
            Stop::HangUp => "SIGHUP",
            Stop::Quit => "SIGQUIT",
        }
    }

    /// The exit status a shell reports for a process it ended is 128 + this.
    pub fn number(self) -> u8 {
        match self {
            Stop::HangUp => 1,
            Stop::Interrupt => 2,
            Stop::Quit => 3,
            Stop::Terminate => 15,
        }
    }
}

/// One stream of the stopping signals asked for.
pub struct Signals {
    streams: Vec<(Stop, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Handles `stops` from now on: they no longer end the process by themselves.
    pub fn install(stops: &[Stop]) -> io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut streams = Vec::new();
        for &stop in stops {
            let kind = match stop {
                Stop::Interrupt => SignalKind::interrupt(),
                Stop::Terminate => SignalKind::terminate(),
                Stop::HangUp => SignalKind::hangup(),
                Stop::Quit => SignalKind::quit(),
            };
            streams.push((stop, signal(kind)?));
        }
        Ok(Signals { streams })
    }

    /// The next signal that arrives.
    pub async fn next(&mut self) -> Stop {
        let waits = self
            .streams
            .iter_mut()
            .map(|(stop, s)| Box::pin(async move { s.recv().await.map(|_| *stop) }));
        match futures::future::select_all(waits).await.0 {
            Some(stop) => stop,
            // A closed signal stream: treat it as the request to stop it would have carried.
            None => Stop::Terminate,
        }
    }
}
