//! The catalogue's pages: the catalogue with filters and search, category
//! pages, course landing pages (and their enroll button, which calls the
//! learning area's use case), the covers drawn for courses without an
//! uploaded one; the daily refresh of the rating scores.

pub mod categories;
pub mod cover;
pub mod routes;
pub mod views;

use serde::{Deserialize, Serialize};

use crate::jobs::{JobContext, JobKind};

/// Recomputes every course's Bayesian rating score (its mean C moves with
/// every review). Daily, and after the events that change ratings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRatings;

impl JobKind for RefreshRatings {
    const NAME: &'static str = "refresh_ratings";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let mean = ctx
            .db(|conn| Ok(klearn_db::courses::Course::refresh_rating_scores(conn)?))
            .await?;
        tracing::info!(mean, "refreshed rating scores");
        Ok(())
    }
}
