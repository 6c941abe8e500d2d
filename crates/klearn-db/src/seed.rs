//! Bulk inserts for synthetic data sets (`klearn seed --scale N`): each call
//! writes its rows in one transaction, on the concrete connection of each
//! backend (the multi-backend connection cannot insert a Vec at once): on
//! SQLite by multi-row INSERTs of `STATEMENT_ROWS` rows, on PostgreSQL by
//! one binary `COPY FROM`. Every column of these rows is written, a `None`
//! as a NULL (no column they write has another default): diesel's COPY
//! takes only such rows, and SQLite's multi-row INSERT of them is one
//! statement, not one per row.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::courses::CourseState;
use crate::error::DbError;
use crate::experts::ExpertState;
use crate::schema::{
    chapters, course_tags, courses, enrollments, expert_applications, expert_topics, lessons, post_likes,
    posts, review_votes, reviews, thread_tags, threads, user_roles, users,
};
use crate::types::{
    ApplicationId, CategoryId, ChapterId, CourseId, PostId, PostState, ReviewId, ReviewState, ThreadId,
    ThreadKind, UserId,
};

/// Rows per INSERT statement: a multi-row VALUES of at most 20 columns
/// stays within SQLite's 32,766 and PostgreSQL's 65,535 bind parameters.
pub const STATEMENT_ROWS: usize = 1000;

/// Inserts all the rows (SQLite: `STATEMENT_ROWS` per statement;
/// PostgreSQL: one `COPY FROM`); the number written.
macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr) => {{
        match $conn {
            DbConnection::Sqlite(c) => {
                let mut written = 0;
                for part in $rows.chunks(STATEMENT_ROWS) {
                    written += diesel::insert_into($table).values(part).execute(c)?;
                }
                Ok::<usize, diesel::result::Error>(written)
            }
            DbConnection::Pg(c) => diesel::copy_from($table).from_insertable($rows).execute(c),
        }
    }};
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct SeedUser {
    pub username: String,
    pub username_lower: String,
    pub email: String,
    pub email_lower: String,
    pub password_hash: String,
    pub display_name: String,
    pub locale: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = user_roles, treat_none_as_default_value = false)]
pub struct SeedRole {
    pub user_id: UserId,
    pub role: String,
    pub granted_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = courses, treat_none_as_default_value = false)]
pub struct SeedCourse {
    pub owner_id: UserId,
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub description_html: String,
    pub outcomes: String,
    pub outcomes_html: String,
    pub category_id: Option<CategoryId>,
    pub level: String,
    pub format: String,
    pub price_cents: i64,
    pub currency: String,
    pub state: CourseState,
    pub submitted_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = chapters, treat_none_as_default_value = false)]
pub struct SeedChapter {
    pub course_id: CourseId,
    pub title: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub approved: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = lessons, treat_none_as_default_value = false)]
pub struct SeedLesson {
    pub course_id: CourseId,
    pub chapter_id: ChapterId,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub position: i32,
    pub free_preview: bool,
    pub duration_minutes: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub approved: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = enrollments, treat_none_as_default_value = false)]
pub struct SeedEnrollment {
    pub user_id: UserId,
    pub course_id: CourseId,
    pub source: String,
    pub created_at: NaiveDateTime,
}

/// A certification: an application already in the certified state.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = expert_applications, treat_none_as_default_value = false)]
pub struct SeedCertification {
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
    pub certified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = expert_topics, treat_none_as_default_value = false)]
pub struct SeedTopic {
    pub application_id: ApplicationId,
    pub tag: String,
}

pub fn certifications(conn: &mut DbConnection, rows: &[SeedCertification]) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        Ok(insert_many!(conn, expert_applications::table, rows)?)
    })
}

pub fn expert_topics(conn: &mut DbConnection, rows: &[SeedTopic]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, expert_topics::table, rows)?))
}

/// (application id, user id) of every certification, by user.
pub fn certification_ids(conn: &mut DbConnection) -> Result<Vec<(ApplicationId, UserId)>, DbError> {
    Ok(expert_applications::table
        .filter(expert_applications::state.eq(ExpertState::Certified))
        .order(expert_applications::user_id.asc())
        .select((expert_applications::id, expert_applications::user_id))
        .load(conn)?)
}

