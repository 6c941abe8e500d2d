//! Handlers of the studio. Every course, chapter and lesson is looked up
//! with its owner: anyone else's id is 404.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::{self, Chapter, Course, Direction, Lesson, Revision};
use klearn_db::uploads::Upload;
use klearn_db::{audit, write_tx, DbError};

use crate::app::AppState;
use crate::domain::course::{
    editable, edits_need_review, may_charge, slugify, transition, CourseAction, CourseActor, CourseState,
};
use crate::i18n::k;
use crate::studio::forms::{ChapterForm, CourseForm, LessonForm, MoveForm, TASK_KINDS};
use crate::studio::views::*;
use crate::uploads::{self, FieldRules, MultipartForm, Storage};
use crate::web::auth::Expert;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, html, html_with_status, redirect_with_flash, AppError, FieldErrors, Page,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/studio").route(web::get().to(index)))
        .service(
            web::resource("/studio/courses/new")
                .route(web::get().to(new_course_form))
                .route(web::post().to(create_course)),
        )
        .service(
            web::resource("/studio/courses/{id}/edit")
                .route(web::get().to(edit_course_form))
                .route(web::post().to(update_course)),
        )
        .service(web::resource("/studio/courses/{id}/submit").route(web::post().to(submit)))
        .service(web::resource("/studio/courses/{id}/withdraw").route(web::post().to(withdraw)))
        .service(web::resource("/studio/courses/{id}/unpublish").route(web::post().to(unpublish)))
        .service(
            web::resource("/studio/courses/{id}/chapters/new")
                .route(web::get().to(new_chapter_form))
                .route(web::post().to(create_chapter)),
        )
        .service(
            web::resource("/studio/chapters/{id}/edit")
                .route(web::get().to(edit_chapter_form))
                .route(web::post().to(update_chapter)),
        )
        .service(web::resource("/studio/chapters/{id}/move").route(web::post().to(move_chapter)))
        .service(web::resource("/studio/chapters/{id}/delete").route(web::post().to(delete_chapter)))
        .service(
            web::resource("/studio/chapters/{id}/lessons/new")
                .route(web::get().to(new_lesson_form))
                .route(web::post().to(create_lesson)),
        )
        .service(
            web::resource("/studio/lessons/{id}/edit")
                .route(web::get().to(edit_lesson_form))
                .route(web::post().to(update_lesson)),
        )
        .service(web::resource("/studio/lessons/{id}/move").route(web::post().to(move_lesson)))
        .service(web::resource("/studio/lessons/{id}/delete").route(web::post().to(delete_lesson)));
}

fn edit_url(course_id: i64) -> String {
    format!("/studio/courses/{course_id}/edit")
}

fn flash(state: &AppState, to: &str, level: Level, key: &str) -> HttpResponse {
    redirect_with_flash(&state.settings, to, &Flash::new(level, key))
}

async fn index(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let owner = user.id;
    let rows = plumbing::db(&state.pool, move |conn| {
        let courses = Course::list_by_owner(conn, owner)?;
        let ids: Vec<i64> = courses.iter().map(|c| c.id).collect();
        let pending = Revision::pending_among(conn, &ids)?;
        Ok(courses
            .into_iter()
            .map(|course| StudioRow {
                pending_revision: pending.contains(&course.id),
                course,
            })
            .collect::<Vec<_>>())
    })
    .await?;
    html(&StudioView {
        page,
        rows,
        may_charge: may_charge(&user),
    })
}

fn course_rules() -> FieldRules {
    FieldRules::new().file("cover", uploads::COVER)
}

async fn categories(state: &AppState) -> Result<Vec<Category>, AppError> {
    plumbing::db(&state.pool, |conn| Category::list(conn, COURSE)).await
}

