//! What the delivery log keeps of a receiver's answer or of an error: a
//! short, sanitised excerpt, so the log cannot be used to read what an
//! endpoint answers, nor to smuggle control sequences to whoever reads it.

/// The most of a receiver's answer kept, in characters.
pub const ANSWER_EXCERPT_CHARS: usize = 64;
/// The most of an error text kept (a connection error, or `HTTP <status>:
/// <excerpt>`), in characters.
pub const ERROR_TEXT_CHARS: usize = 200;

/// The first [`ANSWER_EXCERPT_CHARS`] characters of an answer's body, read
/// as UTF-8 (invalid bytes replaced), sanitised by [`sanitise`].
pub fn answer_excerpt(body: &[u8]) -> String {
    // More bytes than can survive: 4 per character at most.
    let head = &body[..body.len().min(ANSWER_EXCERPT_CHARS * 4)];
    sanitise(&String::from_utf8_lossy(head), ANSWER_EXCERPT_CHARS)
}

/// One line of at most `max_chars` characters: every run of whitespace
/// becomes one space, ends trimmed; control characters, invisible format
/// characters (bidirectional overrides, zero-width characters …),
/// private-use and non-characters become `?`; a longer text is cut and ends
/// with `…` (counted in `max_chars`).
pub fn sanitise(text: &str, max_chars: usize) -> String {
    let mut chars = Vec::new();
    for word in text.split_whitespace() {
        if chars.len() > max_chars {
            break;
        }
        if !chars.is_empty() {
            chars.push(' ');
        }
        chars.extend(word.chars().map(|c| if is_hidden(c) { '?' } else { c }));
    }
    if chars.len() <= max_chars {
        return chars.into_iter().collect();
    }
    if max_chars == 0 {
        return String::new();
    }
    chars.truncate(max_chars - 1);
    let mut out: String = chars.into_iter().collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// An error text as the delivery log keeps and shows it: for an answer
/// (`HTTP <status>: <answer>`) the answer part is cut to
/// [`ANSWER_EXCERPT_CHARS`], anything else to [`ERROR_TEXT_CHARS`]; all of
/// it [`sanitise`]d. Applying it twice changes nothing, so it bounds old
/// rows (written before the excerpt was bounded) as they are read as well.
pub fn log_error(text: &str) -> String {
    if let Some((status, answer)) = text.strip_prefix("HTTP ").and_then(|rest| rest.split_once(": ")) {
        let status = sanitise(status, 40);
        let answer = sanitise(answer, ANSWER_EXCERPT_CHARS);
        if !status.is_empty() && !answer.is_empty() {
            return format!("HTTP {status}: {answer}");
        }
    }
    sanitise(text, ERROR_TEXT_CHARS)
}

/// Control, invisible format, private-use and non-characters.
fn is_hidden(c: char) -> bool {
    let n = u32::from(c);
    c.is_control()
        || matches!(n,
            0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x180E
            | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F
            | 0xFEFF | 0xFFF9..=0xFFFB | 0xE0000..=0xE007F
            | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF
            | 0xFDD0..=0xFDEF)
        || n & 0xFFFE == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_answers_are_kept_on_one_line() {
        assert_eq!(answer_excerpt(b"  receiver says\r\n\tno  "), "receiver says no");
        assert_eq!(answer_excerpt(b""), "");
        assert_eq!(answer_excerpt("数据库锁定".as_bytes()), "数据库锁定");
    }

    #[test]
    fn hidden_characters_become_question_marks() {
        assert_eq!(answer_excerpt(b"a\x1b[31mred\x00b"), "a?[31mred?b");
        assert_eq!(sanitise("ab\u{202E}cd\u{200B}", 20), "ab?cd?");
        assert_eq!(answer_excerpt(&[0x66, 0xff, 0x6f]), "f\u{FFFD}o", "invalid UTF-8 is replaced");
    }

    #[test]
    fn log_errors_keep_only_an_excerpt_of_an_answer() {
        let old_row = format!("HTTP 500 Internal Server Error: {}", "secret ".repeat(40));
        let shown = log_error(&old_row);
        assert!(shown.starts_with("HTTP 500 Internal Server Error: secret"), "{shown}");
        let excerpt = shown.trim_start_matches("HTTP 500 Internal Server Error: ");
        assert!(excerpt.chars().count() <= ANSWER_EXCERPT_CHARS && excerpt.ends_with('…'), "{excerpt}");
        assert_eq!(log_error(&shown), shown, "idempotent");
        assert_eq!(log_error("HTTP 502 Bad Gateway"), "HTTP 502 Bad Gateway");
        let connect = format!("error sending request: {}\n{}", "x".repeat(300), "y");
        assert_eq!(log_error(&connect).chars().count(), ERROR_TEXT_CHARS);
    }

    #[test]
    fn long_answers_are_cut_to_the_limit() {
        let body = "x".repeat(10_000);
        let e = answer_excerpt(body.as_bytes());
        assert_eq!(e.chars().count(), ANSWER_EXCERPT_CHARS);
        assert!(e.ends_with('…'));
        assert_eq!(sanitise("abcdef", 4), "abc…");
        assert_eq!(sanitise("ab cdef", 4), "ab…");
        assert_eq!(sanitise("abcd", 4), "abcd");
        assert_eq!(sanitise("abc", 0), "");
    }
}
