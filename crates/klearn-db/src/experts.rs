//! Expert applications with their topics, evidence and the timeline of their
//! steps; certification (an application in the certified state); follows;
//! and the figures the expert directory ranks by.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::{
    expert_applications, expert_evidence, expert_follows, expert_steps, expert_topics, uploads, users,
};
pub use crate::types::ExpertState;
use crate::types::{ApplicationId, CourseId, UploadId, UserId};
use crate::uploads::Upload;
use crate::users::User;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = expert_applications)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Application {
    pub id: ApplicationId,
    pub user_id: UserId,
    pub state: ExpertState,
    /// Seen by moderators only.
    pub real_name: String,
    pub headline: String,
    pub bio: String,
    pub bio_html: String,
    pub years: i64,
    /// One URL a line.
    pub links: String,
    pub sample_outline: String,
    pub sample_outline_html: String,
    pub certified_at: Option<NaiveDateTime>,
    /// When it was rejected, withdrawn or revoked.
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Application {
    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }

    pub fn link_list(&self) -> Vec<String> {
        self.links
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = expert_applications)]
pub struct NewApplication {
    pub user_id: UserId,
    pub state: ExpertState,
    pub real_name: String,
    pub headline: String,
    pub bio: String,
    pub bio_html: String,
    pub years: i64,
    pub links: String,
    pub sample_outline: String,
    pub sample_outline_html: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One step of an application's timeline.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = expert_steps)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Step {
    pub id: i64,
    pub application_id: ApplicationId,
    /// Empty for the first step (the filing).
    pub from_state: String,
    pub to_state: ExpertState,
    pub note: String,
    pub actor_id: Option<UserId>,
    pub created_at: NaiveDateTime,
}

/// A step with the username of whoever made it (none for the system).
#[derive(Debug, Clone)]
pub struct StepRow {
    pub step: Step,
    pub actor: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = expert_steps)]
struct NewStep<'a> {
    application_id: ApplicationId,
    from_state: &'a str,
    to_state: ExpertState,
    note: &'a str,
    actor_id: Option<UserId>,
    created_at: NaiveDateTime,
}

/// Why an application could not be filed.
#[derive(Debug)]
pub enum FileError {
    /// The user already has an open application or a certification.
    AlreadyLive,
    Db(DbError),
}

impl From<DbError> for FileError {
    fn from(e: DbError) -> Self {
        FileError::Db(e)
    }
}

impl From<DieselError> for FileError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => FileError::AlreadyLive,
            other => FileError::Db(other.into()),
        }
    }
}

impl Application {
    /// Files an application with its topics and evidence, and the first step
    /// of its timeline. The database keeps one live application per user.
    pub fn file(
        conn: &mut DbConnection,
        new: &NewApplication,
        topics: &[String],
        evidence: &[UploadId],
    ) -> Result<Application, FileError> {
        let id = write_tx(conn, |conn| {
            let id: ApplicationId = diesel::insert_into(expert_applications::table)
                .values(new)
                .returning(expert_applications::id)
                .get_result(conn)
                .map_err(FileError::from)?;
            // One row a statement: batch inserts do not compile for the
            // multi-backend connection.
            for tag in topics {
                diesel::insert_into(expert_topics::table)
                    .values((
                        expert_topics::application_id.eq(id),
                        expert_topics::tag.eq(tag.as_str()),
                    ))
                    .execute(conn)
                    .map_err(DbError::from)?;
            }
            for (position, upload) in evidence.iter().enumerate() {
                diesel::insert_into(expert_evidence::table)
                    .values((
                        expert_evidence::application_id.eq(id),
                        expert_evidence::upload_id.eq(*upload),
                        expert_evidence::position.eq(position as i64),
                    ))
                    .execute(conn)
                    .map_err(DbError::from)?;
            }
            diesel::insert_into(expert_steps::table)
                .values(NewStep {
                    application_id: id,
                    from_state: "",
                    to_state: new.state,
                    note: "",
                    actor_id: Some(new.user_id),
                    created_at: new.created_at,
                })
                .execute(conn)
                .map_err(DbError::from)?;
            Ok::<_, FileError>(id)
        })?;
        Ok(Application::find(conn, id)?)
    }

