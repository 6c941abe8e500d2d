//! `/admin/categories`: admins add, rename, reorder and hide course and
//! forum categories, through the catalogue's use cases.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::categories::{Category, COURSE};
use klearn_db::CategoryId;
use serde::Deserialize;

use crate::admin::views::AdminNav;
use crate::catalog::categories::{self, check_texts, slug_ok, CategoryError, CategoryTexts};
use crate::i18n::k;
use crate::web::auth::Admin;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/categories")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/admin/categories/{id}").route(web::post().to(update)));
}

#[derive(askama::Template)]
#[template(path = "admin/categories.html")]
pub struct CategoriesView {
    pub page: Page,
    pub nav: AdminNav,
    pub categories: Vec<Category>,
    pub form: CategoryForm,
    pub errors: FieldErrors,
}

impl CategoriesView {
    fn new(page: Page, categories: Vec<Category>, form: CategoryForm, errors: FieldErrors) -> Self {
        let nav = AdminNav {
            current: "/admin/categories",
        };
        CategoriesView {
            page,
            nav,
            categories,
            form,
            errors,
        }
    }
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

    fn texts(&self) -> CategoryTexts {
        CategoryTexts {
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            description_zh: self.description_zh.clone(),
            description_en: self.description_en.clone(),
        }
    }

    /// The texts if they pass, with every problem in `errors`.
    fn checked_texts(&self, page: &Page, errors: &mut FieldErrors) -> CategoryTexts {
        for (field, key) in check_texts(&self.texts()) {
            errors.add(&page.tr, field, key);
        }
        self.texts()
    }
}

async fn list(page: Page, _: Admin, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let categories = plumbing::db(&state.pool, Category::list_all).await?;
    let form = CategoryForm {
        kind: COURSE.into(),
        ..Default::default()
    };
    html(&CategoriesView::new(page, categories, form, FieldErrors::new()))
}

async fn create(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    form: web::Form<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let slug = form.slug.trim().to_string();
    if !slug_ok(&slug) {
        errors.add(&page.tr, "slug", "admin.categories.error_slug");
    }
    let texts = form.checked_texts(&page, &mut errors);
    let (valid, kind, actor) = (errors.is_empty(), form.kind.clone(), admin.actor());
    // Added, or refused with the list to show the form under again.
    let refused = call(&state.pool, move |conn| {
        let refusal = match valid.then(|| categories::create(conn, &actor, &kind, &slug, &texts)) {
            Some(Ok(_)) => return Ok(None),
            Some(Err(CategoryError::Invalid { field, key })) => Some((field, key)),
            Some(Err(e)) => return Err(e),
            None => None,
        };
        Ok(Some((refusal, Category::list_all(conn)?)))
    })
    .await??;
    let Some((refusal, list)) = refused else {
        let flash = Flash::new(Level::Success, k("admin.categories.created"));
        return Ok(redirect_with_flash(&state.settings, "/admin/categories", &flash));
    };
    if let Some((field, key)) = refusal {
        errors.add(&page.tr, field, key);
    }
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &CategoriesView::new(page, list, form, errors),
    )
}

async fn update(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    id: web::Path<CategoryId>,
    form: web::Form<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let mut errors = FieldErrors::new();
    let texts = form.checked_texts(&page, &mut errors);
    let position = form
        .position
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|p| (0..=999).contains(p));
    if position.is_none() {
        errors.add(&page.tr, "position", "admin.categories.error_position");
    }
    let request = position.filter(|_| errors.is_empty());
    let (hidden, actor) = (form.hidden.is_some(), admin.actor());
    // Saved, or refused with the list and the category's kind for the form.
    let refused = call(&state.pool, move |conn| -> Result<_, CategoryError> {
        if let Some(position) = request {
            categories::update(conn, &actor, id, &texts, position, hidden)?;
            return Ok(None);
        }
        Ok(Some((Category::find(conn, id)?.kind, Category::list_all(conn)?)))
    })
    .await??;
    let Some((kind, list)) = refused else {
        let flash = Flash::new(Level::Success, k("admin.categories.saved"));
        return Ok(redirect_with_flash(&state.settings, "/admin/categories", &flash));
    };
    let form = CategoryForm {
        kind,
        ..Default::default()
    };
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &CategoriesView::new(page, list, form, errors),
    )
}
