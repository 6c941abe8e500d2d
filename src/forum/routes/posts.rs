//! `POST /posts/{id}/like`, `/posts/{id}/accept`, `/posts/{id}/delete`,
//! `GET, POST /posts/{id}/edit` and, for moderators, `GET /posts/{id}/revisions`.

use actix_web::{web, HttpResponse};
use klearn_db::forum::{Post, PostRevision, Thread};
use klearn_db::users::User;
use klearn_db::PostId;
use serde::Deserialize;

use crate::domain::forum::parse_body;
use crate::forum::views::{post_url, thread_url, EditPostView, RevisionsView};
use crate::forum::{delete_post, edit_post, toggle_accept, toggle_like, ForumError};
use crate::web::auth::Moderator;
use crate::web::db::{attempt, Refused};
use crate::web::{
    self as plumbing, call, db, html, html_with_status, AppError, AppState, FieldErrors, Page, SignedIn,
};

pub(super) async fn like(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<PostId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let (_, thread, post) = call(&state.pool, move |conn| toggle_like(conn, &actor, id)).await??;
    Ok(plumbing::redirect(&post_url(&thread, post.number)))
}

pub(super) async fn accept(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<PostId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let (_, thread) = call(&state.pool, move |conn| toggle_accept(conn, &actor, id)).await??;
    Ok(plumbing::redirect(&thread_url(&thread)))
}

pub(super) async fn delete(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<PostId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let thread = call(&state.pool, move |conn| delete_post(conn, &actor, id)).await??;
    Ok(plumbing::redirect(&thread_url(&thread)))
}

/// A post its author or a moderator may edit, with its thread.
fn editable(
    conn: &mut klearn_db::DbConnection,
    user: &crate::web::CurrentUser,
    id: PostId,
) -> Result<(Post, Thread), ForumError> {
    let post = Post::find(conn, id)?;
    if post.author_id != user.id && !user.actor().is_moderator() {
        return Err(ForumError::Forbidden("forum.error.not_yours"));
    }
    if post.is_deleted() {
        return Err(ForumError::Conflict("forum.error.deleted"));
    }
    Ok((post.clone(), Thread::find(conn, post.thread_id)?))
}

pub(super) async fn edit_form(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<PostId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (post, thread) = call(&state.pool, move |conn| editable(conn, &user, id)).await??;
    let body = post.body.clone();
    html(&EditPostView {
        page,
        post,
        thread,
        body,
        errors: FieldErrors::new(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct EditForm {
    #[serde(default)]
    body: String,
}

pub(super) async fn edit(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<PostId>,
    form: web::Form<EditForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let body = errors.check(&page.tr, "body", parse_body(&form.body));
    let actor = user.actor();
    let outcome = call(&state.pool, move |conn| {
        let done = attempt(
            conn,
            body,
            |c, body| edit_post(c, &actor, id, body).map(|t| (t, id)),
            |c| Ok(editable(c, &user, id)),
        )?;
        Ok::<_, ForumError>(match done {
            Ok((thread, id)) => Ok((thread, Post::find(conn, id)?.number)),
            Err(refused) => Err(refused),
        })
    })
    .await??;
    let Refused { problem, page: found } = match outcome {
        Ok((thread, number)) => return Ok(plumbing::redirect(&post_url(&thread, number))),
        Err(refused) => refused,
    };
    let status = super::form_refusal(&page.tr, &mut errors, problem)?;
    let (post, thread) = found?;
    let view = EditPostView {
        page,
        post,
        thread,
        body: form.body.clone(),
        errors,
    };
    html_with_status(status, &view)
}

pub(super) async fn revisions(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    id: web::Path<PostId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (post, thread, revisions) = db(&state.pool, move |conn| {
        let post = Post::find(conn, id)?;
        let thread = Thread::find(conn, post.thread_id)?;
        let revisions = PostRevision::of(conn, id)?;
        let mut editors: Vec<_> = revisions.iter().map(|r| r.editor_id).collect();
        editors.dedup();
        let names = User::find_many(conn, &editors)?;
        let named = revisions
            .into_iter()
            .map(|r| {
                let name = names
                    .iter()
                    .find(|u| u.id == r.editor_id)
                    .map(|u| u.shown_name().to_string())
                    .unwrap_or_default();
                (r, name)
            })
            .collect();
        Ok((post, thread, named))
    })
    .await?;
    html(&RevisionsView {
        page,
        post,
        thread,
        revisions,
    })
}
