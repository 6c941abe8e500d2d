//! The forum: threads in forum categories and on each published course's
//! board. Use cases: starting a thread and replying (`posting`, with who may
//! post where), editing and deleting posts (`editing`), likes and accepted
//! answers (`reactions`), pinning, locking and moving threads
//! (`moderation`). What the pages read is in `pages`, their views in
//! `views`, the handlers in `routes/`.

pub mod editing;
pub mod moderation;
pub mod pages;
pub mod posting;
pub mod reactions;
pub mod routes;
pub mod views;

pub use editing::{delete_post, edit_post};
pub use moderation::{moderate, ThreadAction};
pub use posting::{reply, start_thread, ThreadInput};
pub use reactions::{toggle_accept, toggle_like};

crate::area_error! {
    /// Why a forum use case refused.
    ForumError {}
}
