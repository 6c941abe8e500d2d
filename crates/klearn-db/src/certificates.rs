//! Completion certificates: issued once per learner and course, found by
//! their verification code, revocable by moderators (and then say so).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::certificates;
use crate::types::{CertificateId, CourseId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = certificates)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Certificate {
    pub id: CertificateId,
    /// The verification code, also its address.
    pub code: String,
    pub learner_id: UserId,
    pub course_id: CourseId,
    /// Names as they were on the day it was issued.
    pub learner_name: String,
    pub course_title: String,
    pub expert_name: String,
    pub issued_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_reason: String,
    pub revoked_by: Option<UserId>,
}

/// A certificate to issue.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    pub code: &'a str,
    pub learner_id: UserId,
    pub course_id: CourseId,
    pub learner_name: &'a str,
    pub course_title: &'a str,
    pub expert_name: &'a str,
}

impl Certificate {
    /// Issues it; `None` when the learner holds one for the course already
    /// (also when two issuers race).
    pub fn issue(conn: &mut DbConnection, new: &NewCertificate) -> Result<Option<Certificate>, DbError> {
        let issued = insert_once(conn, |conn| {
            diesel::insert_into(certificates::table)
                .values((
                    certificates::code.eq(new.code),
                    certificates::learner_id.eq(new.learner_id),
                    certificates::course_id.eq(new.course_id),
                    certificates::learner_name.eq(new.learner_name),
                    certificates::course_title.eq(new.course_title),
                    certificates::expert_name.eq(new.expert_name),
                    certificates::issued_at.eq(crate::now()),
                ))
                .execute(conn)
        })?;
        if !issued {
            return Ok(None);
        }
        Certificate::find_by_code(conn, new.code).map(Some)
    }

    pub fn find_by_code(conn: &mut DbConnection, code: &str) -> Result<Certificate, DbError> {
        certificates::table
            .filter(certificates::code.eq(code))
            .select(Certificate::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The learner's certificate for the course, if one was issued.
    pub fn of_learner(
        conn: &mut DbConnection,
        learner: UserId,
        course: CourseId,
    ) -> Result<Option<Certificate>, DbError> {
        Ok(certificates::table
            .filter(certificates::learner_id.eq(learner))
            .filter(certificates::course_id.eq(course))
            .select(Certificate::as_select())
            .first(conn)
            .optional()?)
    }

    /// Every certificate the learner holds.
    pub fn all_of(conn: &mut DbConnection, learner: UserId) -> Result<Vec<Certificate>, DbError> {
        Ok(certificates::table
            .filter(certificates::learner_id.eq(learner))
            .order(certificates::issued_at.desc())
            .select(Certificate::as_select())
            .load(conn)?)
    }

    /// Revokes it; false when it was revoked already.
    pub fn revoke(
        conn: &mut DbConnection,
        id: CertificateId,
        by: UserId,
        reason: &str,
    ) -> Result<bool, DbError> {
        let n = diesel::update(
            certificates::table
                .find(id)
                .filter(certificates::revoked_at.is_null()),
        )
        .set((
            certificates::revoked_at.eq(crate::now()),
            certificates::revoked_by.eq(by),
            certificates::revoked_reason.eq(reason),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }
}
