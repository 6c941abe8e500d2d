//! Settings, built once from the environment and passed in: no globals.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use klearn_db::{Backend, DbUrl};
use rand::RngCore;
use url::Url;

/// Everything the application reads from its environment.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub base_url: Url,
    pub data_dir: PathBuf,
    pub secret_key: Vec<u8>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub payments: Option<String>,
    /// The HMAC key the sandbox provider signs its webhooks with.
    pub payment_webhook_secret: Vec<u8>,
    pub expert_share_percent: u8,
    pub timezone: chrono_tz::Tz,
    pub trusted_proxies: Vec<IpAddr>,
    pub cookie_secure: bool,
    /// Largest number of pooled database connections.
    pub db_pool_size: u32,
    /// How long the job worker sleeps when it finds nothing to do.
    pub job_poll_interval: Duration,
    /// HTTP worker threads; `None` uses one per core.
    pub http_workers: Option<usize>,
    /// Largest size in bytes of everything the process keeps between
    /// requests (guest pages, what members' pages read, sessions; shared out
    /// in `app::Kept`); 0 keeps nothing.
    pub page_cache_bytes: usize,
    /// How often the forum's reading buffer is written
    /// (`KLEARN_READING_FLUSH_SECONDS`, default 60).
    pub reading_flush_interval: Duration,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("base_url", &self.base_url.as_str())
            .field("data_dir", &self.data_dir)
            .field("smtp", &self.smtp_url.as_deref().map(redact_url))
            .field("timezone", &self.timezone)
            .finish_non_exhaustive()
    }
}

/// Hides the password in a URL for logs.
pub fn redact_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/klearn.sqlite3";
const MIN_SECRET_BYTES: usize = 64;

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Builds settings from any lookup function (the tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let db_url = DbUrl::parse(&database_url)?;
        let data_dir = PathBuf::from(get("KLEARN_DATA_DIR").unwrap_or_else(|| "data".into()));
        let base_url_text = get("KLEARN_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into());
        let base_url = Url::parse(&base_url_text)
            .with_context(|| format!("KLEARN_BASE_URL is not a URL: {base_url_text:?}"))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            bail!("KLEARN_BASE_URL must be http:// or https://");
        }
        let cookie_secure = match get("KLEARN_COOKIE_SECURE").as_deref() {
            None => base_url.scheme() == "https",
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(other) => bail!("KLEARN_COOKIE_SECURE must be true or false, got {other:?}"),
        };
        let secret_key = match get("KLEARN_SECRET_KEY") {
            Some(key) => {
                if key.len() < MIN_SECRET_BYTES {
                    bail!("KLEARN_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long");
                }
                key.into_bytes()
            }
            None if db_url.backend() == Backend::Sqlite => load_or_create_secret(&data_dir)?,
            None => bail!(
                "KLEARN_SECRET_KEY is required with PostgreSQL: every instance of one site must share it \
                 (generate one with `openssl rand -hex 64`)"
            ),
        };
        let payments = get("KLEARN_PAYMENTS").filter(|p| !p.is_empty());
        if let Some(p) = &payments {
            if p != "sandbox" {
                bail!("KLEARN_PAYMENTS must be `sandbox` (the built-in provider), got {p:?}");
            }
        }
        let payment_webhook_secret = match get("KLEARN_PAYMENT_WEBHOOK_SECRET").filter(|s| !s.is_empty()) {
            Some(key) => key.into_bytes(),
            None if db_url.backend() == Backend::Sqlite => {
                load_or_create_secret_file(&data_dir, "payment_webhook_secret")?
            }
            // Required once payments are on (checked when the site starts).
            None => Vec::new(),
        };
        let timezone = match get("KLEARN_TIMEZONE") {
            Some(tz) => tz
                .parse::<chrono_tz::Tz>()
                .map_err(|_| anyhow::anyhow!("KLEARN_TIMEZONE is not a known time zone: {tz:?}"))?,
            None => chrono_tz::Asia::Shanghai,
        };
        let expert_share_percent = match get("KLEARN_EXPERT_SHARE_PERCENT") {
            Some(p) => match p.parse::<u8>() {
                Ok(v) if v <= 100 => v,
                _ => bail!("KLEARN_EXPERT_SHARE_PERCENT must be a whole number from 0 to 100"),
            },
            None => 70,
        };
        let trusted_proxies = match get("KLEARN_TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<IpAddr>()
                        .with_context(|| format!("KLEARN_TRUSTED_PROXIES: not an IP address: {s:?}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        if let Some(smtp) = get("KLEARN_SMTP_URL") {
            let u = Url::parse(&smtp).context("KLEARN_SMTP_URL is not a URL")?;
            if !matches!(u.scheme(), "smtp" | "smtps") {
                bail!("KLEARN_SMTP_URL must start with smtp:// or smtps://");
            }
        }
        let mail_from = get("KLEARN_MAIL_FROM").unwrap_or_else(|| "Klearn <no-reply@localhost>".into());
        mail_from
            .parse::<lettre::message::Mailbox>()
            .with_context(|| format!("KLEARN_MAIL_FROM is not a mail address: {mail_from:?}"))?;
        let page_cache_bytes = match get("KLEARN_PAGE_CACHE_MB") {
            Some(mb) => match mb.parse::<usize>() {
                Ok(v) if v <= 64 * 1024 => v * 1024 * 1024,
                _ => {
                    bail!("KLEARN_PAGE_CACHE_MB must be a whole number of megabytes (0 turns the cache off)")
                }
            },
            None => 16 * 1024 * 1024,
        };
        let reading_flush_interval = match get("KLEARN_READING_FLUSH_SECONDS") {
            Some(s) => match s.parse::<u64>() {
                Ok(v) if (1..=3600).contains(&v) => Duration::from_secs(v),
                _ => bail!("KLEARN_READING_FLUSH_SECONDS must be a whole number of seconds from 1 to 3600"),
            },
            None => Duration::from_secs(60),
        };
        // SQLite reads run on this machine's cores from the OS's page cache:
        // more connections than twice the cores only add memory (each has
        // its page cache and prepared statements). PostgreSQL's server does
        // the work, and waits on its own disk.
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) as u32;
        let db_pool_size = match db_url.backend() {
            Backend::Sqlite => (2 * cores).clamp(4, 8),
            Backend::Postgres => 16,
        };
        Ok(Settings {
            database_url,
            bind: get("KLEARN_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            base_url,
            data_dir,
            secret_key,
            smtp_url: get("KLEARN_SMTP_URL"),
            mail_from,
            payments,
            payment_webhook_secret,
            expert_share_percent,
            timezone,
            trusted_proxies,
            cookie_secure,
            db_pool_size,
            job_poll_interval: Duration::from_millis(1000),
            http_workers: None,
            page_cache_bytes,
            reading_flush_interval,
        })
    }

    pub fn backend(&self) -> Backend {
        match DbUrl::parse(&self.database_url) {
            Ok(u) => u.backend(),
            Err(_) => Backend::Sqlite,
        }
    }

    /// An absolute URL for `path` (which starts with `/`), for links in emails.
    pub fn absolute_url(&self, path: &str) -> String {
        let base = self.base_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }

    /// A cookie's name: `__Host-` prefixed when cookies are Secure, so the
    /// browser refuses it from any other origin or path.
    pub fn cookie_name(&self, base: &str) -> String {
        if self.cookie_secure {
            format!("__Host-{base}")
        } else {
            base.to_string()
        }
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }
}

/// On SQLite the secret is generated once into the data dir and kept there.
fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    load_or_create_secret_file(data_dir, "secret_key")
}

