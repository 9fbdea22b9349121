//! String formats of the blueprint's schema that can be checked without Port.

/// Why `s` does not fit a string `format`, or `None`. Formats whose content Port does not
/// constrain locally (markdown, yaml, user, team, timer, proto, labeled-url, blueprints, …) pass.
pub(super) fn format_problem(format: &str, s: &str) -> Option<&'static str> {
    match format {
        "date-time" => {
            (!is_rfc3339(s)).then_some("is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)")
        }
        "url" => url_problem(s),
        "email" | "idn-email" => (!is_email(s))
            .then_some("is not an email address (one @ with text on both sides, no spaces)"),
        "ipv4" => s
            .parse::<std::net::Ipv4Addr>()
            .is_err()
            .then_some("is not an IPv4 address (e.g. 10.0.0.1)"),
        "ipv6" => s
            .parse::<std::net::Ipv6Addr>()
            .is_err()
            .then_some("is not an IPv6 address (e.g. 2001:db8::1)"),
        _ => None,
    }
}

/// RFC 3339 `date-time`: `YYYY-MM-DD[T|t| ]HH:MM:SS[.frac](Z|z|±HH:MM)`, with calendar ranges.
/// A time zone is required, as in RFC 3339 (a bare local time is ambiguous).
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |start: usize, len: usize| -> Option<u32> {
        let part = b.get(start..start + len)?;
        part.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0, 4),
        num(5, 2),
        num(8, 2),
        num(11, 2),
        num(14, 2),
        num(17, 2),
    ) else {
        return false;
    };
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return false;
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    // Second 60 is a leap second, which RFC 3339 allows.
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if at(i, b"Zz") {
        return i + 1 == b.len();
    }
    if at(i, b"+-")
        && at(i + 3, b":")
        && let (Some(h), Some(m)) = (num(i + 1, 2), num(i + 4, 2))
    {
        return h <= 23 && m <= 59 && i + 6 == b.len();
    }
    false
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// An absolute http(s) URL with a host: what Port's `url` format links to in the UI.
fn url_problem(s: &str) -> Option<&'static str> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return Some("is not an absolute URL; it must start with http:// or https://");
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Some("must use http:// or https://");
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains spaces or control characters; percent-encode them");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Userinfo (`user:pass@`) may precede the host.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        // IPv6 literal: `[::1]:8080`.
        match inner.split_once(']') {
            Some((ip, tail)) if ip.parse::<std::net::Ipv6Addr>().is_ok() => (ip, tail),
            _ => return Some("has a malformed [IPv6] host"),
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, &host_port[h.len()..h.len() + 1 + p.len()]),
            None => (host_port, ""),
        }
    };
    if host.is_empty() {
        return Some("has no host");
    }
    if !port.is_empty() {
        let digits = port.strip_prefix(':').unwrap_or("x");
        if digits.is_empty() || !digits.bytes().all(|d| d.is_ascii_digit()) {
            return Some("has a malformed port (expected :<digits>)");
        }
    }
    None
}

fn is_email(s: &str) -> bool {
    let mut parts = s.split('@');
    let shape_ok = matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None) if !local.is_empty() && !domain.is_empty()
    );
    shape_ok && !s.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::validate;
    use serde_json::json;

    #[test]
    fn date_time_format() {
        let bp = strict_blueprint();
        for ok in [
            "2024-05-01T12:00:00Z",
            "2024-05-01t12:00:00z",
            "2024-05-01 12:00:00+02:00",
            "2024-02-29T23:59:60.123456-05:30",
            "2000-02-29T00:00:00Z",
        ] {
            assert_eq!(
                validate(&with_prop("createdAt", json!(ok)), &bp),
                vec![],
                "{ok}"
            );
        }
        for bad in [
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2024-13-01T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "1900-02-29T12:00:00Z",
            "2024-04-31T12:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+0200",
            "2024-05-01T12:00:00Zjunk",
            "1714564800",
        ] {
            let v = only(&with_prop("createdAt", json!(bad)), &bp);
            assert!(v.message.contains("RFC 3339"), "{bad}: {}", v.message);
        }
    }

    #[test]
    fn url_format() {
        let bp = strict_blueprint();
        for ok in [
            "https://console.aws.amazon.com/ecr/repositories?region=eu-west-1",
            "http://localhost:8080/x",
            "HTTPS://Example.com",
            "https://user:pw@host.example/path#frag",
            "https://[2001:db8::1]:443/",
        ] {
            assert_eq!(validate(&with_prop("link", json!(ok)), &bp), vec![], "{ok}");
        }
        let cases = [
            (
                "console.aws.amazon.com/ecr",
                "must start with http:// or https://",
            ),
            ("ftp://example.com", "must use http:// or https://"),
            ("https://", "has no host"),
            ("https:///path", "has no host"),
            ("https://exa mple.com", "spaces"),
            ("https://host:port/", "malformed port"),
            ("https://[zz]/", "malformed [IPv6]"),
        ];
        for (bad, needle) in cases {
            let v = only(&with_prop("link", json!(bad)), &bp);
            assert_eq!(v.field, "properties.link");
            assert!(v.message.contains(needle), "{bad}: {}", v.message);
        }
    }

    #[test]
    fn email_and_ip_formats() {
        let bp = strict_blueprint();
        assert_eq!(
            validate(&with_prop("owner", json!("a.b@example.com")), &bp),
            vec![]
        );
        for bad in ["a.example.com", "@example.com", "a@", "a@b@c", "a b@c"] {
            assert!(
                only(&with_prop("owner", json!(bad)), &bp)
                    .message
                    .contains("email")
            );
        }
        assert_eq!(
            validate(&with_prop("ip4", json!("10.0.0.255")), &bp),
            vec![]
        );
        for bad in ["10.0.0.256", "10.0.0", "010.0.0.1", "::1"] {
            assert!(
                only(&with_prop("ip4", json!(bad)), &bp)
                    .message
                    .contains("IPv4"),
                "{bad}"
            );
        }
        for ok in [
            "::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "fe80:0:0:0:0:0:0:1",
        ] {
            assert_eq!(validate(&with_prop("ip6", json!(ok)), &bp), vec![], "{ok}");
        }
        for bad in ["10.0.0.1", "2001:db8:::1", "g::1"] {
            assert!(
                only(&with_prop("ip6", json!(bad)), &bp)
                    .message
                    .contains("IPv6"),
                "{bad}"
            );
        }
    }

    #[test]
    fn free_text_formats_accept_any_string() {
        let bp = strict_blueprint();
        assert_eq!(
            validate(&with_prop("readme", json!("# anything *at* all")), &bp),
            vec![]
        );
    }
}