pub fn users(conn: &mut DbConnection, rows: &[SeedUser]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, users::table, rows)?))
}

pub fn roles(conn: &mut DbConnection, rows: &[SeedRole]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, user_roles::table, rows)?))
}

pub fn courses(conn: &mut DbConnection, rows: &[SeedCourse]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, courses::table, rows)?))
}

pub fn chapters(conn: &mut DbConnection, rows: &[SeedChapter]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, chapters::table, rows)?))
}

pub fn lessons(conn: &mut DbConnection, rows: &[SeedLesson]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, lessons::table, rows)?))
}

pub fn enrollments(conn: &mut DbConnection, rows: &[SeedEnrollment]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, enrollments::table, rows)?))
}

/// Ids of the users whose username starts with `prefix`, by id.
pub fn user_ids(conn: &mut DbConnection, prefix: &str) -> Result<Vec<UserId>, DbError> {
    Ok(users::table
        .filter(users::username_lower.like(format!("{prefix}%")))
        .order(users::id.asc())
        .select(users::id)
        .load(conn)?)
}

/// Ids of the courses whose slug starts with `prefix`, by id.
pub fn course_ids(conn: &mut DbConnection, prefix: &str) -> Result<Vec<CourseId>, DbError> {
    Ok(courses::table
        .filter(courses::slug.like(format!("{prefix}%")))
        .order(courses::id.asc())
        .select(courses::id)
        .load(conn)?)
}

/// The published courses among the seeded ones, by id.
pub fn published_course_ids(conn: &mut DbConnection, prefix: &str) -> Result<Vec<CourseId>, DbError> {
    Ok(courses::table
        .filter(courses::slug.like(format!("{prefix}%")))
        .filter(courses::state.eq(CourseState::Published))
        .order(courses::id.asc())
        .select(courses::id)
        .load(conn)?)
}

/// (chapter id, course id) of the chapters of these courses, by id.
pub fn chapter_ids(
    conn: &mut DbConnection,
    first_course: CourseId,
    last_course: CourseId,
) -> Result<Vec<(ChapterId, CourseId)>, DbError> {
    Ok(chapters::table
        .filter(chapters::course_id.between(first_course, last_course))
        .order(chapters::id.asc())
        .select((chapters::id, chapters::course_id))
        .load(conn)?)
}

/// Sets every course's learner count from its enrollments, in one
/// statement (`UPDATE … FROM`, as `settle_ratings`).
pub fn recount_learners(conn: &mut DbConnection) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        Ok(diesel::sql_query(
            "UPDATE courses SET learners_count = e.n \
             FROM (SELECT course_id, COUNT(*) AS n FROM enrollments GROUP BY course_id) AS e \
             WHERE courses.id = e.course_id",
        )
        .execute(conn)?)
    })
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = course_tags, treat_none_as_default_value = false)]
pub struct SeedCourseTag {
    pub course_id: CourseId,
    pub tag: String,
}

/// Inserts courses' tags (the search index follows with `index_all`).
pub fn course_tags(conn: &mut DbConnection, rows: &[SeedCourseTag]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, course_tags::table, rows)?))
}

/// Indexes every published course whose slug starts with `prefix` for
/// search, as `search::sync_course` would one by one: read in two
/// statements, written `SEARCH_ROWS` documents per statement, in one
/// transaction. The number indexed.
pub fn index_courses(
    conn: &mut DbConnection,
    prefix: &str,
    documents: &mut crate::backend::Documents,
) -> Result<usize, DbError> {
    use crate::courses::Course;
    write_tx(conn, |conn| {
        let published = courses::table
            .filter(courses::slug.like(format!("{prefix}%")))
            .filter(courses::state.eq(CourseState::Published));
        let rows: Vec<(Course, String, String)> = published
            .clone()
            .inner_join(users::table)
            .order(courses::id.asc())
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        let tags: Vec<(CourseId, String)> = course_tags::table
            .filter(course_tags::course_id.eq_any(published.select(courses::id)))
            .order((course_tags::course_id.asc(), course_tags::tag.asc()))
            .select((course_tags::course_id, course_tags::tag))
            .load(conn)?;
        let mut tags = tags.into_iter().peekable();
        let mut docs = Vec::with_capacity(rows.len());
        for (course, username, display_name) in rows {
            let mut own = Vec::new();
            while let Some((_, tag)) = tags.next_if(|(id, _)| *id <= course.id) {
                own.push(tag);
            }
            let (title, body) = crate::search::course_document(&course, &own, &username, &display_name);
            docs.push((course.id.0, title, body));
        }
        for part in docs.chunks(SEARCH_ROWS) {
            crate::backend::search_put_many(conn, crate::backend::SearchIndex::Courses, part, documents)?;
        }
        Ok(docs.len())
    })
}

