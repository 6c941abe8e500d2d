//! The command line: `klearn serve | migrate | seed`.

use clap::{Parser, Subcommand};

use crate::app::{open_database, Application};
use crate::config::Settings;
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
    /// Load data into the database.
    Seed {
        /// The demo community (only into an empty database).
        #[arg(long, required = true)]
        demo: bool,
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
                if settings.payments.is_none() {
                    settings.payments = Some("sandbox".into());
                }
                let pool = open_database(&settings).await?;
                let report = actix_web::web::block(move || crate::demo::load(&pool)).await??;
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
        Command::Seed { demo: _ } => {
            let pool = open_database(&settings).await?;
            let report = actix_web::web::block(move || crate::demo::load(&pool)).await??;
            println!("{report}");
            Ok(())
        }
    }
}