    pub fn find(conn: &mut DbConnection, id: ApplicationId) -> Result<Application, DbError> {
        expert_applications::table
            .find(id)
            .select(Application::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The user's newest application, whatever its state.
    pub fn latest_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<Option<Application>, DbError> {
        Ok(expert_applications::table
            .filter(expert_applications::user_id.eq(user_id))
            .order(expert_applications::id.desc())
            .select(Application::as_select())
            .first(conn)
            .optional()?)
    }

    /// The user's certification: their application in the certified state.
    pub fn certified_for(conn: &mut DbConnection, user_id: UserId) -> Result<Option<Application>, DbError> {
        Ok(expert_applications::table
            .filter(expert_applications::user_id.eq(user_id))
            .filter(expert_applications::state.eq(ExpertState::Certified))
            .select(Application::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn is_certified(conn: &mut DbConnection, user_id: UserId) -> Result<bool, DbError> {
        Ok(diesel::select(diesel::dsl::exists(
            expert_applications::table
                .filter(expert_applications::user_id.eq(user_id))
                .filter(expert_applications::state.eq(ExpertState::Certified)),
        ))
        .get_result(conn)?)
    }

    /// When the user's last rejected or revoked application was closed: the
    /// 30-day wait before applying again counts from there.
    pub fn last_refused_at(
        conn: &mut DbConnection,
        user_id: UserId,
    ) -> Result<Option<NaiveDateTime>, DbError> {
        Ok(expert_applications::table
            .filter(expert_applications::user_id.eq(user_id))
            .filter(expert_applications::state.eq_any([ExpertState::Rejected, ExpertState::Revoked]))
            .select(diesel::dsl::max(expert_applications::closed_at))
            .first::<Option<NaiveDateTime>>(conn)?)
    }

    pub fn topics(conn: &mut DbConnection, id: ApplicationId) -> Result<Vec<String>, DbError> {
        Ok(expert_topics::table
            .filter(expert_topics::application_id.eq(id))
            .order(expert_topics::id)
            .select(expert_topics::tag)
            .load(conn)?)
    }

    /// The topics of several applications in one query.
    pub fn topics_of(
        conn: &mut DbConnection,
        ids: &[ApplicationId],
    ) -> Result<HashMap<ApplicationId, Vec<String>>, DbError> {
        let rows: Vec<(ApplicationId, String)> = expert_topics::table
            .filter(expert_topics::application_id.eq_any(ids))
            .order(expert_topics::id)
            .select((expert_topics::application_id, expert_topics::tag))
            .load(conn)?;
        let mut out: HashMap<ApplicationId, Vec<String>> = HashMap::new();
        for (id, tag) in rows {
            out.entry(id).or_default().push(tag);
        }
        Ok(out)
    }

    /// The evidence files, in the order they were sent.
    pub fn evidence(conn: &mut DbConnection, id: ApplicationId) -> Result<Vec<Upload>, DbError> {
        Ok(expert_evidence::table
            .inner_join(uploads::table)
            .filter(expert_evidence::application_id.eq(id))
            .order(expert_evidence::position)
            .select(Upload::as_select())
            .load(conn)?)
    }

    /// The applicant whose evidence this upload is, if it is evidence.
    pub fn evidence_owner(conn: &mut DbConnection, upload_id: UploadId) -> Result<Option<UserId>, DbError> {
        Ok(expert_evidence::table
            .inner_join(expert_applications::table)
            .filter(expert_evidence::upload_id.eq(upload_id))
            .select(expert_applications::user_id)
            .first(conn)
            .optional()?)
    }

    /// The timeline, oldest first.
    pub fn steps(conn: &mut DbConnection, id: ApplicationId) -> Result<Vec<StepRow>, DbError> {
        let rows: Vec<(Step, Option<String>)> = expert_steps::table
            .left_join(users::table.on(users::id.nullable().eq(expert_steps::actor_id)))
            .filter(expert_steps::application_id.eq(id))
            .order(expert_steps::id)
            .select((Step::as_select(), users::username.nullable()))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(step, actor)| StepRow { step, actor })
            .collect())
    }

    /// Moves the application from `from` to `to` if it is still in `from`,
    /// and writes the step. False (and nothing written) if it had moved.
    pub fn move_state(
        conn: &mut DbConnection,
        id: ApplicationId,
        from: ExpertState,
        to: ExpertState,
        note: &str,
        actor: Option<UserId>,
    ) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let now = crate::now();
            let target = expert_applications::table
                .filter(expert_applications::id.eq(id))
                .filter(expert_applications::state.eq(from));
            let n = if to == ExpertState::Certified {
                diesel::update(target)
                    .set((
                        expert_applications::state.eq(to),
                        expert_applications::certified_at.eq(Some(now)),
                        expert_applications::updated_at.eq(now),
                    ))
                    .execute(conn)?
            } else if to.is_open() {
                diesel::update(target)
                    .set((
                        expert_applications::state.eq(to),
                        expert_applications::updated_at.eq(now),
                    ))
                    .execute(conn)?
            } else {
                diesel::update(target)
                    .set((
                        expert_applications::state.eq(to),
                        expert_applications::closed_at.eq(Some(now)),
                        expert_applications::updated_at.eq(now),
                    ))
                    .execute(conn)?
            };
            if n == 0 {
                return Ok(false);
            }
            diesel::insert_into(expert_steps::table)
                .values(NewStep {
                    application_id: id,
                    from_state: from.as_str(),
                    to_state: to,
                    note,
                    actor_id: actor,
                    created_at: now,
                })
                .execute(conn)?;
            if from == ExpertState::Certified || to == ExpertState::Certified {
                crate::generations::bump_accounts(conn)?;
            }
            Ok(true)
        })
    }

