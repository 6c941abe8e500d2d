//! Who is asking: the user-loading middleware puts the signed-in user on the
//! request, and the extractors here are the one place where sign-in, a
//! verified email and roles are required. Handlers never check roles with ifs.

use std::future::{ready, Ready};

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use klearn_db::sessions::SessionUser;
use klearn_db::UserId;

use crate::domain::account::Role;
use crate::domain::actor::Actor;
use crate::i18n::Locale;
use crate::web::error::AppError;
use crate::web::session::{LOADED_USER, USER_ID};

/// The signed-in user, as every page sees them.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub verified: bool,
    pub roles: Vec<Role>,
    /// A certified expert (an application that went through every step).
    pub certified: bool,
    pub locale: Locale,
    /// Unread notifications, for the header's badge (read on pages only).
    pub unread: i64,
}

impl CurrentUser {
    fn from_session(user: SessionUser) -> Self {
        CurrentUser {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            verified: user.verified,
            roles: user.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            certified: user.certified,
            locale: Locale::parse(&user.locale).unwrap_or(Locale::ZhCn),
            unread: 0,
        }
    }

    /// The user as the actor of a use case.
    pub fn actor(&self) -> Actor {
        Actor::Member {
            id: self.id,
            roles: self.roles.clone(),
            certified: self.certified,
        }
    }

    /// Who may set a price above zero (see `Actor::may_charge`).
    pub fn may_charge(&self) -> bool {
        self.actor().may_charge()
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.iter().any(|r| r.grants(role))
    }

    pub fn is_moderator(&self) -> bool {
        self.has(Role::Moderator)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

const SEEN_KEY: &str = "seen";

/// Puts the session's user on the request. The session store read the user
/// with the session (`web::session`, one query); a session that names a user
/// the store did not hand over (gone, erased or suspended) ends.
/// Once a day the session is marked seen, which pushes its idle expiry forward.
/// A page (a GET that is not a file) also reads the member's unread
/// notifications for the header: one indexed count.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = req.get_session();
    if let Ok(Some(user_id)) = session.get::<UserId>(USER_ID) {
        match session.get::<SessionUser>(LOADED_USER) {
            Ok(Some(user)) if user.id == user_id => {
                let today = klearn_db::now().date().to_string();
                if session.get::<String>(SEEN_KEY).ok().flatten().as_deref() != Some(today.as_str()) {
                    let _ = session.insert(SEEN_KEY, today);
                }
                let mut current = CurrentUser::from_session(user);
                if is_page(&req) {
                    current.unread = unread_count(&req, current.id).await;
                }
                req.extensions_mut().insert(current);
            }
            _ => session.purge(),
        }
    }
    next.call(req).await
}

/// A request that renders a page with the header (not a file, not a form's post).
fn is_page(req: &ServiceRequest) -> bool {
    let path = req.path();
    req.method() == actix_web::http::Method::GET
        && !path.starts_with("/static/")
        && !path.starts_with("/media/")
        && path != "/healthz"
}

/// The member's unread notifications; a failure shows no badge rather than no page.
async fn unread_count(req: &ServiceRequest, user: UserId) -> i64 {
    let Some(state) = req.app_data::<actix_web::web::Data<crate::web::AppState>>() else {
        return 0;
    };
    let pool = state.pool.clone();
    let counted = actix_web::web::block(move || -> Result<i64, klearn_db::DbError> {
        let mut conn = pool.get()?;
        klearn_db::notifications::Notification::unread_count(&mut conn, user)
    })
    .await;
    match counted {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "unread notifications not counted");
            0
        }
        Err(_) => 0,
    }
}

/// Starts a signed-in session: a new session id (so one planted before login
/// is useless), a new CSRF token, the user's id.
pub fn sign_in(session: &Session, user_id: UserId) {
    session.renew();
    let _ = session.insert(USER_ID, user_id);
    let _ = session.insert(SEEN_KEY, klearn_db::now().date().to_string());
    crate::web::csrf::rotate(session);
}

pub fn current_user(req: &HttpRequest) -> Option<CurrentUser> {
    req.extensions().get::<CurrentUser>().cloned()
}

fn signed_in(req: &HttpRequest) -> Result<CurrentUser, AppError> {
    current_user(req).ok_or_else(|| {
        let next = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{}", req.path(), q),
        };
        AppError::LoginRequired { next }
    })
}

fn with_role(req: &HttpRequest, role: Role) -> Result<CurrentUser, AppError> {
    let user = signed_in(req)?;
    if user.has(role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

macro_rules! extractor {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub CurrentUser);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Ready<Result<Self, AppError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let check: fn(&HttpRequest) -> Result<CurrentUser, AppError> = $check;
                ready(check(req).map($name))
            }
        }
    };
}

extractor!(
    /// Any signed-in user; guests go to `/login?next=…`.
    SignedIn,
    signed_in
);
extractor!(
    /// A signed-in user with a confirmed email: needed to post, apply and flag.
    Verified,
    |req| {
        let user = signed_in(req)?;
        if user.verified {
            Ok(user)
        } else {
            Err(AppError::ForbiddenBecause("error.verify_first"))
        }
    }
);
extractor!(
    /// The expert role: studio access.
    Expert,
    |req| with_role(req, Role::Expert)
);
extractor!(
    /// Moderators and admins.
    Moderator,
    |req| with_role(req, Role::Moderator)
);
extractor!(
    /// Admins only.
    Admin,
    |req| with_role(req, Role::Admin)
);

/// A guest-only page (login, register): signed-in users go home.
pub struct Guest;

impl FromRequest for Guest {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match current_user(req) {
            Some(_) => Err(AppError::AlreadySignedIn),
            None => Ok(Guest),
        })
    }
}

/// `next` is followed only when it is a local path: one leading `/`, no
/// scheme, no `//` or `/\` that a browser would read as another host.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.contains(['\r', '\n', '\t'])
                && !n.contains("://") =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_followed_only_to_local_paths() {
        assert_eq!(safe_next(Some("/settings/profile?x=1")), "/settings/profile?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/x\r\nSet-Cookie: a",
            "javascript:alert(1)",
            "/redirect?u=http://x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
