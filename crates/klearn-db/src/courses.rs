//! Courses and what they hold: tags, the pending revision of a published
//! course, chapters and lessons. The figures lists sort by (learners, rating
//! sum and count) live on the course row and change with the events.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::{chapters, course_revisions, course_tags, courses, lesson_progress, lessons, users};

pub const DRAFT: &str = "draft";
pub const IN_REVIEW: &str = "in_review";
pub const PUBLISHED: &str = "published";
pub const REJECTED: &str = "rejected";
pub const UNPUBLISHED: &str = "unpublished";

/// m of the Bayesian rating (m·C + sum) / (m + n): how many ratings of the
/// mean every course (and every expert) starts with.
pub const RATING_PRIOR_WEIGHT: i64 = 10;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = courses)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Course {
    pub id: i64,
    pub owner_id: i64,
    pub slug: String,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub description_html: String,
    pub outcomes: String,
    pub outcomes_html: String,
    pub category_id: Option<i64>,
    pub level: String,
    pub format: String,
    pub price_cents: i64,
    pub currency: String,
    pub cover_upload_id: Option<i64>,
    pub state: String,
    pub review_note: String,
    pub featured: bool,
    pub learners_count: i64,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub submitted_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The Bayesian average rating × 1,000,000, what the rating sort orders by.
    pub rating_score: i64,
}

/// The fields of a course that, once it is published, change only through a
/// reviewed revision.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = courses)]
pub struct CourseContent {
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub description_html: String,
    pub outcomes: String,
    pub outcomes_html: String,
    pub price_cents: i64,
}

/// The fields that change directly, published or not.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = courses)]
#[diesel(treat_none_as_null = true)]
pub struct CourseSettings {
    pub category_id: Option<i64>,
    pub level: String,
    pub format: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = courses)]
struct NewCourseRow<'a> {
    owner_id: i64,
    slug: &'a str,
    title: &'a str,
    subtitle: &'a str,
    description: &'a str,
    description_html: &'a str,
    outcomes: &'a str,
    outcomes_html: &'a str,
    category_id: Option<i64>,
    level: &'a str,
    format: &'a str,
    price_cents: i64,
    currency: &'a str,
    state: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The plain average of `count` ratings adding up to `sum`, with one decimal;
/// none without ratings.
pub fn average_rating(sum: i64, count: i64) -> Option<String> {
    (count > 0).then(|| format!("{:.1}", sum as f64 / count as f64))
}

/// A course with its owner's names, for lists and landing pages.
#[derive(Debug, Clone)]
pub struct CourseCard {
    pub course: Course,
    pub owner_username: String,
    pub owner_display_name: String,
}

impl CourseCard {
    /// The average rating with one decimal, when there are ratings.
    pub fn average_rating(&self) -> Option<String> {
        let c = &self.course;
        average_rating(c.rating_sum, c.rating_count)
    }

    pub fn owner_name(&self) -> &str {
        if self.owner_display_name.trim().is_empty() {
            &self.owner_username
        } else {
            &self.owner_display_name
        }
    }
}

impl Course {
    /// Creates a draft. The slug is made unique by a numeric suffix.
    pub fn create(
        conn: &mut DbConnection,
        owner_id: i64,
        base_slug: &str,
        content: &CourseContent,
        settings: &CourseSettings,
        tags: &[String],
    ) -> Result<Course, DbError> {
        write_tx(conn, |conn| {
            let slug = Course::free_slug(conn, base_slug)?;
            let now = crate::now();
            let id: i64 = diesel::insert_into(courses::table)
                .values(NewCourseRow {
                    owner_id,
                    slug: &slug,
                    title: &content.title,
                    subtitle: &content.subtitle,
                    description: &content.description,
                    description_html: &content.description_html,
                    outcomes: &content.outcomes,
                    outcomes_html: &content.outcomes_html,
                    category_id: settings.category_id,
                    level: &settings.level,
                    format: &settings.format,
                    price_cents: content.price_cents,
                    currency: "CNY",
                    state: DRAFT,
                    created_at: now,
                    updated_at: now,
                })
                .returning(courses::id)
                .get_result(conn)?;
            Course::set_tags(conn, id, tags)?;
            Course::find(conn, id)
        })
    }

