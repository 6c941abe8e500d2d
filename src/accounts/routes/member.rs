//! `GET /u/{username}`: the public member page.

use actix_web::{web, HttpResponse};
use klearn_db::uploads::Upload;
use klearn_db::users::User;

use crate::accounts::views::MemberView;
use crate::web::{self as plumbing, html, AppError, AppState, Page};

pub(super) async fn page(
    page: Page,
    state: web::Data<AppState>,
    username: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let username = username.into_inner();
    let (member, interests, avatar) = plumbing::db(&state.pool, move |conn| {
        let member = User::find_by_username(conn, &username)?;
        let interests = User::interests(conn, member.id)?;
        let avatar = match member.avatar_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        Ok((member, interests, avatar))
    })
    .await?;
    html(&MemberView {
        page,
        initial: member.initial(),
        member,
        avatar_url: avatar.as_ref().map(crate::uploads::media_url),
        interests,
    })
}
