//! A course published: every follower of its expert is told (and emailed
//! as they chose). Followers can be many, so the publishing transaction
//! only enqueues the first batch; each batch enqueues the next.

use klearn_db::courses::{Course, CourseState};
use klearn_db::experts::Follow;
use klearn_db::jobs::Job;
use klearn_db::{write_tx, CourseId, DbConnection, DbError, NotificationKind, UserId};
use serde::{Deserialize, Serialize};

use super::{notify, Notice};
use crate::jobs::{new_job, JobContext, JobKind};

/// How many followers one job tells.
pub const FOLLOWERS_PER_BATCH: i64 = 200;

/// Starts telling the followers of `course`'s expert, inside the
/// transaction that publishes it.
pub fn course_published(conn: &mut DbConnection, course: &Course) -> Result<(), DbError> {
    enqueue_batch(conn, course.id, UserId(0))
}

fn enqueue_batch(conn: &mut DbConnection, course: CourseId, after: UserId) -> Result<(), DbError> {
    let job = new_job(&TellFollowers {
        course: course.0,
        after: after.0,
    })?
    .dedupe_key(format!("{}:{course}:{after}", TellFollowers::NAME));
    Job::enqueue(conn, &job)?;
    Ok(())
}

/// Tells one batch of followers, those after `after`, of a new course.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TellFollowers {
    pub course: i64,
    pub after: i64,
}

impl JobKind for TellFollowers {
    const NAME: &'static str = "tell_followers";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let told = ctx
            .db(move |conn| Ok(tell_batch(conn, CourseId(self.course), UserId(self.after))?))
            .await?;
        tracing::info!(course = self.course, told, "followers told of a new course");
        Ok(())
    }
}

/// Tells the next batch (harmless when repeated: one notification per
/// follower and course); returns how many followers it covered.
pub fn tell_batch(conn: &mut DbConnection, course: CourseId, after: UserId) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        let course = Course::find(conn, course)?;
        if course.state != CourseState::Published {
            return Ok(0);
        }
        let followers = Follow::followers_after(conn, course.owner_id, after, FOLLOWERS_PER_BATCH)?;
        let notice = Notice::new(NotificationKind::NewCourse, format!("new_course:{}", course.id))
            .by(course.owner_id)
            .course(course.id)
            .detail(course.title.clone());
        for follower in &followers {
            notify(conn, *follower, &notice)?;
        }
        if followers.len() as i64 == FOLLOWERS_PER_BATCH {
            if let Some(last) = followers.last() {
                enqueue_batch(conn, course.id, *last)?;
            }
        }
        Ok(followers.len())
    })
}
