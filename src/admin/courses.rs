//! The course review queue, featuring on the home page, and categories.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::categories::{Category, CategoryChanges, NewCategory, COURSE, FORUM};
use klearn_db::courses::{Course, CourseCard, Revision, PUBLISHED};
use klearn_db::users::User;
use klearn_db::{audit, write_tx, DbConnection, DbError};
use serde::Deserialize;

use crate::admin::views::AdminNav;
use crate::admin::Pager;
use crate::app::AppState;
use crate::domain::course::{price_label, transition, CourseAction, CourseActor, CourseState};
use crate::i18n::{k, I18n};
use crate::mail::notice::{self, NoticeKind};
use crate::web::auth::{Admin, Moderator};
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, html, html_with_status, redirect_with_flash, AppError, FieldErrors, Page,
};

const PER_PAGE: i64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/courses").route(web::get().to(queue)))
        .service(web::resource("/admin/courses/{id}/approve").route(web::post().to(approve)))
        .service(web::resource("/admin/courses/{id}/reject").route(web::post().to(reject)))
        .service(web::resource("/admin/courses/{id}/feature").route(web::post().to(feature)))
        .service(
            web::resource("/admin/categories")
                .route(web::get().to(categories))
                .route(web::post().to(create_category)),
        )
        .service(web::resource("/admin/categories/{id}").route(web::post().to(update_category)));
}

/// One changed field of a revision: name, live text, proposed text.
pub struct Change {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

pub struct RevisionRow {
    pub revision: Revision,
    pub card: CourseCard,
    pub changes: Vec<Change>,
}

fn changes(course: &klearn_db::courses::Course, r: &Revision) -> Vec<Change> {
    let mut out = Vec::new();
    let mut add = |field: &'static str, before: &str, after: &str| {
        if before != after {
            out.push(Change {
                field,
                before: before.to_string(),
                after: after.to_string(),
            });
        }
    };
    add("title", &course.title, &r.title);
    add("subtitle", &course.subtitle, &r.subtitle);
    add("description", &course.description, &r.description);
    add("outcomes", &course.outcomes, &r.outcomes);
    add(
        "price",
        &price_label(course.price_cents, &course.currency),
        &price_label(r.price_cents, &course.currency),
    );
    out
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
    pub reject_error: Option<(i64, Option<i64>, String)>,
    pub errors: FieldErrors,
}

impl QueueView {
    pub fn price(&self, card: &CourseCard) -> String {
        price_label(card.course.price_cents, &card.course.currency)
    }

    pub fn rejecting(&self, course: &i64, revision: Option<&i64>) -> bool {
        matches!(&self.reject_error, Some((c, r, _)) if c == course && r.as_ref() == revision)
    }

    pub fn typed_reason(&self) -> &str {
        self.reject_error
            .as_ref()
            .map(|(_, _, t)| t.as_str())
            .unwrap_or("")
    }
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

async fn queue_view(
    state: &AppState,
    page: Page,
    wanted: i64,
    reject_error: Option<(i64, Option<i64>, String)>,
    errors: FieldErrors,
) -> Result<QueueView, AppError> {
    let (waiting, revisions, (published, total)) = plumbing::db(&state.pool, move |conn| {
        let waiting = Course::review_queue(conn)?;
        let revisions = Revision::queue(conn)?
            .into_iter()
            .map(|(revision, card)| RevisionRow {
                changes: changes(&card.course, &revision),
                revision,
                card,
            })
            .collect::<Vec<_>>();
        let (rows, total) = Course::published_page(conn, wanted, PER_PAGE)?;
        let last = crate::web::pager::last_page(total, PER_PAGE);
        let published = if wanted > last {
            Course::published_page(conn, last, PER_PAGE)?
        } else {
            (rows, total)
        };
        Ok((waiting, revisions, published))
    })
    .await?;
    Ok(QueueView {
        page,
        nav: AdminNav {
            current: "/admin/courses",
        },
        waiting,
        revisions,
        published,
        pager: Pager::new(wanted, PER_PAGE, total, &[]),
        reject_error,
        errors,
    })
}

async fn queue(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let wanted = crate::web::pager::page_number(query.page.as_deref());
    html(&queue_view(&state, page, wanted, None, FieldErrors::new()).await?)
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    revision: Option<String>,
    #[serde(default)]
    reason: String,
}

impl DecisionForm {
    fn revision_id(&self) -> Result<Option<i64>, AppError> {
        match self.revision.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| AppError::BadRequest),
        }
    }
}

