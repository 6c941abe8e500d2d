//! Learning's rules: what an answer to a task must hold for its kind, when a
//! task is due, what an expert's grade must be, when a course is complete,
//! and the shape of a certificate's verification code.

use std::collections::HashSet;

use chrono::{Duration, NaiveDateTime};
use klearn_db::types::LessonId;

use super::account::Problem;

/// Longest answer text.
pub const ANSWER_MAX: usize = 20_000;
/// Longest link to a repository.
pub const LINK_MAX: usize = 500;
/// Longest feedback of an expert.
pub const FEEDBACK_MAX: usize = 10_000;

/// How a task is handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// A written answer.
    Text,
    /// A link to a repository (or any public page).
    Link,
    /// An uploaded file.
    File,
}

impl TaskKind {
    /// The lesson's stored kind; a lesson without one has no task.
    pub fn of(stored: Option<&str>) -> Option<TaskKind> {
        match stored? {
            "text" => Some(TaskKind::Text),
            "link" => Some(TaskKind::Link),
            "file" => Some(TaskKind::File),
            _ => None,
        }
    }
}

/// A field of the answer form and what is wrong with it.
pub type FieldProblem = (&'static str, Problem);

/// An answer as it will be kept: its text and its link, both trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAnswer {
    pub answer: String,
    pub link: String,
}

/// Checks an answer for a task of `kind`: a text task needs the text, a
/// link task an http(s) link, a file task a file (a new one, or the one
/// handed in before). Anything else given must be well formed too.
pub fn check_answer(
    kind: TaskKind,
    answer: &str,
    link: &str,
    has_file: bool,
) -> Result<CheckedAnswer, FieldProblem> {
    let (answer, link) = (answer.trim(), link.trim());
    if answer.chars().count() > ANSWER_MAX {
        return Err(("answer", "tasks.error.answer_long"));
    }
    if !link.is_empty() {
        check_link(link).map_err(|p| ("link", p))?;
    }
    match kind {
        TaskKind::Text if answer.is_empty() => Err(("answer", "tasks.error.answer_required")),
        TaskKind::Link if link.is_empty() => Err(("link", "tasks.error.link_required")),
        TaskKind::File if !has_file => Err(("file", "tasks.error.file_required")),
        _ => Ok(CheckedAnswer {
            answer: answer.to_string(),
            link: link.to_string(),
        }),
    }
}

fn check_link(link: &str) -> Result<(), Problem> {
    if link.chars().count() > LINK_MAX {
        return Err("tasks.error.link_long");
    }
    let url = url::Url::parse(link).map_err(|_| "tasks.error.link_invalid")?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err("tasks.error.link_invalid");
    }
    Ok(())
}

/// When a task is due for a learner who enrolled at `enrolled_at`.
pub fn due_at(enrolled_at: NaiveDateTime, due_days: Option<i32>) -> Option<NaiveDateTime> {
    due_days.map(|d| enrolled_at + Duration::days(i64::from(d)))
}

/// Whether work handed in at `at` came after its due time (late work is
/// taken, and marked).
pub fn is_late(at: NaiveDateTime, due: Option<NaiveDateTime>) -> bool {
    due.is_some_and(|due| at > due)
}

/// An expert's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Passed, with a score from 0 to the task's top score.
    Pass { score: i32 },
    /// Back to the learner for rework; the feedback says what to change.
    Rework,
}

/// Checks a grade: a pass needs a score within the task's top score; a
/// return for rework needs a note saying what to change.
pub fn parse_grade(
    outcome: &str,
    score: &str,
    feedback: &str,
    max_score: i32,
) -> Result<Outcome, FieldProblem> {
    if feedback.chars().count() > FEEDBACK_MAX {
        return Err(("feedback", "grading.error.feedback_long"));
    }
    match outcome {
        "pass" => match score.trim().parse::<i32>() {
            Ok(s) if (0..=max_score).contains(&s) => Ok(Outcome::Pass { score: s }),
            _ if score.trim().is_empty() => Err(("score", "grading.error.score_required")),
            _ => Err(("score", "grading.error.score_range")),
        },
        "rework" if feedback.trim().is_empty() => Err(("feedback", "grading.error.note_required")),
        "rework" => Ok(Outcome::Rework),
        _ => Err(("outcome", "grading.error.outcome")),
    }
}

/// A visible lesson of a course, as completion counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub lesson: LessonId,
    /// It carries a task that completion needs passed.
    pub required_task: bool,
}

/// A course is complete when it has lessons, every visible lesson is done
/// and every required task has passed.
pub fn is_complete(steps: &[Step], done: &HashSet<LessonId>, passed: &HashSet<LessonId>) -> bool {
    !steps.is_empty()
        && steps
            .iter()
            .all(|s| done.contains(&s.lesson) && (!s.required_task || passed.contains(&s.lesson)))
}