async fn new_course_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let categories = categories(&state).await?;
    let form = CourseForm {
        level: "beginner".into(),
        format: "text".into(),
        price: "0".into(),
        ..Default::default()
    };
    html(&CourseView {
        page,
        course: None,
        outline: None,
        pending: None,
        last_decided: None,
        actions: Vec::new(),
        form,
        errors: FieldErrors::new(),
        categories,
        cover_url: None,
        may_charge: may_charge(&user),
    })
}

async fn create_course(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let storage = Storage::new(state.settings.uploads_dir());
    let mut multipart = uploads::multipart::parse(payload, &storage.tmp_dir(), &course_rules(), None).await?;
    let form = CourseForm::from_multipart(&multipart);
    let categories = categories(&state).await?;
    let mut errors = FieldErrors::new();
    let valid = form.check(&page.tr, &user, &categories, &mut errors);
    if let Some(problem) = multipart.error("cover") {
        errors.add_text("cover", problem.message(&page.tr));
    }
    let (Some(valid), true) = (valid, errors.is_empty()) else {
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &CourseView {
                page,
                course: None,
                outline: None,
                pending: None,
                last_decided: None,
                actions: Vec::new(),
                form,
                errors,
                categories,
                cover_url: None,
                may_charge: may_charge(&user),
            },
        );
    };
    let cover = multipart.take_file("cover");
    let owner = user.id;
    let course = plumbing::db(&state.pool, move |conn| {
        let slug = slugify(&valid.content.title);
        let course = Course::create(conn, owner, &slug, &valid.content, &valid.settings, &valid.tags)?;
        if let Some(file) = cover {
            let upload = storage.keep(conn, file, Some(owner))?;
            Course::set_cover(conn, course.id, Some(upload.id))?;
        }
        audit::record(
            conn,
            Some(owner),
            "course.create",
            audit::Object::new("course", &course.id.to_string()),
            &course.title,
        )?;
        Ok(course)
    })
    .await?;
    Ok(flash(
        &state,
        &edit_url(course.id),
        Level::Success,
        k("studio.course_created"),
    ))
}

/// Everything the course page of the studio shows.
async fn course_view(
    state: &AppState,
    page: Page,
    course_id: i64,
    user: &crate::web::CurrentUser,
    form: Option<CourseForm>,
    errors: FieldErrors,
) -> Result<CourseView, AppError> {
    let owner = user.id;
    let (course, outline, pending, last_decided, categories, cover, tags) =
        plumbing::db(&state.pool, move |conn| {
            let course = Course::find_owned(conn, course_id, owner)?;
            let outline = Lesson::outline(conn, course.id, false)?;
            let pending = Revision::pending_for(conn, course.id)?;
            let last_decided = Revision::last_decided(conn, course.id)?;
            let categories = Category::list(conn, COURSE)?;
            let cover = match course.cover_upload_id {
                Some(id) => Some(Upload::find(conn, id)?),
                None => None,
            };
            let tags = Course::tags(conn, course.id)?;
            Ok((course, outline, pending, last_decided, categories, cover, tags))
        })
        .await?;
    let state_now = CourseState::parse(&course.state).unwrap_or(CourseState::Draft);
    let actions = [
        (CourseAction::Submit, "submit"),
        (CourseAction::Withdraw, "withdraw"),
        (CourseAction::Unpublish, "unpublish"),
    ]
    .into_iter()
    .filter(|(a, _)| transition(state_now, *a, CourseActor::Owner).is_some())
    .map(|(_, name)| name)
    .collect();
    let form = form.unwrap_or_else(|| {
        // A pending revision is what the owner last wrote: show it.
        let content = pending
            .as_ref()
            .map(|r| r.content())
            .unwrap_or_else(|| course_content(&course));
        let category = categories
            .iter()
            .find(|c| Some(c.id) == course.category_id)
            .map(|c| c.slug.clone())
            .unwrap_or_default();
        CourseForm::from_course(&content, &course_settings(&course), &category, &tags)
    });
    Ok(CourseView {
        page,
        course: Some(course),
        outline: Some(outline),
        pending,
        last_decided,
        actions,
        form,
        errors,
        categories,
        cover_url: cover.as_ref().map(crate::uploads::media_url),
        may_charge: may_charge(user),
    })
}

