//! `GET /courses/{slug}/lessons/{id}`, `POST …/complete`, `POST
//! …/submission` (a task's work), `POST /submissions/{id}/share`, `GET
//! /learn`, `GET /certificates/{code}` and its revocation.

use actix_multipart::Multipart;
use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::certificates::Certificate;
use klearn_db::courses::Course;
use klearn_db::{LessonId, SubmissionId};
use serde::Deserialize;

use crate::i18n::k;
use crate::learn::completion;
use crate::learn::progress::LearnError;
use crate::learn::tasks::{self, HandIn};
use crate::learn::views::CertificateView;
use crate::uploads::{self, FieldRules};
use crate::web::flash::{Flash, Level};

use crate::learn::progress::{complete as mark_done, open_lesson, OpenLesson, Opened};
use crate::learn::views::{HandInForm, LearnView, LessonView, LockedView};
use crate::web::auth::current_user;
use crate::web::{
    self as plumbing, call, html, html_with_status, AppError, AppState, FieldErrors, Page, SignedIn,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses/{slug}/lessons/{id}").route(web::get().to(lesson)))
        .service(web::resource("/courses/{slug}/lessons/{id}/complete").route(web::post().to(complete)))
        .service(web::resource("/courses/{slug}/lessons/{id}/submission").route(web::post().to(hand_in)))
        .service(web::resource("/submissions/{id}/share").route(web::post().to(share)))
        .service(web::resource("/certificates/{code}").route(web::get().to(certificate)))
        .service(web::resource("/certificates/{code}/revoke").route(web::post().to(revoke)))
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
            work,
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
            // Handing in again starts from the work handed in before.
            answer: match work.as_ref().and_then(|w| w.submission.as_ref()) {
                Some(s) => HandInForm {
                    answer: s.answer.clone(),
                    link: s.link.clone(),
                },
                None => HandInForm::default(),
            },
            errors: FieldErrors::new(),
            work,
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
    let courses = plumbing::db(&state.pool, move |conn| completion::learning(conn, user.id)).await?;
    html(&LearnView { page, courses })
}

/// `POST /courses/{slug}/lessons/{id}/submission`: hands in work; a form
/// with problems comes back on the lesson page with the text kept.
async fn hand_in(
    page: Page,
    req: HttpRequest,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(String, LessonId)>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (slug, lesson_id) = path.into_inner();
    let rules = FieldRules::new().file("file", uploads::SUBMISSION);
    let mut multipart =
        uploads::multipart::parse(payload, &state.services.storage.tmp_dir(), &rules, None).await?;
    let form = HandInForm {
        answer: multipart.text("answer").unwrap_or("").to_string(),
        link: multipart.text("link").unwrap_or("").trim().to_string(),
    };
    let mut errors = FieldErrors::new();
    if let Some(problem) = multipart.error("file") {
        errors.add_text("file", problem.message(&page.tr));
    }
    let here = format!("/courses/{slug}/lessons/{lesson_id}");
    if errors.is_empty() {
        let input = HandIn {
            answer: form.answer.clone(),
            link: form.link.clone(),
            file: multipart.take_file("file"),
        };
        let (services, actor, course) = (state.services.clone(), user.actor(), slug.clone());
        let outcome = call(&state.pool, move |conn| {
            tasks::hand_in(conn, &services, &actor, &course, lesson_id, input)
        })
        .await?;
        let to = format!("{here}#task");
        match outcome {
            Ok(_) => return Ok(flash(&state, &to, Level::Success, k("tasks.handed_in"))),
            Err(LearnError::Conflict(key)) => return Ok(flash(&state, &to, Level::Error, key)),
            Err(LearnError::Invalid { field, key }) => errors.add(&page.tr, field, key),
            Err(LearnError::Upload { field, problem }) => errors.add_text(field, problem.message(&page.tr)),
            Err(other) => return Err(other.into()),
        }
    }
    let viewer = current_user(&req).map(|u| u.actor());
    refused_hand_in(&state, page, viewer, slug, lesson_id, form, errors).await
}

/// The lesson page again, with the hand-in form as sent and its problems.
async fn refused_hand_in(
    state: &AppState,
    page: Page,
    viewer: Option<crate::domain::actor::Actor>,
    slug: String,
    lesson_id: LessonId,
    form: HandInForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let opened = call(&state.pool, move |conn| {
        open_lesson(conn, viewer.as_ref(), &slug, lesson_id)
    })
    .await??;
    let Opened::Lesson(parts) = opened else {
        return Err(AppError::NotFound);
    };
    let mut view = LessonView::new(page, *parts);
    view.answer = form;
    view.errors = errors;
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

/// `POST /submissions/{id}/share`: the learner shares graded work on the
/// course's board, and lands on the thread.
async fn share(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<SubmissionId>,
) -> Result<HttpResponse, AppError> {
    let (id, services, actor) = (id.into_inner(), state.services.clone(), user.actor());
    let (thread, slug) = call(&state.pool, move |conn| tasks::share(conn, &services, &actor, id)).await??;
    let to = if slug.is_empty() {
        format!("/t/{thread}")
    } else {
        format!("/t/{thread}/{slug}")
    };
    Ok(flash(&state, &to, Level::Success, k("tasks.shared")))
}

/// `GET /certificates/{code}`: anyone with the link may check it.
async fn certificate(
    page: Page,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    if !crate::domain::learning::looks_like_code(&code) {
        return Err(AppError::NotFound);
    }
    let view = certificate_view(&state, page, code, FieldErrors::new(), String::new()).await?;
    html(&view)
}

/// The certificate page: the certificate and its course's address.
async fn certificate_view(
    state: &AppState,
    page: Page,
    code: String,
    errors: FieldErrors,
    reason: String,
) -> Result<CertificateView, AppError> {
    let (certificate, course) = plumbing::db(&state.pool, move |conn| {
        let certificate = Certificate::find_by_code(conn, &code)?;
        let course = Course::find(conn, certificate.course_id)?;
        Ok((certificate, course))
    })
    .await?;
    Ok(CertificateView {
        page,
        certificate,
        course_slug: course.slug,
        errors,
        reason,
    })
}

#[derive(Debug, Deserialize)]
struct RevokeForm {
    #[serde(default)]
    reason: String,
}

/// `POST /certificates/{code}/revoke`: moderators only, with a reason.
async fn revoke(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    code: web::Path<String>,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let reason = form.into_inner().reason;
    let (actor, which, why) = (user.actor(), code.clone(), reason.clone());
    let outcome = call(&state.pool, move |conn| {
        completion::revoke(conn, &actor, &which, &why)
    })
    .await?;
    let to = format!("/certificates/{code}");
    let mut errors = FieldErrors::new();
    match outcome {
        Ok(_) => return Ok(flash(&state, &to, Level::Success, k("certificate.revoked_done"))),
        Err(LearnError::Invalid { field, key }) => errors.add(&page.tr, field, key),
        Err(LearnError::Conflict(key)) => return Ok(flash(&state, &to, Level::Error, key)),
        Err(other) => return Err(other.into()),
    }
    let view = certificate_view(&state, page, code, errors, reason).await?;
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

fn flash(state: &AppState, to: &str, level: Level, key: &'static str) -> HttpResponse {
    plumbing::redirect_with_flash(&state.settings, to, &Flash::new(level, key))
}
