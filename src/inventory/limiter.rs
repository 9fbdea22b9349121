//! Pacing for one region's ECR calls. The SDK's own retry quota gives up after ~100 throttled
//! retries per service and region (limits.md §2.2), so thousands of calls need their own brake:
//! unlimited until ECR throttles, then a rate that starts at what was getting through, halves
//! on each throttle and creeps back up on success. Alongside it, [`Window`] bounds the calls in
//! flight.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// First rate after a throttle when too few calls succeeded to measure one; ECR's Describe
/// APIs are reported to throttle around here.
const FIRST_LIMIT: f64 = 20.0;
/// The span over which successes are counted to find the rate that was getting through.
const RATE_SPAN: Duration = Duration::from_secs(1);
/// Shorter spans are too few calls to tell a rate from.
const MIN_SPAN: Duration = Duration::from_millis(50);
const MIN_RATE: f64 = 1.0;
/// Above this the limit is dropped again: the throttle was a blip.
const RELEASE_RATE: f64 = 400.0;
const RECOVERY_PER_SUCCESS: f64 = 0.5;
/// Throttles closer together than this are one congestion event: the calls were already in
/// flight when the first one was refused.
const CUT_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Debug, Default)]
pub struct Limiter {
    state: Mutex<LimiterState>,
}

#[derive(Debug, Default)]
struct LimiterState {
    /// Calls per second, or `None` when no throttle has been seen.
    rate: Option<f64>,
    next_slot: Option<Instant>,
    last_cut: Option<Instant>,
    throttles: u64,
    /// When the calls of the last [`RATE_SPAN`] succeeded, while no limit is set.
    recent: VecDeque<Instant>,
}

impl Limiter {
    /// Waits for this call's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let Some(rate) = st.rate else { return };
            let now = Instant::now();
            let slot = st.next_slot.map_or(now, |s| s.max(now));
            st.next_slot = Some(slot + Duration::from_secs_f64(1.0 / rate));
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    pub fn on_success(&self) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match st.rate {
            Some(rate) => {
                let next = rate + RECOVERY_PER_SUCCESS;
                st.rate = (next < RELEASE_RATE).then_some(next);
            }
            None => {
                let now = Instant::now();
                st.recent.push_back(now);
                while st
                    .recent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > RATE_SPAN)
                {
                    st.recent.pop_front();
                }
            }
        }
    }

    pub fn on_throttle(&self) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.throttles += 1;
        let now = Instant::now();
        if st
            .last_cut
            .is_some_and(|t| now.duration_since(t) < CUT_INTERVAL)
        {
            return;
        }
        st.last_cut = Some(now);
        // Over the time the successes took, not the whole span: a burst that met the limit
        // in its first 20 ms got through at its own rate.
        let took = st
            .recent
            .front()
            .map_or(RATE_SPAN, |first| now.duration_since(*first))
            .clamp(MIN_SPAN, RATE_SPAN);
        let measured = st.recent.len() as f64 / took.as_secs_f64();
        st.recent.clear();
        let first = if measured >= FIRST_LIMIT {
            measured.min(RELEASE_RATE * 0.9)
        } else {
            FIRST_LIMIT
        };
        st.rate = Some(st.rate.map_or(first, |r| (r / 2.0).max(MIN_RATE)));
    }

    pub fn throttles(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .throttles
    }
}

/// Calls in flight to start with, before any has answered.
const FIRST_WINDOW: f64 = 8.0;
/// Latency "holds" while its moving average stays under this multiple of the fastest answer:
/// past it the service is queueing, and more calls in flight only wait longer.
const LATENCY_RISE: f64 = 2.0;

/// How many calls of one account and region may be in flight: AIMD, as TCP does it. It
/// starts at [`FIRST_WINDOW`], grows by one per success (doubling each round trip) up to the
/// cap while latency holds, halves on a throttle, and after one grows by one per round trip.
#[derive(Debug)]
pub struct Window {
    state: Mutex<WindowState>,
    freed: tokio::sync::Notify,
}

#[derive(Debug)]
struct WindowState {
    cap: f64,
    limit: f64,
    /// Below this the window doubles per round trip; above it, it grows by one.
    threshold: f64,
    in_flight: usize,
    fastest: Option<Duration>,
    average: Option<Duration>,
    last_cut: Option<Instant>,
}

/// One call's place in the window, given back on drop.
#[derive(Debug)]
pub struct Slot<'a> {
    window: &'a Window,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut st = self.window.state.lock().unwrap_or_else(|p| p.into_inner());
        st.in_flight = st.in_flight.saturating_sub(1);
        drop(st);
        self.window.freed.notify_waiters();
    }
}

impl Window {
    pub fn new(cap: usize) -> Window {
        let cap = cap.max(1) as f64;
        Window {
            state: Mutex::new(WindowState {
                cap,
                limit: FIRST_WINDOW.min(cap),
                threshold: cap,
                in_flight: 0,
                fastest: None,
                average: None,
                last_cut: None,
            }),
            freed: tokio::sync::Notify::new(),
        }
    }

