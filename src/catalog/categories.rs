//! Course and forum categories, managed by admins: adding one, and changing
//! its names, descriptions, position or visibility (its slug stays, so links
//! keep working).

use klearn_db::audit::{self, Object};
use klearn_db::categories::{Category, CategoryChanges, NewCategory, COURSE, FORUM};
use klearn_db::{public_write_tx, CategoryId, DbConnection};

use crate::domain::actor::Actor;

crate::area_error! {
    /// Why a category use case refused.
    CategoryError {}
}

/// A category's names and descriptions in both languages, checked.
#[derive(Debug, Clone)]
pub struct CategoryTexts {
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
}

/// Checks the names (1–40 characters) and descriptions (at most 200);
/// every problem, by field.
pub fn check_texts(texts: &CategoryTexts) -> Vec<(&'static str, &'static str)> {
    let mut problems = Vec::new();
    for (field, value) in [("name_zh", &texts.name_zh), ("name_en", &texts.name_en)] {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > 40 {
            problems.push((field, "admin.categories.error_name"));
        }
    }
    for (field, value) in [
        ("description_zh", &texts.description_zh),
        ("description_en", &texts.description_en),
    ] {
        if value.chars().count() > 200 {
            problems.push((field, "admin.categories.error_description"));
        }
    }
    problems
}

/// Whether a slug is lowercase ASCII words joined by hyphens, up to 40.
pub fn slug_ok(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 40
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
}

fn admin(actor: &Actor) -> Result<(), CategoryError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(CategoryError::Forbidden("error.403.message"))
    }
}

/// Adds a category of `kind` (`course` or `forum`) at the end of its order.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    kind: &str,
    slug: &str,
    texts: &CategoryTexts,
) -> Result<CategoryId, CategoryError> {
    admin(actor)?;
    let kind = [COURSE, FORUM]
        .into_iter()
        .find(|k| *k == kind)
        .ok_or(CategoryError::invalid("kind", "admin.categories.error_kind"))?;
    public_write_tx(conn, |conn| {
        if Category::slug_taken(conn, kind, slug)? {
            return Err(CategoryError::invalid(
                "slug",
                "admin.categories.error_slug_taken",
            ));
        }
        let id = Category::create(
            conn,
            &NewCategory {
                kind,
                slug,
                name_zh: texts.name_zh.trim(),
                name_en: texts.name_en.trim(),
                description_zh: texts.description_zh.trim(),
                description_en: texts.description_en.trim(),
                position: 0,
                created_at: klearn_db::now(),
            },
        )?;
        audit::record(
            conn,
            actor.user_id(),
            "category.create",
            Object::category(id),
            slug,
        )?;
        Ok(id)
    })
}

/// Changes a category's texts, position and visibility.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CategoryId,
    texts: &CategoryTexts,
    position: i32,
    hidden: bool,
) -> Result<(), CategoryError> {
    admin(actor)?;
    public_write_tx(conn, |conn| {
        let existing = Category::find(conn, id)?;
        let changes = CategoryChanges {
            name_zh: texts.name_zh.trim().to_string(),
            name_en: texts.name_en.trim().to_string(),
            description_zh: texts.description_zh.trim().to_string(),
            description_en: texts.description_en.trim().to_string(),
            position,
            hidden,
        };
        Category::update(conn, id, &changes)?;
        audit::record(
            conn,
            actor.user_id(),
            "category.update",
            Object::category(id),
            &existing.slug,
        )?;
        Ok(())
    })
}
