//! Trust levels, after Discourse: the one function that says which level a
//! member has earned (`earned`), with every threshold in one table
//! (`PROMOTIONS`); what each level may post (`limits`) and whether a post is
//! shown, held for moderators or refused (`check_post`); and the links and
//! `@mentions` a post's Markdown carries (`links_in`, `mentions_in`).
//! Levels 3 and 4 are granted by moderators only.

use chrono::Duration;

/// A member's trust level. New accounts start at `New`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrustLevel {
    New = 0,
    Basic = 1,
    Member = 2,
    Regular = 3,
    Leader = 4,
}

impl TrustLevel {
    pub const ALL: [TrustLevel; 5] = [
        TrustLevel::New,
        TrustLevel::Basic,
        TrustLevel::Member,
        TrustLevel::Regular,
        TrustLevel::Leader,
    ];

    pub fn number(self) -> i64 {
        self as i64
    }

    pub fn from_number(n: i64) -> Option<TrustLevel> {
        TrustLevel::ALL.into_iter().find(|l| l.number() == n)
    }
}

/// What a member has done in the forum, as the reading tracker and the
/// forum's counters keep it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    pub threads_entered: i64,
    pub posts_read: i64,
    pub reading_seconds: i64,
    pub days_visited: i64,
    pub likes_given: i64,
    pub likes_received: i64,
    pub threads_replied: i64,
}

/// What reaching `level` takes; every figure must be met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub level: TrustLevel,
    pub threads_entered: i64,
    pub posts_read: i64,
    pub reading_minutes: i64,
    pub days_visited: i64,
    pub likes_given: i64,
    pub likes_received: i64,
    pub threads_replied: i64,
}

/// The thresholds of the levels a member earns, lowest first.
pub const PROMOTIONS: [Requirement; 2] = [
    Requirement {
        level: TrustLevel::Basic,
        threads_entered: 5,
        posts_read: 30,
        reading_minutes: 10,
        days_visited: 0,
        likes_given: 0,
        likes_received: 0,
        threads_replied: 0,
    },
    Requirement {
        level: TrustLevel::Member,
        threads_entered: 0,
        posts_read: 100,
        reading_minutes: 60,
        days_visited: 15,
        likes_given: 1,
        likes_received: 1,
        threads_replied: 3,
    },
];

impl Requirement {
    pub fn met_by(&self, a: &Activity) -> bool {
        a.threads_entered >= self.threads_entered
            && a.posts_read >= self.posts_read
            && a.reading_seconds >= self.reading_minutes * 60
            && a.days_visited >= self.days_visited
            && a.likes_given >= self.likes_given
            && a.likes_received >= self.likes_received
            && a.threads_replied >= self.threads_replied
    }
}

/// The level a member has: the highest one their activity earns, or the
/// one a moderator granted if that is higher. Levels are earned in order:
/// a member who meets level 2's figures but not level 1's stays below.
pub fn earned(activity: &Activity, granted: TrustLevel) -> TrustLevel {
    let mut level = TrustLevel::New;
    for step in PROMOTIONS {
        if !step.met_by(activity) {
            break;
        }
        level = step.level;
    }
    level.max(granted)
}

/// What a level may post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostLimits {
    /// New threads in the account's first day (none: no limit).
    pub threads_first_day: Option<i64>,
    /// Replies in the account's first day.
    pub replies_first_day: Option<i64>,
    /// Links in one post.
    pub links_per_post: Option<usize>,
    /// Members mentioned in one post.
    pub mentions_per_post: Option<usize>,
    /// Seconds between two posts of one member.
    pub seconds_between_posts: i64,
}

/// At most this many members are notified of one post's mentions, at any level.
pub const MENTIONS_NOTIFIED: usize = 10;

/// An account younger than this whose post carries a link is held for a moderator.
pub const LINKS_HELD_UNDER_MINUTES: i64 = 60;

pub fn limits(level: TrustLevel) -> PostLimits {
    match level {
        TrustLevel::New => PostLimits {
            threads_first_day: Some(3),
            replies_first_day: Some(10),
            links_per_post: Some(2),
            mentions_per_post: Some(2),
            seconds_between_posts: 30,
        },
        _ => PostLimits {
            threads_first_day: None,
            replies_first_day: None,
            links_per_post: None,
            mentions_per_post: None,
            seconds_between_posts: 15,
        },
    }
}

/// The post being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draft {
    /// A new thread (its first post), or a reply.
    pub new_thread: bool,
    pub links: usize,
    pub mentions: usize,
}

