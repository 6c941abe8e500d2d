//! The command line: `klearn serve | migrate | seed`.

use clap::{Parser, Subcommand};

use crate::accounts::password::Passwords;
use crate::accounts::{create_verified_account, grant_role_by_name};
use crate::app::{open_database, Application};
use crate::config::Settings;
use crate::domain::account::{Email, NewPassword, Role, Username};
use crate::i18n::{I18n, Locale, Tr};
use crate::mail::{compose, Mailer, TestMail};

#[derive(Debug, Parser)]
#[command(
    name = "klearn",
    version,
    about = "Klearn: a knowledge-paid community site for programmers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve until SIGTERM or SIGINT.
    Serve {
        /// Listen address; overrides KLEARN_BIND.
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo community first if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load data into the database: the demo community, or a synthetic one for benchmarks.
    Seed {
        /// The demo community (only into an empty database).
        #[arg(long, conflicts_with = "scale", required_unless_present = "scale")]
        demo: bool,
        /// A synthetic community of about N users and N/10 courses (only into an empty database).
        #[arg(long, value_name = "N")]
        scale: Option<usize>,
    },
    /// Create an admin account. The password comes from KLEARN_ADMIN_PASSWORD, or is asked for.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
    /// Grant a role (expert, moderator or admin) to a user; audited.
    GrantRole {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
    },
    /// Send a test mail now, to check KLEARN_SMTP_URL and KLEARN_MAIL_FROM.
    SendTestMail {
        /// Recipient address.
        #[arg(long)]
        to: String,
        /// Language of the mail: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::from_env()?;
    match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(bind) = bind {
                settings.bind = bind;
            }
            if demo {
                demo_payments(&mut settings);
                let report = load_demo(&settings).await?;
                println!("{report}");
            }
            let app = Application::build(settings).await?;
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let pool = open_database(&settings).await?;
            drop(pool);
            println!("klearn: the database is up to date");
            Ok(())
        }
        Command::SendTestMail { to, lang } => {
            let locale = Locale::parse(&lang).ok_or_else(|| anyhow::anyhow!("--lang must be zh-CN or en"))?;
            let mail = compose(
                &to,
                &TestMail {
                    tr: Tr::new(I18n::load()?, locale),
                    site_url: settings.absolute_url("/"),
                },
            )?;
            Mailer::from_settings(&settings)?.send(&mail).await?;
            match &settings.smtp_url {
                Some(url) => println!("klearn: sent to {to} through {}", crate::config::redact_url(url)),
                None => println!("klearn: written to {}", settings.mail_dir().display()),
            }
            Ok(())
        }
        Command::CreateAdmin { username, email } => {
            let username =
                Username::parse(&username).map_err(|k| anyhow::anyhow!("username: {}", english(k)))?;
            let email = Email::parse(&email).map_err(|k| anyhow::anyhow!("email: {}", english(k)))?;
            let password = match std::env::var("KLEARN_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let first = rpassword::prompt_password("Password for the new admin: ")?;
                    let again = rpassword::prompt_password("The same password again: ")?;
                    if first != again {
                        anyhow::bail!("the two passwords do not match");
                    }
                    first
                }
            };
            let password = NewPassword::parse(&password, &password)
                .map_err(|k| anyhow::anyhow!("password: {}", english(k)))?;
            let hash = Passwords::hash_blocking(password.expose())?;
            let pool = open_database(&settings).await?;
            let user = actix_web::web::block(move || -> anyhow::Result<_> {
                let mut conn = pool.get()?;
                create_verified_account(
                    &mut conn,
                    &username,
                    &email,
                    &hash,
                    "",
                    &[Role::Admin],
                    "created by create-admin",
                )
            })
            .await??;
            println!("klearn: created admin {} (id {})", user.username, user.id);
            Ok(())
        }
        Command::GrantRole { username, role } => {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role must be expert, moderator or admin"))?;
            let pool = open_database(&settings).await?;
            let name = username.clone();
            let granted = actix_web::web::block(move || -> anyhow::Result<bool> {
                let mut conn = pool.get()?;
                grant_role_by_name(&mut conn, &name, role)
            })
            .await??;
            if granted {
                println!("klearn: {username} is now {}", role.as_str());
            } else {
                println!("klearn: {username} already had the role {}", role.as_str());
            }
            Ok(())
        }
        Command::Seed { scale: Some(n), .. } => {
            let pool = open_database(&settings).await?;
            let report = actix_web::web::block(move || crate::demo::scale::seed(&pool, n)).await??;
            println!("{report}");
            Ok(())
        }
        Command::Seed { .. } => {
            demo_payments(&mut settings);
            let report = load_demo(&settings).await?;
            println!("{report}");
            Ok(())
        }
    }
}

/// The demo takes payments through the sandbox provider unless another is
/// configured (on PostgreSQL only once KLEARN_PAYMENT_WEBHOOK_SECRET is set).
fn demo_payments(settings: &mut Settings) {
    if settings.payments.is_some() {
        return;
    }
    if settings.payment_webhook_secret.is_empty() {
        eprintln!("klearn: KLEARN_PAYMENT_WEBHOOK_SECRET is not set, so the demo runs without payments");
        return;
    }
    settings.payments = Some("sandbox".into());
}

/// Loads the demo community (into an empty database) with the site's services.
pub async fn load_demo(settings: &Settings) -> anyhow::Result<crate::demo::DemoReport> {
    let pool = open_database(settings).await?;
    let services = crate::services::Services::new(std::sync::Arc::new(settings.clone()))?;
    actix_web::web::block(move || crate::demo::load(&pool, &services)).await?
}

/// The English text of a validation message, for the terminal.
fn english(key: &str) -> String {
    I18n::load()
        .map(|i| i.get(Locale::En, key).to_string())
        .unwrap_or_else(|_| key.to_string())
}
