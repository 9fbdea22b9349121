//! When to wait and for how long: exponential backoff with jitter, Port's rate-limit headers,
//! and the per-request wait budget. Pure functions, so the timing rules are unit-tested.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// How far in the past an `x-ratelimit-reset` may lie and still be read as an epoch (a reset
/// that has just passed). Port documents the header as seconds until the reset; some proxies
/// send an epoch. A value later than now can only be an epoch; one just before now is a reset
/// that has passed; anything else is seconds.
const RECENT_EPOCH: f64 = 86_400.0;

/// Longest single sleep when the server gives no hint; the total is capped by the budget.
pub(crate) const MAX_SINGLE_BACKOFF: Duration = Duration::from_secs(30);

/// Longest wait we believe from a header: a bogus value must not park a request for days.
const MAX_HINT: Duration = Duration::from_secs(3600);

/// Delay before retry number `retry` (1-based): `initial · 2^(retry-1)`, capped, with "equal
/// jitter" (half fixed, half random) so parallel batches that failed together spread out.
pub(crate) fn backoff_delay(initial: Duration, retry: u32) -> Duration {
    let factor = 1u32
        .checked_shl(retry.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let capped = initial.saturating_mul(factor).min(MAX_SINGLE_BACKOFF);
    let half = capped / 2;
    half + half.mul_f64(fastrand::f64())
}

/// A non-negative number of seconds, as Port and proxies write them ("1", "0.5").
fn parse_seconds(value: &str) -> Option<f64> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then_some(secs)
}

/// A wait Port asked for, capped so a bogus value cannot park a request for days; the cap is
/// logged, so a shortened wait is never a silent one.
fn seconds(secs: f64) -> Duration {
    if secs > MAX_HINT.as_secs_f64() {
        tracing::warn!(
            asked_secs = secs,
            waiting_secs = MAX_HINT.as_secs(),
            "Port asked for a longer wait than the maximum; waiting the maximum"
        );
    }
    Duration::from_secs_f64(secs.min(MAX_HINT.as_secs_f64()))
}

/// How long until the window of `x-ratelimit-reset` ends: seconds, unless the value is later
/// than now as an epoch (or a reset that passed within the last day).
pub(crate) fn reset_delay(value: &str, now: SystemTime) -> Option<Duration> {
    let secs = parse_seconds(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
    if secs > now {
        return Some(seconds(secs - now));
    }
    if secs > now - RECENT_EPOCH {
        return Some(Duration::ZERO);
    }
    Some(seconds(secs))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok()
}

/// `Retry-After` in seconds. The HTTP-date form is not parsed (Port is not known to send it);
/// callers then fall back to the rate-limit headers or backoff.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header(headers, "retry-after")
        .and_then(parse_seconds)
        .map(seconds)
}

/// The wait a 429 asks for: `Retry-After`, else `x-ratelimit-reset`.
pub(crate) fn throttle_hint(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    retry_after(headers)
        .or_else(|| header(headers, "x-ratelimit-reset").and_then(|v| reset_delay(v, now)))
}

/// When the response says the window is used up (`x-ratelimit-remaining: 0`), how long until
/// it resets: the next request should not go out before then.
pub(crate) fn window_exhausted(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let remaining = header(headers, "x-ratelimit-remaining").and_then(parse_seconds)?;
    if remaining >= 1.0 {
        return None;
    }
    reset_delay(header(headers, "x-ratelimit-reset")?, now)
}

/// The total time one request may spend waiting (backoff, server hints, rate-limit gate).
#[derive(Debug)]
pub(crate) struct Budget {
    left: Duration,
}

impl Budget {
    pub(crate) fn new(total: Duration) -> Self {
        Budget { left: total }
    }

    /// A wait the server asked for: all of it, or none when it does not fit (sleeping part of
    /// it would only earn another refusal).
    pub(crate) fn take_whole(&mut self, wait: Duration) -> bool {
        if wait > self.left {
            return false;
        }
        self.left -= wait;
        true
    }

