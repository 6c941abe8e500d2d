//! Starting a thread (`/forum/{category}/new`, `/courses/{slug}/discussions/new`),
//! a thread's page (`/t/{id}/{slug}`, where `/t/{id}` and a wrong slug
//! redirect to the right one) and replying (`POST /t/{id}/replies`).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::categories::{Category, FORUM};
use klearn_db::courses::Course;
use klearn_db::forum::{Board, Thread};
use klearn_db::{DbConnection, DbError, ThreadId};
use serde::Deserialize;

use crate::domain::actor::Actor;
use crate::domain::forum::{page_of, parse_body, parse_kind, parse_tags, parse_title};
use crate::forum::pages::{BoardLink, KeptThreads, ThreadPage, ThreadPosts, ThreadStanding};
use crate::forum::posting::may_post;
use crate::forum::reading::{flush_now, Reading};
use crate::forum::views::{post_url, thread_url, NewThreadView, ThreadForm, ThreadView};
use crate::forum::{
    moderate as moderate_thread, reply as reply_to_thread, start_thread, ForumError, ThreadAction,
    ThreadInput,
};
use crate::i18n::Tr;
use crate::web::auth::{current_user, Moderator};
use crate::web::db::{attempt, Refused};
use crate::web::{
    self as plumbing, call, html, html_with_status, AppError, AppState, FieldErrors, Page, SignedIn,
};

#[derive(Debug, Default, Deserialize)]
pub(super) struct ThreadFields {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tags: String,
}

impl ThreadFields {
    fn form(&self) -> ThreadForm {
        ThreadForm {
            title: self.title.clone(),
            body: self.body.clone(),
            kind: self.kind.clone(),
            tags: self.tags.clone(),
        }
    }

    /// The thread, or `None` with each bad field's message.
    fn parse(&self, tr: &Tr, errors: &mut FieldErrors) -> Option<ThreadInput> {
        let title = errors.check(tr, "title", parse_title(&self.title));
        let body = errors.check(tr, "body", parse_body(&self.body));
        let kind = errors.check(tr, "kind", parse_kind(&self.kind));
        let tags = errors.check(tr, "tags", parse_tags(&self.tags));
        Some(ThreadInput {
            title: title?,
            body: body?,
            kind: kind?,
            tags: tags?,
        })
    }
}

/// A board as its form's heading shows it, when the actor may post there.
fn board_for_posting(
    conn: &mut DbConnection,
    actor: &Actor,
    board: Board,
    lang: &str,
) -> Result<BoardLink, ForumError> {
    may_post(conn, actor, board)?;
    Ok(BoardLink::of(conn, board, lang)?)
}

/// Which board a new-thread URL names.
#[derive(Debug, Clone)]
enum Place {
    Category(String),
    Course(String),
}

impl Place {
    fn board(&self, conn: &mut DbConnection) -> Result<Board, DbError> {
        Ok(match self {
            Place::Category(slug) => Board::Category(Category::find_by_slug(conn, FORUM, slug)?.id),
            Place::Course(slug) => Board::Course(Course::find_by_slug(conn, slug)?.id),
        })
    }

    fn action(&self) -> String {
        match self {
            Place::Category(slug) => format!("/forum/{slug}/new"),
            Place::Course(slug) => format!("/courses/{slug}/discussions/new"),
        }
    }
}

async fn new_form(
    page: Page,
    user: crate::web::CurrentUser,
    state: web::Data<AppState>,
    place: Place,
) -> Result<HttpResponse, AppError> {
    let (actor, lang, at) = (user.actor(), page.lang().to_string(), place.clone());
    let board = call(&state.pool, move |conn| {
        let board = at.board(conn)?;
        board_for_posting(conn, &actor, board, &lang)
    })
    .await??;
    let form = ThreadForm {
        kind: "discussion".into(),
        ..Default::default()
    };
    html(&NewThreadView {
        page,
        board,
        action: place.action(),
        form,
        errors: FieldErrors::new(),
    })
}

async fn create(
    page: Page,
    user: crate::web::CurrentUser,
    state: web::Data<AppState>,
    place: Place,
    fields: ThreadFields,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let input = fields.parse(&page.tr, &mut errors);
    let (actor, lang, at) = (user.actor(), page.lang().to_string(), place.clone());
    let outcome = call(&state.pool, move |conn| {
        let board = at.board(conn)?;
        attempt(
            conn,
            input,
            |c, input| start_thread(c, &actor, board, input),
            |c| Ok(board_for_posting(c, &actor, board, &lang)),
        )
    })
    .await??;
    let Refused { problem, page: board } = match outcome {
        Ok(thread) => return Ok(plumbing::redirect(&thread_url(&thread))),
        Err(refused) => refused,
    };
    let status = super::form_refusal(&page.tr, &mut errors, problem)?;
    let view = NewThreadView {
        page,
        board: board?,
        action: place.action(),
        form: fields.form(),
        errors,
    };
    html_with_status(status, &view)
}

pub(super) async fn new_in_category(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    new_form(page, user, state, Place::Category(slug.into_inner())).await
}

pub(super) async fn create_in_category(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<ThreadFields>,
) -> Result<HttpResponse, AppError> {
    create(
        page,
        user,
        state,
        Place::Category(slug.into_inner()),
        form.into_inner(),
    )
    .await
}

pub(super) async fn new_on_board(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    new_form(page, user, state, Place::Course(slug.into_inner())).await
}

