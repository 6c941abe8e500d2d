//! Courses: the course row with its tags and the figures lists sort by
//! (learners, rating sum and count, kept on the row and changed with the
//! events). Beside it: `revisions` (the reviewed changes of a course that
//! learners can see) and `outline` (chapters and lessons); the catalogue's
//! query lives in `crate::catalogue`, next to search.

pub mod outline;
pub mod revisions;

use chrono::NaiveDateTime;
use diesel::prelude::*;

pub use crate::types::RevisionState;
pub use outline::{Audience, Chapter, Direction, Lesson, LessonFields, LessonStep, Outline};
pub use revisions::{LessonRevision, Revision};

use crate::catalogue_counts::{self, Facets};
use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::{course_tags, courses, users};
use crate::types::{CategoryId, CourseId, UploadId, UserId};
pub use crate::types::{CourseState, RATING_PRIOR_WEIGHT};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = courses)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Course {
    pub id: CourseId,
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
    pub cover_upload_id: Option<UploadId>,
    pub state: CourseState,
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

/// What learners see of a course: once learners can see it, these change
/// only through a reviewed revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseContent {
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub description_html: String,
    pub outcomes: String,
    pub outcomes_html: String,
    pub price_cents: i64,
    pub cover_upload_id: Option<UploadId>,
    pub tags: Vec<String>,
}

/// The fields that change directly, published or not.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = courses)]
#[diesel(treat_none_as_null = true)]
pub struct CourseSettings {
    pub category_id: Option<CategoryId>,
    pub level: String,
    pub format: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = courses)]
struct NewCourseRow<'a> {
    owner_id: UserId,
    slug: &'a str,
    title: &'a str,
    subtitle: &'a str,
    description: &'a str,
    description_html: &'a str,
    outcomes: &'a str,
    outcomes_html: &'a str,
    category_id: Option<CategoryId>,
    level: &'a str,
    format: &'a str,
    price_cents: i64,
    currency: &'a str,
    state: CourseState,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The plain average of `count` ratings adding up to `sum`, with one decimal