    fn free_slug(conn: &mut DbConnection, base: &str) -> Result<String, DbError> {
        let taken: Vec<String> = courses::table
            .filter(courses::slug.eq(base).or(courses::slug.like(format!("{base}-%"))))
            .select(courses::slug)
            .load(conn)?;
        if !taken.iter().any(|s| s == base) {
            return Ok(base.to_string());
        }
        let mut n = 2;
        loop {
            let candidate = format!("{base}-{n}");
            if !taken.contains(&candidate) {
                return Ok(candidate);
            }
            n += 1;
        }
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> Result<Course, DbError> {
        courses::table
            .find(id)
            .select(Course::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> Result<Course, DbError> {
        courses::table
            .filter(courses::slug.eq(slug))
            .select(Course::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// A course of `owner`; anyone else's id is `NotFound`.
    pub fn find_owned(conn: &mut DbConnection, id: i64, owner_id: i64) -> Result<Course, DbError> {
        courses::table
            .filter(courses::id.eq(id))
            .filter(courses::owner_id.eq(owner_id))
            .select(Course::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn list_by_owner(conn: &mut DbConnection, owner_id: i64) -> Result<Vec<Course>, DbError> {
        Ok(courses::table
            .filter(courses::owner_id.eq(owner_id))
            .order(courses::updated_at.desc())
            .select(Course::as_select())
            .load(conn)?)
    }

    pub fn card(conn: &mut DbConnection, id: i64) -> Result<CourseCard, DbError> {
        let (course, owner_username, owner_display_name) = courses::table
            .inner_join(users::table)
            .filter(courses::id.eq(id))
            .select((Course::as_select(), users::username, users::display_name))
            .first(conn)
            .map_err(DbError::from_query)?;
        Ok(CourseCard {
            course,
            owner_username,
            owner_display_name,
        })
    }

    fn cards(rows: Vec<(Course, String, String)>) -> Vec<CourseCard> {
        rows.into_iter()
            .map(|(course, owner_username, owner_display_name)| CourseCard {
                course,
                owner_username,
                owner_display_name,
            })
            .collect()
    }

    /// An expert's published courses as cards, most learners first.
    pub fn published_by(conn: &mut DbConnection, owner_id: i64) -> Result<Vec<CourseCard>, DbError> {
        let rows = courses::table
            .inner_join(users::table)
            .filter(courses::owner_id.eq(owner_id))
            .filter(courses::state.eq(PUBLISHED))
            .order((courses::learners_count.desc(), courses::id.desc()))
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        Ok(Course::cards(rows))
    }

    /// The ids of an expert's published courses with a price.
    pub fn published_paid_by(conn: &mut DbConnection, owner_id: i64) -> Result<Vec<i64>, DbError> {
        Ok(courses::table
            .filter(courses::owner_id.eq(owner_id))
            .filter(courses::state.eq(PUBLISHED))
            .filter(courses::price_cents.gt(0))
            .select(courses::id)
            .load(conn)?)
    }

    /// Courses waiting for review, oldest first.
    pub fn review_queue(conn: &mut DbConnection) -> Result<Vec<CourseCard>, DbError> {
        let rows = courses::table
            .inner_join(users::table)
            .filter(courses::state.eq(IN_REVIEW))
            .order(courses::submitted_at.asc())
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        Ok(Course::cards(rows))
    }

    /// Published courses, newest first, one page.
    pub fn published_page(
        conn: &mut DbConnection,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<CourseCard>, i64), DbError> {
        let total: i64 = courses::table
            .filter(courses::state.eq(PUBLISHED))
            .count()
            .get_result(conn)?;
        let rows = courses::table
            .inner_join(users::table)
            .filter(courses::state.eq(PUBLISHED))
            .order(courses::published_at.desc())
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        Ok((Course::cards(rows), total))
    }

    /// Moves the course from `from` to `to` if it is still in `from`; false
    /// when someone else moved it first (the caller answers 409).
    pub fn move_state(
        conn: &mut DbConnection,
        id: i64,
        from: &str,
        to: &str,
        review_note: Option<&str>,
    ) -> Result<bool, DbError> {
        let now = crate::now();
        let target = courses::table
            .filter(courses::id.eq(id))
            .filter(courses::state.eq(from));
        let n = diesel::update(target)
            .set((courses::state.eq(to), courses::updated_at.eq(now)))
            .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        if let Some(note) = review_note {
            diesel::update(courses::table.find(id))
                .set(courses::review_note.eq(note))
                .execute(conn)?;
        }
        if to == IN_REVIEW {
            diesel::update(courses::table.find(id))
                .set(courses::submitted_at.eq(Some(now)))
                .execute(conn)?;
        }
        if to == PUBLISHED {
            // The first publication date stays; a republish does not make a course new.
            diesel::update(courses::table.find(id).filter(courses::published_at.is_null()))
                .set(courses::published_at.eq(Some(now)))
                .execute(conn)?;
            diesel::update(courses::table.find(id))
                .set(courses::review_note.eq(""))
                .execute(conn)?;
        }
        if to != PUBLISHED {
            diesel::update(courses::table.find(id))
                .set(courses::featured.eq(false))
                .execute(conn)?;
        }
        crate::search::sync_course(conn, id)?;
        Ok(true)
    }

    pub fn update_content(conn: &mut DbConnection, id: i64, content: &CourseContent) -> Result<(), DbError> {
        diesel::update(courses::table.find(id))
            .set((content, courses::updated_at.eq(crate::now())))
            .execute(conn)?;
        crate::search::sync_course(conn, id)
    }

    pub fn update_settings(
        conn: &mut DbConnection,
        id: i64,
        settings: &CourseSettings,
    ) -> Result<(), DbError> {
        diesel::update(courses::table.find(id))
            .set((settings, courses::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_cover(conn: &mut DbConnection, id: i64, upload_id: Option<i64>) -> Result<(), DbError> {
        diesel::update(courses::table.find(id))
            .set(courses::cover_upload_id.eq(upload_id))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_featured(conn: &mut DbConnection, id: i64, featured: bool) -> Result<(), DbError> {
        diesel::update(courses::table.find(id))
            .set(courses::featured.eq(featured))
            .execute(conn)?;
        Ok(())
    }

    pub fn tags(conn: &mut DbConnection, id: i64) -> Result<Vec<String>, DbError> {
        Ok(course_tags::table
            .filter(course_tags::course_id.eq(id))
            .order(course_tags::id.asc())
            .select(course_tags::tag)
            .load(conn)?)
    }

    pub fn set_tags(conn: &mut DbConnection, id: i64, tags: &[String]) -> Result<(), DbError> {
        diesel::delete(course_tags::table.filter(course_tags::course_id.eq(id))).execute(conn)?;
        for tag in tags {
            diesel::insert_into(course_tags::table)
                .values((course_tags::course_id.eq(id), course_tags::tag.eq(tag)))
                .execute(conn)?;
        }
        crate::search::sync_course(conn, id)
    }

    /// The featured courses for the home page.
    pub fn featured(conn: &mut DbConnection, limit: i64) -> Result<Vec<CourseCard>, DbError> {
        let rows = courses::table
            .inner_join(users::table)
            .filter(courses::state.eq(PUBLISHED))
            .filter(courses::featured.eq(true))
            .order(courses::published_at.desc())
            .limit(limit)
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        Ok(Course::cards(rows))
    }
}

// ---- revisions ----

pub const REVISION_PENDING: &str = "pending";
pub const REVISION_APPROVED: &str = "approved";
pub const REVISION_REJECTED: &str = "rejected";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = course_revisions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Revision {
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub description_html: String,
    pub outcomes: String,
    pub outcomes_html: String,
    pub price_cents: i64,
    pub state: String,
    pub review_note: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Revision {
    pub fn content(&self) -> CourseContent {
        CourseContent {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            description: self.description.clone(),
            description_html: self.description_html.clone(),
            outcomes: self.outcomes.clone(),
            outcomes_html: self.outcomes_html.clone(),
            price_cents: self.price_cents,
        }
    }

    pub fn pending_for(conn: &mut DbConnection, course_id: i64) -> Result<Option<Revision>, DbError> {
        Ok(course_revisions::table
            .filter(course_revisions::course_id.eq(course_id))
            .filter(course_revisions::state.eq(REVISION_PENDING))
            .select(Revision::as_select())
            .first(conn)
            .optional()?)
    }

    /// Which of these courses have a pending revision, from one query.
    pub fn pending_among(
        conn: &mut DbConnection,
        course_ids: &[i64],
    ) -> Result<std::collections::HashSet<i64>, DbError> {
        Ok(course_revisions::table
            .filter(course_revisions::course_id.eq_any(course_ids))
            .filter(course_revisions::state.eq(REVISION_PENDING))
            .select(course_revisions::course_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect())
    }

    /// The last decided revision, to show the owner a rejection note.
    pub fn last_decided(conn: &mut DbConnection, course_id: i64) -> Result<Option<Revision>, DbError> {
        Ok(course_revisions::table
            .filter(course_revisions::course_id.eq(course_id))
            .filter(course_revisions::state.ne(REVISION_PENDING))
            .order(course_revisions::id.desc())
            .select(Revision::as_select())
            .first(conn)
            .optional()?)
    }

    /// Records the content as the course's one pending revision (replacing
    /// an earlier pending one); content equal to the live course withdraws it.
    pub fn propose(
        conn: &mut DbConnection,
        course: &Course,
        content: &CourseContent,
    ) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let live = CourseContent {
                title: course.title.clone(),
                subtitle: course.subtitle.clone(),
                description: course.description.clone(),
                description_html: course.description_html.clone(),
                outcomes: course.outcomes.clone(),
                outcomes_html: course.outcomes_html.clone(),
                price_cents: course.price_cents,
            };
            let pending = Revision::pending_for(conn, course.id)?;
            let now = crate::now();
            if *content == live {
                if let Some(p) = pending {
                    diesel::delete(course_revisions::table.find(p.id)).execute(conn)?;
                }
                return Ok(false);
            }
            let fields = (
                course_revisions::title.eq(&content.title),
                course_revisions::subtitle.eq(&content.subtitle),
                course_revisions::description.eq(&content.description),
                course_revisions::description_html.eq(&content.description_html),
                course_revisions::outcomes.eq(&content.outcomes),
                course_revisions::outcomes_html.eq(&content.outcomes_html),
                course_revisions::price_cents.eq(content.price_cents),
                course_revisions::updated_at.eq(now),
            );
            match pending {
                Some(p) => {
                    diesel::update(course_revisions::table.find(p.id))
                        .set(fields)
                        .execute(conn)?;
                }
                None => {
                    diesel::insert_into(course_revisions::table)
                        .values((
                            fields,
                            course_revisions::course_id.eq(course.id),
                            course_revisions::state.eq(REVISION_PENDING),
                            course_revisions::created_at.eq(now),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(true)
        })
    }

    /// Pending revisions with their courses, oldest first.
    pub fn queue(conn: &mut DbConnection) -> Result<Vec<(Revision, CourseCard)>, DbError> {
        let rows: Vec<(Revision, Course, String, String)> = course_revisions::table
            .inner_join(courses::table.inner_join(users::table))
            .filter(course_revisions::state.eq(REVISION_PENDING))
            .order(course_revisions::updated_at.asc())
            .select((
                Revision::as_select(),
                Course::as_select(),
                users::username,
                users::display_name,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(r, course, owner_username, owner_display_name)| {
                (
                    r,
                    CourseCard {
                        course,
                        owner_username,
                        owner_display_name,
                    },
                )
            })
            .collect())
    }

    /// Approves (applying it to the course) or rejects a pending revision;
    /// false when it was no longer pending.
    pub fn decide(
        conn: &mut DbConnection,
        id: i64,
        approve: bool,
        moderator: i64,
        note: &str,
    ) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let revision = course_revisions::table
                .find(id)
                .select(Revision::as_select())
                .first(conn)
                .map_err(DbError::from_query)?;
            if revision.state != REVISION_PENDING {
                return Ok(false);
            }
            let state = if approve {
                REVISION_APPROVED
            } else {
                REVISION_REJECTED
            };
            diesel::update(course_revisions::table.find(id))
                .set((
                    course_revisions::state.eq(state),
                    course_revisions::review_note.eq(note),
                    course_revisions::decided_by.eq(Some(moderator)),
                    course_revisions::decided_at.eq(Some(crate::now())),
                ))
                .execute(conn)?;
            if approve {
                Course::update_content(conn, revision.course_id, &revision.content())?;
            }
            Ok(true)
        })
    }
}

// ---- chapters and lessons ----

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = chapters)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Chapter {
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub position: i32,
    pub hidden: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = lessons)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Lesson {
    pub id: i64,
    pub course_id: i64,
    pub chapter_id: i64,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub position: i32,
    pub free_preview: bool,
    pub duration_minutes: i32,
    pub media_upload_id: Option<i64>,
    pub task_instructions: String,
    pub task_instructions_html: String,
    pub task_kind: Option<String>,
    pub hidden: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What the lesson form sets.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = lessons)]
#[diesel(treat_none_as_null = true)]
pub struct LessonFields {
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub free_preview: bool,
    pub duration_minutes: i32,
    pub task_instructions: String,
    pub task_instructions_html: String,
    pub task_kind: Option<String>,
}

/// Up or down in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// A course's outline: its chapters in order, each with its lessons in order.
#[derive(Debug, Clone)]
pub struct Outline {
    pub chapters: Vec<(Chapter, Vec<Lesson>)>,
}

impl Outline {
    pub fn lessons(&self) -> impl Iterator<Item = &Lesson> {
        self.chapters.iter().flat_map(|(_, l)| l.iter())
    }

    pub fn lesson_count(&self) -> usize {
        self.lessons().count()
    }

    pub fn total_minutes(&self) -> i64 {
        self.lessons().map(|l| i64::from(l.duration_minutes)).sum()
    }

    /// The lessons before and after `id` in reading order.
    pub fn neighbours(&self, id: i64) -> (Option<&Lesson>, Option<&Lesson>) {
        let all: Vec<&Lesson> = self.lessons().collect();
        match all.iter().position(|l| l.id == id) {
            Some(i) => (i.checked_sub(1).map(|j| all[j]), all.get(i + 1).copied()),
            None => (None, None),
        }
    }
}

impl Chapter {
    pub fn create(conn: &mut DbConnection, course_id: i64, title: &str) -> Result<Chapter, DbError> {
        write_tx(conn, |conn| {
            let max: Option<i32> = chapters::table
                .filter(chapters::course_id.eq(course_id))
                .select(diesel::dsl::max(chapters::position))
                .first(conn)?;
            let id: i64 = diesel::insert_into(chapters::table)
                .values((
                    chapters::course_id.eq(course_id),
                    chapters::title.eq(title),
                    chapters::position.eq(max.unwrap_or(0) + 1),
                    chapters::created_at.eq(crate::now()),
                ))
                .returning(chapters::id)
                .get_result(conn)?;
            Chapter::find(conn, id)
        })
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> Result<Chapter, DbError> {
        chapters::table
            .find(id)
            .select(Chapter::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn rename(conn: &mut DbConnection, id: i64, title: &str) -> Result<(), DbError> {
        diesel::update(chapters::table.find(id))
            .set(chapters::title.eq(title))
            .execute(conn)?;
        Ok(())
    }

    /// Swaps the chapter with its visible neighbour; false at either end.
    pub fn move_by(conn: &mut DbConnection, id: i64, direction: Direction) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let me = Chapter::find(conn, id)?;
            let base = chapters::table
                .filter(chapters::course_id.eq(me.course_id))
                .filter(chapters::hidden.eq(false))
                .into_boxed();
            let other = match direction {
                Direction::Up => base
                    .filter(chapters::position.lt(me.position))
                    .order(chapters::position.desc()),
                Direction::Down => base
                    .filter(chapters::position.gt(me.position))
                    .order(chapters::position.asc()),
            }
            .select(Chapter::as_select())
            .first(conn)
            .optional()?;
            let Some(other) = other else { return Ok(false) };
            diesel::update(chapters::table.find(me.id))
                .set(chapters::position.eq(other.position))
                .execute(conn)?;
            diesel::update(chapters::table.find(other.id))
                .set(chapters::position.eq(me.position))
                .execute(conn)?;
            Ok(true)
        })
    }

    /// Deletes the chapter and its lessons, except that lessons learners have
    /// opened are hidden (and the chapter with them), never deleted.
    pub fn remove(conn: &mut DbConnection, id: i64) -> Result<(), DbError> {
        write_tx(conn, |conn| {
            let ids: Vec<i64> = lessons::table
                .filter(lessons::chapter_id.eq(id))
                .select(lessons::id)
                .load(conn)?;
            let mut kept = false;
            for lesson in ids {
                kept |= !Lesson::remove(conn, lesson)?;
            }
            if kept {
                diesel::update(chapters::table.find(id))
                    .set(chapters::hidden.eq(true))
                    .execute(conn)?;
            } else {
                diesel::delete(chapters::table.find(id)).execute(conn)?;
            }
            Ok(())
        })
    }
}

impl Lesson {
    pub fn create(
        conn: &mut DbConnection,
        chapter: &Chapter,
        fields: &LessonFields,
        media_upload_id: Option<i64>,
    ) -> Result<Lesson, DbError> {
        write_tx(conn, |conn| {
            let max: Option<i32> = lessons::table
                .filter(lessons::chapter_id.eq(chapter.id))
                .select(diesel::dsl::max(lessons::position))
                .first(conn)?;
            let now = crate::now();
            let id: i64 = diesel::insert_into(lessons::table)
                .values((
                    lessons::course_id.eq(chapter.course_id),
                    lessons::chapter_id.eq(chapter.id),
                    lessons::title.eq(&fields.title),
                    lessons::body.eq(&fields.body),
                    lessons::body_html.eq(&fields.body_html),
                    lessons::position.eq(max.unwrap_or(0) + 1),
                    lessons::free_preview.eq(fields.free_preview),
                    lessons::duration_minutes.eq(fields.duration_minutes),
                    lessons::media_upload_id.eq(media_upload_id),
                    lessons::task_instructions.eq(&fields.task_instructions),
                    lessons::task_instructions_html.eq(&fields.task_instructions_html),
                    lessons::task_kind.eq(&fields.task_kind),
                    lessons::created_at.eq(now),
                    lessons::updated_at.eq(now),
                ))
                .returning(lessons::id)
                .get_result(conn)?;
            Lesson::find(conn, id)
        })
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> Result<Lesson, DbError> {
        lessons::table
            .find(id)
            .select(Lesson::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn find_by_media(conn: &mut DbConnection, upload_id: i64) -> Result<Option<Lesson>, DbError> {
        Ok(lessons::table
            .filter(lessons::media_upload_id.eq(upload_id))
            .select(Lesson::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn update(conn: &mut DbConnection, id: i64, fields: &LessonFields) -> Result<(), DbError> {
        diesel::update(lessons::table.find(id))
            .set((fields, lessons::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_media(conn: &mut DbConnection, id: i64, upload_id: Option<i64>) -> Result<(), DbError> {
        diesel::update(lessons::table.find(id))
            .set(lessons::media_upload_id.eq(upload_id))
            .execute(conn)?;
        Ok(())
    }

    /// Swaps the lesson with its visible neighbour in the chapter; false at either end.
    pub fn move_by(conn: &mut DbConnection, id: i64, direction: Direction) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let me = Lesson::find(conn, id)?;
            let base = lessons::table
                .filter(lessons::chapter_id.eq(me.chapter_id))
                .filter(lessons::hidden.eq(false))
                .into_boxed();
            let other = match direction {
                Direction::Up => base
                    .filter(lessons::position.lt(me.position))
                    .order(lessons::position.desc()),
                Direction::Down => base
                    .filter(lessons::position.gt(me.position))
                    .order(lessons::position.asc()),
            }
            .select(Lesson::as_select())
            .first(conn)
            .optional()?;
            let Some(other) = other else { return Ok(false) };
            diesel::update(lessons::table.find(me.id))
                .set(lessons::position.eq(other.position))
                .execute(conn)?;
            diesel::update(lessons::table.find(other.id))
                .set(lessons::position.eq(me.position))
                .execute(conn)?;
            Ok(true)
        })
    }

    /// Deletes a lesson nobody has opened; one that learners opened is hidden
    /// instead. Returns true when it was deleted.
    pub fn remove(conn: &mut DbConnection, id: i64) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let opened: i64 = lesson_progress::table
                .filter(lesson_progress::lesson_id.eq(id))
                .count()
                .get_result(conn)?;
            if opened > 0 {
                diesel::update(lessons::table.find(id))
                    .set(lessons::hidden.eq(true))
                    .execute(conn)?;
                Ok(false)
            } else {
                diesel::delete(lessons::table.find(id)).execute(conn)?;
                Ok(true)
            }
        })
    }

    /// The outline of a course; hidden chapters and lessons only when asked.
    pub fn outline(
        conn: &mut DbConnection,
        course_id: i64,
        include_hidden: bool,
    ) -> Result<Outline, DbError> {
        let mut chapter_query = chapters::table
            .filter(chapters::course_id.eq(course_id))
            .into_boxed();
        let mut lesson_query = lessons::table
            .filter(lessons::course_id.eq(course_id))
            .into_boxed();
        if !include_hidden {
            chapter_query = chapter_query.filter(chapters::hidden.eq(false));
            lesson_query = lesson_query.filter(lessons::hidden.eq(false));
        }
        let chapter_rows: Vec<Chapter> = chapter_query
            .order((chapters::position.asc(), chapters::id.asc()))
            .select(Chapter::as_select())
            .load(conn)?;
        let lesson_rows: Vec<Lesson> = lesson_query
            .order((lessons::position.asc(), lessons::id.asc()))
            .select(Lesson::as_select())
            .load(conn)?;
        let chapters = chapter_rows
            .into_iter()
            .map(|c| {
                let own: Vec<Lesson> = lesson_rows
                    .iter()
                    .filter(|l| l.chapter_id == c.id)
                    .cloned()
                    .collect();
                (c, own)
            })
            .collect();
        Ok(Outline { chapters })
    }
}

// ---- the catalogue ----

/// How the catalogue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueSort {
    /// With a search: best match first.
    Relevance,
    Popular,
    Newest,
    Rating,
    PriceAsc,
    PriceDesc,
}

/// The catalogue's filters, already checked.
#[derive(Debug, Clone, Default)]
pub struct CatalogueFilter {
    pub category_id: Option<i64>,
    pub level: Option<String>,
    pub format: Option<String>,
    /// `Some(true)`: free only; `Some(false)`: paid only.
    pub free: Option<bool>,
}

/// At most this many search hits are ranked and filtered.
const MAX_SEARCH_HITS: i64 = 2000;

impl Course {
    /// One page of published courses: filtered, sorted, and, with `q`, searched.
    /// Returns the cards and the number of matching courses. A page beyond the
    /// last is the caller's to clamp, using the total.
    pub fn catalogue(
        conn: &mut DbConnection,
        q: Option<&str>,
        filter: &CatalogueFilter,
        sort: CatalogueSort,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<CourseCard>, i64), DbError> {
        let hits = match q {
            Some(q) => Some(crate::search::search_courses(conn, q, MAX_SEARCH_HITS)?),
            None => None,
        };
        if hits.as_ref().is_some_and(|h| h.is_empty()) {
            return Ok((Vec::new(), 0));
        }
        // Filters, sorts and counts run on the courses table alone (the
        // covering indexes of migration 4); only the page's cards are joined
        // with their experts.
        let build = || {
            let mut query = courses::table.filter(courses::state.eq(PUBLISHED)).into_boxed();
            if let Some(ids) = &hits {
                query = query.filter(courses::id.eq_any(ids.clone()));
            }
            if let Some(c) = filter.category_id {
                query = query.filter(courses::category_id.eq(c));
            }
            if let Some(l) = &filter.level {
                query = query.filter(courses::level.eq(l.clone()));
            }
            if let Some(f) = &filter.format {
                query = query.filter(courses::format.eq(f.clone()));
            }
            match filter.free {
                Some(true) => query = query.filter(courses::price_cents.eq(0)),
                Some(false) => query = query.filter(courses::price_cents.gt(0)),
                None => {}
            }
            query
        };
        let offset = (page.max(1) - 1) * per_page;
        let unfiltered = filter.category_id.is_none()
            && filter.level.is_none()
            && filter.format.is_none()
            && filter.free.is_none();
        if let (CatalogueSort::Relevance, Some(ranked), true) = (sort, &hits, unfiltered) {
            // The index holds published courses only: its ranking is the answer.
            let page_ids: Vec<i64> = ranked
                .iter()
                .skip(offset as usize)
                .take(per_page as usize)
                .copied()
                .collect();
            let cards = Course::cards_in_order(conn, &page_ids)?;
            return Ok((cards, ranked.len() as i64));
        }
        let total: i64 = build().count().get_result(conn)?;
        let page_ids: Vec<i64> = match (sort, &hits) {
            (CatalogueSort::Relevance, Some(ranked)) => {
                // Rank order comes from the index: keep the ids that pass the filters.
                let passing: std::collections::HashSet<i64> = build()
                    .select(courses::id)
                    .load::<i64>(conn)?
                    .into_iter()
                    .collect();
                ranked
                    .iter()
                    .filter(|id| passing.contains(id))
                    .skip(offset as usize)
                    .take(per_page as usize)
                    .copied()
                    .collect()
            }
            _ => {
                let query = build();
                let query = match sort {
                    CatalogueSort::Newest => query.order((courses::published_at.desc(), courses::id.desc())),
                    CatalogueSort::Rating => query.order((courses::rating_score.desc(), courses::id.desc())),
                    CatalogueSort::PriceAsc => query.order((courses::price_cents.asc(), courses::id.desc())),
                    CatalogueSort::PriceDesc => {
                        query.order((courses::price_cents.desc(), courses::id.desc()))
                    }
                    CatalogueSort::Popular | CatalogueSort::Relevance => {
                        query.order((courses::learners_count.desc(), courses::id.desc()))
                    }
                };
                query
                    .limit(per_page)
                    .offset(offset)
                    .select(courses::id)
                    .load(conn)?
            }
        };
        Ok((Course::cards_in_order(conn, &page_ids)?, total))
    }

    /// The cards of these courses, in this order, from one query.
    fn cards_in_order(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<CourseCard>, DbError> {
        let mut rows: Vec<(Course, String, String)> = courses::table
            .inner_join(users::table)
            .filter(courses::id.eq_any(ids))
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        rows.sort_by_key(|(c, _, _)| ids.iter().position(|id| *id == c.id).unwrap_or(usize::MAX));
        Ok(Course::cards(rows))
    }

    /// The newest or most popular published courses, for the home page.
    pub fn top(conn: &mut DbConnection, sort: CatalogueSort, limit: i64) -> Result<Vec<CourseCard>, DbError> {
        Ok(Course::catalogue(conn, None, &CatalogueFilter::default(), sort, 1, limit)?.0)
    }

    /// Recomputes the rating score of every course (the mean rating C moves
    /// with every review).
    pub fn refresh_rating_scores(conn: &mut DbConnection) -> Result<f64, DbError> {
        crate::backend::refresh_rating_scores(conn, RATING_PRIOR_WEIGHT)
    }
}