/// Emails the course's owner about a decision, in their language.
fn tell_owner(
    conn: &mut DbConnection,
    i18n: &std::sync::Arc<I18n>,
    settings: &crate::config::Settings,
    course: &Course,
    kind: NoticeKind,
    detail: &str,
) -> Result<(), DbError> {
    let owner = User::find(conn, course.owner_id)?;
    let url = match kind {
        NoticeKind::CourseApproved | NoticeKind::RevisionApproved => {
            settings.absolute_url(&format!("/courses/{}", course.slug))
        }
        _ => settings.absolute_url(&format!("/studio/courses/{}/edit", course.id)),
    };
    let detail = format!("{} — {}", course.title, detail);
    notice::send(
        conn,
        i18n,
        &owner,
        &owner.email,
        kind,
        Some(url),
        detail.trim_end_matches(" — "),
    )
}

async fn decide(
    state: &AppState,
    moderator: i64,
    course_id: i64,
    revision: Option<i64>,
    approve: bool,
    reason: String,
) -> Result<bool, AppError> {
    let i18n = state.i18n.clone();
    let settings = state.settings.clone();
    plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let course = Course::find(conn, course_id)?;
            let object_id = course.id.to_string();
            let object = audit::Object::new("course", &object_id);
            if let Some(revision_id) = revision {
                let pending = Revision::pending_for(conn, course.id)?;
                if pending.map(|r| r.id) != Some(revision_id)
                    || !Revision::decide(conn, revision_id, approve, moderator, &reason)?
                {
                    return Ok(false);
                }
                let action = if approve {
                    "course.revision_approve"
                } else {
                    "course.revision_reject"
                };
                audit::record(conn, Some(moderator), action, object, &reason)?;
                let course = Course::find(conn, course_id)?;
                let kind = if approve {
                    NoticeKind::RevisionApproved
                } else {
                    NoticeKind::RevisionRejected
                };
                tell_owner(conn, &i18n, &settings, &course, kind, &reason)?;
                return Ok(true);
            }
            let from = CourseState::parse(&course.state).unwrap_or(CourseState::Draft);
            let action = if approve {
                CourseAction::Approve
            } else {
                CourseAction::Reject
            };
            let Some(to) = transition(from, action, CourseActor::Moderator) else {
                return Ok(false);
            };
            let note = (!approve).then_some(reason.as_str());
            if !Course::move_state(conn, course.id, from.as_str(), to.as_str(), note)? {
                return Ok(false);
            }
            let audit_action = if approve {
                "course.approve"
            } else {
                "course.reject"
            };
            audit::record(conn, Some(moderator), audit_action, object, &reason)?;
            let kind = if approve {
                NoticeKind::CourseApproved
            } else {
                NoticeKind::CourseRejected
            };
            tell_owner(conn, &i18n, &settings, &course, kind, &reason)?;
            Ok::<_, DbError>(true)
        })
    })
    .await
}

async fn approve(
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let revision = form.revision_id()?;
    let note = form.reason.trim().chars().take(2000).collect();
    if !decide(&state, moderator.id, id.into_inner(), revision, true, note).await? {
        return Err(AppError::Conflict);
    }
    Ok(redirect_with_flash(
        &state.settings,
        "/admin/courses",
        &Flash::new(Level::Success, k("admin.courses.approved")),
    ))
}

async fn reject(
    page: Page,
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let revision = form.revision_id()?;
    let reason: String = form.reason.trim().chars().take(2000).collect();
    if reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add(&page.tr, "reason", "admin.courses.reason_required");
        let view = queue_view(&state, page, 1, Some((id, revision, form.reason.clone())), errors).await?;
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    if !decide(&state, moderator.id, id, revision, false, reason).await? {
        return Err(AppError::Conflict);
    }
    Ok(redirect_with_flash(
        &state.settings,
        "/admin/courses",
        &Flash::new(Level::Success, k("admin.courses.rejected")),
    ))
}

async fn feature(
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let featured = plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let course = Course::find(conn, id)?;
            if course.state != PUBLISHED {
                return Ok(None);
            }
            Course::set_featured(conn, id, !course.featured)?;
            let action = if course.featured {
                "course.unfeature"
            } else {
                "course.feature"
            };
            audit::record(
                conn,
                Some(moderator.id),
                action,
                audit::Object::new("course", &id.to_string()),
                &course.title,
            )?;
            Ok::<_, DbError>(Some(!course.featured))
        })
    })
    .await?;
    let Some(featured) = featured else {
        return Err(AppError::Conflict);
    };
    let key = if featured {
        k("admin.courses.featured")
    } else {
        k("admin.courses.unfeatured")
    };
    Ok(redirect_with_flash(
        &state.settings,
        "/admin/courses#published",
        &Flash::new(Level::Success, key),
    ))
}