    /// A wait we chose ourselves: as much of it as is left; `None` once the budget is spent.
    pub(crate) fn take_up_to(&mut self, wait: Duration) -> Option<Duration> {
        if self.left.is_zero() && !wait.is_zero() {
            return None;
        }
        let granted = wait.min(self.left);
        self.left -= granted;
        Some(granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(epoch_secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(epoch_secs)
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn reset_small_values_are_seconds_until_reset() {
        let now = at(1_800_000_000);
        assert_eq!(reset_delay("120", now), Some(Duration::from_secs(120)));
        assert_eq!(reset_delay("0", now), Some(Duration::ZERO));
        assert_eq!(reset_delay("1.5", now), Some(Duration::from_millis(1500)));
        assert_eq!(reset_delay("10000", now), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn reset_large_values_are_epoch_seconds() {
        let now = at(1_800_000_000);
        assert_eq!(
            reset_delay("1800000042", now),
            Some(Duration::from_secs(42))
        );
        // A reset already in the past means no wait, not a negative one.
        assert_eq!(reset_delay("1799999000", now), Some(Duration::ZERO));
    }

    #[test]
    fn a_day_in_seconds_is_a_wait_not_an_epoch() {
        let now = at(1_800_000_000);
        // Port documents seconds: 86400 is a day to wait (capped), not 1970 and "no wait".
        assert_eq!(reset_delay("86400", now), Some(MAX_HINT));
        assert_eq!(reset_delay("10001", now), Some(MAX_HINT));
        assert_eq!(reset_delay("600", now), Some(Duration::from_secs(600)));
    }

    #[test]
    fn reset_garbage_is_ignored_and_huge_values_capped() {
        let now = at(1_800_000_000);
        for bad in ["", "soon", "-5", "NaN", "inf"] {
            assert_eq!(reset_delay(bad, now), None, "{bad:?}");
        }
        assert_eq!(reset_delay("9999999999", now), Some(MAX_HINT));
    }

    #[test]
    fn hints_prefer_retry_after_then_reset() {
        let now = at(1_800_000_000);
        let h = headers(&[("retry-after", "3"), ("x-ratelimit-reset", "50")]);
        assert_eq!(throttle_hint(&h, now), Some(Duration::from_secs(3)));
        let h = headers(&[("x-ratelimit-reset", "1800000007")]);
        assert_eq!(throttle_hint(&h, now), Some(Duration::from_secs(7)));
        let h = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(throttle_hint(&h, now), None);
    }

    #[test]
    fn window_gate_only_when_nothing_remains() {
        let now = at(1_800_000_000);
        let h = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "9")]);
        assert_eq!(window_exhausted(&h, now), Some(Duration::from_secs(9)));
        let h = headers(&[("x-ratelimit-remaining", "3"), ("x-ratelimit-reset", "9")]);
        assert_eq!(window_exhausted(&h, now), None);
        let h = headers(&[("x-ratelimit-remaining", "0")]);
        assert_eq!(window_exhausted(&h, now), None);
    }

    #[test]
    fn backoff_doubles_within_jitter_bounds() {
        let initial = Duration::from_millis(500);
        for retry in 1..=4u32 {
            let full = initial * 2u32.pow(retry - 1);
            for _ in 0..200 {
                let d = backoff_delay(initial, retry);
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d:?}");
            }
        }
    }

    #[test]
    fn backoff_is_capped_and_never_overflows() {
        for retry in [7, 20, 31, 32, 33, 1000, u32::MAX] {
            let d = backoff_delay(Duration::from_secs(1), retry);
            assert!(d <= MAX_SINGLE_BACKOFF, "retry {retry}: {d:?}");
            assert!(d >= MAX_SINGLE_BACKOFF / 2, "retry {retry}: {d:?}");
        }
        assert_eq!(backoff_delay(Duration::ZERO, 3), Duration::ZERO);
    }

    #[test]
    fn budget_caps_total_wait() {
        let mut b = Budget::new(Duration::from_secs(10));
        assert!(b.take_whole(Duration::from_secs(4)));
        assert!(
            !b.take_whole(Duration::from_secs(7)),
            "does not fit: refused whole"
        );
        assert_eq!(
            b.take_up_to(Duration::from_secs(8)),
            Some(Duration::from_secs(6))
        );
        assert_eq!(b.take_up_to(Duration::from_secs(1)), None, "spent");
        assert_eq!(b.take_up_to(Duration::ZERO), Some(Duration::ZERO));
        assert!(b.take_whole(Duration::ZERO));
    }
}
