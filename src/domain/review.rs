//! Reviews' rules: a `Rating` (one to five stars, made only by parsing),
//! what a review's title and text, the expert's reply and a moderator's
//! reason may be, the list's sorts and pages, and `RatingStats`, the figures
//! a course or an expert shows from the five star counts.

use klearn_db::reviews::ReviewSort;

use super::account::Problem;

/// Reviews on one page of a course's reviews.
pub const REVIEWS_PER_PAGE: i64 = 10;
/// The newest reviews a course's landing page shows.
pub const LANDING_REVIEWS: i64 = 5;
const TITLE_MAX: usize = 80;
const BODY_MIN: usize = 5;
const BODY_MAX: usize = 5_000;
const REPLY_MAX: usize = 5_000;
const REASON_MAX: usize = 500;

/// A review's stars: 1 to 5, nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rating(i32);

impl Rating {
    /// The stars as a form sends them (`"1"` … `"5"`).
    pub fn parse(input: &str) -> Result<Rating, Problem> {
        match input.trim().parse::<i32>() {
            Ok(n) if (1..=5).contains(&n) => Ok(Rating(n)),
            _ if input.trim().is_empty() => Err("reviews.error.rating_missing"),
            _ => Err("reviews.error.rating"),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// The title: white space folded, not empty, at most 80 characters.
pub fn parse_title(input: &str) -> Result<String, Problem> {
    let title = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = title.chars().count();
    if n == 0 {
        return Err("reviews.error.title_empty");
    }
    if n > TITLE_MAX {
        return Err("reviews.error.title_long");
    }
    Ok(title)
}

/// The text (Markdown): at least a few characters, at most 5,000.
pub fn parse_body(input: &str) -> Result<String, Problem> {
    let body = input.trim();
    let n = body.chars().count();
    if n < BODY_MIN {
        return Err("reviews.error.body_short");
    }
    if n > BODY_MAX {
        return Err("reviews.error.body_long");
    }
    Ok(body.to_string())
}

/// The expert's reply (Markdown): not empty, at most 5,000 characters.
pub fn parse_reply(input: &str) -> Result<String, Problem> {
    let body = input.trim();
    if body.is_empty() {
        return Err("reviews.error.reply_empty");
    }
    if body.chars().count() > REPLY_MAX {
        return Err("reviews.error.reply_long");
    }
    Ok(body.to_string())
}

/// A moderator's reason for hiding a review: required, at most 500 characters.
pub fn parse_reason(input: &str) -> Result<String, Problem> {
    let reason = input.trim();
    if reason.is_empty() {
        return Err("reviews.error.reason_required");
    }
    if reason.chars().count() > REASON_MAX {
        return Err("reviews.error.reason_long");
    }
    Ok(reason.to_string())
}

/// The list's sorts as the query names them; the first is the default.
pub const SORTS: [(&str, ReviewSort); 3] = [
    ("helpful", ReviewSort::Helpful),
    ("newest", ReviewSort::Newest),
    ("lowest", ReviewSort::Lowest),
];

/// A sort from the query; anything else is the default (most helpful).
pub fn parse_sort(input: &str) -> (&'static str, ReviewSort) {
    SORTS
        .iter()
        .find(|(name, _)| *name == input)
        .copied()
        .unwrap_or(SORTS[0])
}

/// Whole percentages of `parts` that add up to exactly 100 (when any part
/// is above zero): each part gets its share rounded down, and the points
/// still missing go to the parts with the largest remainders, the earlier
/// part first on a tie (largest remainder method).
pub fn percentages(parts: &[i64]) -> Vec<i64> {
    let total: i64 = parts.iter().sum();
    if total <= 0 {
        return vec![0; parts.len()];
    }
    let mut shares: Vec<i64> = parts.iter().map(|p| p * 100 / total).collect();
    let missing = 100 - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Stable: equal remainders keep their order.
    order.sort_by_key(|&i| std::cmp::Reverse(parts[i] * 100 % total));
    for &i in order.iter().take(missing as usize) {
        shares[i] += 1;
    }
    shares
}

/// The average of `count` ratings adding up to `sum`, in tenths, rounded
/// half up (17 stars from 4 reviews: 43).
fn average_tenths(sum: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| (sum * 20 + count) / (count * 2))
}

/// What a course (or all an expert's courses) shows of its ratings, from
/// the five star counts: how many, the average to one decimal, each star's
/// share for the bars, and the shares of good (4–5), middling (3) and bad
/// (1–2) reviews, which add up to 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingStats {
    /// Reviews per star, one to five.
    pub counts: [i64; 5],
    pub count: i64,
    pub sum: i64,
    /// Per star, one to five: its share of the reviews in whole percent.
    pub star_shares: [i64; 5],
    pub good: i64,
    pub middling: i64,
    pub bad: i64,
}

impl RatingStats {
    pub fn from_counts(counts: [i64; 5]) -> RatingStats {
        let count = counts.iter().sum();
        let sum = counts.iter().zip(1..).map(|(n, stars)| n * stars).sum();
        // From five stars down, so that a tie gives the point to more stars
        // (as it gives it to "good" below).
        let mut from_five = counts;
        from_five.reverse();
        let mut star_shares = [0; 5];
        star_shares.copy_from_slice(&percentages(&from_five));
        star_shares.reverse();
        let kinds = percentages(&[counts[3] + counts[4], counts[2], counts[0] + counts[1]]);
        RatingStats {
            counts,
            count,
            sum,
            star_shares,
            good: kinds[0],
            middling: kinds[1],
            bad: kinds[2],
        }
    }

    /// The average with one decimal ("4.3"); none without reviews.
    pub fn average(&self) -> Option<String> {
        average_tenths(self.sum, self.count).map(|t| format!("{}.{}", t / 10, t % 10))
    }