fn course_content(c: &Course) -> courses::CourseContent {
    courses::CourseContent {
        title: c.title.clone(),
        subtitle: c.subtitle.clone(),
        description: c.description.clone(),
        description_html: c.description_html.clone(),
        outcomes: c.outcomes.clone(),
        outcomes_html: c.outcomes_html.clone(),
        price_cents: c.price_cents,
    }
}

fn course_settings(c: &Course) -> courses::CourseSettings {
    courses::CourseSettings {
        category_id: c.category_id,
        level: c.level.clone(),
        format: c.format.clone(),
    }
}

async fn edit_course_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    html(&course_view(&state, page, id.into_inner(), &user, None, FieldErrors::new()).await?)
}

async fn update_course(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let owner = user.id;
    let course = plumbing::db(&state.pool, move |conn| Course::find_owned(conn, id, owner)).await?;
    let course_state = CourseState::parse(&course.state).unwrap_or(CourseState::Draft);
    if !editable(course_state) {
        return Ok(flash(
            &state,
            &edit_url(id),
            Level::Error,
            k("studio.locked_in_review"),
        ));
    }
    let storage = Storage::new(state.settings.uploads_dir());
    let mut multipart: MultipartForm =
        uploads::multipart::parse(payload, &storage.tmp_dir(), &course_rules(), None).await?;
    let form = CourseForm::from_multipart(&multipart);
    let categories = categories(&state).await?;
    let mut errors = FieldErrors::new();
    let valid = form.check(&page.tr, &user, &categories, &mut errors);
    if let Some(problem) = multipart.error("cover") {
        errors.add_text("cover", problem.message(&page.tr));
    }
    let (Some(valid), true) = (valid, errors.is_empty()) else {
        let view = course_view(&state, page, id, &user, Some(form), errors).await?;
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    };
    let cover = multipart.take_file("cover");
    let remove_cover = form.remove_cover;
    let needs_review = edits_need_review(course_state);
    let revised = plumbing::db(&state.pool, move |conn| {
        let kept = match cover {
            Some(file) => Some(storage.keep(conn, file, Some(owner))?),
            None => None,
        };
        write_tx(conn, |conn| {
            Course::update_settings(conn, course.id, &valid.settings)?;
            Course::set_tags(conn, course.id, &valid.tags)?;
            if let Some(upload) = kept {
                Course::set_cover(conn, course.id, Some(upload.id))?;
            } else if remove_cover {
                Course::set_cover(conn, course.id, None)?;
            }
            if needs_review {
                // The live course stays as it is until a moderator approves.
                Revision::propose(conn, &course, &valid.content)
            } else {
                Course::update_content(conn, course.id, &valid.content)?;
                Ok::<_, DbError>(false)
            }
        })
    })
    .await?;
    let key = if revised {
        k("studio.revision_sent")
    } else {
        k("studio.saved")
    };
    Ok(flash(&state, &edit_url(id), Level::Success, key))
}

async fn change_state(
    state: &AppState,
    user: &crate::web::CurrentUser,
    id: i64,
    action: CourseAction,
    done_key: &'static str,
) -> Result<HttpResponse, AppError> {
    let owner = user.id;
    let charges = may_charge(user);
    let outcome = plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let course = Course::find_owned(conn, id, owner)?;
            let from = CourseState::parse(&course.state).unwrap_or(CourseState::Draft);
            let Some(to) = transition(from, action, CourseActor::Owner) else {
                return Ok(Err(AppError::Conflict));
            };
            if action == CourseAction::Submit && Lesson::outline(conn, course.id, false)?.lesson_count() == 0
            {
                return Ok(Err(AppError::ForbiddenBecause("studio.needs_a_lesson")));
            }
            // A price set while certified does not outlive the certification.
            if action == CourseAction::Submit && course.price_cents > 0 && !charges {
                return Ok(Err(AppError::ForbiddenBecause(
                    "studio.error.price_needs_certification",
                )));
            }
            if !Course::move_state(conn, course.id, from.as_str(), to.as_str(), None)? {
                return Ok(Err(AppError::Conflict));
            }
            audit::record(
                conn,
                Some(owner),
                &format!("course.{}", to.as_str()),
                audit::Object::new("course", &course.id.to_string()),
                "by the owner",
            )?;
            Ok::<_, DbError>(Ok(()))
        })
    })
    .await?;
    match outcome {
        Ok(()) => Ok(flash(state, &edit_url(id), Level::Success, done_key)),
        Err(AppError::ForbiddenBecause(key)) => Ok(flash(state, &edit_url(id), Level::Error, key)),
        Err(e) => Err(e),
    }
}

