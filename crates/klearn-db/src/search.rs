//! Search that works for Chinese and English on both databases. Text is
//! rewritten before it is indexed: runs of CJK characters become their single
//! characters and overlapping bigrams, other words stay whole (lowercased). A
//! query gets the same treatment (a CJK run of two or more characters as its
//! bigrams) and every term must match. The index itself is backend-specific
//! (FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL), in `backend`.

use diesel::prelude::*;

use crate::backend::SearchIndex;
use crate::connection::DbConnection;
use crate::courses::{Course, CourseState};
use crate::error::DbError;
use crate::forum::{Post, Thread};
use crate::schema::{course_tags, courses, posts, threads, users};
use crate::types::{CourseId, PostId, PostState, ThreadId, UserId};

/// Characters written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F // Han
        | 0x3040..=0x30FF // kana
        | 0xAC00..=0xD7AF // hangul
    )
}

/// Longest word kept; longer runs of letters are not words anyone searches for.
const MAX_WORD: usize = 40;
/// Most terms a query is made of.
const MAX_QUERY_TERMS: usize = 16;

enum Run {
    Cjk(Vec<char>),
    Word(String),
}

fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush = |cjk: &mut Vec<char>, word: &mut String, out: &mut Vec<Run>| {
        if !cjk.is_empty() {
            out.push(Run::Cjk(std::mem::take(cjk)));
        }
        if !word.is_empty() {
            let w: String = std::mem::take(word)
                .to_lowercase()
                .chars()
                .take(MAX_WORD)
                .collect();
            out.push(Run::Word(w));
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                flush(&mut Vec::new(), &mut word, &mut out);
            }
            cjk.push(c);
        } else if c.is_alphanumeric() {
            if !cjk.is_empty() {
                flush(&mut cjk, &mut String::new(), &mut out);
            }
            word.push(c);
        } else {
            flush(&mut cjk, &mut word, &mut out);
        }
    }
    flush(&mut cjk, &mut word, &mut out);
    out
}

/// The text as it is indexed: words, CJK single characters and bigrams, space separated.
pub fn index_text(text: &str) -> String {
    let mut tokens: Vec<String> = Vec::new();
    for run in runs(text) {
        match run {
            Run::Word(w) => tokens.push(w),
            Run::Cjk(chars) => {
                tokens.extend(chars.iter().map(|c| c.to_string()));
                tokens.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
            }
        }
    }
    tokens.join(" ")
}