/// The author's recent posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    pub account_age: Duration,
    /// Threads and replies written in the account's first day.
    pub threads_first_day: i64,
    pub replies_first_day: i64,
    /// Since the author's last post, if any.
    pub since_last_post: Option<Duration>,
}

/// Where an accepted post goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Shown,
    /// Into the moderation queue, invisible until a moderator approves it.
    Held,
}

/// Why a post is refused: 429 for the rate limits, 422 for the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    ThreadsToday { max: i64 },
    RepliesToday { max: i64 },
    TooSoon { wait_seconds: i64 },
    TooManyLinks { max: usize },
    TooManyMentions { max: usize },
}

impl Refusal {
    /// Whether the refusal is a rate limit (429) rather than bad content (422).
    pub fn is_rate_limit(self) -> bool {
        matches!(
            self,
            Refusal::ThreadsToday { .. } | Refusal::RepliesToday { .. } | Refusal::TooSoon { .. }
        )
    }
}

/// Whether a member at `level` may post `draft` now, and where it goes.
pub fn check_post(level: TrustLevel, draft: &Draft, history: &History) -> Result<Placement, Refusal> {
    let limits = limits(level);
    let first_day = history.account_age < Duration::days(1);
    if first_day {
        if let (true, Some(max)) = (draft.new_thread, limits.threads_first_day) {
            if history.threads_first_day >= max {
                return Err(Refusal::ThreadsToday { max });
            }
        }
        if let (false, Some(max)) = (draft.new_thread, limits.replies_first_day) {
            if history.replies_first_day >= max {
                return Err(Refusal::RepliesToday { max });
            }
        }
    }
    if let Some(since) = history.since_last_post {
        let wait = limits.seconds_between_posts - since.num_seconds();
        if wait > 0 {
            return Err(Refusal::TooSoon { wait_seconds: wait });
        }
    }
    if let Some(max) = limits.links_per_post {
        if draft.links > max {
            return Err(Refusal::TooManyLinks { max });
        }
    }
    if let Some(max) = limits.mentions_per_post {
        if draft.mentions > max {
            return Err(Refusal::TooManyMentions { max });
        }
    }
    if draft.links > 0 && history.account_age < Duration::minutes(LINKS_HELD_UNDER_MINUTES) {
        return Ok(Placement::Held);
    }
    Ok(Placement::Shown)
}

/// The weight of open flags on a post at which it is hidden pending review.
pub const HIDE_AT_WEIGHT: i64 = 5;

/// A moderator's flag weighs this much: it hides the post at once.
pub const MODERATOR_FLAG_WEIGHT: i64 = HIDE_AT_WEIGHT;

/// Resolved flags a member needs before their accuracy counts.
pub const FLAGS_JUDGED_AFTER: i64 = 3;

/// Who may flag: verified members from level 1 (the caller checks verified).
pub fn may_flag(level: TrustLevel) -> bool {
    level >= TrustLevel::Basic
}

/// How much a member's flag weighs: 1 + their level (a moderator's
/// `MODERATOR_FLAG_WEIGHT`), halved (never below 1) once at least
/// `FLAGS_JUDGED_AFTER` of their flags were judged and moderators disagreed
/// with most of them.
pub fn flag_weight(level: TrustLevel, moderator: bool, agreed: i64, disagreed: i64) -> i64 {
    if moderator {
        return MODERATOR_FLAG_WEIGHT;
    }
    let weight = 1 + level.number();
    let judged = agreed + disagreed;
    if judged >= FLAGS_JUDGED_AFTER && disagreed > agreed {
        (weight / 2).max(1)
    } else {
        weight
    }
}

/// The links a post's Markdown carries: inline and reference links, images
/// and bare `http(s)://` addresses, counted once each by address.
pub fn links_in(markdown: &str) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    for (i, _) in markdown.match_indices("http") {
        let rest = &markdown[i..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            continue;
        }
        let before = markdown[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\'' | ']'))
            .unwrap_or(rest.len());
        let address = &rest[..end];
        if !seen.contains(&address) {
            seen.push(address);
        }
    }
    seen.len()
}

