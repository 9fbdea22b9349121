//! Which repositories a failed request was to blame for, found by sending parts of it again.
//!
//! A request over many repositories fails as a whole when one of them makes the worker overrun
//! its deadline or die. The worker's progress lines say which items were running at that
//! moment; this plan turns them into verdicts and into the smaller requests still to send, so
//! only the guilty repositories carry the error and every other one gets its value. It is pure:
//! `WorkerClient` sends the requests and reports how each went.
//!
//! Why it stays bounded: an item is blamed for a timeout only once it has itself run a whole
//! deadline (the client waits that long for whatever was running when the request's deadline
//! passed), so one runaway costs one deadline, and runaways on different worker threads are
//! caught in the same round. A crash costs no deadline, only a restart. A field that fails
//! from its very first items gets one more round over a sample spread across the set; when
//! that fails too, it fails everywhere and the rest is not tried. And what one field may spend
//! on failed rounds at all is capped ([`Replay`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use thiserror::Error;

use super::protocol::WorkerError;

/// How many deadlines one field may spend on failed rounds, over all its chunks, before the
/// items still unresolved are reported as not evaluated.
pub const REPLAY_DEADLINES: u32 = 6;

/// Items in a probe: spread over the set, so repositories that sort together (and fail
/// together) do not decide for all.
pub const PROBE: usize = 8;

/// How the worker failed one request, as its progress lines tell it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failure {
    /// The worker's dying words when it died; none when it overran.
    pub crash: Option<String>,
    /// Items that had each run a whole deadline without finishing.
    pub stuck: Vec<usize>,
    /// The other items begun and not finished; after a crash, one of them (or one whose start
    /// was never reported) killed the worker.
    pub running: Vec<usize>,
    /// How many items finished before the request failed.
    pub finished: usize,
}

/// Why an item has no value of its own.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Blame {
    /// This very item overran the deadline or killed the worker.
    #[error(transparent)]
    Worker(#[from] WorkerError),
    /// Every item tried failed, the first ones and a sample spread over the rest.
    #[error("not evaluated: {}, so the rest were not tried", everywhere(*.timed_out, .crash))]
    Everywhere {
        timed_out: usize,
        crash: Option<String>,
    },
    /// The field's retry budget ran out before this item could be tried on its own.
    #[error(
        "not evaluated: this field timed out or crashed the jq worker on {failed} other \
         repositories, so retrying stopped after {spent:?}"
    )]
    OverBudget { failed: usize, spent: Duration },
}

fn everywhere(timed_out: usize, crash: &Option<String>) -> String {
    match (timed_out, crash) {
        (0, Some(why)) => {
            format!("the jq worker crashed ({why}) on every repository this field was tried on")
        }
        (n, Some(why)) => format!(
            "this field timed out ({n}) or the jq worker crashed ({why}) on every repository \
             it was tried on"
        ),
        (0, None) => "the jq worker timed out before this field finished on any repository".into(),
        (n, None) => format!("this field timed out on every repository it was tried on ({n})"),
    }
}

/// What one field may still spend on failed rounds; kept across its chunks.
#[derive(Debug, Clone)]
pub struct Replay {
    limit: Duration,
    spent: Duration,
    failed: usize,
    /// An earlier chunk failed everywhere: a later one starts with a probe.
    hopeless: bool,
}

impl Replay {
    pub fn new(deadline: Duration) -> Replay {
        Replay {
            limit: deadline * REPLAY_DEADLINES,
            spent: Duration::ZERO,
            failed: 0,
            hopeless: false,
        }
    }

    /// A round that failed took `took`.
    pub fn spend(&mut self, took: Duration) {
        self.spent += took;
    }

    pub fn exhausted(&self) -> bool {
        self.spent >= self.limit
    }
}

/// Why the items not tried were left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GaveUp {
    Everywhere,
    OverBudget,
}

/// The rounds still to send for one set of items, and the verdicts so far.
#[derive(Debug)]
pub struct Isolation {
    deadline: Duration,
    /// Crash suspects, each tried alone before anything else.
    suspects: VecDeque<usize>,
    groups: VecDeque<Vec<usize>>,
    rounds: usize,
    /// Some item has finished.
    progressed: bool,
    /// The front group is a probe.
    probe_next: bool,
    /// The round handed out last is a probe.
    probing: bool,
    /// A round in which nothing finished ends it, without a probe (see
    /// [`Isolation::giving_up_early`]).
    early: bool,
    blamed: Vec<(usize, WorkerError)>,
    crash: Option<String>,
    not_run: Vec<usize>,
    gave_up: Option<GaveUp>,
}

