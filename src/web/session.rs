//! Sessions: actix-session with its state kept in the database (`sessions`
//! table), keyed by a hash of the cookie's key. The cookie lives at most
//! ninety days (the absolute expiry); the row also has an idle expiry of two
//! weeks that the user loader pushes forward at most once a day, so an
//! ordinary page view writes nothing.
//!
//! One query and one blocking hop per request: the store's `load` reads the
//! session together with its user, roles and certification
//! (`SessionRow::load_with_user`) and hands the user to the user loader
//! (`web::auth::middleware`) under the reserved state key [`LOADED_USER`].
//! That key is the store's alone: `load` sets it (only when the session's user
//! may still be signed in), and `save` and `update` strip it, so it is never
//! written to the database and never outlives the request.
//!
//! Most requests make no query at all: the store keeps the sessions it read
//! (`KeptSessions`), exact by the accounts' generation
//! (`generations::ACCOUNTS`), which moves with every signed-in session ended
//! (sign-out, password change, suspension, erasure) and every change to what
//! a session carries (names, address, verification, language, roles,
//! certification). This process's own changes show at the next request;
//! another instance's within a second. A kept session is used only until
//! its expiry and for at most a minute: a change to a session's state made
//! by another instance that moves no generation (the daily "seen" mark, a
//! pre-session's form token) is read again within that minute.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_session::SessionMiddleware;
use actix_web::cookie::{time, Key, SameSite};
use klearn_db::sessions::{NewSession, SessionRow};
use klearn_db::{generations, Pool};
use klearn_db::{SessionId, UserId};
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::web::kept::{Generation, Kept, Weigh};

pub const IDLE_DAYS: i64 = 14;
pub const ABSOLUTE_DAYS: i64 = 90;
/// The session state key that holds the signed-in user's id.
pub const USER_ID: &str = "uid";
/// The reserved state key under which `load` hands over the session's user
/// (a `klearn_db::sessions::SessionUser` as JSON); never stored.
pub const LOADED_USER: &str = "_loaded_user";

/// The row id of a session key: its SHA-256, so the table holds no usable key.
pub fn row_id(key: &str) -> SessionId {
    SessionId(hex::encode(Sha256::digest(key.as_bytes())))
}

/// How long a kept session is used before it is read again, whatever the
/// generation says.
const KEPT_FOR: Duration = Duration::from_secs(60);

/// A session as `load` hands it over (the loaded user included), with when
/// it expires and when it was read.
#[derive(Clone)]
struct KeptSession {
    state: HashMap<String, String>,
    expires_at: chrono::NaiveDateTime,
    read_at: Instant,
}

impl Weigh for KeptSession {
    fn weight(&self) -> usize {
        self.state
            .iter()
            .map(|(k, v)| k.len() + v.len() + 48)
            .sum::<usize>()
            + 64
    }
}

impl KeptSession {
    fn usable(&self) -> bool {
        self.read_at.elapsed() < KEPT_FOR && klearn_db::now() < self.expires_at
    }
}

/// The sessions this process read, by row id, exact by the accounts' generation.
struct KeptSessions {
    generation: Generation,
    sessions: Kept<KeptSession>,
}

/// The session store: the `sessions` table, with the sessions it read kept
/// in memory (shared by every HTTP worker: clone it).
#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    kept: Arc<KeptSessions>,
}

impl DbSessionStore {
    /// A store that keeps at most `kept_bytes` of sessions in memory (0 keeps none).
    pub fn new(pool: Pool, kept_bytes: usize) -> Self {
        Self {
            pool,
            kept: Arc::new(KeptSessions {
                generation: Generation::new(generations::ACCOUNTS),
                sessions: Kept::new(kept_bytes),
            }),
        }
    }

    /// The session kept for the row `id`, if it can still be used.
    async fn kept(&self, id: &SessionId) -> (Option<HashMap<String, String>>, Option<i64>) {
        if !self.kept.sessions.enabled() {
            return (None, None);
        }
        let generation = self.kept.generation.now(&self.pool).await;
        let kept = generation
            .and_then(|g| self.kept.sessions.get(&id.0, g))
            .filter(|kept| kept.usable())
            .map(|kept| kept.state.clone());
        (kept, generation)
    }

    /// Keeps what the row `id` holds now, read at `generation` (or as this
    /// process knows the generation, for a state it just wrote).
    fn keep(
        &self,
        id: &SessionId,
        generation: Option<i64>,
        state: HashMap<String, String>,
        expires_at: chrono::NaiveDateTime,
    ) {
        let Some(generation) = generation.or_else(|| self.kept.generation.fresh()) else {
            return;
        };
        let session = KeptSession {
            state,
            expires_at,
            read_at: Instant::now(),
        };
        self.kept
            .sessions
            .put(id.0.clone(), generation, Arc::new(session));
    }
}

