//! `GET /forum` (categories, latest threads, search), `GET /forum/{category}`
//! and `GET /courses/{slug}/discussions`: lists with their sorts and cursors.

use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::categories::{Category, FORUM};
use klearn_db::courses::{Course, CourseState};
use klearn_db::forum::Board;
use klearn_db::{DbConnection, DbError};
use serde::Deserialize;

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

/// A board's header: its title, description and course.
struct BoardHead {
    title: String,
    description: String,
    course: Option<Course>,
}

/// A board's list page at `base`: `head` finds the board (or 404), then
/// who may post there and the page of threads are read in the same call.
async fn board_page<F>(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    base: String,
    query: ListQuery,
    head: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConnection, &str) -> Result<(Board, BoardHead), DbError> + Send + 'static,
{
    let lang = page.lang().to_string();
    let viewer = current_user(&req).map(|u| u.actor());
    let (sort, period) = query.names();
    let (head, posting, list) = db(&state.pool, move |conn| {
        let (board, head) = head(conn, &lang)?;
        let posting = match &viewer {
            Some(viewer) => board_posting(conn, viewer, board)?,
            None => Posting::SignIn,
        };
        let sort = parse_sort(&query.sort, &query.period, klearn_db::now());
        let list = ListPage::load(conn, Some(board), sort, decode_cursor(&query.before), &lang)?;
        Ok((head, posting, list))
    })
    .await?;
    html(&ThreadListView {
        page,
        title: head.title,
        description: head.description,
        new_url: format!("{base}/new"),
        base,
        course: head.course,
        posting,
        list,
        sort,
        period,
    })
}

pub(super) async fn category(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let base = format!("/forum/{slug}");
    board_page(page, req, state, base, query.into_inner(), move |conn, lang| {
        let category = Category::find_by_slug(conn, FORUM, &slug)?;
        if category.hidden {
            return Err(DbError::NotFound);
        }
        let head = BoardHead {
            title: category.name(lang).to_string(),
            description: category.description(lang).to_string(),
            course: None,
        };
        Ok((Board::Category(category.id), head))
    })
    .await
}

pub(super) async fn course_board(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let base = format!("/courses/{slug}/discussions");
    board_page(page, req, state, base, query.into_inner(), move |conn, _| {
        let course = Course::find_by_slug(conn, &slug)?;
        if course.state != CourseState::Published {
            return Err(DbError::NotFound);
        }
        let board = Board::Course(course.id);
        let head = BoardHead {
            title: course.title.clone(),
            description: String::new(),
            course: Some(course),
        };
        Ok((board, head))
    })
    .await
}