    /// The average rounded to whole stars, for the row of stars (0 without reviews).
    pub fn whole_stars(&self) -> i32 {
        average_tenths(self.sum, self.count).map_or(0, |t| ((t + 5) / 10) as i32)
    }

    /// The average as a row of whole stars ("★★★★☆").
    pub fn stars(&self) -> String {
        star_row(self.whole_stars())
    }

    /// The bars from five stars down to one: (stars, reviews, percent).
    pub fn bars(&self) -> Vec<(i32, i64, i64)> {
        (1..=5)
            .rev()
            .map(|s| (s, self.counts[s as usize - 1], self.star_shares[s as usize - 1]))
            .collect()
    }
}

/// Stars as text: `filled` full stars of five, the rest empty ("★★★★☆").
pub fn star_row(filled: i32) -> String {
    let filled = filled.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(filled), "☆".repeat(5 - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five_and_nothing_else() {
        for n in 1..=5 {
            assert_eq!(Rating::parse(&n.to_string()).map(Rating::get), Ok(n));
        }
        assert_eq!(Rating::parse(" 4 ").map(Rating::get), Ok(4));
        for bad in ["0", "6", "-1", "4.5", "five", "3 stars"] {
            assert_eq!(Rating::parse(bad), Err("reviews.error.rating"), "{bad}");
        }
        assert_eq!(Rating::parse(""), Err("reviews.error.rating_missing"));
    }

    #[test]
    fn titles_texts_replies_and_reasons() {
        assert_eq!(parse_title("  讲得  很清楚 "), Ok("讲得 很清楚".into()));
        assert_eq!(parse_title("  "), Err("reviews.error.title_empty"));
        assert_eq!(parse_title(&"长".repeat(81)), Err("reviews.error.title_long"));
        assert_eq!(parse_body(" 好 "), Err("reviews.error.body_short"));
        assert_eq!(parse_body("例子很实用。"), Ok("例子很实用。".into()));
        assert_eq!(parse_body(&"x".repeat(5_001)), Err("reviews.error.body_long"));
        assert_eq!(parse_reply(" "), Err("reviews.error.reply_empty"));
        assert_eq!(parse_reason("\n"), Err("reviews.error.reason_required"));
        assert_eq!(parse_reason(" spam "), Ok("spam".into()));
    }

    #[test]
    fn sorts_default_to_most_helpful() {
        assert_eq!(parse_sort("lowest"), ("lowest", ReviewSort::Lowest));
        assert_eq!(parse_sort("newest").1, ReviewSort::Newest);
        assert_eq!(parse_sort("best"), ("helpful", ReviewSort::Helpful));
    }

    #[test]
    fn no_reviews_show_no_average_and_no_shares() {
        let s = RatingStats::from_counts([0; 5]);
        assert_eq!((s.count, s.average(), s.whole_stars()), (0, None, 0));
        assert_eq!((s.good, s.middling, s.bad), (0, 0, 0));
        assert_eq!(s.star_shares, [0; 5]);
    }

    #[test]
    fn one_review_is_all_of_one_kind() {
        let s = RatingStats::from_counts([0, 0, 0, 0, 1]);
        assert_eq!((s.count, s.average().as_deref()), (1, Some("5.0")));
        assert_eq!((s.good, s.middling, s.bad), (100, 0, 0));
        assert_eq!(s.star_shares, [0, 0, 0, 0, 100]);
        assert_eq!(s.bars()[0], (5, 1, 100));
    }

    #[test]
    fn three_reviews_of_a_third_each_still_add_up_to_a_hundred() {
        let s = RatingStats::from_counts([1, 0, 1, 0, 1]);
        assert_eq!(s.average().as_deref(), Some("3.0"));
        assert_eq!(s.good + s.middling + s.bad, 100);
        assert_eq!((s.good, s.middling, s.bad), (34, 33, 33));
        assert_eq!(s.star_shares, [33, 0, 33, 0, 34]);
    }

    #[test]
    fn seven_reviews_round_by_the_largest_remainder() {
        // 5★×3, 4★×1, 3★×2, 1★×1: good 4/7 = 57.14, middling 28.57, bad 14.29.
        let s = RatingStats::from_counts([1, 0, 2, 1, 3]);
        assert_eq!(s.count, 7);
        assert_eq!(s.sum, 26);
        assert_eq!(s.average().as_deref(), Some("3.7"));
        assert_eq!((s.good, s.middling, s.bad), (57, 29, 14));
        // Per star: 14.29, 0, 28.57, 14.29, 42.86 → 14, 0, 29, 14, 43.
        assert_eq!(s.star_shares, [14, 0, 29, 14, 43]);
        assert_eq!(s.star_shares.iter().sum::<i64>(), 100);
    }

    #[test]
    fn averages_round_half_up() {
        // 17 stars from 4 reviews: 4.25 shows as 4.3, and as four whole stars.
        let s = RatingStats::from_counts([0, 0, 0, 3, 1]);
        assert_eq!(s.average().as_deref(), Some("4.3"));
        assert_eq!(s.whole_stars(), 4);
        assert_eq!(klearn_db::courses::average_rating(17, 4).as_deref(), Some("4.3"));
        assert_eq!(star_row(4), "★★★★☆");
        assert_eq!(star_row(9), "★★★★★");
    }

    #[test]
    fn percentages_always_add_up() {
        for parts in [
            [1, 1, 1, 1, 1, 1],
            [2, 3, 5, 7, 11, 13],
            [1, 0, 0, 0, 0, 998],
            [3, 3, 3, 0, 0, 1],
        ] {
            assert_eq!(percentages(&parts).iter().sum::<i64>(), 100, "{parts:?}");
        }
    }
}