/// rounded half up (17 stars from 4 reviews are 4.3); none without ratings.
pub fn average_rating(sum: i64, count: i64) -> Option<String> {
    (count > 0).then(|| {
        let tenths = (sum * 20 + count) / (count * 2);
        format!("{}.{}", tenths / 10, tenths % 10)
    })
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
    /// What learners see of it now (its tags read from their table).
    pub fn content(&self, conn: &mut DbConnection) -> Result<CourseContent, DbError> {
        Ok(CourseContent {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            description: self.description.clone(),
            description_html: self.description_html.clone(),
            outcomes: self.outcomes.clone(),
            outcomes_html: self.outcomes_html.clone(),
            price_cents: self.price_cents,
            cover_upload_id: self.cover_upload_id,
            tags: Course::tags(conn, self.id)?,
        })
    }

    pub fn settings(&self) -> CourseSettings {
        CourseSettings {
            category_id: self.category_id,
            level: self.level.clone(),
            format: self.format.clone(),
        }
    }

    /// Whether learners have been able to see it: it was published once
    /// (its learners keep it even while it is unpublished).
    pub fn was_published(&self) -> bool {
        self.published_at.is_some()
    }

    /// Creates a draft. The slug is made unique by a numeric suffix.
    pub fn create(
        conn: &mut DbConnection,
        owner_id: UserId,
        base_slug: &str,
        content: &CourseContent,
        settings: &CourseSettings,
    ) -> Result<Course, DbError> {
        write_tx(conn, |conn| {
            let slug = Course::free_slug(conn, base_slug)?;
            let now = crate::now();
            let id: CourseId = diesel::insert_into(courses::table)
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
                    state: CourseState::Draft,
                    created_at: now,
                    updated_at: now,
                })
                .returning(courses::id)
                .get_result(conn)?;
            Course::update_content(conn, id, content)?;
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

    pub fn find(conn: &mut DbConnection, id: CourseId) -> Result<Course, DbError> {
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

    /// These courses, from one query, in no particular order.
    pub fn find_many(conn: &mut DbConnection, ids: &[CourseId]) -> Result<Vec<Course>, DbError> {
        Ok(courses::table
            .filter(courses::id.eq_any(ids))
            .select(Course::as_select())
            .load(conn)?)
    }

    /// The slugs of these courses, for links.
    pub fn slugs(conn: &mut DbConnection, ids: &[CourseId]) -> Result<Vec<(CourseId, String)>, DbError> {
        Ok(courses::table
            .filter(courses::id.eq_any(ids))
            .select((courses::id, courses::slug))
            .load(conn)?)
    }

    /// A course of `owner`; anyone else's id is `NotFound`.
    pub fn find_owned(conn: &mut DbConnection, id: CourseId, owner_id: UserId) -> Result<Course, DbError> {
        courses::table
            .filter(courses::id.eq(id))
            .filter(courses::owner_id.eq(owner_id))
            .select(Course::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn list_by_owner(conn: &mut DbConnection, owner_id: UserId) -> Result<Vec<Course>, DbError> {
        Ok(courses::table
            .filter(courses::owner_id.eq(owner_id))
            .order(courses::updated_at.desc())
            .select(Course::as_select())
            .load(conn)?)
    }

    pub fn card(conn: &mut DbConnection, id: CourseId) -> Result<CourseCard, DbError> {
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

    pub(crate) fn cards(rows: Vec<(Course, String, String)>) -> Vec<CourseCard> {
        rows.into_iter()
            .map(|(course, owner_username, owner_display_name)| CourseCard {
                course,
                owner_username,
                owner_display_name,
            })
            .collect()
    }

    /// An expert's published courses as cards, most learners first.
    pub fn published_by(conn: &mut DbConnection, owner_id: UserId) -> Result<Vec<CourseCard>, DbError> {
        let rows = courses::table
            .inner_join(users::table)
            .filter(courses::owner_id.eq(owner_id))
            .filter(courses::state.eq(CourseState::Published))
            .order((courses::learners_count.desc(), courses::id.desc()))
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        Ok(Course::cards(rows))
    }

    /// The ids of an expert's courses in `state` with a price.
    pub fn paid_in_state(
        conn: &mut DbConnection,
        owner_id: UserId,
        state: CourseState,
    ) -> Result<Vec<CourseId>, DbError> {
        Ok(courses::table
            .filter(courses::owner_id.eq(owner_id))
            .filter(courses::state.eq(state))
            .filter(courses::price_cents.gt(0))
            .select(courses::id)
            .load(conn)?)
    }

    /// Courses waiting for review, oldest first.
    pub fn review_queue(conn: &mut DbConnection) -> Result<Vec<CourseCard>, DbError> {
        let rows = courses::table
            .inner_join(users::table)
            .filter(courses::state.eq(CourseState::InReview))
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
        let total = catalogue_counts::total(conn, &crate::catalogue::CatalogueFilter::default())?;
        let rows = courses::table
            .inner_join(users::table)
            .filter(courses::state.eq(CourseState::Published))
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
        id: CourseId,
        from: CourseState,
        to: CourseState,
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
        if to == CourseState::InReview {
            diesel::update(courses::table.find(id))
                .set(courses::submitted_at.eq(Some(now)))
                .execute(conn)?;
        }
        if to == CourseState::Published {
            // The first publication date stays; a republish does not make a course new.
            diesel::update(courses::table.find(id).filter(courses::published_at.is_null()))
                .set(courses::published_at.eq(Some(now)))
                .execute(conn)?;
            diesel::update(courses::table.find(id))
                .set(courses::review_note.eq(""))
                .execute(conn)?;
        }
        if to != CourseState::Published {
            diesel::update(courses::table.find(id))
                .set(courses::featured.eq(false))
                .execute(conn)?;
        }
        if (from == CourseState::Published) != (to == CourseState::Published) {
            // The catalogue's counts gain or lose it.
            let facets = Facets::of(conn, id)?;
            let (left, joined) = if to == CourseState::Published {
                (None, Some(&facets))
            } else {
                (Some(&facets), None)
            };
            catalogue_counts::moved(conn, left, joined)?;
            // So do its expert's figures in the directory.
            crate::experts::refresh_figures(conn, id)?;
        }
        crate::search::sync_course(conn, id)?;
        Ok(true)
    }

    /// Writes what learners see: the texts, the price, the cover, the tags
    /// (and the catalogue's counts if a published course's price changes
    /// between free and paid).
    pub fn update_content(
        conn: &mut DbConnection,
        id: CourseId,
        content: &CourseContent,
    ) -> Result<(), DbError> {
        let before = Facets::of_published(conn, id)?;
        diesel::update(courses::table.find(id))
            .set((
                courses::title.eq(&content.title),
                courses::subtitle.eq(&content.subtitle),
                courses::description.eq(&content.description),
                courses::description_html.eq(&content.description_html),
                courses::outcomes.eq(&content.outcomes),
                courses::outcomes_html.eq(&content.outcomes_html),
                courses::price_cents.eq(content.price_cents),
                courses::cover_upload_id.eq(content.cover_upload_id),
                courses::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        let after = Facets::of_published(conn, id)?;
        catalogue_counts::moved(conn, before.as_ref(), after.as_ref())?;
        Course::set_tags(conn, id, &content.tags)?;
        crate::search::sync_course(conn, id)
    }

    /// Writes the category, level and format (moving a published course
    /// between the catalogue's counts).
    pub fn update_settings(
        conn: &mut DbConnection,
        id: CourseId,
        settings: &CourseSettings,
    ) -> Result<(), DbError> {
        let before = Facets::of_published(conn, id)?;
        diesel::update(courses::table.find(id))
            .set((settings, courses::updated_at.eq(crate::now())))
            .execute(conn)?;
        let after = Facets::of_published(conn, id)?;
        catalogue_counts::moved(conn, before.as_ref(), after.as_ref())
    }

    pub fn set_cover(
        conn: &mut DbConnection,
        id: CourseId,
        upload_id: Option<UploadId>,
    ) -> Result<(), DbError> {
        diesel::update(courses::table.find(id))
            .set(courses::cover_upload_id.eq(upload_id))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_featured(conn: &mut DbConnection, id: CourseId, featured: bool) -> Result<(), DbError> {
        diesel::update(courses::table.find(id))
            .set(courses::featured.eq(featured))
            .execute(conn)?;
        Ok(())
    }

    pub fn tags(conn: &mut DbConnection, id: CourseId) -> Result<Vec<String>, DbError> {
        Ok(course_tags::table
            .filter(course_tags::course_id.eq(id))
            .order(course_tags::id.asc())
            .select(course_tags::tag)
            .load(conn)?)
    }

    /// The tags of several courses, from one query.
    pub fn tags_of(
        conn: &mut DbConnection,
        ids: &[CourseId],
    ) -> Result<std::collections::HashMap<CourseId, Vec<String>>, DbError> {
        let rows: Vec<(CourseId, String)> = course_tags::table
            .filter(course_tags::course_id.eq_any(ids))
            .order(course_tags::id.asc())
            .select((course_tags::course_id, course_tags::tag))
            .load(conn)?;
        let mut out: std::collections::HashMap<CourseId, Vec<String>> = std::collections::HashMap::new();
        for (id, tag) in rows {
            out.entry(id).or_default().push(tag);
        }
        Ok(out)
    }

    pub fn set_tags(conn: &mut DbConnection, id: CourseId, tags: &[String]) -> Result<(), DbError> {
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
            .filter(courses::state.eq(CourseState::Published))
            .filter(courses::featured.eq(true))
            .order(courses::published_at.desc())
            .limit(limit)
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        Ok(Course::cards(rows))
    }
}