/// The state as it is stored: without the loaded user.
fn stored(mut state: HashMap<String, String>) -> HashMap<String, String> {
    state.remove(LOADED_USER);
    state
}

fn user_id_of(state: &HashMap<String, String>) -> Option<UserId> {
    state
        .get(USER_ID)
        .and_then(|v| serde_json::from_str::<UserId>(v).ok())
}

async fn blocking<T: Send + 'static>(
    pool: &Pool,
    f: impl FnOnce(&mut klearn_db::DbConnection) -> Result<T, klearn_db::DbError> + Send + 'static,
) -> anyhow::Result<T> {
    let pool = pool.clone();
    let result = actix_web::web::block(move || -> anyhow::Result<T> {
        let mut conn = pool.get()?;
        Ok(f(&mut conn)?)
    })
    .await??;
    Ok(result)
}

fn idle_expiry() -> chrono::NaiveDateTime {
    klearn_db::now() + chrono::Duration::days(IDLE_DAYS)
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let id = row_id(key.as_ref());
        let (kept, generation) = self.kept(&id).await;
        if let Some(state) = kept {
            return Ok(Some(state));
        }
        let row = id.clone();
        let loaded = blocking(&self.pool, move |c| SessionRow::load_with_user(c, &row))
            .await
            .map_err(LoadError::Other)?;
        let Some(loaded) = loaded else { return Ok(None) };
        let mut state: HashMap<String, String> =
            serde_json::from_str(&loaded.state).map_err(|e| LoadError::Deserialization(e.into()))?;
        state.remove(LOADED_USER);
        // The row's user is the state's (both written by `save`/`update`):
        // hand the user over only for the id the state names.
        if let Some(user) = loaded.user.filter(|u| Some(u.id) == user_id_of(&state)) {
            let json = serde_json::to_string(&user).map_err(|e| LoadError::Deserialization(e.into()))?;
            state.insert(LOADED_USER.to_string(), json);
        }
        self.keep(&id, generation, state.clone(), loaded.expires_at);
        Ok(Some(state))
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        _ttl: &time::Duration,
    ) -> Result<SessionKey, SaveError> {
        let state = stored(state);
        let key = Alphanumeric.sample_string(&mut rand::rng(), 64);
        let id = row_id(&key);
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let user_id = user_id_of(&state);
        blocking(&self.pool, move |c| {
            let now = klearn_db::now();
            SessionRow::insert(
                c,
                &NewSession {
                    id: &id,
                    user_id,
                    state: &json,
                    expires_at: idle_expiry(),
                    absolute_expires_at: now + chrono::Duration::days(ABSOLUTE_DAYS),
                    ip: "",
                    created_at: now,
                    updated_at: now,
                },
            )
        })
        .await
        .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        _ttl: &time::Duration,
    ) -> Result<SessionKey, UpdateError> {
        let state = stored(state);
        let id = row_id(key.as_ref());
        let json = serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let user_id = user_id_of(&state);
        // A row that is gone was ended (logout elsewhere, password change):
        // it is not brought back, and the next request is anonymous.
        let row = id.clone();
        blocking(&self.pool, move |c| {
            SessionRow::update_state(c, &row, &json, user_id, idle_expiry())
        })
        .await
        .map_err(UpdateError::Other)?;
        // Read again, user and all, by the next request.
        self.kept.sessions.forget(&id.0);
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, _ttl: &time::Duration) -> Result<(), anyhow::Error> {
        let id = row_id(key.as_ref());
        let row = id.clone();
        blocking(&self.pool, move |c| SessionRow::touch(c, &row, idle_expiry())).await?;
        self.kept.sessions.forget(&id.0);
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        let id = row_id(key.as_ref());
        // Forgotten before (no request uses it while it is deleted) and
        // after (a request that read the row meanwhile kept it again).
        self.kept.sessions.forget(&id.0);
        let row = id.clone();
        blocking(&self.pool, move |c| SessionRow::delete(c, &row)).await?;
        self.kept.sessions.forget(&id.0);
        Ok(())
    }
}

pub const COOKIE_BASE_NAME: &str = "klearn_session";

/// The session middleware: HttpOnly, SameSite=Lax, Secure and `__Host-`
/// prefixed when the site is served over https; state changes only are written.
pub fn middleware(settings: &Settings, store: DbSessionStore) -> SessionMiddleware<DbSessionStore> {
    SessionMiddleware::builder(store, Key::derive_from(&settings.secret_key))
        .cookie_name(settings.cookie_name(COOKIE_BASE_NAME))
        .cookie_secure(settings.cookie_secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".into())
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(time::Duration::days(ABSOLUTE_DAYS))
                .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
        )
        .build()
}