/// Search documents per INSERT statement.
pub const SEARCH_ROWS: usize = 1000;

/// Indexes every published course for search, in one transaction.
pub fn index_all(conn: &mut DbConnection, ids: &[CourseId]) -> Result<(), DbError> {
    write_tx(conn, |conn| {
        for id in ids {
            crate::search::sync_course(conn, *id)?;
        }
        Ok(())
    })
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = threads, treat_none_as_default_value = false)]
pub struct SeedThread {
    pub category_id: Option<CategoryId>,
    pub course_id: Option<CourseId>,
    pub author_id: UserId,
    pub title: String,
    pub slug: String,
    pub kind: ThreadKind,
    pub state: PostState,
    pub replies_count: i64,
    pub likes_count: i64,
    pub last_number: i64,
    pub last_post_at: NaiveDateTime,
    pub last_poster_id: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = posts, treat_none_as_default_value = false)]
pub struct SeedPost {
    pub thread_id: ThreadId,
    pub number: i64,
    pub author_id: UserId,
    pub reply_to: Option<i64>,
    pub body: String,
    pub body_html: String,
    pub state: PostState,
    pub likes_count: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = post_likes, treat_none_as_default_value = false)]
pub struct SeedPostLike {
    pub post_id: PostId,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = thread_tags, treat_none_as_default_value = false)]
pub struct SeedThreadTag {
    pub thread_id: ThreadId,
    pub tag: String,
}

/// Inserts threads; returns their ids in the order given (ids grow with
/// insertion and nothing else writes threads while the seed runs).
pub fn threads(conn: &mut DbConnection, rows: &[SeedThread]) -> Result<Vec<ThreadId>, DbError> {
    write_tx(conn, |conn| {
        let after: Option<ThreadId> = threads::table.select(diesel::dsl::max(threads::id)).first(conn)?;
        insert_many!(conn, threads::table, rows)?;
        Ok(threads::table
            .filter(threads::id.gt(after.unwrap_or(ThreadId(0))))
            .order(threads::id)
            .select(threads::id)
            .load(conn)?)
    })
}

/// Inserts posts; returns their ids in the order given.
pub fn posts(conn: &mut DbConnection, rows: &[SeedPost]) -> Result<Vec<PostId>, DbError> {
    write_tx(conn, |conn| {
        let after: Option<PostId> = posts::table.select(diesel::dsl::max(posts::id)).first(conn)?;
        insert_many!(conn, posts::table, rows)?;
        Ok(posts::table
            .filter(posts::id.gt(after.unwrap_or(PostId(0))))
            .order(posts::id)
            .select(posts::id)
            .load(conn)?)
    })
}

pub fn post_likes(conn: &mut DbConnection, rows: &[SeedPostLike]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, post_likes::table, rows)?))
}

pub fn thread_tags(conn: &mut DbConnection, rows: &[SeedThreadTag]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, thread_tags::table, rows)?))
}