/// A secret generated once into `data_dir/name` and kept there.
fn load_or_create_secret_file(data_dir: &Path, name: &str) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join(name);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let key = existing.trim().to_string();
        if key.len() < MIN_SECRET_BYTES {
            bail!("{} is shorter than {MIN_SECRET_BYTES} bytes", path.display());
        }
        return Ok(key.into_bytes());
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let key = hex::encode(bytes);
    write_private_file(&path, key.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(key.into_bytes())
}

fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn postgres_requires_a_secret_key() {
        let err = settings(&[("DATABASE_URL", "postgres://localhost/klearn")]).unwrap_err();
        assert!(err.to_string().contains("KLEARN_SECRET_KEY is required"), "{err}");
    }

    #[test]
    fn short_secret_key_is_refused() {
        let err = settings(&[("KLEARN_SECRET_KEY", "short")]).unwrap_err();
        assert!(err.to_string().contains("at least 64 bytes"), "{err}");
    }

    #[test]
    fn sqlite_secret_is_generated_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let a = settings(&[("KLEARN_DATA_DIR", d)]).unwrap();
        let b = settings(&[("KLEARN_DATA_DIR", d)]).unwrap();
        assert_eq!(a.secret_key.len(), 128);
        assert_eq!(a.secret_key, b.secret_key);
    }

    #[test]
    fn https_base_url_makes_cookies_secure_and_host_prefixed() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(&[
            ("KLEARN_DATA_DIR", dir.path().to_str().unwrap()),
            ("KLEARN_BASE_URL", "https://klearn.example"),
        ])
        .unwrap();
        assert!(s.cookie_secure);
        assert_eq!(s.cookie_name("klearn_lang"), "__Host-klearn_lang");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("KLEARN_TIMEZONE", "Mars/Olympus"),
            ("KLEARN_EXPERT_SHARE_PERCENT", "120"),
            ("KLEARN_TRUSTED_PROXIES", "10.0.0.1,nope"),
            ("KLEARN_SMTP_URL", "http://mail"),
        ] {
            let err = settings(&[(var, value), ("KLEARN_SECRET_KEY", &"k".repeat(64))]).unwrap_err();
            assert!(format!("{err:#}").contains(var), "{var}: {err:#}");
        }
    }
}
