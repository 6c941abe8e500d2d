//! `GET /courses/{slug}/lessons/{id}`, `POST …/complete`, `GET /learn`.

use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::enrollments::Enrollment;
use klearn_db::LessonId;
use serde::Deserialize;

use crate::learn::progress::{complete as mark_done, open_lesson, OpenLesson, Opened};
use crate::learn::views::{LearnView, LessonView, LockedView};
use crate::web::auth::current_user;
use crate::web::{self as plumbing, call, html, html_with_status, AppError, AppState, Page, SignedIn};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses/{slug}/lessons/{id}").route(web::get().to(lesson)))
        .service(web::resource("/courses/{slug}/lessons/{id}/complete").route(web::post().to(complete)))
        .service(web::resource("/learn").route(web::get().to(learn)));
}

async fn lesson(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, LessonId)>,
) -> Result<HttpResponse, AppError> {
    let (slug, lesson_id) = path.into_inner();
    let viewer = current_user(&req).map(|u| u.actor());
    let opened = call(&state.pool, move |conn| {
        open_lesson(conn, viewer.as_ref(), &slug, lesson_id)
    })
    .await??;
    let parts = match opened {
        Opened::Locked { course, lesson_title } => {
            let payments_ready = state.settings.payments.is_some();
            let view = LockedView {
                page,
                course: *course,
                lesson_title,
                payments_ready,
            };
            return html_with_status(StatusCode::FORBIDDEN, &view);
        }
        Opened::Lesson(parts) => parts,
    };
    let mut res = html(&LessonView::new(page, *parts))?;
    // Paid content is never kept by shared caches.
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

impl LessonView {
    fn new(page: Page, parts: OpenLesson) -> LessonView {
        let OpenLesson {
            course,
            lesson,
            outline,
            media,
            enrolled,
            completed,
        } = parts;
        let (prev, next) = outline.neighbours(lesson.id);
        let (prev, next) = (
            prev.map(|l| (l.id, l.title.clone())),
            next.map(|l| (l.id, l.title.clone())),
        );
        LessonView {
            page,
            completed: completed.contains(&lesson.id),
            course,
            lesson,
            outline,
            media,
            prev,
            next,
            enrolled,
            completed_ids: completed,
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
    path: web::Path<(String, LessonId)>,
    form: web::Form<CompleteForm>,
) -> Result<HttpResponse, AppError> {
    let (slug, lesson_id) = path.into_inner();
    let done = form.done != "0";
    let (actor, course) = (user.actor(), slug.clone());
    let next = call(&state.pool, move |conn| {
        mark_done(conn, &actor, &course, lesson_id, done)
    })
    .await??;
    // Done: on to the next lesson, as a learner expects.
    let to = match next {
        Some(next) if done => next,
        _ => lesson_id,
    };
    Ok(plumbing::redirect(&format!("/courses/{slug}/lessons/{to}")))
}

async fn learn(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let courses = plumbing::db(&state.pool, move |conn| Enrollment::learning(conn, user.id)).await?;
    html(&LearnView { page, courses })
}
