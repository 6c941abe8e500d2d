//! Feedback's rules: what its kind, page address, text and a moderator's
//! note may be, how often it may be filed, and which triage states need a
//! note.

use klearn_db::types::{FeedbackKind, FeedbackState};

use super::account::Problem;

/// Longest page address kept with an item.
pub const PAGE_URL_MAX: usize = 500;
/// Longest text of an item.
pub const BODY_MAX: usize = 5_000;
/// Longest public note of a moderator.
pub const NOTE_MAX: usize = 2_000;
/// Items a guest's client address may file per hour, and a member per hour.
pub const GUEST_ITEMS_PER_HOUR: usize = 5;
pub const MEMBER_ITEMS_PER_HOUR: usize = 20;

pub fn parse_kind(input: &str) -> Result<FeedbackKind, Problem> {
    FeedbackKind::parse(input.trim()).ok_or("feedback.error.kind")
}

/// The page an item is about, optional: a path on this site (one leading
/// `/`) or an http(s) address with a host, without spaces or control
/// characters, at most `PAGE_URL_MAX` characters. Empty is none.
pub fn parse_page_url(input: &str) -> Result<String, Problem> {
    let url = input.trim();
    if url.is_empty() {
        return Ok(String::new());
    }
    if url.chars().count() > PAGE_URL_MAX {
        return Err("feedback.error.page_url_long");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("feedback.error.page_url");
    }
    if url.starts_with('/') {
        // `//host` and `/\host` are other hosts to a browser.
        if url.starts_with("//") || url.starts_with("/\\") {
            return Err("feedback.error.page_url");
        }
        return Ok(url.to_string());
    }
    match url::Url::parse(url) {
        Ok(parsed)
            if matches!(parsed.scheme(), "http" | "https")
                && parsed.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(url.to_string())
        }
        _ => Err("feedback.error.page_url"),
    }
}

/// The text (Markdown): required, at most `BODY_MAX` characters.
pub fn parse_body(input: &str) -> Result<String, Problem> {
    let body = input.trim();
    if body.is_empty() {
        return Err("feedback.error.body_empty");
    }
    if body.chars().count() > BODY_MAX {
        return Err("feedback.error.body_long");
    }
    Ok(body.to_string())
}

pub fn parse_state(input: &str) -> Result<FeedbackState, Problem> {
    FeedbackState::parse(input.trim()).ok_or("feedback.error.state")
}

/// A moderator's public note: at most `NOTE_MAX` characters; declining
/// says why, so a declined item needs one.
pub fn parse_note(input: &str, state: FeedbackState) -> Result<String, Problem> {
    let note = input.trim();
    if note.chars().count() > NOTE_MAX {
        return Err("feedback.error.note_long");
    }
    if note.is_empty() && state == FeedbackState::Declined {
        return Err("feedback.error.note_required");
    }
    Ok(note.to_string())
}

/// The translation key of a state's name.
pub fn state_key(state: FeedbackState) -> String {
    format!("feedback_state.{}", state.as_str())
}

/// The translation key of a kind's name.
pub fn kind_key(kind: FeedbackKind) -> String {
    format!("feedback.kind.{}", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_addresses_are_local_paths_or_web_urls() {
        assert_eq!(parse_page_url("  "), Ok(String::new()));
        assert_eq!(
            parse_page_url("/courses/rust?x=1"),
            Ok("/courses/rust?x=1".into())
        );
        assert_eq!(
            parse_page_url("https://klearn.example/forum"),
            Ok("https://klearn.example/forum".into())
        );
        for bad in [
            "javascript:alert(1)",
            "//evil.example/x",
            "/\\evil.example",
            "ftp://example.com/x",
            "courses/rust",
            "/a b",
            "http://",
        ] {
            assert_eq!(parse_page_url(bad), Err("feedback.error.page_url"), "{bad}");
        }
        let long = format!("/{}", "a".repeat(PAGE_URL_MAX));
        assert_eq!(parse_page_url(&long), Err("feedback.error.page_url_long"));
    }

    #[test]
    fn a_body_is_required_and_bounded() {
        assert_eq!(parse_body(" \n "), Err("feedback.error.body_empty"));
        assert_eq!(
            parse_body(&"字".repeat(BODY_MAX)).map(|b| b.chars().count()),
            Ok(BODY_MAX)
        );
        assert_eq!(
            parse_body(&"字".repeat(BODY_MAX + 1)),
            Err("feedback.error.body_long")
        );
    }

    #[test]
    fn kinds_and_states_are_the_known_words() {
        assert_eq!(parse_kind("problem"), Ok(FeedbackKind::Problem));
        assert_eq!(parse_kind("praise"), Err("feedback.error.kind"));
        assert_eq!(parse_state(" planned "), Ok(FeedbackState::Planned));
        assert_eq!(parse_state("closed"), Err("feedback.error.state"));
    }

    #[test]
    fn declining_needs_a_note_and_notes_are_bounded() {
        assert_eq!(
            parse_note(" ", FeedbackState::Declined),
            Err("feedback.error.note_required")
        );
        assert_eq!(parse_note("", FeedbackState::Done), Ok(String::new()));
        assert_eq!(
            parse_note(&"x".repeat(NOTE_MAX + 1), FeedbackState::Planned),
            Err("feedback.error.note_long")
        );
    }
}
