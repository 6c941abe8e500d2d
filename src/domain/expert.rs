//! Expert rules: the certification state machine and who may make each step,
//! the wait before applying again, the application's links and years, and
//! the directory's fair ranking (a Bayesian average, as in the catalogue).

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use klearn_db::types::{UserId, RATING_PRIOR_WEIGHT};

use super::account::Problem;

pub use klearn_db::types::ExpertState;

/// The pipeline and the labels of the states: rules of this crate over the
/// stored state.
pub trait ExpertStateExt {
    /// The next stage of the pipeline, for an open application.
    fn next(self) -> Option<ExpertState>;
    /// Its translation key, `experts.state.<state>`.
    fn label_key(self) -> String;
}

impl ExpertStateExt for ExpertState {
    fn next(self) -> Option<ExpertState> {
        match self {
            ExpertState::Submitted => Some(ExpertState::Screening),
            ExpertState::Screening => Some(ExpertState::Interview),
            ExpertState::Interview => Some(ExpertState::Trial),
            ExpertState::Trial => Some(ExpertState::Certified),
            _ => None,
        }
    }

    fn label_key(self) -> String {
        format!("experts.state.{}", self.as_str())
    }
}

/// Who asks for a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepActor {
    Applicant,
    Moderator,
}

/// The one place that says which steps are legal: a moderator moves an open
/// application one stage on (submitted → screening → interview → trial →
/// certified) or rejects it; the applicant withdraws it from any open state;
/// a moderator revokes a certification. Nothing else.
pub fn may_step(from: ExpertState, to: ExpertState, actor: StepActor) -> bool {
    use ExpertState::*;
    match (actor, to) {
        (StepActor::Moderator, Rejected) => from.is_open(),
        (StepActor::Moderator, Revoked) => from == Certified,
        (StepActor::Moderator, to) => from.next() == Some(to),
        (StepActor::Applicant, Withdrawn) => from.is_open(),
        (StepActor::Applicant, _) => false,
    }
}

/// The steps a moderator may take from here, forward first.
pub fn moderator_steps(from: ExpertState) -> Vec<ExpertState> {
    ExpertState::ALL
        .iter()
        .copied()
        .filter(|to| *to != ExpertState::Revoked && may_step(from, *to, StepActor::Moderator))
        .collect()
}

/// Days a refused applicant (rejected or revoked) waits before applying again.
pub const REAPPLY_WAIT_DAYS: i64 = 30;

/// When someone refused at `refused_at` may apply again.
pub fn may_apply_again_at(refused_at: NaiveDateTime) -> NaiveDateTime {
    refused_at + Duration::days(REAPPLY_WAIT_DAYS)
}

pub const MAX_LINKS: usize = 5;

/// Links, one a line: each an absolute http or https URL with a host.
pub fn parse_links(input: &str) -> Result<Vec<String>, Problem> {
    let mut links: Vec<String> = Vec::new();
    for line in input.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.chars().count() > 300 {
            return Err("experts.error.link_long");
        }
        let url = url::Url::parse(line).map_err(|_| "experts.error.link_invalid")?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("experts.error.link_scheme");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("experts.error.link_invalid");
        }
        let link = url.to_string();
        if !links.contains(&link) {
            links.push(link);
        }
    }
    if links.len() > MAX_LINKS {
        return Err("experts.error.links_many");
    }
    Ok(links)
}

/// Years of experience: a whole number from 0 to 60.
pub fn parse_years(input: &str) -> Result<i64, Problem> {
    match input.trim().parse::<i64>() {
        Ok(y) if (0..=60).contains(&y) => Ok(y),
        _ if input.trim().is_empty() => Err("experts.error.years_required"),
        _ => Err("experts.error.years_invalid"),
    }
}

/// How the directory is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpertSort {
    Rating,
    Learners,
    Answers,
}