    /// How many applications are in each state.
    pub fn counts_by_state(conn: &mut DbConnection) -> Result<HashMap<ExpertState, i64>, DbError> {
        let rows: Vec<(ExpertState, i64)> = expert_applications::table
            .group_by(expert_applications::state)
            .select((expert_applications::state, diesel::dsl::count_star()))
            .load(conn)?;
        Ok(rows.into_iter().collect())
    }

    /// The applications in one state with their applicants, oldest change
    /// first (the one waiting longest is on top).
    pub fn in_state(
        conn: &mut DbConnection,
        state: ExpertState,
        limit: i64,
    ) -> Result<Vec<(Application, User)>, DbError> {
        Ok(expert_applications::table
            .inner_join(users::table)
            .filter(expert_applications::state.eq(state))
            .order((
                expert_applications::updated_at.asc(),
                expert_applications::id.asc(),
            ))
            .limit(limit)
            .select((Application::as_select(), User::as_select()))
            .load(conn)?)
    }

    /// For a deleted account: open applications are withdrawn and the
    /// personal fields are blanked; the timeline stays for the record.
    pub fn erase_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<(), DbError> {
        let open: Vec<(ApplicationId, ExpertState)> = expert_applications::table
            .filter(expert_applications::user_id.eq(user_id))
            .filter(expert_applications::state.eq_any(ExpertState::OPEN))
            .select((expert_applications::id, expert_applications::state))
            .load(conn)?;
        for (id, state) in open {
            Application::move_state(conn, id, state, ExpertState::Withdrawn, "", None)?;
        }
        diesel::update(expert_applications::table.filter(expert_applications::user_id.eq(user_id)))
            .set((
                expert_applications::real_name.eq(""),
                expert_applications::links.eq(""),
            ))
            .execute(conn)?;
        Ok(())
    }
}

/// A certified expert as the directory and profile show them.
#[derive(Debug, Clone)]
pub struct CertifiedExpert {
    pub user: User,
    pub certification: Application,
}

/// The certified experts who can be shown: not deleted, not suspended. With
/// `topic`, those certified in it. Returns their ids with their accepted
/// answers in the forum (the directory's third ranking).
pub fn certified_ids(conn: &mut DbConnection, topic: Option<&str>) -> Result<Vec<(UserId, i64)>, DbError> {
    let now = crate::now();
    let mut query = expert_applications::table
        .inner_join(users::table)
        .filter(expert_applications::state.eq(ExpertState::Certified))
        .filter(users::deleted_at.is_null())
        .filter(
            users::suspended_until
                .is_null()
                .or(users::suspended_until.le(now)),
        )
        .select((users::id, users::accepted_answers))
        .into_boxed();
    if let Some(topic) = topic {
        query = query.filter(
            expert_applications::id.eq_any(
                expert_topics::table
                    .filter(expert_topics::tag.eq(topic.to_string()))
                    .select(expert_topics::application_id),
            ),
        );
    }
    Ok(query.load(conn)?)
}

/// Which of these users are certified experts, from one query.
pub fn certified_among(conn: &mut DbConnection, ids: &[UserId]) -> Result<Vec<UserId>, DbError> {
    Ok(expert_applications::table
        .filter(expert_applications::state.eq(ExpertState::Certified))
        .filter(expert_applications::user_id.eq_any(ids))
        .select(expert_applications::user_id)
        .load(conn)?)
}

/// These users with their certifications, in the order of `ids`.
pub fn certified_in_order(conn: &mut DbConnection, ids: &[UserId]) -> Result<Vec<CertifiedExpert>, DbError> {
    let mut rows: Vec<(User, Application)> = expert_applications::table
        .inner_join(users::table)
        .filter(expert_applications::state.eq(ExpertState::Certified))
        .filter(users::id.eq_any(ids))
        .select((User::as_select(), Application::as_select()))
        .load(conn)?;
    rows.sort_by_key(|(u, _)| ids.iter().position(|id| *id == u.id).unwrap_or(usize::MAX));
    Ok(rows
        .into_iter()
        .map(|(user, certification)| CertifiedExpert { user, certification })
        .collect())
}

