//! `GET /forum` (categories, latest threads, search), `GET /forum/{category}`
//! and `GET /courses/{slug}/discussions`: lists with their sorts and cursors.

use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::categories::{Category, FORUM};
use klearn_db::courses::{Course, CourseState};
use klearn_db::forum::Board;
use klearn_db::{DbConnection, DbError};
use serde::Deserialize;

use crate::domain::actor::Actor;
use crate::domain::forum::{decode_cursor, parse_sort};
use crate::forum::pages::{board_posting, ForumHome, ListPage, Posting};
use crate::forum::views::{ForumHomeView, ThreadListView};
use crate::web::auth::current_user;
use crate::web::{db, html, AppError, AppState, Page};

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    before: String,
}

impl ListQuery {
    /// The sort and period as the page names them (unknown ones: latest, all).
    fn names(&self) -> (String, String) {
        let sort = match self.sort.as_str() {
            s @ ("top" | "unanswered") => s,
            _ => "latest",
        };
        let period = match (sort, self.period.as_str()) {
            ("top", p @ ("day" | "week" | "month")) => p,
            ("top", _) => "all",
            _ => "",
        };
        (sort.to_string(), period.to_string())
    }
}

pub(super) async fn home(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let q: String = query.q.trim().chars().take(200).collect();
    let before = decode_cursor(&query.before);
    let (text, lang) = (q.clone(), page.lang().to_string());
    let home = db(&state.pool, move |conn| {
        ForumHome::load(conn, &text, before, &lang)
    })
    .await?;
    html(&ForumHomeView { page, home, q })
}

/// A board's header and who may post there.
struct BoardHead {
    title: String,
    description: String,
    course: Option<Course>,
    posting: Posting,
}

fn list(
    conn: &mut DbConnection,
    board: Board,
    head: BoardHead,
    query: &ListQuery,
    lang: &str,
) -> Result<(BoardHead, ListPage), DbError> {
    let sort = parse_sort(&query.sort, &query.period, klearn_db::now());
    let list = ListPage::load(conn, Some(board), sort, decode_cursor(&query.before), lang)?;
    Ok((head, list))
}

fn posting(conn: &mut DbConnection, viewer: Option<&Actor>, board: Board) -> Result<Posting, DbError> {
    match viewer {
        Some(viewer) => board_posting(conn, viewer, board),
        None => Ok(Posting::SignIn),
    }
}

pub(super) async fn category(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, lang) = (slug.into_inner(), page.lang().to_string());
    let viewer = current_user(&req).map(|u| u.actor());
    let q = query.into_inner();
    let (sort, period) = q.names();
    let base = format!("/forum/{slug}");
    let (head, list) = db(&state.pool, move |conn| {
        let category = Category::find_by_slug(conn, FORUM, &slug)?;
        if category.hidden {
            return Err(DbError::NotFound);
        }
        let board = Board::Category(category.id);
        let head = BoardHead {
            title: category.name(&lang).to_string(),
            description: category.description(&lang).to_string(),
            course: None,
            posting: posting(conn, viewer.as_ref(), board)?,
        };
        list(conn, board, head, &q, &lang)
    })
    .await?;
    let new_url = format!("{base}/new");
    html(&ThreadListView {
        page,
        title: head.title,
        description: head.description,
        base,
        new_url,
        course: head.course,
        posting: head.posting,
        list,
        sort,
        period,
    })
}

pub(super) async fn course_board(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, lang) = (slug.into_inner(), page.lang().to_string());
    let viewer = current_user(&req).map(|u| u.actor());
    let q = query.into_inner();
    let (sort, period) = q.names();
    let base = format!("/courses/{slug}/discussions");
    let (head, list) = db(&state.pool, move |conn| {
        let course = Course::find_by_slug(conn, &slug)?;
        if course.state != CourseState::Published {
            return Err(DbError::NotFound);
        }
        let board = Board::Course(course.id);
        let head = BoardHead {
            title: course.title.clone(),
            description: String::new(),
            posting: posting(conn, viewer.as_ref(), board)?,
            course: Some(course),
        };
        list(conn, board, head, &q, &lang)
    })
    .await?;
    let new_url = format!("{base}/new");
    html(&ThreadListView {
        page,
        title: head.title,
        description: head.description,
        base,
        new_url,
        course: head.course,
        posting: head.posting,
        list,
        sort,
        period,
    })
}