impl ExpertSort {
    pub const ALL: [ExpertSort; 3] = [ExpertSort::Rating, ExpertSort::Learners, ExpertSort::Answers];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpertSort::Rating => "rating",
            ExpertSort::Learners => "learners",
            ExpertSort::Answers => "answers",
        }
    }

    pub fn parse(s: &str) -> Option<ExpertSort> {
        ExpertSort::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The weight of the prior: the catalogue's m.
pub const PRIOR_WEIGHT: f64 = RATING_PRIOR_WEIGHT as f64;

/// The Bayesian average (m·C + sum) / (m + n): few ratings stay near the
/// mean C, many ratings speak for themselves.
pub fn bayesian(sum: i64, count: i64, mean: f64) -> f64 {
    (PRIOR_WEIGHT * mean + sum as f64) / (PRIOR_WEIGHT + count as f64)
}

/// What the ranking knows of an expert: their published courses' learners
/// and ratings, added up.
pub trait Standing {
    fn user_id(&self) -> UserId;
    fn learners(&self) -> i64;
    /// (sum, count) of every rating of their courses.
    fn ratings(&self) -> (i64, i64);
}

/// C: the mean of the average ratings of the rated experts (the catalogue
/// takes the mean over rated courses).
pub fn mean_rating<S: Standing>(standings: &[S]) -> f64 {
    let averages: Vec<f64> = standings
        .iter()
        .map(Standing::ratings)
        .filter(|(_, count)| *count > 0)
        .map(|(sum, count)| sum as f64 / count as f64)
        .collect();
    if averages.is_empty() {
        0.0
    } else {
        averages.iter().sum::<f64>() / averages.len() as f64
    }
}

/// Orders the experts `ids` by `sort`, ties broken by the Bayesian rating,
/// then by learners, then newest account (highest id) first. `answers` are
/// accepted answers per expert.
pub fn rank<S: Standing>(
    ids: &[UserId],
    standings: &[S],
    answers: &HashMap<UserId, i64>,
    sort: ExpertSort,
) -> Vec<UserId> {
    let mean = mean_rating(standings);
    let by_user: HashMap<UserId, &S> = standings.iter().map(|s| (s.user_id(), s)).collect();
    let mut keyed: Vec<(UserId, f64, i64, i64)> = ids
        .iter()
        .map(|id| {
            let (sum, count, learners) = match by_user.get(id) {
                Some(s) => (s.ratings().0, s.ratings().1, s.learners()),
                None => (0, 0, 0),
            };
            let score = bayesian(sum, count, mean);
            (*id, score, learners, answers.get(id).copied().unwrap_or(0))
        })
        .collect();
    keyed.sort_by(|a, b| {
        let primary = match sort {
            ExpertSort::Rating => b.1.total_cmp(&a.1),
            ExpertSort::Learners => b.2.cmp(&a.2),
            ExpertSort::Answers => b.3.cmp(&a.3),
        };
        primary
            .then(b.1.total_cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then(b.0.cmp(&a.0))
    });
    keyed.into_iter().map(|k| k.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExpertState::*;

    #[test]
    fn every_step_for_every_actor() {
        let legal_moderator = [
            (Submitted, Screening),
            (Screening, Interview),
            (Interview, Trial),
            (Trial, Certified),
            (Submitted, Rejected),
            (Screening, Rejected),
            (Interview, Rejected),
            (Trial, Rejected),
            (Certified, Revoked),
        ];
        let legal_applicant = [
            (Submitted, Withdrawn),
            (Screening, Withdrawn),
            (Interview, Withdrawn),
            (Trial, Withdrawn),
        ];
        for &from in ExpertState::ALL {
            for &to in ExpertState::ALL {
                assert_eq!(
                    may_step(from, to, StepActor::Moderator),
                    legal_moderator.contains(&(from, to)),
                    "moderator {from:?} -> {to:?}"
                );
                assert_eq!(
                    may_step(from, to, StepActor::Applicant),
                    legal_applicant.contains(&(from, to)),
                    "applicant {from:?} -> {to:?}"
                );
            }
        }
    }

    #[test]
    fn moderators_see_the_next_stage_then_reject() {
        assert_eq!(moderator_steps(Submitted), vec![Screening, Rejected]);
        assert_eq!(moderator_steps(Trial), vec![Certified, Rejected]);
        assert!(moderator_steps(Certified).is_empty());
        assert!(moderator_steps(Withdrawn).is_empty());
    }

    #[test]
    fn states_round_trip() {
        for s in ExpertState::ALL {
            assert_eq!(ExpertState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(ExpertState::parse("approved"), None);
    }

    #[test]
    fn links_must_be_web_addresses() {
        assert_eq!(
            parse_links("https://github.com/ada\n\n  http://ada.dev/blog  \n"),
            Ok(vec![
                "https://github.com/ada".to_string(),
                "http://ada.dev/blog".to_string()
            ])
        );
        assert_eq!(
            parse_links("javascript:alert(1)"),
            Err("experts.error.link_scheme")
        );
        assert_eq!(
            parse_links("ftp://files.example"),
            Err("experts.error.link_scheme")
        );
        assert_eq!(parse_links("data:text/html,hi"), Err("experts.error.link_scheme"));
        assert_eq!(parse_links("github.com/ada"), Err("experts.error.link_invalid"));
        assert_eq!(parse_links("https://"), Err("experts.error.link_invalid"));
        let many = (0..6)
            .map(|i| format!("https://e{i}.example"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(parse_links(&many), Err("experts.error.links_many"));
        assert_eq!(parse_links(""), Ok(vec![]));
    }

    #[test]
    fn years_are_a_small_whole_number() {
        assert_eq!(parse_years(" 7 "), Ok(7));
        assert_eq!(parse_years("0"), Ok(0));
        assert_eq!(parse_years(""), Err("experts.error.years_required"));
        assert_eq!(parse_years("-1"), Err("experts.error.years_invalid"));
        assert_eq!(parse_years("61"), Err("experts.error.years_invalid"));
        assert_eq!(parse_years("5.5"), Err("experts.error.years_invalid"));
    }

    struct Fig(i64, i64, i64, i64);

    impl Standing for Fig {
        fn user_id(&self) -> UserId {
            UserId(self.0)
        }
        fn learners(&self) -> i64 {
            self.1
        }
        fn ratings(&self) -> (i64, i64) {
            (self.2, self.3)
        }
    }

    fn fig(user_id: i64, learners: i64, rating_sum: i64, rating_count: i64) -> Fig {
        Fig(user_id, learners, rating_sum, rating_count)
    }

    fn ids(list: &[i64]) -> Vec<UserId> {
        list.iter().map(|i| UserId(*i)).collect()
    }

    #[test]
    fn ranking_is_fair_to_few_ratings() {
        // C = mean of (5.0, 4.0, 3.0) = 4.0, m = 10.
        // 1: one 5-star rating  -> (40 + 5) / 11  = 4.09
        // 2: 100 ratings of 4.0 -> (40 + 400) / 110 = 4.00
        // 3: 50 ratings of 3.0  -> (40 + 150) / 60 = 3.17
        // 4: unrated            -> C = 4.00, tied with 2, which has more learners
        let figures = vec![fig(1, 10, 5, 1), fig(2, 900, 400, 100), fig(3, 50, 150, 50)];
        assert!((mean_rating(&figures) - 4.0).abs() < 1e-9);
        let all = ids(&[1, 2, 3, 4]);
        let none = HashMap::new();
        assert_eq!(
            rank(&all, &figures, &none, ExpertSort::Rating),
            ids(&[1, 2, 4, 3])
        );
        assert_eq!(
            rank(&all, &figures, &none, ExpertSort::Learners),
            ids(&[2, 3, 1, 4])
        );
        let answers = HashMap::from([(UserId(3), 7), (UserId(4), 2)]);
        assert_eq!(
            rank(&all, &figures, &answers, ExpertSort::Answers),
            ids(&[3, 4, 1, 2])
        );
    }

    #[test]
    fn refused_applicants_wait_thirty_days() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert_eq!(may_apply_again_at(at).date().to_string(), "2026-12-01");
    }
}
