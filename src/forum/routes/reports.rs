//! `POST /posts/{id}/report`: a member flags a post with a `reason`
//! (`spam`, `offensive`, `off_topic`, `other` with a `note`). A refused form
//! comes back on a page of its own with what was chosen and typed.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::forum::{Post, Thread};
use klearn_db::{FlagReason, PostId, PostState};
use serde::Deserialize;

use crate::forum::reports::{flag_post, FlagInput};
use crate::forum::views::{post_url, FlagView};
use crate::forum::ForumError;
use crate::i18n::k;
use crate::web::db::{attempt, Refused};
use crate::web::flash::{Flash, Level};
use crate::web::{
    call, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors, Page, SignedIn,
};

/// The longest note a flag keeps.
const NOTE_MAX: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub(super) struct FlagForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

impl FlagForm {
    fn parse(&self, page: &Page, errors: &mut FieldErrors) -> Option<FlagInput> {
        let reason = FlagReason::parse(self.reason.trim());
        if reason.is_none() {
            errors.add(&page.tr, "reason", "forum.flag.reason_required");
        }
        let note = self.note.trim().to_string();
        if note.chars().count() > NOTE_MAX {
            errors.add(&page.tr, "note", "forum.flag.note_long");
        } else if reason == Some(FlagReason::Other) && note.is_empty() {
            errors.add(&page.tr, "note", "forum.flag.note_required");
        }
        reason
            .filter(|_| errors.is_empty())
            .map(|reason| FlagInput { reason, note })
    }
}

pub(super) async fn flag(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<PostId>,
    form: web::Form<FlagForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let input = form.parse(&page, &mut errors);
    let actor = user.actor();
    let outcome = call(&state.pool, move |conn| {
        attempt(
            conn,
            input,
            |c, input| flag_post(c, &actor, id, input),
            |c| {
                let post = Post::find(c, id)?;
                let thread = Thread::find(c, post.thread_id)?;
                if post.state != PostState::Visible || thread.state != PostState::Visible {
                    return Err(klearn_db::DbError::NotFound);
                }
                Ok((thread, post))
            },
        )
    })
    .await??;
    let Refused { problem, page: found } = match outcome {
        Ok(done) => {
            let key = if done.hidden {
                "forum.flag.hidden"
            } else {
                "forum.flag.thanks"
            };
            return Ok(redirect_with_flash(
                &state.settings,
                &post_url(&done.thread, done.post.number),
                &Flash::new(Level::Success, k(key)),
            ));
        }
        Err(refused) => refused,
    };
    match problem {
        Some(ForumError::Invalid { field, key }) => errors.add(&page.tr, field, key),
        Some(other) => return Err(other.into()),
        None => {}
    }
    let (thread, post) = found;
    let view = FlagView {
        page,
        thread,
        number: post.number,
        post_id: post.id,
        reason: form.reason.clone(),
        note: form.note.clone(),
        errors,
    };
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}