/// Every second answered question gets its first reply as the accepted
/// answer; then the members' forum counters (posts, likes received,
/// accepted answers) are counted from the rows.
pub fn settle_forum(conn: &mut DbConnection) -> Result<(), DbError> {
    write_tx(conn, |conn| {
        diesel::sql_query(
            "UPDATE threads SET accepted_post_id = \
             (SELECT p.id FROM posts p WHERE p.thread_id = threads.id AND p.number = 2) \
             WHERE kind = 'question' AND replies_count > 0 AND id % 2 = 0",
        )
        .execute(conn)?;
        diesel::sql_query(
            "UPDATE users SET posts_count = p.n, likes_received = p.likes \
             FROM (SELECT author_id, COUNT(*) AS n, COALESCE(SUM(likes_count), 0) AS likes \
                   FROM posts GROUP BY author_id) AS p \
             WHERE users.id = p.author_id",
        )
        .execute(conn)?;
        diesel::sql_query(
            "UPDATE users SET accepted_answers = a.n \
             FROM (SELECT p.author_id, COUNT(*) AS n FROM threads t \
                   JOIN posts p ON p.id = t.accepted_post_id GROUP BY p.author_id) AS a \
             WHERE users.id = a.author_id",
        )
        .execute(conn)?;
        Ok(())
    })
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = reviews, treat_none_as_default_value = false)]
pub struct SeedReview {
    pub course_id: CourseId,
    pub author_id: UserId,
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub state: ReviewState,
    pub hidden_reason: String,
    pub helpful_count: i64,
    pub reply_body: Option<String>,
    pub reply_body_html: Option<String>,
    pub replied_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = review_votes, treat_none_as_default_value = false)]
pub struct SeedReviewVote {
    pub review_id: ReviewId,
    pub user_id: UserId,
    pub created_at: NaiveDateTime,
}

/// Inserts reviews; returns their ids in the order given.
pub fn reviews(conn: &mut DbConnection, rows: &[SeedReview]) -> Result<Vec<ReviewId>, DbError> {
    write_tx(conn, |conn| {
        let after: Option<ReviewId> = reviews::table.select(diesel::dsl::max(reviews::id)).first(conn)?;
        insert_many!(conn, reviews::table, rows)?;
        Ok(reviews::table
            .filter(reviews::id.gt(after.unwrap_or(ReviewId(0))))
            .order(reviews::id)
            .select(reviews::id)
            .load(conn)?)
    })
}

pub fn review_votes(conn: &mut DbConnection, rows: &[SeedReviewVote]) -> Result<usize, DbError> {
    write_tx(conn, |conn| Ok(insert_many!(conn, review_votes::table, rows)?))
}

/// Gives every reviewer the progress a review needs: the course's first
/// lesson, opened when they wrote the review (unless they had opened it).
pub fn reviewers_opened_a_lesson(conn: &mut DbConnection) -> Result<usize, DbError> {
    write_tx(conn, |conn| {
        Ok(diesel::sql_query(
            "INSERT INTO lesson_progress (user_id, lesson_id, course_id, first_opened_at, last_opened_at) \
             SELECT r.author_id, f.lesson_id, r.course_id, r.created_at, r.created_at \
             FROM reviews r \
             JOIN (SELECT course_id, MIN(id) AS lesson_id FROM lessons GROUP BY course_id) f \
               ON f.course_id = r.course_id \
             WHERE NOT EXISTS (SELECT 1 FROM lesson_progress p \
                               WHERE p.user_id = r.author_id AND p.lesson_id = f.lesson_id)",
        )
        .execute(conn)?)
    })
}

/// Sets every reviewed course's rating counters (sum, count, per star)
/// from its visible reviews, in one statement: `UPDATE … FROM`, which
/// PostgreSQL and SQLite (3.33 on) write alike. The scores follow with
/// the rating refresh.
pub fn settle_ratings(conn: &mut DbConnection) -> Result<usize, DbError> {
    let star = |n: i32| format!("SUM(CASE WHEN rating = {n} THEN 1 ELSE 0 END) AS s{n}");
    let sql = format!(
        "UPDATE courses SET rating_sum = r.total, rating_count = r.n, \
         rating_1 = r.s1, rating_2 = r.s2, rating_3 = r.s3, rating_4 = r.s4, rating_5 = r.s5 \
         FROM (SELECT course_id, SUM(rating) AS total, COUNT(*) AS n, {}, {}, {}, {}, {} \
               FROM reviews WHERE state = '{}' GROUP BY course_id) AS r \
         WHERE courses.id = r.course_id",
        star(1),
        star(2),
        star(3),
        star(4),
        star(5),
        ReviewState::Visible.as_str()
    );
    write_tx(conn, |conn| Ok(diesel::sql_query(sql).execute(conn)?))
}
