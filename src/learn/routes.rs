//! `GET /courses/{slug}/lessons/{id}`, `POST …/complete`, `GET /learn`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::courses::{Course, Lesson};
use klearn_db::enrollments::{Enrollment, LessonProgress};
use klearn_db::uploads::Upload;
use klearn_db::DbError;
use serde::Deserialize;

use crate::app::AppState;
use crate::learn::access::{may_read_lesson, may_see_course, Standing};
use crate::learn::views::{LearnView, LessonView, LockedView};
use crate::web::auth::current_user;
use crate::web::{self as plumbing, html, html_with_status, AppError, Page, SignedIn};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses/{slug}/lessons/{id}").route(web::get().to(lesson)))
        .service(web::resource("/courses/{slug}/lessons/{id}/complete").route(web::post().to(complete)))
        .service(web::resource("/learn").route(web::get().to(learn)));
}

enum Opened {
    Lesson(Box<LessonParts>),
    Locked(Box<Course>, String),
}

struct LessonParts {
    course: Course,
    lesson: Lesson,
    outline: klearn_db::courses::Outline,
    media: Option<Upload>,
    enrolled: bool,
    completed_ids: Vec<i64>,
}

async fn lesson(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, lesson_id) = path.into_inner();
    let viewer = current_user(&req);
    let opened = plumbing::db(&state.pool, move |conn| {
        let course = Course::find_by_slug(conn, &slug)?;
        let lesson = Lesson::find(conn, lesson_id)?;
        if lesson.course_id != course.id {
            return Err(DbError::NotFound);
        }
        let standing = Standing::of(conn, &course, viewer.as_ref())?;
        if !may_see_course(&course, standing) {
            return Err(DbError::NotFound);
        }
        let opened_before = match &viewer {
            Some(u) => LessonProgress::has_opened(conn, u.id, lesson.id)?,
            None => false,
        };
        if !may_read_lesson(&course, &lesson, standing, opened_before) {
            if lesson.hidden {
                return Err(DbError::NotFound);
            }
            let title = lesson.title.clone();
            return Ok(Opened::Locked(Box::new(course), title));
        }
        let mut completed_ids = Vec::new();
        if let (Some(u), true) = (&viewer, standing.enrolled) {
            LessonProgress::record_open(conn, u.id, lesson.id, course.id)?;
            completed_ids = LessonProgress::for_course(conn, u.id, course.id)?
                .into_iter()
                .filter(|p| p.completed_at.is_some())
                .map(|p| p.lesson_id)
                .collect();
        }
        let outline = Lesson::outline(conn, course.id, false)?;
        let media = match lesson.media_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        Ok(Opened::Lesson(Box::new(LessonParts {
            course,
            lesson,
            outline,
            media,
            enrolled: standing.enrolled,
            completed_ids,
        })))
    })
    .await?;
    match opened {
        Opened::Locked(course, lesson_title) => html_with_status(
            StatusCode::FORBIDDEN,
            &LockedView {
                page,
                course: *course,
                lesson_title,
                payments_ready: state.settings.payments.is_some(),
            },
        ),
        Opened::Lesson(parts) => {
            let LessonParts {
                course,
                lesson,
                outline,
                media,
                enrolled,
                completed_ids,
            } = *parts;
            let (prev, next) = outline.neighbours(lesson.id);
            let (prev, next) = (
                prev.map(|l| (l.id, l.title.clone())),
                next.map(|l| (l.id, l.title.clone())),
            );
            let completed = completed_ids.contains(&lesson.id);
            let mut res = html(&LessonView {
                page,
                course,
                lesson,
                outline,
                media,
                prev,
                next,
                enrolled,
                completed,
                completed_ids,
            })?;
            // Paid content is never kept by shared caches.
            res.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("private, no-store"),
            );
            Ok(res)
        }
    }
}

#[derive(Debug, Deserialize)]
struct CompleteForm {
    #[serde(default)]
    done: String,
}

async fn complete(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: web::Form<CompleteForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, lesson_id) = path.into_inner();
    let done = form.done != "0";
    let lesson_url = |id: i64| format!("/courses/{slug}/lessons/{id}");
    let location = lesson_url(lesson_id);
    let slug_for_db = slug.clone();
    let next = plumbing::db(&state.pool, move |conn| {
        let course = Course::find_by_slug(conn, &slug_for_db)?;
        let lesson = Lesson::find(conn, lesson_id)?;
        if lesson.course_id != course.id || !Enrollment::is_enrolled(conn, user.id, course.id)? {
            return Ok(None);
        }
        LessonProgress::set_completed(conn, user.id, lesson.id, course.id, done)?;
        let outline = Lesson::outline(conn, course.id, false)?;
        Ok(Some(outline.neighbours(lesson.id).1.map(|l| l.id)))
    })
    .await?;
    match next {
        // Only enrolled learners keep progress.
        None => Err(AppError::Forbidden),
        // Done: on to the next lesson, as a learner expects.
        Some(Some(next_id)) if done => Ok(plumbing::redirect(&lesson_url(next_id))),
        Some(_) => Ok(plumbing::redirect(&location)),
    }
}

async fn learn(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let courses = plumbing::db(&state.pool, move |conn| Enrollment::learning(conn, user.id)).await?;
    html(&LearnView { page, courses })
}