// ---- categories ----

#[derive(askama::Template)]
#[template(path = "admin/categories.html")]
pub struct CategoriesView {
    pub page: Page,
    pub nav: AdminNav,
    pub categories: Vec<Category>,
    pub form: CategoryForm,
    pub errors: FieldErrors,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub description_zh: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub hidden: Option<String>,
}

impl CategoryForm {
    pub fn is_kind(&self, k: &str) -> bool {
        self.kind == k
    }

    fn check_names(&self, page: &Page, errors: &mut FieldErrors) {
        for (field, value) in [("name_zh", &self.name_zh), ("name_en", &self.name_en)] {
            let v = value.trim();
            if v.is_empty() || v.chars().count() > 40 {
                errors.add(&page.tr, field, "admin.categories.error_name");
            }
        }
        for (field, value) in [
            ("description_zh", &self.description_zh),
            ("description_en", &self.description_en),
        ] {
            if value.chars().count() > 200 {
                errors.add(&page.tr, field, "admin.categories.error_description");
            }
        }
    }
}

async fn categories_view(
    state: &AppState,
    page: Page,
    form: CategoryForm,
    errors: FieldErrors,
) -> Result<CategoriesView, AppError> {
    let categories = plumbing::db(&state.pool, Category::list_all).await?;
    Ok(CategoriesView {
        page,
        nav: AdminNav {
            current: "/admin/categories",
        },
        categories,
        form,
        errors,
    })
}

async fn categories(page: Page, _: Admin, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let form = CategoryForm {
        kind: COURSE.into(),
        ..Default::default()
    };
    html(&categories_view(&state, page, form, FieldErrors::new()).await?)
}

async fn create_category(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    form: web::Form<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    if form.kind != COURSE && form.kind != FORUM {
        errors.add(&page.tr, "kind", "admin.categories.error_kind");
    }
    let slug = form.slug.trim().to_string();
    let slug_ok = !slug.is_empty()
        && slug.len() <= 40
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-');
    if !slug_ok {
        errors.add(&page.tr, "slug", "admin.categories.error_slug");
    }
    form.check_names(&page, &mut errors);
    if errors.is_empty() {
        let (kind, s) = (form.kind.clone(), slug.clone());
        if plumbing::db(&state.pool, move |conn| Category::slug_taken(conn, &kind, &s)).await? {
            errors.add(&page.tr, "slug", "admin.categories.error_slug_taken");
        }
    }
    if !errors.is_empty() {
        let view = categories_view(&state, page, form, errors).await?;
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let actor = admin.id;
    plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let id = Category::create(
                conn,
                &NewCategory {
                    kind: &form.kind,
                    slug: &slug,
                    name_zh: form.name_zh.trim(),
                    name_en: form.name_en.trim(),
                    description_zh: form.description_zh.trim(),
                    description_en: form.description_en.trim(),
                    position: 0,
                    created_at: klearn_db::now(),
                },
            )?;
            audit::record(
                conn,
                Some(actor),
                "category.create",
                audit::Object::new("category", &id.to_string()),
                &slug,
            )
        })
    })
    .await?;
    Ok(redirect_with_flash(
        &state.settings,
        "/admin/categories",
        &Flash::new(Level::Success, k("admin.categories.created")),
    ))
}

async fn update_category(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    form.check_names(&page, &mut errors);
    let position = form
        .position
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|p| (0..=999).contains(p));
    if position.is_none() {
        errors.add(&page.tr, "position", "admin.categories.error_position");
    }
    let existing = plumbing::db(&state.pool, move |conn| Category::find(conn, id)).await?;
    let (Some(position), true) = (position, errors.is_empty()) else {
        let view = categories_view(
            &state,
            page,
            CategoryForm {
                kind: existing.kind,
                ..Default::default()
            },
            errors,
        )
        .await?;
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    };
    let changes = CategoryChanges {
        name_zh: form.name_zh.trim().to_string(),
        name_en: form.name_en.trim().to_string(),
        description_zh: form.description_zh.trim().to_string(),
        description_en: form.description_en.trim().to_string(),
        position,
        hidden: form.hidden.is_some(),
    };
    let actor = admin.id;
    plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            Category::update(conn, id, &changes)?;
            audit::record(
                conn,
                Some(actor),
                "category.update",
                audit::Object::new("category", &id.to_string()),
                &existing.slug,
            )
        })
    })
    .await?;
    Ok(redirect_with_flash(
        &state.settings,
        "/admin/categories",
        &Flash::new(Level::Success, k("admin.categories.saved")),
    ))
}
