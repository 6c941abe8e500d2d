//! Course rules: the state machine, how an owner's change reaches the
//! course (directly, through review, or not at all), levels and formats,
//! slugs, prices.

use super::account::Problem;

pub use klearn_db::types::CourseState;

/// What someone wants to do with a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseAction {
    Submit,
    Withdraw,
    Approve,
    Reject,
    Unpublish,
}

/// Who asks: the course's owner or a moderator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseActor {
    Owner,
    Moderator,
}

/// The one place that says which moves are legal:
/// draft → in_review (owner submits); in_review → draft (owner withdraws);
/// in_review → published | rejected (moderator); rejected → in_review (owner
/// resubmits); published → unpublished (owner or moderator); unpublished →
/// in_review (owner). Anything else is `None`.
pub fn transition(from: CourseState, action: CourseAction, actor: CourseActor) -> Option<CourseState> {
    use CourseAction::*;
    use CourseActor::*;
    use CourseState::*;
    match (from, action, actor) {
        (Draft | Rejected | Unpublished, Submit, Owner) => Some(InReview),
        (InReview, Withdraw, Owner) => Some(Draft),
        (InReview, Approve, Moderator) => Some(Published),
        (InReview, Reject, Moderator) => Some(Rejected),
        (Published, Unpublish, Owner | Moderator) => Some(Unpublished),
        _ => None,
    }
}

/// How an owner's change reaches a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditPath {
    /// Nobody but staff sees the course yet: the change is made at once.
    Direct,
    /// Learners can see the course (it is published, or was, and its
    /// learners keep it): the change waits in a revision for a moderator.
    Review,
    /// A moderator is looking at it: nothing changes until they decide.
    Locked,
}

/// The one place that says how a change reaches a course in `state`, given
/// whether it was ever published.
pub fn edit_path(state: CourseState, was_published: bool) -> EditPath {
    match state {
        CourseState::InReview => EditPath::Locked,
        _ if was_published => EditPath::Review,
        _ => EditPath::Direct,
    }
}

pub const LEVELS: [&str; 3] = ["beginner", "intermediate", "advanced"];
pub const FORMATS: [&str; 4] = ["video", "text", "live", "mixed"];

pub fn parse_level(s: &str) -> Result<&'static str, Problem> {
    LEVELS.into_iter().find(|l| *l == s).ok_or("studio.error.level")
}

pub fn parse_format(s: &str) -> Result<&'static str, Problem> {
    FORMATS.into_iter().find(|f| *f == s).ok_or("studio.error.format")
}

/// A price typed in yuan: `199`, `199.5`, `199.00`; not negative, at most two
/// decimals, at most ¥100,000. Returns fen.
pub fn parse_price(input: &str) -> Result<i64, Problem> {
    let s = input.trim().trim_start_matches(['¥', '￥']).trim();
    if s.is_empty() {
        return Ok(0);
    }
    if s.starts_with('-') {
        return Err("studio.error.price_negative");
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err("studio.error.price_format");
    }
    if frac.len() > 2 {
        return Err("studio.error.price_decimals");
    }
    if whole.len() > 6 {
        return Err("studio.error.price_high");
    }
    let yuan: i64 = whole.parse().map_err(|_| "studio.error.price_format")?;
    let fen: i64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| "studio.error.price_format")?;
    let cents = yuan * 100 + fen;
    if cents > 100_000 * 100 {
        return Err("studio.error.price_high");
    }
    Ok(cents)
}