async fn submit(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    change_state(
        &state,
        &user,
        id.into_inner(),
        CourseAction::Submit,
        k("studio.submitted"),
    )
    .await
}

async fn withdraw(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    change_state(
        &state,
        &user,
        id.into_inner(),
        CourseAction::Withdraw,
        k("studio.withdrawn"),
    )
    .await
}

async fn unpublish(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    change_state(
        &state,
        &user,
        id.into_inner(),
        CourseAction::Unpublish,
        k("studio.unpublished"),
    )
    .await
}

// ---- chapters ----

async fn owned_chapter(state: &AppState, chapter_id: i64, owner: i64) -> Result<(Chapter, Course), AppError> {
    plumbing::db(&state.pool, move |conn| {
        let chapter = Chapter::find(conn, chapter_id)?;
        let course = Course::find_owned(conn, chapter.course_id, owner)?;
        if chapter.hidden {
            return Err(DbError::NotFound);
        }
        Ok((chapter, course))
    })
    .await
}

async fn new_chapter_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, owner) = (id.into_inner(), user.id);
    let course = plumbing::db(&state.pool, move |conn| Course::find_owned(conn, id, owner)).await?;
    html(&ChapterView {
        page,
        action: format!("/studio/courses/{}/chapters/new", course.id),
        course,
        title: String::new(),
        is_new: true,
        errors: FieldErrors::new(),
    })
}

async fn create_chapter(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ChapterForm>,
) -> Result<HttpResponse, AppError> {
    let (id, owner) = (id.into_inner(), user.id);
    let course = plumbing::db(&state.pool, move |conn| Course::find_owned(conn, id, owner)).await?;
    let mut errors = FieldErrors::new();
    let Some(title) = form.check(&page.tr, &mut errors) else {
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ChapterView {
                page,
                action: format!("/studio/courses/{}/chapters/new", course.id),
                course,
                title: form.title.clone(),
                is_new: true,
                errors,
            },
        );
    };
    plumbing::db(&state.pool, move |conn| Chapter::create(conn, id, &title)).await?;
    Ok(flash(
        &state,
        &edit_url(id),
        Level::Success,
        k("studio.chapter_added"),
    ))
}

async fn edit_chapter_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (chapter, course) = owned_chapter(&state, id.into_inner(), user.id).await?;
    html(&ChapterView {
        page,
        action: format!("/studio/chapters/{}/edit", chapter.id),
        course,
        title: chapter.title,
        is_new: false,
        errors: FieldErrors::new(),
    })
}

async fn update_chapter(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<ChapterForm>,
) -> Result<HttpResponse, AppError> {
    let (chapter, course) = owned_chapter(&state, id.into_inner(), user.id).await?;
    let mut errors = FieldErrors::new();
    let Some(title) = form.check(&page.tr, &mut errors) else {
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ChapterView {
                page,
                action: format!("/studio/chapters/{}/edit", chapter.id),
                course,
                title: form.title.clone(),
                is_new: false,
                errors,
            },
        );
    };
    plumbing::db(&state.pool, move |conn| Chapter::rename(conn, chapter.id, &title)).await?;
    Ok(flash(
        &state,
        &edit_url(course.id),
        Level::Success,
        k("studio.saved"),
    ))
}

