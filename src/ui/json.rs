//! Syntax colouring for pretty-printed JSON.

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

const KEY: Color = Color::Cyan;
const STRING: Color = Color::Green;
const NUMBER: Color = Color::Magenta;
const LITERAL: Color = Color::Yellow;
const PUNCT: Color = Color::Gray;

/// Colours each line of `serde_json::to_string_pretty` output.
pub fn highlight(text: &str) -> Vec<Line<'static>> {
    text.lines().map(highlight_line).collect()
}

fn highlight_line(line: &str) -> Line<'static> {
    let mut spans = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
            let is_key = line[i..].trim_start().starts_with(':');
            let color = if is_key { KEY } else { STRING };
            spans.push(Span::styled(
                line[start..i].to_owned(),
                Style::new().fg(color),
            ));
        } else if c == b'-' || c.is_ascii_digit() {
            while i < bytes.len()
                && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            {
                i += 1;
            }
            spans.push(Span::styled(
                line[start..i].to_owned(),
                Style::new().fg(NUMBER),
            ));
        } else if c.is_ascii_alphabetic() {
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            spans.push(Span::styled(
                line[start..i].to_owned(),
                Style::new().fg(LITERAL),
            ));
        } else {
            while i < bytes.len()
                && !matches!(bytes[i], b'"' | b'-' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
            {
                i += 1;
            }
            spans.push(Span::styled(
                line[start..i].to_owned(),
                Style::new().fg(PUNCT),
            ));
        }
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_literals_get_their_colours() {
        let line = highlight_line(r#"  "Key": "a \"q\" b", "n": -1.5e3, "t": true"#);
        let colored: Vec<(String, Option<Color>)> = line
            .spans
            .iter()
            .map(|s| (s.content.to_string(), s.style.fg))
            .filter(|(t, _)| !t.trim().is_empty() && t.trim() != ":" && t.trim() != ",")
            .collect();
        assert_eq!(colored[0], ("\"Key\"".into(), Some(KEY)));
        assert_eq!(colored[1], (r#""a \"q\" b""#.into(), Some(STRING)));
        assert!(colored.contains(&("-1.5e3".into(), Some(NUMBER))));
        assert!(colored.contains(&("true".into(), Some(LITERAL))));
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, r#"  "Key": "a \"q\" b", "n": -1.5e3, "t": true"#);
    }
}
