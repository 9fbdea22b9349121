//! Syntax colouring for jq, and the error span underline.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

const KEYWORDS: &[&str] = &[
    "def", "if", "then", "elif", "else", "end", "as", "reduce", "foreach", "try", "catch", "label",
    "import", "include", "and", "or", "not", "__loc__",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Plain,
    Keyword,
    String,
    Number,
    Field,
    Variable,
    Operator,
    Comment,
}

fn style(kind: Kind) -> Style {
    let fg = match kind {
        Kind::Plain => Color::White,
        Kind::Keyword => Color::Magenta,
        Kind::String => Color::Green,
        Kind::Number => Color::Yellow,
        Kind::Field => Color::Cyan,
        Kind::Variable => Color::LightBlue,
        Kind::Operator => Color::Gray,
        Kind::Comment => Color::DarkGray,
    };
    Style::new().fg(fg)
}

/// The kind of every character of `line`.
fn classify(line: &str) -> Vec<Kind> {
    let chars: Vec<char> = line.chars().collect();
    let mut kinds = vec![Kind::Plain; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let kind = if c == '#' {
            i = chars.len();
            Kind::Comment
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
            Kind::String
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            Kind::Number
        } else if c == '$' || c == '.' || c.is_alphabetic() || c == '_' || c == '@' {
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match c {
                '$' => Kind::Variable,
                '.' => Kind::Field,
                _ if KEYWORDS.contains(&word.as_str()) => Kind::Keyword,
                _ => Kind::Plain,
            }
        } else {
            i += 1;
            if c.is_whitespace() {
                Kind::Plain
            } else {
                Kind::Operator
            }
        };
        for k in &mut kinds[start..i.min(chars.len())] {
            *k = kind;
        }
    }
    kinds
}

/// Coloured lines of `text`. `underline` is a character range over the whole text (newlines
/// count as one character); `cursor` a (line, column) cell to show reversed.
pub fn highlight(
    text: &str,
    underline: Option<(usize, usize)>,
    cursor: Option<(usize, usize)>,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut offset = 0;
    let lines: Vec<&str> = if text.is_empty() {
        vec![""]
    } else {
        text.split('\n').collect()
    };
    for (row, line) in lines.iter().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let kinds = classify(line);
        let mut spans: Vec<Span<'static>> = Vec::new();
        let cells =
            chars.len() + usize::from(cursor.is_some_and(|(r, c)| r == row && c >= chars.len()));
        for col in 0..cells {
            let ch = chars.get(col).copied().unwrap_or(' ');
            let mut st = kinds.get(col).map_or(Style::new(), |k| style(*k));
            let at = offset + col;
            if underline.is_some_and(|(a, b)| at >= a && (at < b || (a == b && at == a))) {
                st = st
                    .fg(Color::Red)
                    .add_modifier(Modifier::UNDERLINED | Modifier::BOLD);
            }
            if cursor == Some((row, col)) {
                st = st.add_modifier(Modifier::REVERSED);
            }
            match spans.last_mut() {
                Some(last) if last.style == st => last.content.to_mut().push(ch),
                _ => spans.push(Span::styled(ch.to_string(), st)),
            }
        }
        out.push(Line::from(spans));
        offset += chars.len() + 1;
    }
    out
}

/// Converts a byte range of `text` (what jaq reports) into a character range (what the
/// editor counts).
pub fn byte_span_to_chars(text: &str, span: (usize, usize)) -> (usize, usize) {
    let to_char = |byte: usize| text.char_indices().take_while(|(i, _)| *i < byte).count();
    (to_char(span.0), to_char(span.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fields_strings_and_keywords() {
        let k = classify(r#".Tags[] | select(.Key == "port-") as $t | if $t then 1 else null end"#);
        assert_eq!(k[0], Kind::Field);
        let s = r#".Tags[] | select(.Key == "port-") as $t | if $t then 1 else null end"#;
        let pos = |needle: &str| s.find(needle).unwrap();
        assert_eq!(k[pos("\"port-\"")], Kind::String);
        assert_eq!(k[pos("as")], Kind::Keyword);
        assert_eq!(k[pos("$t")], Kind::Variable);
        assert_eq!(k[pos("select")], Kind::Plain);
        assert_eq!(k[pos("1 else")], Kind::Number);
    }

    #[test]
    fn spans_count_characters_not_bytes() {
        let text = "\"é\" | kyes";
        let bytes = (text.find("kyes").unwrap(), text.len());
        assert_eq!(byte_span_to_chars(text, bytes), (6, 10));
        let lines = highlight(text, Some((6, 10)), None);
        let underlined: String = lines[0]
            .spans
            .iter()
            .filter(|s| s.style.add_modifier.contains(Modifier::UNDERLINED))
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(underlined, "kyes");
    }
}