/// The letters of a verification code: no 0/O, 1/I/L, so that it can be
/// read out and typed.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A verification code from random bytes: `KL-XXXX-XXXX-XXXX` (12 letters of
/// 31, about 59 bits).
pub fn certificate_code(random: [u8; 12]) -> String {
    let letters: Vec<char> = random
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect();
    let groups: Vec<String> = letters.chunks(4).map(|c| c.iter().collect()).collect();
    format!("KL-{}", groups.join("-"))
}

/// Whether text could be a verification code (before looking it up).
pub fn looks_like_code(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 17
        && text.starts_with("KL-")
        && bytes[3..]
            .chunks(5)
            .all(|g| g[..4].iter().all(|b| CODE_ALPHABET.contains(b)) && (g.len() == 4 || g[4] == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn each_kind_of_task_needs_its_own_part() {
        assert_eq!(
            check_answer(TaskKind::Text, "  ", "", false),
            Err(("answer", "tasks.error.answer_required"))
        );
        assert_eq!(
            check_answer(TaskKind::Link, "notes", "", false),
            Err(("link", "tasks.error.link_required"))
        );
        assert_eq!(
            check_answer(TaskKind::File, "notes", "", false),
            Err(("file", "tasks.error.file_required"))
        );
        assert!(check_answer(TaskKind::File, "", "", true).is_ok());
        let ok = check_answer(
            TaskKind::Link,
            " see it ",
            " https://git.example.com/me/repo ",
            false,
        )
        .unwrap();
        assert_eq!(ok.answer, "see it");
        assert_eq!(ok.link, "https://git.example.com/me/repo");
    }

    #[test]
    fn links_are_web_addresses() {
        for bad in ["javascript:alert(1)", "ftp://x.org/a", "not a link", "https://"] {
            assert_eq!(
                check_answer(TaskKind::Link, "", bad, false).unwrap_err().0,
                "link",
                "{bad}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(LINK_MAX));
        assert_eq!(
            check_answer(TaskKind::Text, "x", &long, false),
            Err(("link", "tasks.error.link_long"))
        );
    }

    #[test]
    fn due_dates_count_from_enrollment() {
        assert_eq!(due_at(at(1), None), None);
        assert_eq!(due_at(at(1), Some(7)), Some(at(8)));
        assert!(!is_late(at(8), Some(at(8))));
        assert!(is_late(at(9), Some(at(8))));
        assert!(!is_late(at(30), None));
    }

    #[test]
    fn grades_need_a_score_in_range_or_a_note() {
        assert_eq!(
            parse_grade("pass", "100", "", 100),
            Ok(Outcome::Pass { score: 100 })
        );
        assert_eq!(parse_grade("pass", "0", "", 100), Ok(Outcome::Pass { score: 0 }));
        assert_eq!(parse_grade("pass", "101", "", 100).unwrap_err().0, "score");
        assert_eq!(parse_grade("pass", "-1", "", 100).unwrap_err().0, "score");
        assert_eq!(
            parse_grade("pass", "", "", 100).unwrap_err().1,
            "grading.error.score_required"
        );
        assert_eq!(parse_grade("rework", "", " ", 100).unwrap_err().0, "feedback");
        assert_eq!(
            parse_grade("rework", "", "fix the tests", 100),
            Ok(Outcome::Rework)
        );
        assert_eq!(parse_grade("maybe", "1", "x", 100).unwrap_err().0, "outcome");
    }

    #[test]
    fn complete_means_every_lesson_done_and_every_required_task_passed() {
        let (a, b, c) = (LessonId(1), LessonId(2), LessonId(3));
        let steps = [
            Step {
                lesson: a,
                required_task: false,
            },
            Step {
                lesson: b,
                required_task: true,
            },
            Step {
                lesson: c,
                required_task: false,
            },
        ];
        let all: HashSet<_> = [a, b, c].into();
        assert!(!is_complete(&steps, &all, &HashSet::new()));
        assert!(is_complete(&steps, &all, &[b].into()));
        assert!(!is_complete(&steps, &[a, b].into(), &[b].into()));
        assert!(!is_complete(&[], &all, &all));
    }

    #[test]
    fn codes_are_readable_and_recognised() {
        let code = certificate_code([0, 1, 2, 3, 30, 31, 62, 200, 255, 7, 8, 9]);
        assert_eq!(code.len(), 17);
        assert!(looks_like_code(&code), "{code}");
        assert!(!code[3..].contains(['0', 'O', '1', 'I', 'L']));
        assert!(!looks_like_code("KL-AAAA-AAAA-AAA0"));
        assert!(!looks_like_code("../../etc/passwd"));
        assert!(!looks_like_code("KL-AAAA-AAAA-AAAAA"));
    }
}
