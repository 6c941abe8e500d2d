//! A course's own fields: creating a draft, and saving the course form,
//! directly or into the pending revision (see `domain::course::edit_path`).

use klearn_db::audit::{self, Object};
use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::{Course, CourseContent, CourseSettings, Revision};
use klearn_db::{public_write_tx, CourseId, DbConnection};

use super::{owned, studio_member, CourseError};
use crate::domain::actor::Actor;
use crate::domain::course::{edit_path, slugify, EditPath};
use crate::services::Services;
use crate::uploads::ReceivedFile;

/// The course form, parsed (lengths, level, format, price and tags checked).
pub struct CourseInput {
    /// The address's slug; `None` makes one from the title (the studio's
    /// form has no field for it: the demo's courses have chosen ones).
    pub slug: Option<String>,
    pub title: String,
    pub subtitle: String,
    /// Markdown.
    pub description: String,
    /// Markdown: what learners will be able to do.
    pub outcomes: String,
    /// A course category's slug.
    pub category: String,
    pub level: &'static str,
    pub format: &'static str,
    pub price_cents: i64,
    pub tags: Vec<String>,
    pub cover: Option<ReceivedFile>,
    pub remove_cover: bool,
}

/// How a saved course form reached the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The course changed.
    Direct,
    /// Learners can see the course: the change waits in its revision.
    Revision,
}

/// The checks that need the database: the category exists, a price is
/// allowed to the actor.
fn settings_of(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &CourseInput,
) -> Result<CourseSettings, CourseError> {
    let category = Category::list(conn, COURSE)?
        .into_iter()
        .find(|c| c.slug == input.category)
        .ok_or(CourseError::invalid("category", "studio.error.category"))?;
    if input.price_cents > 0 && !actor.may_charge() {
        return Err(CourseError::invalid(
            "price",
            "studio.error.price_needs_certification",
        ));
    }
    Ok(CourseSettings {
        category_id: Some(category.id),
        level: input.level.to_string(),
        format: input.format.to_string(),
    })
}

/// The content the form asks for, with the cover it keeps, replaces or drops.
fn content_of(input: &CourseInput, cover: Option<klearn_db::UploadId>) -> CourseContent {
    CourseContent {
        title: input.title.clone(),
        subtitle: input.subtitle.clone(),
        description: input.description.clone(),
        description_html: crate::markdown::render(&input.description),
        outcomes: input.outcomes.clone(),
        outcomes_html: crate::markdown::render(&input.outcomes),
        price_cents: input.price_cents,
        cover_upload_id: cover,
        tags: input.tags.clone(),
    }
}

/// A slug of lowercase ASCII letters, digits and single hyphens.
fn slug_ok(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 60
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

/// Keeps the form's cover within the owner's quota.
fn keep_cover(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    file: Option<ReceivedFile>,
) -> Result<Option<klearn_db::UploadId>, CourseError> {
    let Some(file) = file else { return Ok(None) };
    match services.storage.keep_within_quota(conn, file, actor)? {
        Ok(upload) => Ok(Some(upload.id)),
        Err(problem) => Err(CourseError::Upload {
            field: "cover",
            problem,
        }),
    }
}

/// Creates a draft of the actor's, with a unique slug from its title.
pub fn create(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    mut input: CourseInput,
) -> Result<Course, CourseError> {
    studio_member(actor)?;
    let owner = actor
        .user_id()
        .ok_or(CourseError::Forbidden("error.403.message"))?;
    public_write_tx(conn, |conn| {
        let settings = settings_of(conn, actor, &input)?;
        let cover = keep_cover(conn, services, actor, input.cover.take())?;
        let slug = match &input.slug {
            Some(slug) if slug_ok(slug) => slug.clone(),
            Some(_) => return Err(CourseError::invalid("slug", "studio.error.slug")),
            None => slugify(&input.title),
        };
        let course = Course::create(conn, owner, &slug, &content_of(&input, cover), &settings)?;
        audit::record(
            conn,
            Some(owner),
            "course.create",
            Object::course(course.id),
            &course.title,
        )?;
        Ok(course)
    })
}

/// Saves the course form. Category, level and format change at once; what
/// learners see (texts, price, cover, tags) changes at once only while
/// nobody but staff sees the course, and otherwise waits in its revision. A
/// course in review changes not at all.
pub fn update(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: CourseId,
    mut input: CourseInput,
) -> Result<Saved, CourseError> {
    public_write_tx(conn, |conn| {
        let course = owned(conn, actor, id)?;
        let path = edit_path(course.state, course.was_published());
        if path == EditPath::Locked {
            return Err(CourseError::Conflict("studio.locked_in_review"));
        }
        let settings = settings_of(conn, actor, &input)?;
        // The cover the owner last chose: the proposed one while a revision waits.
        let pending = Revision::pending_for(conn, course.id)?;
        let current_cover = match (&pending, path) {
            (Some(p), EditPath::Review) => p.cover_upload_id,
            _ => course.cover_upload_id,
        };
        let new_cover = keep_cover(conn, services, actor, input.cover.take())?;
        let cover = match (new_cover, input.remove_cover) {
            (Some(new), _) => Some(new),
            (None, true) => None,
            (None, false) => current_cover,
        };
        Course::update_settings(conn, course.id, &settings)?;
        let content = content_of(&input, cover);
        let saved = if path == EditPath::Review {
            // The live course stays as it is until a moderator approves.
            Revision::propose(conn, course.id, &content)?;
            let course = Course::find(conn, course.id)?;
            if Revision::drop_if_empty(conn, &course)? {
                Saved::Direct
            } else {
                Saved::Revision
            }
        } else {
            Course::update_content(conn, course.id, &content)?;
            Saved::Direct
        };
        // A cover replaced before anyone saw it is let go at once.
        if current_cover != cover && current_cover != course.cover_upload_id {
            services
                .storage
                .release(conn, &current_cover.into_iter().collect::<Vec<_>>())?;
        }
        if path == EditPath::Direct && course.cover_upload_id != cover {
            services
                .storage
                .release(conn, &course.cover_upload_id.into_iter().collect::<Vec<_>>())?;
        }
        audit::record(
            conn,
            actor.user_id(),
            "course.update",
            Object::course(course.id),
            &input.title,
        )?;
        Ok(saved)
    })
}
