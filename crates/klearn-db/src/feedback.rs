//! Feedback to the platform: problems and suggestions filed by members and
//! guests, the moderators' triage (a state and a public note), and the
//! counts the admin pages show.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{feedback, users};
use crate::types::{FeedbackId, UserId};
pub use crate::types::{FeedbackKind, FeedbackState};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = feedback)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Feedback {
    pub id: FeedbackId,
    /// None for a guest.
    pub author_id: Option<UserId>,
    /// The address given at filing (a member's account address then); blank
    /// once the member's account is deleted.
    pub email: String,
    pub kind: FeedbackKind,
    /// The page it is about: a path on this site, an http(s) URL, or empty.
    pub page_url: String,
    pub body: String,
    pub body_html: String,
    pub state: FeedbackState,
    /// The moderator's public note, shown to the author.
    pub note: String,
    pub decided_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Feedback {
    pub fn is_from_guest(&self) -> bool {
        self.author_id.is_none()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = feedback)]
pub struct NewFeedback<'a> {
    pub author_id: Option<UserId>,
    pub email: &'a str,
    pub kind: FeedbackKind,
    pub page_url: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub state: FeedbackState,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An item with its author's names, for the moderators' list (none for a guest).
#[derive(Debug, Clone)]
pub struct FeedbackRow {
    pub item: Feedback,
    pub author_username: Option<String>,
    pub author_name: Option<String>,
}

impl FeedbackRow {
    /// The author as the list shows them: display name, else username.
    pub fn author_shown(&self) -> Option<&str> {
        match (&self.author_name, &self.author_username) {
            (Some(name), _) if !name.trim().is_empty() => Some(name),
            (_, Some(username)) => Some(username),
            _ => None,
        }
    }
}

impl Feedback {
    pub fn create(conn: &mut DbConnection, new: &NewFeedback<'_>) -> Result<Feedback, DbError> {
        let id: FeedbackId = diesel::insert_into(feedback::table)
            .values(new)
            .returning(feedback::id)
            .get_result(conn)?;
        Feedback::find(conn, id)
    }

    pub fn find(conn: &mut DbConnection, id: FeedbackId) -> Result<Feedback, DbError> {
        feedback::table
            .find(id)
            .select(Feedback::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// One item with its author's names.
    pub fn find_row(conn: &mut DbConnection, id: FeedbackId) -> Result<FeedbackRow, DbError> {
        let (item, author_username, author_name) = feedback::table
            .left_join(users::table.on(users::id.nullable().eq(feedback::author_id)))
            .filter(feedback::id.eq(id))
            .select((
                Feedback::as_select(),
                users::username.nullable(),
                users::display_name.nullable(),
            ))
            .first::<(Feedback, Option<String>, Option<String>)>(conn)
            .map_err(DbError::from_query)?;
        Ok(FeedbackRow {
            item,
            author_username,
            author_name,
        })
    }

    /// One page of the items in `state`, oldest first (the one waiting
    /// longest is on top), with their authors.
    pub fn in_state(
        conn: &mut DbConnection,
        state: FeedbackState,
        page: i64,
        per_page: i64,
    ) -> Result<Vec<FeedbackRow>, DbError> {
        let rows: Vec<(Feedback, Option<String>, Option<String>)> = feedback::table
            .left_join(users::table.on(users::id.nullable().eq(feedback::author_id)))
            .filter(feedback::state.eq(state))
            .order((feedback::created_at.asc(), feedback::id.asc()))
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .select((
                Feedback::as_select(),
                users::username.nullable(),
                users::display_name.nullable(),
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(item, author_username, author_name)| FeedbackRow {
                item,
                author_username,
                author_name,
            })
            .collect())
    }

    /// How many items are in each state.
    pub fn counts_by_state(conn: &mut DbConnection) -> Result<HashMap<FeedbackState, i64>, DbError> {
        let rows: Vec<(FeedbackState, i64)> = feedback::table
            .group_by(feedback::state)
            .select((feedback::state, diesel::dsl::count_star()))
            .load(conn)?;
        Ok(rows.into_iter().collect())
    }

    /// One page of a member's items, newest first, and how many they have.
    pub fn of_author(
        conn: &mut DbConnection,
        author: UserId,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<Feedback>, i64), DbError> {
        let total: i64 = feedback::table
            .filter(feedback::author_id.eq(author))
            .count()
            .get_result(conn)?;
        let items = feedback::table
            .filter(feedback::author_id.eq(author))
            .order((feedback::created_at.desc(), feedback::id.desc()))
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .select(Feedback::as_select())
            .load(conn)?;
        Ok((items, total))
    }

    /// Sets the state and the note if the item is still as `seen` left it
    /// (its state and note); false, and nothing written, if it had changed.
    pub fn decide(
        conn: &mut DbConnection,
        seen: &Feedback,
        state: FeedbackState,
        note: &str,
        by: Option<UserId>,
    ) -> Result<bool, DbError> {
        let n = diesel::update(
            feedback::table
                .filter(feedback::id.eq(seen.id))
                .filter(feedback::state.eq(seen.state))
                .filter(feedback::note.eq(&seen.note)),
        )
        .set((
            feedback::state.eq(state),
            feedback::note.eq(note),
            feedback::decided_by.eq(by),
            feedback::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// For a deleted account: the address kept with its items is blanked
    /// (the items stay, as a deleted user's).
    pub fn erase_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<usize, DbError> {
        Ok(
            diesel::update(feedback::table.filter(feedback::author_id.eq(user_id)))
                .set(feedback::email.eq(""))
                .execute(conn)?,
        )
    }
}