fn direction(form: &MoveForm) -> Result<Direction, AppError> {
    match form.direction.as_str() {
        "up" => Ok(Direction::Up),
        "down" => Ok(Direction::Down),
        _ => Err(AppError::BadRequest),
    }
}

async fn move_chapter(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, AppError> {
    let direction = direction(&form)?;
    let (chapter, course) = owned_chapter(&state, id.into_inner(), user.id).await?;
    plumbing::db(&state.pool, move |conn| {
        Chapter::move_by(conn, chapter.id, direction)
    })
    .await?;
    Ok(plumbing::redirect(&format!(
        "{}#chapter-{}",
        edit_url(course.id),
        chapter.id
    )))
}

async fn delete_chapter(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (chapter, course) = owned_chapter(&state, id.into_inner(), user.id).await?;
    plumbing::db(&state.pool, move |conn| Chapter::remove(conn, chapter.id)).await?;
    Ok(flash(
        &state,
        &edit_url(course.id),
        Level::Success,
        k("studio.chapter_removed"),
    ))
}

// ---- lessons ----

fn lesson_rules() -> FieldRules {
    FieldRules::new().file("media", uploads::LESSON_MEDIA)
}

async fn owned_lesson(
    state: &AppState,
    lesson_id: i64,
    owner: i64,
) -> Result<(Lesson, Chapter, Course, Option<Upload>), AppError> {
    plumbing::db(&state.pool, move |conn| {
        let lesson = Lesson::find(conn, lesson_id)?;
        let course = Course::find_owned(conn, lesson.course_id, owner)?;
        if lesson.hidden {
            return Err(DbError::NotFound);
        }
        let chapter = Chapter::find(conn, lesson.chapter_id)?;
        let media = match lesson.media_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        Ok((lesson, chapter, course, media))
    })
    .await
}

async fn new_lesson_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (chapter, course) = owned_chapter(&state, id.into_inner(), user.id).await?;
    html(&LessonView {
        page,
        action: format!("/studio/chapters/{}/lessons/new", chapter.id),
        course,
        chapter,
        is_new: true,
        form: LessonForm::default(),
        errors: FieldErrors::new(),
        media_name: None,
        preview_html: None,
        task_kinds: TASK_KINDS,
    })
}

async fn create_lesson(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (chapter, course) = owned_chapter(&state, id.into_inner(), user.id).await?;
    let storage = Storage::new(state.settings.uploads_dir());
    let mut multipart = uploads::multipart::parse(payload, &storage.tmp_dir(), &lesson_rules(), None).await?;
    let form = LessonForm::from_multipart(&multipart);
    let mut errors = FieldErrors::new();
    let fields = form.check(&page.tr, &mut errors);
    if let Some(problem) = multipart.error("media") {
        errors.add_text("media", problem.message(&page.tr));
    }
    let action = format!("/studio/chapters/{}/lessons/new", chapter.id);
    if form.wants_preview() || !errors.is_empty() || fields.is_none() {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let preview_html = form.wants_preview().then(|| crate::markdown::render(&form.body));
        return html_with_status(
            status,
            &LessonView {
                page,
                action,
                course,
                chapter,
                is_new: true,
                form,
                errors,
                media_name: None,
                preview_html,
                task_kinds: TASK_KINDS,
            },
        );
    }
    let fields = fields.ok_or(AppError::BadRequest)?;
    let media = multipart.take_file("media");
    let owner = user.id;
    let course_id = course.id;
    let lesson = plumbing::db(&state.pool, move |conn| {
        let kept = match media {
            Some(file) => Some(storage.keep(conn, file, Some(owner))?),
            None => None,
        };
        Lesson::create(conn, &chapter, &fields, kept.map(|u| u.id))
    })
    .await?;
    Ok(flash(
        &state,
        &format!("{}#lesson-{}", edit_url(course_id), lesson.id),
        Level::Success,
        k("studio.lesson_added"),
    ))
}