pub(super) async fn create_on_board(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<ThreadFields>,
) -> Result<HttpResponse, AppError> {
    create(
        page,
        user,
        state,
        Place::Course(slug.into_inner()),
        form.into_inner(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ThreadQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    reply_to: Option<String>,
}

impl ThreadQuery {
    fn page(&self) -> i64 {
        self.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1)
    }
}

fn moved(location: &str) -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `/t/{id}`: to the thread's address with its slug.
pub(super) async fn show_bare(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<ThreadId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let thread = plumbing::db(&state.pool, move |conn| Thread::find(conn, id)).await?;
    let query = match req.query_string() {
        "" => String::new(),
        q => format!("?{q}"),
    };
    Ok(moved(&format!("{}{query}", thread_url(&thread))))
}

/// A thread's page: its posts are kept (`web::kept`); a signed-in viewer's
/// likes and whether they may reply are read in one call.
pub(super) async fn show(
    mut page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    kept: web::Data<KeptThreads>,
    reading: web::Data<Reading>,
    path: web::Path<(ThreadId, String)>,
    query: web::Query<ThreadQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, slug) = path.into_inner();
    let viewer = current_user(&req).map(|u| u.actor());
    let (number, lang) = (query.page(), page.lang());
    let posts = kept
        .read(&state, format!("{id} {number} {lang}"), move |conn| {
            ThreadPosts::load(conn, id, number, lang)
        })
        .await?;
    if !posts.visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    if posts.thread.slug != slug {
        let query = match req.query_string() {
            "" => String::new(),
            q => format!("?{q}"),
        };
        return Ok(moved(&format!("{}{query}", thread_url(&posts.thread))));
    }
    let standing = match &viewer {
        Some(viewer) => {
            let (viewer, thread, ids) = (viewer.clone(), posts.thread.clone(), posts.post_ids());
            let standing = plumbing::db(&state.pool, move |conn| {
                ThreadStanding::load(conn, &viewer, &thread, &ids)
            })
            .await?;
            // The header counted before this visit read the thread's notifications.
            if let Some(user) = page.user.as_mut() {
                user.unread = (user.unread - standing.read_now as i64).max(0);
            }
            Some(standing)
        }
        None => None,
    };
    let reply_to = query.reply_to.as_deref().and_then(|n| n.parse().ok());
    let t = ThreadPage::of(posts, viewer.as_ref(), standing);
    if let Some(member) = viewer.as_ref().and_then(Actor::user_id) {
        note_reading(&reading, &state, member, &t);
    }
    html(&ThreadView {
        page,
        t,
        reply_body: String::new(),
        reply_to,
        errors: FieldErrors::new(),
    })
}

/// Notes what a member was shown of a thread for the reading tracker, and
/// flushes it in the background when the buffer is full.
fn note_reading(reading: &web::Data<Reading>, state: &AppState, member: klearn_db::UserId, t: &ThreadPage) {
    let Some(last) = t.posts.iter().map(|c| c.post.number).max() else {
        return;
    };
    let shown = t.posts.len() as i64;
    if reading.note(member, t.thread.id, last, shown, klearn_db::now()) {
        actix_web::rt::spawn(flush_now(reading.clone().into_inner(), state.pool.clone()));
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    reply_to: Option<String>,
}

/// `POST /t/{id}/replies` (any other `POST /t/{id}/…` is not found).
pub(super) async fn reply(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(ThreadId, String)>,
    form: web::Form<ReplyForm>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    if action != "replies" {
        return Err(AppError::NotFound);
    }
    let mut errors = FieldErrors::new();
    let body = errors.check(&page.tr, "body", parse_body(&form.body));
    let reply_to: Option<i64> = form.reply_to.as_deref().and_then(|n| n.trim().parse().ok());
    let (actor, lang) = (user.actor(), page.lang().to_string());
    let outcome = call(&state.pool, move |conn| {
        attempt(
            conn,
            body,
            |c, body| reply_to_thread(c, &actor, id, body, reply_to),
            |c| {
                let last = Thread::find(c, id)?.last_number;
                Ok(ThreadPage::load(c, id, page_of(last), Some(&actor), &lang))
            },
        )
    })
    .await??;
    let Refused { problem, page: t } = match outcome {
        Ok((thread, post)) => return Ok(plumbing::redirect(&post_url(&thread, post.number))),
        Err(refused) => refused,
    };
    let status = super::form_refusal(&page.tr, &mut errors, problem)?;
    let view = ThreadView {
        page,
        t: t?,
        reply_body: form.body.clone(),
        reply_to,
        errors,
    };
    html_with_status(status, &view)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ModerateForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    category: String,
}

/// `POST /t/{id}/moderate`: `action` (`pin`, `unpin`, `lock`, `unlock`,
/// `move` with `category`, a forum category's slug).
pub(super) async fn moderate(
    Moderator(user): Moderator,
    state: web::Data<AppState>,
    id: web::Path<ThreadId>,
    form: web::Form<ModerateForm>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let form = form.into_inner();
    let thread = call(&state.pool, move |conn| {
        let action = match form.action.as_str() {
            "pin" => ThreadAction::Pin,
            "unpin" => ThreadAction::Unpin,
            "lock" => ThreadAction::Lock,
            "unlock" => ThreadAction::Unlock,
            "move" => ThreadAction::Move(Category::find_by_slug(conn, FORUM, form.category.trim())?.id),
            _ => return Err(ForumError::invalid("action", "forum.error.action")),
        };
        moderate_thread(conn, &actor, id, action)
    })
    .await?
    .map_err(|e| match e {
        ForumError::Invalid { .. } => AppError::BadRequest,
        other => other.into(),
    })?;
    Ok(plumbing::redirect(&thread_url(&thread)))
}
