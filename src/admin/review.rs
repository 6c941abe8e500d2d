//! The course review queue: courses waiting for their first (or next)
//! publication, the waiting changes of courses learners can see (course
//! fields, lessons, chapter titles, new chapters and lessons), the published
//! courses with featuring. The decisions are the courses area's use cases.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::courses::{Chapter, Course, CourseCard, Lesson, LessonRevision, Revision};
use klearn_db::uploads::Upload;
use klearn_db::{CourseId, DbConnection, DbError, LessonId, RevisionId, UploadId};
use serde::Deserialize;

use crate::admin::views::AdminNav;
use crate::admin::Pager;
use crate::courses::{self, CourseError};
use crate::domain::course::price_label;
use crate::i18n::k;
use crate::web::auth::Moderator;
use crate::web::flash::{Flash, Level};
use crate::web::pager::{last_page, page_number};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page,
};

const PER_PAGE: i64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/courses").route(web::get().to(queue)))
        .service(web::resource("/admin/courses/{id}/approve").route(web::post().to(approve)))
        .service(web::resource("/admin/courses/{id}/reject").route(web::post().to(reject)))
        .service(web::resource("/admin/courses/{id}/feature").route(web::post().to(feature)));
}

/// One changed field: its name, the live text, the proposed text.
pub struct Change {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

fn diff(out: &mut Vec<Change>, field: &'static str, before: &str, after: &str) {
    if before != after {
        out.push(Change {
            field,
            before: before.to_string(),
            after: after.to_string(),
        });
    }
}

/// A lesson's waiting change: new, or its fields before and after.
pub struct LessonChange {
    pub lesson: Lesson,
    pub new: bool,
    pub changes: Vec<Change>,
}

pub struct RevisionRow {
    pub revision: Revision,
    pub card: CourseCard,
    pub changes: Vec<Change>,
    pub chapters: Vec<Change>,
    pub lessons: Vec<LessonChange>,
}

/// Names of the files a change points to, to show them by name.
type Names = HashMap<UploadId, String>;

fn file_name(names: &Names, id: Option<UploadId>) -> String {
    id.and_then(|id| names.get(&id).cloned()).unwrap_or_default()
}

fn course_changes(card: &CourseCard, tags: &[String], r: &Revision, names: &Names) -> Vec<Change> {
    let (course, mut out) = (&card.course, Vec::new());
    diff(&mut out, "title", &course.title, &r.title);
    diff(&mut out, "subtitle", &course.subtitle, &r.subtitle);
    diff(&mut out, "description", &course.description, &r.description);
    diff(&mut out, "outcomes", &course.outcomes, &r.outcomes);
    let (before, after) = (
        price_label(course.price_cents, &course.currency),
        price_label(r.price_cents, &course.currency),
    );
    diff(&mut out, "price", &before, &after);
    diff(&mut out, "tags", &tags.join(", "), &r.content().tags.join(", "));
    diff(
        &mut out,
        "cover",
        &file_name(names, course.cover_upload_id),
        &file_name(names, r.cover_upload_id),
    );
    out
}

fn lesson_changes(live: &Lesson, r: &LessonRevision, names: &Names) -> Vec<Change> {
    let mut out = Vec::new();
    diff(&mut out, "lesson_title", &live.title, &r.title);
    diff(&mut out, "body", &live.body, &r.body);
    let yes_no = |b: bool| if b { "✓" } else { "—" };
    diff(
        &mut out,
        "free_preview",
        yes_no(live.free_preview),
        yes_no(r.free_preview),
    );
    diff(
        &mut out,
        "duration",
        &live.duration_minutes.to_string(),
        &r.duration_minutes.to_string(),
    );
    diff(
        &mut out,
        "media",
        &file_name(names, live.media_upload_id),
        &file_name(names, r.media_upload_id),
    );
    diff(
        &mut out,
        "task_instructions",
        &live.task_instructions,
        &r.task_instructions,
    );
    out
}

/// Every pending revision with what it changes, from a fixed number of queries.
fn revision_rows(conn: &mut DbConnection) -> Result<Vec<RevisionRow>, DbError> {
    let queue = Revision::queue(conn)?;
    let ids: Vec<CourseId> = queue.iter().map(|(_, c)| c.course.id).collect();
    let revisions = LessonRevision::pending_among(conn, &ids)?;
    let revised: Vec<LessonId> = revisions.iter().map(|r| r.lesson_id).collect();
    let lessons = Lesson::listed_or_new(conn, &revised, &ids)?;
    let chapters = Chapter::waiting_among(conn, &ids)?;
    let files: Vec<UploadId> = queue
        .iter()
        .flat_map(|(r, c)| [r.cover_upload_id, c.course.cover_upload_id])
        .chain(lessons.iter().map(|l| l.media_upload_id))
        .chain(revisions.iter().map(|r| r.media_upload_id))
        .flatten()
        .collect();
    let names: Names = Upload::find_many(conn, &files)?
        .into_iter()
        .map(|u| (u.id, u.original_name))
        .collect();
    let mut tags = Course::tags_of(conn, &ids)?;
    Ok(queue
        .into_iter()
        .map(|(revision, card)| {
            let id = card.course.id;
            let course_tags = tags.remove(&id).unwrap_or_default();
            let lessons = lessons
                .iter()
                .filter(|l| l.course_id == id)
                .filter_map(|l| match revisions.iter().find(|r| r.lesson_id == l.id) {
                    Some(r) => Some(LessonChange {
                        lesson: l.clone(),
                        new: false,
                        changes: lesson_changes(l, r, &names),
                    }),
                    None if !l.approved => Some(LessonChange {
                        lesson: l.clone(),
                        new: true,
                        changes: Vec::new(),
                    }),
                    None => None,
                })
                .collect();
            let chapters = chapters
                .iter()
                .filter(|c| c.course_id == id)
                .map(|c| match (&c.pending_title, c.approved) {
                    (Some(title), true) => Change {
                        field: "chapter",
                        before: c.title.clone(),
                        after: title.clone(),
                    },
                    _ => Change {
                        field: "chapter",
                        before: String::new(),
                        after: c.title.clone(),
                    },
                })
                .collect();
            RevisionRow {
                changes: course_changes(&card, &course_tags, &revision, &names),
                chapters,
                lessons,
                revision,
                card,
            }
        })
        .collect())
}

#[derive(askama::Template)]
#[template(path = "admin/courses.html")]
pub struct QueueView {
    pub page: Page,
    pub nav: AdminNav,
    pub waiting: Vec<CourseCard>,
    pub revisions: Vec<RevisionRow>,
    pub published: Vec<CourseCard>,
    pub pager: Pager,
    /// A rejection sent without a reason: (course id, revision id, text typed).
    pub reject_error: Option<(CourseId, Option<RevisionId>, String)>,
    pub errors: FieldErrors,
}

impl QueueView {
    pub fn price(&self, card: &CourseCard) -> String {
        price_label(card.course.price_cents, &card.course.currency)
    }