async fn edit_lesson_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (lesson, chapter, course, media) = owned_lesson(&state, id.into_inner(), user.id).await?;
    let fields = klearn_db::courses::LessonFields {
        title: lesson.title.clone(),
        body: lesson.body.clone(),
        body_html: lesson.body_html.clone(),
        free_preview: lesson.free_preview,
        duration_minutes: lesson.duration_minutes,
        task_instructions: lesson.task_instructions.clone(),
        task_instructions_html: lesson.task_instructions_html.clone(),
        task_kind: lesson.task_kind.clone(),
    };
    html(&LessonView {
        page,
        action: format!("/studio/lessons/{}/edit", lesson.id),
        course,
        chapter,
        is_new: false,
        form: LessonForm::from_fields(&fields),
        errors: FieldErrors::new(),
        media_name: media.map(|m| m.original_name),
        preview_html: None,
        task_kinds: TASK_KINDS,
    })
}

async fn update_lesson(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (lesson, chapter, course, media) = owned_lesson(&state, id.into_inner(), user.id).await?;
    let storage = Storage::new(state.settings.uploads_dir());
    let mut multipart = uploads::multipart::parse(payload, &storage.tmp_dir(), &lesson_rules(), None).await?;
    let form = LessonForm::from_multipart(&multipart);
    let mut errors = FieldErrors::new();
    let fields = form.check(&page.tr, &mut errors);
    if let Some(problem) = multipart.error("media") {
        errors.add_text("media", problem.message(&page.tr));
    }
    if form.wants_preview() || !errors.is_empty() || fields.is_none() {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let preview_html = form.wants_preview().then(|| crate::markdown::render(&form.body));
        return html_with_status(
            status,
            &LessonView {
                page,
                action: format!("/studio/lessons/{}/edit", lesson.id),
                course,
                chapter,
                is_new: false,
                form,
                errors,
                media_name: media.map(|m| m.original_name),
                preview_html,
                task_kinds: TASK_KINDS,
            },
        );
    }
    let fields = fields.ok_or(AppError::BadRequest)?;
    let new_media = multipart.take_file("media");
    let remove_media = form.remove_media;
    let owner = user.id;
    plumbing::db(&state.pool, move |conn| {
        let kept = match new_media {
            Some(file) => Some(storage.keep(conn, file, Some(owner))?),
            None => None,
        };
        write_tx(conn, |conn| {
            Lesson::update(conn, lesson.id, &fields)?;
            if let Some(upload) = kept {
                Lesson::set_media(conn, lesson.id, Some(upload.id))?;
            } else if remove_media {
                Lesson::set_media(conn, lesson.id, None)?;
            }
            Ok::<_, DbError>(())
        })
    })
    .await?;
    Ok(flash(
        &state,
        &format!("{}#lesson-{}", edit_url(course.id), lesson.id),
        Level::Success,
        k("studio.saved"),
    ))
}

async fn move_lesson(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, AppError> {
    let direction = direction(&form)?;
    let (lesson, _, course, _) = owned_lesson(&state, id.into_inner(), user.id).await?;
    plumbing::db(&state.pool, move |conn| {
        Lesson::move_by(conn, lesson.id, direction)
    })
    .await?;
    Ok(plumbing::redirect(&format!(
        "{}#lesson-{}",
        edit_url(course.id),
        lesson.id
    )))
}

async fn delete_lesson(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (lesson, _, course, _) = owned_lesson(&state, id.into_inner(), user.id).await?;
    let deleted = plumbing::db(&state.pool, move |conn| Lesson::remove(conn, lesson.id)).await?;
    let key = if deleted {
        k("studio.lesson_removed")
    } else {
        k("studio.lesson_hidden")
    };
    Ok(flash(&state, &edit_url(course.id), Level::Success, key))
}