impl Isolation {
    pub fn new(items: Vec<usize>, deadline: Duration, replay: &Replay) -> Isolation {
        let mut plan = Isolation {
            deadline,
            suspects: VecDeque::new(),
            groups: VecDeque::new(),
            rounds: 0,
            progressed: false,
            probe_next: false,
            probing: false,
            early: false,
            blamed: Vec::new(),
            crash: None,
            not_run: Vec::new(),
            gave_up: None,
        };
        if !items.is_empty() {
            plan.groups.push_back(items);
            if replay.hopeless {
                plan.schedule_probe();
            }
        }
        plan
    }

    /// For a caller with a cheaper way to go on (one expression at a time, where a field that
    /// fails everywhere is found at once): the first round in which nothing finished leaves
    /// all that is left unresolved, as [`Blame::Everywhere`].
    pub fn giving_up_early(mut self) -> Isolation {
        self.early = true;
        self
    }

    /// The items to send next as one request, or none when all are resolved. The first round
    /// always goes out (the budget may be spent by an earlier chunk, but this one's items
    /// deserve one try); later ones only while the budget lasts.
    pub fn next(&mut self, replay: &Replay) -> Option<Vec<usize>> {
        if self.rounds > 0 && replay.exhausted() {
            self.leave(GaveUp::OverBudget);
            return None;
        }
        let group = match self.suspects.pop_front() {
            Some(alone) => {
                self.probing = false;
                vec![alone]
            }
            None => {
                let group = self.groups.pop_front()?;
                self.probing = std::mem::take(&mut self.probe_next);
                group
            }
        };
        self.rounds += 1;
        Some(group)
    }

    /// The round handed out last came back whole.
    pub fn succeeded(&mut self) {
        self.progressed = true;
    }

    /// `group`, just sent, failed this way: blame who can be blamed, queue the rest.
    pub fn failed(&mut self, group: Vec<usize>, failure: Failure, replay: &mut Replay) {
        let Failure {
            crash,
            stuck,
            running,
            finished,
        } = failure;
        self.progressed |= finished > 0;
        if crash.is_some() {
            self.crash.clone_from(&crash);
        }
        let several = group.len() > 1;
        self.sort_out(group, crash, stuck, running);
        if self.progressed || !several {
            return;
        }
        if self.early {
            self.leave(GaveUp::Everywhere);
        } else if self.probing {
            // The first items and a sample far from them: it fails everywhere.
            replay.hopeless = true;
            self.leave(GaveUp::Everywhere);
        } else {
            self.schedule_probe();
        }
    }

    fn sort_out(
        &mut self,
        group: Vec<usize>,
        crash: Option<String>,
        stuck: Vec<usize>,
        running: Vec<usize>,
    ) {
        let alone = group.len() == 1;
        let in_group: HashSet<usize> = group.iter().copied().collect();
        let mut resolved: HashSet<usize> = HashSet::new();
        for i in stuck.into_iter().filter(|i| in_group.contains(i)) {
            if resolved.insert(i) {
                self.blamed.push((i, WorkerError::TimedOut(self.deadline)));
            }
        }
        if alone && resolved.is_empty() {
            // Nothing else was in the request: whatever happened happened on this item.
            let error = match crash {
                Some(reason) => WorkerError::Crashed(reason),
                None => WorkerError::TimedOut(self.deadline),
            };
            self.blamed.push((group[0], error));
            return;
        }
        if crash.is_none() {
            let rest: Vec<usize> = group
                .into_iter()
                .filter(|i| !resolved.contains(i))
                .collect();
            if resolved.is_empty() {
                // Over the deadline, yet nothing ran a whole one: the items are merely many.
                self.push_halves(rest);
            } else {
                self.push_front(rest);
            }
            return;
        }
        // One of the running items killed the worker, but which cannot be told from here:
        // each is tried alone. The rest is halved, since a culprit that died before its start
        // was reported hides in it; when none does, halving costs one request more.
        let suspects: Vec<usize> = running
            .into_iter()
            .filter(|i| in_group.contains(i) && resolved.insert(*i))
            .collect();
        let rest: Vec<usize> = group
            .into_iter()
            .filter(|i| !resolved.contains(i))
            .collect();
        self.push_halves(rest);
        self.suspects.extend(suspects);
    }

    /// The verdicts: blamed items with their error, and items not tried.
    pub fn finish(self, replay: &mut Replay) -> HashMap<usize, Blame> {
        replay.failed += self.blamed.len();
        let timed_out = self
            .blamed
            .iter()
            .filter(|(_, e)| matches!(e, WorkerError::TimedOut(_)))
            .count();
        let left = match self.gave_up {
            Some(GaveUp::Everywhere) => Blame::Everywhere {
                timed_out,
                crash: self.crash,
            },
            _ => Blame::OverBudget {
                failed: replay.failed,
                spent: replay.spent,
            },
        };
        let mut verdicts: HashMap<usize, Blame> = self
            .blamed
            .into_iter()
            .map(|(i, e)| (i, Blame::Worker(e)))
            .collect();
        for i in self.not_run {
            verdicts.insert(i, left.clone());
        }
        verdicts
    }