/// Fen shown as yuan for the edit form: `19900` → `199`, `19950` → `199.50`.
pub fn price_input(cents: i64) -> String {
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

/// A price for people: `¥199`, `¥199.50`.
pub fn price_label(cents: impl std::borrow::Borrow<i64>, currency: &str) -> String {
    let cents = *cents.borrow();
    let symbol = match currency {
        "CNY" => "¥",
        "USD" => "$",
        other => other,
    };
    format!("{symbol}{}", price_input(cents))
}

/// A readable, unique-able slug: ASCII words kept, Chinese written in pinyin,
/// everything else dropped; `course` when nothing is left.
pub fn slugify(title: &str) -> String {
    slugify_or(title, "course")
}

/// `slugify`, with `fallback` when nothing is left.
pub fn slugify_or(title: &str, fallback: &str) -> String {
    use pinyin::ToPinyin;
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            current.push(c.to_ascii_lowercase());
            continue;
        }
        if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if let Some(p) = c.to_pinyin() {
            words.push(p.plain().to_string());
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut slug = String::new();
    for w in words {
        if slug.len() + w.len() + 1 > 60 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&w);
    }
    if slug.is_empty() {
        fallback.into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CourseAction::*;
    use CourseActor::*;
    use CourseState::*;

    #[test]
    fn every_state_action_and_actor() {
        let legal = [
            (Draft, Submit, Owner, InReview),
            (Rejected, Submit, Owner, InReview),
            (Unpublished, Submit, Owner, InReview),
            (InReview, Withdraw, Owner, Draft),
            (InReview, Approve, Moderator, Published),
            (InReview, Reject, Moderator, Rejected),
            (Published, Unpublish, Owner, Unpublished),
            (Published, Unpublish, Moderator, Unpublished),
        ];
        let actions = [Submit, Withdraw, Approve, Reject, Unpublish];
        for &from in CourseState::ALL {
            for action in actions {
                for actor in [Owner, Moderator] {
                    let expected = legal
                        .iter()
                        .find(|(f, a, who, _)| *f == from && *a == action && *who == actor)
                        .map(|(_, _, _, to)| *to);
                    assert_eq!(
                        transition(from, action, actor),
                        expected,
                        "{from:?} {action:?} by {actor:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn states_round_trip_through_text() {
        for s in CourseState::ALL {
            assert_eq!(CourseState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(CourseState::parse("deleted"), None);
    }

    #[test]
    fn changes_wait_for_review_once_learners_can_see_the_course() {
        for &state in CourseState::ALL {
            for was_published in [false, true] {
                let expected = match (state, was_published) {
                    (InReview, _) => EditPath::Locked,
                    (_, true) => EditPath::Review,
                    (_, false) => EditPath::Direct,
                };
                assert_eq!(
                    edit_path(state, was_published),
                    expected,
                    "{state:?} {was_published}"
                );
            }
        }
        // A published course was published: it always goes through review.
        assert_eq!(edit_path(Published, true), EditPath::Review);
    }

    #[test]
    fn prices_in_yuan() {
        assert_eq!(parse_price("199"), Ok(19900));
        assert_eq!(parse_price("199.5"), Ok(19950));
        assert_eq!(parse_price("199.00"), Ok(19900));
        assert_eq!(parse_price("0"), Ok(0));
        assert_eq!(parse_price(""), Ok(0));
        assert_eq!(parse_price("¥ 49"), Ok(4900));
        assert_eq!(parse_price("-1"), Err("studio.error.price_negative"));
        assert_eq!(parse_price("1.999"), Err("studio.error.price_decimals"));
        assert_eq!(parse_price("abc"), Err("studio.error.price_format"));
        assert_eq!(parse_price("1e3"), Err("studio.error.price_format"));
        assert_eq!(parse_price(".5"), Err("studio.error.price_format"));
        assert_eq!(parse_price("100001"), Err("studio.error.price_high"));
        assert_eq!(price_input(19950), "199.50");
        assert_eq!(price_label(19900, "CNY"), "¥199");
    }

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(slugify("Rust 所有权实战"), "rust-suo-you-quan-shi-zhan");
        assert_eq!(
            slugify("PostgreSQL Query Tuning, by Example!"),
            "postgresql-query-tuning-by-example"
        );
        assert_eq!(slugify("🚀🚀"), "course");
        let long = slugify(&"word ".repeat(40));
        assert!(long.len() <= 60);
        for s in [slugify("机器学习：从零开始"), slugify("C++ & Go")] {
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{s}"
            );
        }
    }
}