/// The usernames a post mentions (`@name`, not inside a word or an email
/// address, not in code), each once, in the order written.
pub fn mentions_in(markdown: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut in_fence = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || line.starts_with("    ") {
            continue;
        }
        let mut in_code = false;
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '`' {
                in_code = !in_code;
            } else if c == '@' && !in_code {
                let before = if i == 0 { None } else { Some(chars[i - 1]) };
                let starts = before.is_none_or(|b| !(b.is_alphanumeric() || matches!(b, '_' | '-' | '.')));
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                    .collect();
                let name = name.trim_end_matches(['-', '_']).to_string();
                if starts && name.chars().count() >= 3 && name.chars().count() <= 32 {
                    let lower = name.to_ascii_lowercase();
                    if !names.iter().any(|n| n.to_ascii_lowercase() == lower) {
                        names.push(name.clone());
                    }
                }
                i += name.chars().count();
            }
            i += 1;
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic() -> Activity {
        Activity {
            threads_entered: 5,
            posts_read: 30,
            reading_seconds: 600,
            ..Activity::default()
        }
    }

    fn member() -> Activity {
        Activity {
            threads_entered: 5,
            posts_read: 100,
            reading_seconds: 3600,
            days_visited: 15,
            likes_given: 1,
            likes_received: 1,
            threads_replied: 3,
        }
    }

    #[test]
    fn each_threshold_is_needed_for_its_level() {
        assert_eq!(earned(&Activity::default(), TrustLevel::New), TrustLevel::New);
        assert_eq!(earned(&basic(), TrustLevel::New), TrustLevel::Basic);
        assert_eq!(earned(&member(), TrustLevel::New), TrustLevel::Member);
        // One short of any level 1 figure keeps a member at 0.
        for short in [
            Activity {
                threads_entered: 4,
                ..basic()
            },
            Activity {
                posts_read: 29,
                ..basic()
            },
            Activity {
                reading_seconds: 599,
                ..basic()
            },
        ] {
            assert_eq!(earned(&short, TrustLevel::New), TrustLevel::New, "{short:?}");
        }
        // One short of any level 2 figure keeps them at 1.
        for short in [
            Activity {
                posts_read: 99,
                ..member()
            },
            Activity {
                reading_seconds: 3599,
                ..member()
            },
            Activity {
                days_visited: 14,
                ..member()
            },
            Activity {
                likes_given: 0,
                ..member()
            },
            Activity {
                likes_received: 0,
                ..member()
            },
            Activity {
                threads_replied: 2,
                ..member()
            },
        ] {
            assert_eq!(earned(&short, TrustLevel::New), TrustLevel::Basic, "{short:?}");
        }
        // Level 2's figures without level 1's (no threads entered) earn nothing.
        let skipped = Activity {
            threads_entered: 0,
            ..member()
        };
        assert_eq!(earned(&skipped, TrustLevel::New), TrustLevel::New);
        // A grant is kept; 3 and 4 come only from one.
        assert_eq!(
            earned(&Activity::default(), TrustLevel::Regular),
            TrustLevel::Regular
        );
        assert_eq!(earned(&member(), TrustLevel::Leader), TrustLevel::Leader);
        assert_eq!(earned(&member(), TrustLevel::Basic), TrustLevel::Member);
    }

    fn history(age_minutes: i64, threads: i64, replies: i64, since: Option<i64>) -> History {
        History {
            account_age: Duration::minutes(age_minutes),
            threads_first_day: threads,
            replies_first_day: replies,
            since_last_post: since.map(Duration::seconds),
        }
    }

    const THREAD: Draft = Draft {
        new_thread: true,
        links: 0,
        mentions: 0,
    };
    const REPLY: Draft = Draft {
        new_thread: false,
        links: 0,
        mentions: 0,
    };

    #[test]
    fn new_members_have_first_day_limits_and_wait_between_posts() {
        let new = TrustLevel::New;
        assert_eq!(
            check_post(new, &THREAD, &history(120, 2, 0, None)),
            Ok(Placement::Shown)
        );
        assert_eq!(
            check_post(new, &THREAD, &history(120, 3, 0, None)),
            Err(Refusal::ThreadsToday { max: 3 })
        );
        assert_eq!(
            check_post(new, &REPLY, &history(120, 3, 9, None)),
            Ok(Placement::Shown)
        );
        assert_eq!(
            check_post(new, &REPLY, &history(120, 0, 10, None)),
            Err(Refusal::RepliesToday { max: 10 })
        );
        // After the first day the counts no longer limit.
        assert_eq!(
            check_post(new, &THREAD, &history(24 * 60, 3, 10, None)),
            Ok(Placement::Shown)
        );
        // 30 seconds between posts at level 0, 15 from level 1.
        assert_eq!(
            check_post(new, &REPLY, &history(120, 0, 0, Some(29))),
            Err(Refusal::TooSoon { wait_seconds: 1 })
        );
        assert_eq!(
            check_post(new, &REPLY, &history(120, 0, 0, Some(30))),
            Ok(Placement::Shown)
        );
        let basic = TrustLevel::Basic;
        assert_eq!(
            check_post(basic, &REPLY, &history(120, 0, 0, Some(10))),
            Err(Refusal::TooSoon { wait_seconds: 5 })
        );
        assert_eq!(
            check_post(basic, &REPLY, &history(120, 9, 99, Some(15))),
            Ok(Placement::Shown)
        );
        assert!(Refusal::TooSoon { wait_seconds: 1 }.is_rate_limit());
        assert!(!Refusal::TooManyLinks { max: 2 }.is_rate_limit());
    }

    #[test]
    fn links_and_mentions_are_limited_at_level_zero_and_early_links_are_held() {
        let new = TrustLevel::New;
        let old = history(24 * 60, 0, 0, None);
        let with = |links, mentions| Draft {
            new_thread: false,
            links,
            mentions,
        };
        assert_eq!(check_post(new, &with(2, 2), &old), Ok(Placement::Shown));
        assert_eq!(
            check_post(new, &with(3, 0), &old),
            Err(Refusal::TooManyLinks { max: 2 })
        );
        assert_eq!(
            check_post(new, &with(0, 3), &old),
            Err(Refusal::TooManyMentions { max: 2 })
        );
        assert_eq!(
            check_post(TrustLevel::Basic, &with(9, 9), &old),
            Ok(Placement::Shown)
        );
        // A link from an account younger than an hour waits for a moderator.
        assert_eq!(
            check_post(new, &with(1, 0), &history(59, 0, 0, None)),
            Ok(Placement::Held)
        );
        assert_eq!(
            check_post(new, &with(1, 0), &history(60, 0, 0, None)),
            Ok(Placement::Shown)
        );
        assert_eq!(
            check_post(new, &with(0, 1), &history(5, 0, 0, None)),
            Ok(Placement::Shown)
        );
    }

    #[test]
    fn flags_weigh_by_level_and_accuracy() {
        assert!(!may_flag(TrustLevel::New));
        assert!(may_flag(TrustLevel::Basic));
        assert_eq!(flag_weight(TrustLevel::Basic, false, 0, 0), 2);
        assert_eq!(flag_weight(TrustLevel::Member, false, 0, 0), 3);
        assert_eq!(flag_weight(TrustLevel::Leader, false, 0, 0), 5);
        assert_eq!(flag_weight(TrustLevel::Basic, true, 0, 9), MODERATOR_FLAG_WEIGHT);
        // Too few judged flags to count, then mostly disagreed: halved.
        assert_eq!(flag_weight(TrustLevel::Member, false, 0, 2), 3);
        assert_eq!(flag_weight(TrustLevel::Member, false, 1, 2), 1);
        assert_eq!(flag_weight(TrustLevel::Leader, false, 1, 3), 2);
        assert_eq!(flag_weight(TrustLevel::Basic, false, 0, 3), 1);
        // Mostly agreed (or even): full weight.
        assert_eq!(flag_weight(TrustLevel::Member, false, 2, 2), 3);
        assert_eq!(flag_weight(TrustLevel::Member, false, 5, 1), 3);
    }

    #[test]
    fn links_are_counted_once_by_address() {
        assert_eq!(links_in("no links here, just http talk"), 0);
        assert_eq!(links_in("see https://a.example/x and [b](http://b.example)"), 2);
        assert_eq!(links_in("https://a.example twice https://a.example"), 1);
        assert_eq!(
            links_in("![pic](https://img.example/p.png) <https://c.example>"),
            2
        );
        assert_eq!(links_in("xhttps://not.a.link"), 0);
    }

    #[test]
    fn mentions_are_names_outside_code_and_addresses() {
        assert_eq!(mentions_in("thanks @alice and @bob_2!"), ["alice", "bob_2"]);
        assert_eq!(mentions_in("@alice @Alice @alice"), ["alice"]);
        assert_eq!(mentions_in("mail me at me@example.com"), Vec::<String>::new());
        assert_eq!(mentions_in("`@alice` in code, @carol outside"), ["carol"]);
        assert_eq!(mentions_in("```\n@alice\n```\n@dave"), ["dave"]);
        assert_eq!(mentions_in("@ab is too short, @x- too"), Vec::<String>::new());
        assert_eq!(mentions_in("(@erin), @frank."), ["erin", "frank"]);
    }
}
