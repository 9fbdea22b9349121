//! Pacing for one region's ECR calls. The SDK's own retry quota gives up after ~100 throttled
//! retries per service and region (limits.md §2.2), so thousands of calls need their own brake:
//! unlimited until ECR throttles, then a rate that halves on each throttle and creeps back up
//! on success.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// First rate after a throttle; ECR's Describe APIs are reported to throttle around here.
const FIRST_LIMIT: f64 = 20.0;
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
        if let Some(rate) = st.rate {
            let next = rate + RECOVERY_PER_SUCCESS;
            st.rate = (next < RELEASE_RATE).then_some(next);
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
        st.rate = Some(st.rate.map_or(FIRST_LIMIT, |r| (r / 2.0).max(MIN_RATE)));
    }

    pub fn throttles(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .throttles
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