    fn leave(&mut self, why: GaveUp) {
        self.gave_up.get_or_insert(why);
        self.not_run.extend(self.suspects.drain(..));
        self.not_run.extend(self.groups.drain(..).flatten());
    }

    /// The next round: a few items spread evenly over everything still queued (the middle
    /// of each stretch), then the rest.
    fn schedule_probe(&mut self) {
        let mut all: Vec<usize> = self.groups.drain(..).flatten().collect();
        all.sort_unstable();
        if all.len() <= PROBE {
            self.push_front(all);
        } else {
            let picks: HashSet<usize> = (0..PROBE)
                .map(|k| all[(2 * k + 1) * all.len() / (2 * PROBE)])
                .collect();
            let (probe, rest): (Vec<usize>, Vec<usize>) =
                all.into_iter().partition(|i| picks.contains(i));
            self.push_front(rest);
            self.push_front(probe);
        }
        self.probe_next = true;
    }

    fn push_front(&mut self, items: Vec<usize>) {
        if !items.is_empty() {
            self.groups.push_front(items);
        }
    }

    fn push_halves(&mut self, mut items: Vec<usize>) {
        if items.len() < 2 {
            self.push_front(items);
            return;
        }
        let second = items.split_off(items.len() / 2);
        self.push_front(second);
        self.push_front(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: Duration = Duration::from_millis(300);

    struct Played {
        verdicts: HashMap<usize, Blame>,
        fine: Vec<usize>,
        failed_rounds: usize,
    }

    /// Plays rounds against a fake worker: `hangs` never finish, `crashes` kill it; the
    /// worker runs each request on `threads` threads, item i on thread i % threads, in order,
    /// and reports every start. A crash comes before a hanging item has run a deadline.
    fn play(
        items: Vec<usize>,
        hangs: &[usize],
        crashes: &[usize],
        threads: usize,
        replay: &mut Replay,
    ) -> Played {
        let mut iso = Isolation::new(items, D, replay);
        let mut fine = Vec::new();
        let mut failed_rounds = 0;
        while let Some(group) = iso.next(replay) {
            let mut stuck = Vec::new();
            let mut running = Vec::new();
            let mut crashed = false;
            let mut done = Vec::new();
            for t in 0..threads {
                for &i in group.iter().filter(|i| *i % threads == t) {
                    if hangs.contains(&i) {
                        stuck.push(i);
                        break;
                    }
                    if crashes.contains(&i) {
                        crashed = true;
                        running.push(i);
                        break;
                    }
                    done.push(i);
                }
            }
            let finished = done.len();
            if crashed {
                failed_rounds += 1;
                replay.spend(D / 10);
                running.extend(stuck);
                let crash = Some("stack overflow".to_owned());
                let failure = Failure {
                    crash,
                    running,
                    finished,
                    ..Failure::default()
                };
                iso.failed(group, failure, replay);
            } else if !stuck.is_empty() {
                failed_rounds += 1;
                replay.spend(D);
                let failure = Failure {
                    stuck,
                    finished,
                    ..Failure::default()
                };
                iso.failed(group, failure, replay);
            } else {
                iso.succeeded();
                fine.extend(done);
            }
        }
        fine.sort_unstable();
        Played {
            verdicts: iso.finish(replay),
            fine,
            failed_rounds,
        }
    }

    fn timed_out() -> Blame {
        Blame::Worker(WorkerError::TimedOut(D))
    }

    #[test]
    fn one_runaway_costs_one_failed_round() {
        let mut replay = Replay::new(D);
        let got = play((0..200).collect(), &[17], &[], 2, &mut replay);
        assert_eq!(got.failed_rounds, 1);
        assert_eq!(got.verdicts.len(), 1);
        assert_eq!(got.verdicts[&17], timed_out());
        assert_eq!(got.fine.len(), 199);
    }

    #[test]
    fn runaways_and_a_crash_are_each_blamed_alone() {
        let mut replay = Replay::new(D);
        let hangs = [3, 50, 101];
        let got = play((0..200).collect(), &hangs, &[120], 2, &mut replay);
        for h in hangs {
            assert_eq!(got.verdicts[&h], timed_out(), "{h}");
        }
        assert_eq!(
            got.verdicts[&120],
            Blame::Worker(WorkerError::Crashed("stack overflow".into()))
        );
        assert_eq!(got.verdicts.len(), 4);
        assert_eq!(got.fine.len(), 196);
    }

    #[test]
    fn runaways_that_sort_together_are_not_taken_for_all() {
        let mut replay = Replay::new(D);
        let hangs = [0, 1, 2, 3];
        let got = play((0..200).collect(), &hangs, &[], 2, &mut replay);
        assert_eq!(got.fine.len(), 196);
        assert!(hangs.iter().all(|h| got.verdicts[h] == timed_out()));
    }

    #[test]
    fn a_field_that_hangs_everywhere_stops_after_a_probe() {
        let mut replay = Replay::new(D);
        let all: Vec<usize> = (0..400).collect();
        let got = play((0..200).collect(), &all, &[], 2, &mut replay);
        assert!(got.fine.is_empty());
        // The first items, then a sample spread over the rest.
        assert_eq!(got.failed_rounds, 2);
        assert_eq!(got.verdicts.len(), 200);
        let blamed = got.verdicts.values().filter(|b| **b == timed_out()).count();
        assert_eq!(blamed, 4);
        assert_eq!(
            got.verdicts[&199].to_string(),
            "not evaluated: this field timed out on every repository it was tried on (4), \
             so the rest were not tried"
        );
        // A later chunk of the same field starts with the probe: one round.
        let got = play((200..400).collect(), &all, &[], 2, &mut replay);
        assert_eq!(got.failed_rounds, 1);
        assert_eq!(got.verdicts.len(), 200);
    }

    #[test]
    fn a_field_that_crashes_everywhere_blames_the_first_and_stops() {
        let mut replay = Replay::new(D);
        let all: Vec<usize> = (0..200).collect();
        let got = play(all.clone(), &[], &all, 2, &mut replay);
        assert!(got.fine.is_empty());
        let crashed = Blame::Worker(WorkerError::Crashed("stack overflow".into()));
        assert_eq!(got.verdicts[&0], crashed);
        assert_eq!(got.verdicts[&1], crashed);
        // The first round, each of its two suspects alone, then the probe.
        assert_eq!(got.failed_rounds, 4);
        assert!(
            got.verdicts[&150]
                .to_string()
                .starts_with("not evaluated: the jq worker crashed (stack overflow) on every"),
            "{}",
            got.verdicts[&150]
        );
    }

    #[test]
    fn spread_runaways_stop_at_the_budget() {
        let mut replay = Replay::new(D);
        // Every tenth repository hangs: the field makes progress, so only the budget stops it.
        let hangs: Vec<usize> = (0..200).step_by(10).collect();
        let got = play((0..200).collect(), &hangs, &[], 2, &mut replay);
        assert_eq!(got.failed_rounds, REPLAY_DEADLINES as usize);
        assert!(replay.exhausted());
        let over = got
            .verdicts
            .values()
            .filter(|b| matches!(b, Blame::OverBudget { .. }))
            .count();
        assert!(over > 0);
        assert!(got.fine.iter().all(|i| !hangs.contains(i)));
        assert_eq!(got.fine.len() + got.verdicts.len(), 200);
        // A later chunk gets one round, no more.
        let got = play((200..400).collect(), &[250], &[], 2, &mut replay);
        assert_eq!(got.failed_rounds, 1);
    }

    #[test]
    fn a_crash_whose_start_was_never_reported_is_still_found() {
        let mut replay = Replay::new(D);
        let mut iso = Isolation::new((0..64).collect(), D, &replay);
        let culprit = 41;
        while let Some(group) = iso.next(&replay) {
            if group.contains(&culprit) {
                // The worker died before it said it had begun the culprit.
                let failure = Failure {
                    crash: Some("it exited".into()),
                    ..Failure::default()
                };
                iso.failed(group, failure, &mut replay);
            } else {
                iso.succeeded();
            }
        }
        let blamed = iso.finish(&mut replay);
        assert_eq!(blamed.len(), 1);
        assert!(matches!(
            blamed[&culprit],
            Blame::Worker(WorkerError::Crashed(_))
        ));
    }

    #[test]
    fn a_slow_but_finite_request_is_halved_until_it_fits() {
        let mut replay = Replay::new(D * 100);
        let mut iso = Isolation::new((0..100).collect(), D, &replay);
        let mut fine = 0;
        while let Some(group) = iso.next(&replay) {
            if group.len() > 30 {
                let failure = Failure {
                    finished: 30,
                    ..Failure::default()
                };
                iso.failed(group, failure, &mut replay);
            } else {
                iso.succeeded();
                fine += group.len();
            }
        }
        assert!(iso.finish(&mut replay).is_empty());
        assert_eq!(fine, 100);
    }
}