/// The topics the certified experts hold, with how many hold each, most first.
pub fn certified_topics(conn: &mut DbConnection, limit: i64) -> Result<Vec<(String, i64)>, DbError> {
    Ok(expert_topics::table
        .inner_join(expert_applications::table)
        .filter(expert_applications::state.eq(ExpertState::Certified))
        .group_by(expert_topics::tag)
        .select((expert_topics::tag, diesel::dsl::count_star()))
        .order((diesel::dsl::count_star().desc(), expert_topics::tag.asc()))
        .limit(limit)
        .load(conn)?)
}

/// What an expert's published courses add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq, QueryableByName)]
pub struct Figures {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub user_id: UserId,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub courses: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub learners: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub rating_sum: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub rating_count: i64,
}

impl Figures {
    /// The plain average of every rating of the expert's courses.
    pub fn average_rating(&self) -> Option<String> {
        crate::courses::average_rating(self.rating_sum, self.rating_count)
    }
}

/// The figures of every certified expert with a published course, or of one
/// user, from one grouped query over the published courses.
pub fn figures(conn: &mut DbConnection, one: Option<UserId>) -> Result<Vec<Figures>, DbError> {
    let mut query = users::table
        .filter(users::published_courses.gt(0))
        .select((
            users::id,
            users::published_courses,
            users::course_learners,
            users::course_rating_sum,
            users::course_rating_count,
        ))
        .into_boxed();
    query = match one {
        Some(id) => query.filter(users::id.eq(id)),
        None => query.filter(
            users::id.eq_any(
                expert_applications::table
                    .filter(expert_applications::state.eq(ExpertState::Certified))
                    .select(expert_applications::user_id),
            ),
        ),
    };
    let rows: Vec<(UserId, i64, i64, i64, i64)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, courses, learners, rating_sum, rating_count)| Figures {
            user_id,
            courses,
            learners,
            rating_sum,
            rating_count,
        })
        .collect())
}

/// Sets the figures of `course`'s owner (`users.published_courses` and the
/// learners and ratings of those courses) from their published courses,
/// inside the caller's transaction: called by every use case that publishes
/// or withdraws a course, enrolls a learner or changes a course's ratings,
/// so that the directory reads one row per expert. It adds up one expert's
/// courses, through `courses_owner_figures`.
pub fn refresh_figures(conn: &mut DbConnection, course: CourseId) -> Result<(), DbError> {
    let sql = format!("{FIGURES_FROM_COURSES} WHERE id = (SELECT owner_id FROM courses WHERE id = $1)");
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(sql.replace("$1", "?"))
            .bind::<diesel::sql_types::BigInt, _>(course)
            .execute(c)?,
        DbConnection::Pg(c) => diesel::sql_query(sql)
            .bind::<diesel::sql_types::BigInt, _>(course)
            .execute(c)?,
    };
    Ok(())
}

/// Sets every owner's figures from their courses, in one statement
/// (`UPDATE … FROM` over one grouped pass, as the seed's other counters):
/// after a bulk load.
pub fn refresh_all_figures(conn: &mut DbConnection) -> Result<usize, DbError> {
    let sql = "UPDATE users SET published_courses = f.n, course_learners = f.learners, \
               course_rating_sum = f.rating_sum, course_rating_count = f.rating_count \
               FROM (SELECT owner_id, COUNT(*) AS n, SUM(learners_count) AS learners, \
                     SUM(rating_sum) AS rating_sum, SUM(rating_count) AS rating_count \
                     FROM courses WHERE state = 'published' GROUP BY owner_id) AS f \
               WHERE users.id = f.owner_id";
    write_tx(conn, |conn| Ok(diesel::sql_query(sql).execute(conn)?))
}

/// The update that sets a member's figures from their published courses.
const FIGURES_FROM_COURSES: &str = "UPDATE users SET \
     published_courses = (SELECT COUNT(*) FROM courses c \
        WHERE c.state = 'published' AND c.owner_id = users.id), \
     course_learners = (SELECT COALESCE(SUM(c.learners_count), 0) FROM courses c \
        WHERE c.state = 'published' AND c.owner_id = users.id), \
     course_rating_sum = (SELECT COALESCE(SUM(c.rating_sum), 0) FROM courses c \
        WHERE c.state = 'published' AND c.owner_id = users.id), \
     course_rating_count = (SELECT COALESCE(SUM(c.rating_count), 0) FROM courses c \
        WHERE c.state = 'published' AND c.owner_id = users.id)";