    /// Waits for a place in the window.
    pub async fn enter(&self) -> Slot<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before looking, so a slot freed in between still wakes us.
            freed.as_mut().enable();
            {
                let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
                if (st.in_flight as f64) < st.limit.floor().max(1.0) {
                    st.in_flight += 1;
                    return Slot { window: self };
                }
            }
            freed.await;
        }
    }

    pub fn on_success(&self, latency: Duration) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let fastest = st.fastest.map_or(latency, |f| f.min(latency));
        let average = st
            .average
            .map_or(latency, |a| a.mul_f64(0.9) + latency.mul_f64(0.1));
        st.fastest = Some(fastest);
        st.average = Some(average);
        if average > fastest.mul_f64(LATENCY_RISE) {
            return;
        }
        let step = if st.limit < st.threshold {
            1.0
        } else {
            1.0 / st.limit
        };
        let grown = (st.limit + step).min(st.cap);
        let wider = grown.floor() > st.limit.floor();
        st.limit = grown;
        drop(st);
        if wider {
            self.freed.notify_waiters();
        }
    }

    pub fn on_throttle(&self) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        // The calls already in flight when the first refusal came are one congestion event.
        if st
            .last_cut
            .is_some_and(|t| now.duration_since(t) < CUT_INTERVAL)
        {
            return;
        }
        st.last_cut = Some(now);
        st.limit = (st.limit / 2.0).max(1.0);
        st.threshold = st.limit;
    }

    /// The current limit, whole.
    pub fn limit(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .limit
            .floor() as usize
    }
}

/// Full-jitter exponential backoff: a random wait in [cap/2, cap), where the cap doubles per
/// attempt from `base` up to `max`.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let cap = base.saturating_mul(1u32 << attempt.min(16)).min(max);
    cap.mul_f64(0.5 + fastrand::f64() / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn throttles_halve_and_successes_recover() {
        let l = Limiter::default();
        assert!(l.state.lock().unwrap().rate.is_none());
        l.on_throttle();
        assert_eq!(l.state.lock().unwrap().rate, Some(FIRST_LIMIT));
        // A burst of refusals from calls already in flight counts once.
        l.on_throttle();
        assert_eq!(l.state.lock().unwrap().rate, Some(FIRST_LIMIT));
        tokio::time::advance(CUT_INTERVAL).await;
        l.on_throttle();
        assert_eq!(l.state.lock().unwrap().rate, Some(FIRST_LIMIT / 2.0));
        for _ in 0..2000 {
            l.on_success();
        }
        assert!(l.state.lock().unwrap().rate.is_none(), "limit released");
        assert_eq!(l.throttles(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_grows_while_latency_holds_and_halves_on_throttles() {
        let w = Window::new(64);
        assert_eq!(w.limit(), 8);
        for _ in 0..20 {
            w.on_success(Duration::from_millis(30));
        }
        assert_eq!(w.limit(), 28, "one more per success before any throttle");
        w.on_throttle();
        assert_eq!(w.limit(), 14);
        w.on_throttle();
        assert_eq!(w.limit(), 14, "one cut per congestion event");
        for _ in 0..14 {
            w.on_success(Duration::from_millis(30));
        }
        assert_eq!(w.limit(), 14, "after a throttle, one more per round trip");
        w.on_success(Duration::from_millis(30));
        assert_eq!(w.limit(), 15);
        // The service queues: answers slow to several times the fastest; the window holds.
        for _ in 0..200 {
            w.on_success(Duration::from_millis(300));
        }
        assert_eq!(w.limit(), 15);
        for _ in 0..10_000 {
            w.on_success(Duration::from_millis(30));
        }
        assert_eq!(w.limit(), 64, "capped");
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_bounds_calls_in_flight() {
        let w = std::sync::Arc::new(Window::new(3));
        let a = w.enter().await;
        let _b = w.enter().await;
        let _c = w.enter().await;
        let waiter = {
            let w = w.clone();
            tokio::spawn(async move {
                let _d = w.enter().await;
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished(), "a fourth call waits");
        drop(a);
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("a freed slot lets it in")
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_limit_is_the_rate_that_got_through() {
        let l = Limiter::default();
        for _ in 0..50 {
            l.on_success();
            tokio::time::advance(Duration::from_millis(20)).await;
        }
        l.on_throttle();
        let rate = l.state.lock().unwrap().rate.unwrap();
        assert!((45.0..=51.0).contains(&rate), "{rate}");
    }

    #[test]
    fn backoff_is_capped() {
        let max = Duration::from_secs(5);
        for attempt in 0..40 {
            let d = backoff(attempt, Duration::from_millis(100), max);
            assert!(d < max);
        }
        assert!(backoff(0, Duration::from_millis(100), max) < Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn paces_calls_once_limited() {
        let l = Limiter::default();
        l.on_throttle(); // 20/s
        let start = Instant::now();
        for _ in 0..21 {
            l.wait().await;
        }
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(999), "{took:?}");
    }
}