    pub fn rejecting(&self, course: &CourseId, revision: Option<&RevisionId>) -> bool {
        matches!(&self.reject_error, Some((c, r, _)) if c == course && r.as_ref() == revision)
    }

    pub fn typed_reason(&self) -> &str {
        self.reject_error
            .as_ref()
            .map(|(_, _, t)| t.as_str())
            .unwrap_or("")
    }
}

/// The queue's lists, read in one call.
pub struct Queue {
    waiting: Vec<CourseCard>,
    revisions: Vec<RevisionRow>,
    published: Vec<CourseCard>,
    total: i64,
}

impl Queue {
    fn load(conn: &mut DbConnection, wanted: i64) -> Result<Queue, DbError> {
        let (rows, total) = Course::published_page(conn, wanted, PER_PAGE)?;
        let last = last_page(total, PER_PAGE);
        let published = if wanted > last {
            Course::published_page(conn, last, PER_PAGE)?.0
        } else {
            rows
        };
        Ok(Queue {
            waiting: Course::review_queue(conn)?,
            revisions: revision_rows(conn)?,
            published,
            total,
        })
    }

    fn view(
        self,
        page: Page,
        wanted: i64,
        reject_error: Option<(CourseId, Option<RevisionId>, String)>,
        errors: FieldErrors,
    ) -> QueueView {
        QueueView {
            page,
            nav: AdminNav {
                current: "/admin/courses",
            },
            waiting: self.waiting,
            revisions: self.revisions,
            published: self.published,
            pager: Pager::new(wanted, PER_PAGE, self.total, &[]),
            reject_error,
            errors,
        }
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

async fn queue(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let wanted = page_number(query.page.as_deref());
    let queue = plumbing::db(&state.pool, move |conn| Queue::load(conn, wanted)).await?;
    html(&queue.view(page, wanted, None, FieldErrors::new()))
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    revision: Option<String>,
    #[serde(default)]
    reason: String,
}

impl DecisionForm {
    fn revision_id(&self) -> Result<Option<RevisionId>, AppError> {
        match self.revision.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| AppError::BadRequest),
        }
    }

    fn reason(&self) -> String {
        self.reason.trim().chars().take(2000).collect()
    }
}

async fn approve(
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, revision, note) = (id.into_inner(), form.revision_id()?, form.reason());
    let (services, actor) = (state.services.clone(), moderator.actor());
    call(&state.pool, move |conn| {
        courses::approve(conn, &services, &actor, id, revision, &note)
    })
    .await??;
    let flash = Flash::new(Level::Success, k("admin.courses.approved"));
    Ok(redirect_with_flash(&state.settings, "/admin/courses", &flash))
}

async fn reject(
    page: Page,
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, revision, reason) = (id.into_inner(), form.revision_id()?, form.reason());
    let (services, actor) = (state.services.clone(), moderator.actor());
    // Done, or the queue to show the refused form on again.
    let shown = call(&state.pool, move |conn| {
        match courses::reject(conn, &services, &actor, id, revision, &reason) {
            Ok(()) => Ok(None),
            Err(CourseError::Invalid { field, key }) => Ok(Some((field, key, Queue::load(conn, 1)?))),
            Err(e) => Err(e),
        }
    })
    .await??;
    let Some((field, key, queue)) = shown else {
        let flash = Flash::new(Level::Success, k("admin.courses.rejected"));
        return Ok(redirect_with_flash(&state.settings, "/admin/courses", &flash));
    };
    let mut errors = FieldErrors::new();
    errors.add(&page.tr, field, key);
    let view = queue.view(page, 1, Some((id, revision, form.reason.clone())), errors);
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

async fn feature(
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), moderator.actor());
    let featured = call(&state.pool, move |conn| courses::feature(conn, &actor, id)).await??;
    let key = if featured {
        k("admin.courses.featured")
    } else {
        k("admin.courses.unfeatured")
    };
    let flash = Flash::new(Level::Success, key);
    Ok(redirect_with_flash(
        &state.settings,
        "/admin/courses#published",
        &flash,
    ))
}
