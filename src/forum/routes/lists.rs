//! `GET /forum` (categories, latest threads, search), `GET /forum/{category}`
//! and `GET /courses/{slug}/discussions`: lists with their sorts and cursors,
//! read from kept data (`web::kept`); who may post is read per viewer.

use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::categories::{Category, FORUM};
use klearn_db::courses::{Course, CourseState};
use klearn_db::forum::Board;
use klearn_db::{DbConnection, DbError};
use serde::Deserialize;

use crate::domain::forum::{decode_cursor, parse_sort};
use crate::forum::pages::{
    board_posting, BoardHead, BoardList, ForumHome, KeptBoards, KeptForumHome, ListPage, Posting,
};
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
    kept: web::Data<KeptForumHome>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let q: String = query.q.trim().chars().take(200).collect();
    let before = decode_cursor(&query.before);
    let lang = page.lang();
    // Searches are read each time: their words would crowd the lists out.
    let home = if q.is_empty() {
        kept.read(&state, format!("{before:?} {lang}"), move |conn| {
            ForumHome::load(conn, "", before, lang)
        })
        .await?
    } else {
        let text = q.clone();
        db(&state.pool, move |conn| {
            ForumHome::load(conn, &text, before, lang)
        })
        .await?
    };
    html(&ForumHomeView { page, home, q })
}

/// How long a list sorted by the most liked over a period is kept at most
/// (the period's start moves with the clock): its key names the hour.
const TOP_WINDOW_SECONDS: i64 = 3600;

/// A board's list page at `base`: the board's header and the page of
/// threads are kept (`head` finds the board, or 404, when they are read);
/// who may post there is read for a signed-in viewer.
async fn board_page<F>(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    kept: web::Data<KeptBoards>,
    base: String,
    query: ListQuery,
    head: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut DbConnection, &str) -> Result<(Board, BoardHead), DbError> + Send + 'static,
{
    let lang = page.lang();
    let viewer = current_user(&req).map(|u| u.actor());
    let (sort, period) = query.names();
    let before = decode_cursor(&query.before);
    let window = match (sort.as_str(), period.as_str()) {
        ("top", "day" | "week" | "month") => klearn_db::now().and_utc().timestamp() / TOP_WINDOW_SECONDS,
        _ => 0,
    };
    let key = format!("{base} {sort} {period} {window} {before:?} {lang}");
    let (sort_name, period_name) = (sort.clone(), period.clone());
    let shown = kept
        .read(&state, key, move |conn| {
            let (board, head) = head(conn, lang)?;
            let sort = parse_sort(&sort_name, &period_name, klearn_db::now());
            let list = ListPage::load(conn, Some(board), sort, before, lang)?;
            Ok(BoardList { board, head, list })
        })
        .await?;
    let posting = match viewer {
        Some(viewer) => {
            let board = shown.board;
            db(&state.pool, move |conn| board_posting(conn, &viewer, board)).await?
        }
        None => Posting::SignIn,
    };
    html(&ThreadListView {
        page,
        title: shown.head.title,
        description: shown.head.description,
        new_url: format!("{base}/new"),
        base,
        course: shown.head.course,
        posting,
        list: shown.list,
        sort,
        period,
    })
}

pub(super) async fn category(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    kept: web::Data<KeptBoards>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let base = format!("/forum/{slug}");
    board_page(
        page,
        req,
        state,
        kept,
        base,
        query.into_inner(),
        move |conn, lang| {
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
        },
    )
    .await
}

pub(super) async fn course_board(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    kept: web::Data<KeptBoards>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let base = format!("/courses/{slug}/discussions");
    board_page(
        page,
        req,
        state,
        kept,
        base,
        query.into_inner(),
        move |conn, _| {
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
        },
    )
    .await
}