/// Follows of experts (a later feature mails followers about new courses).
pub struct Follow;

impl Follow {
    /// Follows or unfollows; returns whether the follower now follows.
    pub fn toggle(conn: &mut DbConnection, follower: UserId, expert: UserId) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let removed = diesel::delete(
                expert_follows::table
                    .filter(expert_follows::follower_id.eq(follower))
                    .filter(expert_follows::expert_id.eq(expert)),
            )
            .execute(conn)?;
            let step = if removed > 0 {
                -1
            } else {
                diesel::insert_into(expert_follows::table)
                    .values((
                        expert_follows::follower_id.eq(follower),
                        expert_follows::expert_id.eq(expert),
                        expert_follows::created_at.eq(crate::now()),
                    ))
                    .execute(conn)?;
                1
            };
            diesel::update(users::table.find(expert))
                .set(users::followers_count.eq(users::followers_count + step))
                .execute(conn)?;
            Ok(step > 0)
        })
    }

    /// How many members follow the expert (the counter kept by `toggle`).
    pub fn count(conn: &mut DbConnection, expert: UserId) -> Result<i64, DbError> {
        Ok(users::table
            .find(expert)
            .select(users::followers_count)
            .first(conn)?)
    }

    /// The expert's followers after `after` (by id), at most `limit`, for
    /// telling them in batches.
    pub fn followers_after(
        conn: &mut DbConnection,
        expert: UserId,
        after: UserId,
        limit: i64,
    ) -> Result<Vec<UserId>, DbError> {
        Ok(expert_follows::table
            .filter(expert_follows::expert_id.eq(expert))
            .filter(expert_follows::follower_id.gt(after))
            .order(expert_follows::follower_id.asc())
            .select(expert_follows::follower_id)
            .limit(limit)
            .load(conn)?)
    }

    pub fn follows(conn: &mut DbConnection, follower: UserId, expert: UserId) -> Result<bool, DbError> {
        Ok(diesel::select(diesel::dsl::exists(
            expert_follows::table
                .filter(expert_follows::follower_id.eq(follower))
                .filter(expert_follows::expert_id.eq(expert)),
        ))
        .get_result(conn)?)
    }
}

/// Evidence files of this user, by stored name, that no application holds
/// yet: what an earlier, refused send of the form left to be reused.
pub fn loose_evidence(
    conn: &mut DbConnection,
    user_id: UserId,
    names: &[String],
) -> Result<Vec<Upload>, DbError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<Upload> = uploads::table
        .filter(uploads::stored_name.eq_any(names))
        .filter(uploads::owner_id.eq(user_id))
        .filter(uploads::purpose.eq("evidence"))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            expert_evidence::table.filter(expert_evidence::upload_id.eq(uploads::id)),
        )))
        .select(Upload::as_select())
        .load(conn)?;
    found.sort_by_key(|u| {
        names
            .iter()
            .position(|n| *n == u.stored_name)
            .unwrap_or(usize::MAX)
    });
    Ok(found)
}

/// Dates an application and its steps (oldest first) in the past: the demo
/// community's history. Certification and closing take their step's date;
/// the applicant's account is made older than the application.
pub fn backdate(
    conn: &mut DbConnection,
    application_id: ApplicationId,
    filed_at: NaiveDateTime,
    step_dates: &[NaiveDateTime],
) -> Result<(), DbError> {
    write_tx(conn, |conn| {
        let ids: Vec<i64> = expert_steps::table
            .filter(expert_steps::application_id.eq(application_id))
            .order(expert_steps::id)
            .select(expert_steps::id)
            .load(conn)?;
        let mut last = filed_at;
        for (n, id) in ids.iter().enumerate() {
            let at = if n == 0 {
                filed_at
            } else {
                step_dates.get(n - 1).copied().unwrap_or(last)
            };
            diesel::update(expert_steps::table.find(id))
                .set(expert_steps::created_at.eq(at))
                .execute(conn)?;
            last = at;
        }
        let application = Application::find(conn, application_id)?;
        diesel::update(expert_applications::table.find(application_id))
            .set((
                expert_applications::created_at.eq(filed_at),
                expert_applications::updated_at.eq(last),
                expert_applications::certified_at.eq(application.certified_at.map(|_| last)),
                expert_applications::closed_at.eq(application.closed_at.map(|_| last)),
            ))
            .execute(conn)?;
        let joined = filed_at - chrono::Duration::days(60);
        diesel::update(
            users::table
                .find(application.user_id)
                .filter(users::created_at.gt(joined)),
        )
        .set(users::created_at.eq(joined))
        .execute(conn)?;
        Ok(())
    })
}
