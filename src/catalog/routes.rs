//! `GET /courses/{slug}` and `POST /courses/{slug}/enroll`.

use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::categories::Category;
use klearn_db::courses::{Course, Lesson, PUBLISHED};
use klearn_db::enrollments::{self, Enrollment, LessonProgress};
use klearn_db::uploads::Upload;
use klearn_db::DbError;

use crate::app::AppState;
use crate::catalog::views::{course_json_ld, CourseView};
use crate::i18n::k;
use crate::learn::access::{may_see_course, Standing};
use crate::web::auth::current_user;
use crate::web::flash::{Flash, Level};
use crate::web::{self as plumbing, html, redirect_with_flash, AppError, Page, SignedIn};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses/{slug}").route(web::get().to(course)))
        .service(web::resource("/courses/{slug}/enroll").route(web::post().to(enroll)));
}

async fn course(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let viewer = current_user(&req);
    let lang = page.lang();
    let found = plumbing::db(&state.pool, move |conn| {
        let course = Course::find_by_slug(conn, &slug)?;
        let standing = Standing::of(conn, &course, viewer.as_ref())?;
        if !may_see_course(&course, standing) {
            return Err(DbError::NotFound);
        }
        let card = Course::card(conn, course.id)?;
        let outline = Lesson::outline(conn, course.id, false)?;
        let category = match course.category_id {
            Some(id) => Category::list(conn, klearn_db::categories::COURSE)?
                .into_iter()
                .find(|c| c.id == id)
                .map(|c| (c.slug.clone(), c.name(lang).to_string())),
            None => None,
        };
        let tags = Course::tags(conn, course.id)?;
        let cover = match course.cover_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        let continue_lesson = match &viewer {
            Some(u) if standing.enrolled => {
                let progress = LessonProgress::for_course(conn, u.id, course.id)?;
                outline
                    .lessons()
                    .find(|l| {
                        !progress
                            .iter()
                            .any(|p| p.lesson_id == l.id && p.completed_at.is_some())
                    })
                    .or_else(|| outline.lessons().next())
                    .map(|l| l.id)
            }
            _ => None,
        };
        Ok((card, outline, category, tags, cover, standing, continue_lesson))
    })
    .await?;
    let (card, outline, category, tags, cover, standing, continue_lesson) = found;
    let json_ld = course_json_ld(&card, &page.canonical_url(), page.lang());
    html(&CourseView {
        page,
        card,
        outline,
        category,
        tags,
        cover_url: cover.map(|u| format!("/media/{}", u.stored_name)),
        enrolled: standing.enrolled,
        staff: standing.staff(),
        continue_lesson,
        payments_ready: state.settings.payments.is_some(),
        json_ld,
    })
}

async fn enroll(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let location = format!("/courses/{slug}");
    let outcome = plumbing::db(&state.pool, move |conn| {
        let course = Course::find_by_slug(conn, &slug)?;
        if course.state != PUBLISHED {
            return Err(DbError::NotFound);
        }
        if course.price_cents != 0 {
            return Ok(None);
        }
        Ok(Some(Enrollment::enroll(
            conn,
            user.id,
            course.id,
            enrollments::FREE,
        )?))
    })
    .await?;
    match outcome {
        // A paid course is bought at checkout, never enrolled in for free.
        None => Err(AppError::ForbiddenBecause("courses.paid_needs_checkout")),
        Some(true) => Ok(redirect_with_flash(
            &state.settings,
            &location,
            &Flash::new(Level::Success, k("courses.enrolled")),
        )),
        Some(false) => Ok(redirect_with_flash(
            &state.settings,
            &location,
            &Flash::new(Level::Info, k("courses.already_enrolled")),
        )),
    }
}
