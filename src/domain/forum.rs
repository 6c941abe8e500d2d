//! The forum's rules: what a thread's title, body, kind and tags may be,
//! the edit grace period, pages of a thread, the list sorts and periods, and
//! the opaque cursor of a list page.

use chrono::{Duration, NaiveDateTime};
use klearn_db::forum::{Cursor, ListSort};
use klearn_db::types::{ThreadId, ThreadKind};

use super::account::Problem;

/// Within this time after posting, an edit is not marked and keeps no revision.
pub const EDIT_GRACE_MINUTES: i64 = 5;
/// Posts on one page of a thread.
pub const POSTS_PER_PAGE: i64 = 50;
/// Threads on one page of a list.
pub const THREADS_PER_PAGE: i64 = 30;
/// Most tags on a thread.
pub const MAX_TAGS: usize = 5;
const TITLE_MIN: usize = 5;
const TITLE_MAX: usize = 120;
const BODY_MAX: usize = 30_000;

pub fn edit_grace() -> Duration {
    Duration::minutes(EDIT_GRACE_MINUTES)
}

/// Whether an edit at `now` of a post written at `posted` is marked as an
/// edit (and keeps the earlier text).
pub fn edit_is_marked(posted: NaiveDateTime, now: NaiveDateTime) -> bool {
    now - posted > edit_grace()
}

pub fn parse_title(input: &str) -> Result<String, Problem> {
    let title = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = title.chars().count();
    if n < TITLE_MIN {
        return Err("forum.error.title_short");
    }
    if n > TITLE_MAX {
        return Err("forum.error.title_long");
    }
    Ok(title)
}

pub fn parse_body(input: &str) -> Result<String, Problem> {
    let body = input.trim();
    if body.is_empty() {
        return Err("forum.error.body_empty");
    }
    if body.chars().count() > BODY_MAX {
        return Err("forum.error.body_long");
    }
    Ok(body.to_string())
}

pub fn parse_kind(input: &str) -> Result<ThreadKind, Problem> {
    ThreadKind::parse(input.trim()).ok_or("forum.error.kind")
}

/// Comma-separated tags (as for interests), at most `MAX_TAGS`.
pub fn parse_tags(input: &str) -> Result<Vec<String>, Problem> {
    let tags = super::account::parse_tags(input)?;
    if tags.len() > MAX_TAGS {
        return Err("forum.error.tags_many");
    }
    Ok(tags)
}

/// The page of a thread that holds post `number`.
pub fn page_of(number: i64) -> i64 {
    (number.max(1) - 1) / POSTS_PER_PAGE + 1
}

/// The post numbers on page `page` of a thread.
pub fn numbers_on(page: i64) -> (i64, i64) {
    let page = page.max(1);
    ((page - 1) * POSTS_PER_PAGE + 1, page * POSTS_PER_PAGE)
}

/// A list's sort as the query names it (`sort`, and `period` with `top`).
pub fn parse_sort(sort: &str, period: &str, now: NaiveDateTime) -> ListSort {
    match sort {
        "top" => ListSort::Top {
            since: match period {
                "day" => Some(now - Duration::days(1)),
                "week" => Some(now - Duration::weeks(1)),
                "month" => Some(now - Duration::days(30)),
                _ => None,
            },
        },
        "unanswered" => ListSort::Unanswered,
        _ => ListSort::Latest,
    }
}

/// The cursor as it goes in a URL: `a<micros>-<id>` after a time, `l<likes>-<id>` after a like count.
pub fn encode_cursor(cursor: Cursor) -> String {
    match cursor {
        Cursor::Activity(at, id) => format!("a{}-{}", at.and_utc().timestamp_micros(), id.0),
        Cursor::Likes(likes, id) => format!("l{likes}-{}", id.0),
    }
}

/// A cursor from a URL; anything else is no cursor (the first page).
pub fn decode_cursor(text: &str) -> Option<Cursor> {
    let (tag, rest) = text.split_at_checked(1)?;
    let (key, id) = rest.split_once('-')?;
    let id = ThreadId(id.parse().ok()?);
    match tag {
        "a" => {
            let at = chrono::DateTime::from_timestamp_micros(key.parse().ok()?)?.naive_utc();
            Some(Cursor::Activity(at, id))
        }
        "l" => Some(Cursor::Likes(key.parse().ok()?, id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_bodies_kinds_and_tags() {
        assert_eq!(parse_title("  How   do I  pin? "), Ok("How do I pin?".into()));
        assert_eq!(parse_title("短"), Err("forum.error.title_short"));
        assert_eq!(parse_title(&"x".repeat(121)), Err("forum.error.title_long"));
        assert_eq!(parse_body("  \n "), Err("forum.error.body_empty"));
        assert_eq!(parse_kind("question"), Ok(ThreadKind::Question));
        assert_eq!(parse_kind("poll"), Err("forum.error.kind"));
        assert_eq!(
            parse_tags("Rust, async，tokio"),
            Ok(vec!["rust".into(), "async".into(), "tokio".into()])
        );
        assert_eq!(parse_tags("a,b,c,d,e,f"), Err("forum.error.tags_many"));
    }

    #[test]
    fn the_grace_period_and_pages() {
        let t = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        assert!(!edit_is_marked(t, t + Duration::minutes(5)));
        assert!(edit_is_marked(t, t + Duration::minutes(5) + Duration::seconds(1)));
        assert_eq!(page_of(1), 1);
        assert_eq!(page_of(50), 1);
        assert_eq!(page_of(51), 2);
        assert_eq!(numbers_on(2), (51, 100));
    }

    #[test]
    fn cursors_go_through_urls_and_rubbish_is_the_first_page() {
        let t = chrono::DateTime::from_timestamp_micros(1_800_000_000_123_456)
            .unwrap()
            .naive_utc();
        for c in [Cursor::Activity(t, ThreadId(42)), Cursor::Likes(7, ThreadId(9))] {
            assert_eq!(decode_cursor(&encode_cursor(c)), Some(c));
        }
        for bad in ["", "a", "x1-2", "a12", "l-1-2", "a1-x", "l5-"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
        let now = t;
        assert_eq!(
            parse_sort("top", "week", now),
            ListSort::Top {
                since: Some(now - Duration::weeks(1))
            }
        );
        assert_eq!(parse_sort("top", "all", now), ListSort::Top { since: None });
        assert_eq!(parse_sort("nonsense", "", now), ListSort::Latest);
    }
}