/// The terms of a query, each of which must match; empty when the query has
/// nothing searchable (only punctuation, say).
pub fn query_terms(q: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for run in runs(q) {
        let new: Vec<String> = match run {
            Run::Word(w) => vec![w],
            Run::Cjk(chars) if chars.len() == 1 => vec![chars[0].to_string()],
            Run::Cjk(chars) => chars.windows(2).map(|w| w.iter().collect()).collect(),
        };
        for t in new {
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
    }
    terms.truncate(MAX_QUERY_TERMS);
    terms
}

/// Puts a course in the index if it is published, takes it out otherwise.
/// Called wherever a course's searchable text or state changes.
pub fn sync_course(conn: &mut DbConnection, course_id: CourseId) -> Result<(), DbError> {
    crate::backend::search_remove(conn, SearchIndex::Courses, course_id.0)?;
    let row: Option<(Course, String, String)> = courses::table
        .inner_join(users::table)
        .filter(courses::id.eq(course_id))
        .select((Course::as_select(), users::username, users::display_name))
        .first(conn)
        .optional()?;
    let Some((course, username, display_name)) = row else {
        return Ok(());
    };
    if course.state != CourseState::Published {
        return Ok(());
    }
    let tags: Vec<String> = course_tags::table
        .filter(course_tags::course_id.eq(course_id))
        .order(course_tags::tag.asc())
        .select(course_tags::tag)
        .load(conn)?;
    let (title, body) = course_document(&course, &tags, &username, &display_name);
    crate::backend::search_put(conn, SearchIndex::Courses, course_id.0, &title, &body)
}

/// A published course's search document, its title and its body: the
/// subtitle, description, tags and its expert's names.
pub fn course_document(
    course: &Course,
    tags: &[String],
    username: &str,
    display_name: &str,
) -> (String, String) {
    let title = index_text(&course.title);
    let body = index_text(&format!(
        "{} {} {} {} {}",
        course.subtitle,
        course.description,
        tags.join(" "),
        username,
        display_name
    ));
    (title, body)
}

/// Re-indexes every course of an expert (their name is part of each course's text).
pub fn sync_owner(conn: &mut DbConnection, owner_id: UserId) -> Result<(), DbError> {
    let ids: Vec<CourseId> = courses::table
        .filter(courses::owner_id.eq(owner_id))
        .filter(courses::state.eq(CourseState::Published))
        .select(courses::id)
        .load(conn)?;
    for id in ids {
        sync_course(conn, id)?;
    }
    Ok(())
}

/// Published courses matching every term, best first: those matching in
/// the title, then the rest, each newest first, at most `limit` ids. Both
/// backends read the matches in id order and stop at `limit`
/// (`backend::search_recent`), so a term found in half the catalogue costs
/// what a rare one does; nothing ranks every match.
pub fn search_courses(conn: &mut DbConnection, q: &str, limit: i64) -> Result<Vec<CourseId>, DbError> {
    let terms = query_terms(q);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let ids = crate::backend::search_recent(conn, SearchIndex::Courses, &terms, limit)?;
    Ok(ids.into_iter().map(CourseId).collect())
}

/// Puts a post in the index while it and its thread are visible, takes it
/// out otherwise. The first post carries the thread's title and tags.
/// Called wherever a post's text or state changes.
pub fn sync_post(conn: &mut DbConnection, post_id: PostId) -> Result<(), DbError> {
    crate::backend::search_remove(conn, SearchIndex::Posts, post_id.0)?;
    let row: Option<(Post, Thread)> = posts::table
        .inner_join(threads::table)
        .filter(posts::id.eq(post_id))
        .select((Post::as_select(), Thread::as_select()))
        .first(conn)
        .optional()?;
    let Some((post, thread)) = row else {
        return Ok(());
    };
    if post.state != PostState::Visible || thread.state != PostState::Visible {
        return Ok(());
    }
    let (title, body) = if post.number == 1 {
        let tags = Thread::tags(conn, thread.id)?;
        (
            index_text(&thread.title),
            index_text(&format!("{} {}", post.body, tags.join(" "))),
        )
    } else {
        (String::new(), index_text(&post.body))
    };
    crate::backend::search_put(conn, SearchIndex::Posts, post_id.0, &title, &body)
}

/// Threads whose title or posts match every term, each once with its
/// matching post: threads matching in the title first, then the newest
/// posts; at most `limit` threads.
pub fn search_threads(
    conn: &mut DbConnection,
    q: &str,
    limit: i64,
) -> Result<Vec<(ThreadId, PostId)>, DbError> {
    let terms = query_terms(q);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let hits = crate::backend::search_recent(conn, SearchIndex::Posts, &terms, limit * 4)?;
    let ids: Vec<PostId> = hits.into_iter().map(PostId).collect();
    let threads_of: std::collections::HashMap<PostId, ThreadId> = posts::table
        .filter(posts::id.eq_any(&ids))
        .select((posts::id, posts::thread_id))
        .load::<(PostId, ThreadId)>(conn)?
        .into_iter()
        .collect();
    let mut out: Vec<(ThreadId, PostId)> = Vec::new();
    for id in ids {
        let Some(thread) = threads_of.get(&id) else {
            continue;
        };
        if !out.iter().any(|(t, _)| t == thread) {
            out.push((*thread, id));
        }
        if out.len() as i64 >= limit {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_runs_become_characters_and_bigrams() {
        assert_eq!(index_text("机器学习"), "机 器 学 习 机器 器学 学习");
        assert_eq!(index_text("Rust 并发编程!"), "rust 并 发 编 程 并发 发编 编程");
        assert_eq!(index_text("Go语言"), "go 语 言 语言");
    }

    #[test]
    fn queries_use_bigrams_and_single_characters() {
        assert_eq!(query_terms("机器学习"), vec!["机器", "器学", "学习"]);
        assert_eq!(query_terms("锁"), vec!["锁"]);
        assert_eq!(query_terms("并发"), vec!["并发"]);
        assert_eq!(query_terms("Rust async"), vec!["rust", "async"]);
        assert_eq!(query_terms("\"Go\" OR *"), vec!["go", "or"]);
        assert!(query_terms("!!! ... ---").is_empty());
        assert!(query_terms(&"x y ".repeat(500)).len() <= MAX_QUERY_TERMS);
    }
}
