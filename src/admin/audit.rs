//! `GET /admin/audit`: the audit log, filtered by actor and kind.

use actix_web::{web, HttpResponse};
use klearn_db::audit::{AuditEntry, AuditFilter};
use serde::Deserialize;

use crate::admin::views::{AdminNav, AuditView};
use crate::admin::Pager;
use crate::web::auth::Moderator;
use crate::web::pager::{last_page, page_number};
use crate::web::{self as plumbing, html, AppError, AppState, Page};

const PER_PAGE: i64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/audit").route(web::get().to(audit_log)));
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page: Option<String>,
}

async fn audit_log(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let actor = query.actor.trim().chars().take(64).collect::<String>();
    let kind = query.kind.trim().chars().take(64).collect::<String>();
    let wanted = page_number(query.page.as_deref());
    let filter = AuditFilter {
        actor: (!actor.is_empty()).then(|| actor.clone()),
        kind: (!kind.is_empty()).then(|| kind.clone()),
    };
    let ((rows, total), kinds) = plumbing::db(&state.pool, move |conn| {
        let (rows, total) = AuditEntry::list(conn, &filter, wanted, PER_PAGE)?;
        let last = last_page(total, PER_PAGE);
        let result = if wanted > last {
            AuditEntry::list(conn, &filter, last, PER_PAGE)?
        } else {
            (rows, total)
        };
        Ok((result, AuditEntry::actions(conn)?))
    })
    .await?;
    let pager = Pager::new(wanted, PER_PAGE, total, &[("actor", &actor), ("kind", &kind)]);
    let nav = AdminNav {
        current: "/admin/audit",
    };
    html(&AuditView {
        page,
        nav,
        actor,
        kind,
        kinds,
        rows,
        pager,
    })
}
