//! Builds the application: pool and migrations, shared state, middleware,
//! routes, the HTTP server and the job worker. `main` and the tests both call
//! `Application::build`, so tests boot exactly what production boots.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use klearn_db::Pool;
use tokio::sync::watch;

use crate::assets::Assets;
use crate::catalog::routes::{KeptCatalogue, KeptLandings};
use crate::config::{redact_url, Settings};
use crate::experts::ranking::RankingCache;
use crate::experts::routes::{KeptDirectory, KeptProfiles};
use crate::forum::pages::{KeptBoards, KeptForumHome, KeptThreads};
use crate::forum::reading::Reading;
use crate::home::routes::KeptHome;
use crate::jobs::{JobContext, Registry, Worker};
use crate::mail::Mailer;
use crate::services::Services;
use crate::web::kept::Generation;
use crate::web::page_cache::PageCache;
use crate::web::{self as plumbing, AppError, AppState};

/// HTTP workers, and blocking threads per worker. A blocking thread beyond
/// the pool's connections could only wait for one, and each thread that
/// allocates may get its own malloc arena: the blocking threads of all
/// workers together are as many as the connections.
fn threads(settings: &Settings) -> (usize, usize) {
    let workers = settings
        .http_workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    (workers, (settings.db_pool_size as usize).div_ceil(workers).max(2))
}

/// The areas' own state, shared by every HTTP worker: the directory's
/// rankings and what is kept between requests, in shares of 64ths of
/// `KLEARN_PAGE_CACHE_MB`: guest pages (gzipped), then what members' pages
/// read that every viewer sees alike (the sessions take 6 more, `build_on`).
#[derive(Clone)]
struct Kept {
    rankings: web::Data<RankingCache>,
    pages: web::Data<PageCache>,
    catalogue: web::Data<KeptCatalogue>,
    home: web::Data<KeptHome>,
    landings: web::Data<KeptLandings>,
    forum_home: web::Data<KeptForumHome>,
    boards: web::Data<KeptBoards>,
    threads: web::Data<KeptThreads>,
    directory: web::Data<KeptDirectory>,
    profiles: web::Data<KeptProfiles>,
}

/// `n` 64ths of the memory for what is kept.
fn share(settings: &Settings, n: usize) -> usize {
    settings.page_cache_bytes / 64 * n
}

impl Kept {
    fn new(settings: &Settings) -> Self {
        let share = |n| share(settings, n);
        Kept {
            rankings: web::Data::new(RankingCache::default()),
            pages: web::Data::new(PageCache::new(share(28))),
            catalogue: web::Data::new(KeptCatalogue::new(share(10))),
            home: web::Data::new(KeptHome::new(share(1))),
            landings: web::Data::new(KeptLandings::new(share(5))),
            forum_home: web::Data::new(KeptForumHome::new(share(1))),
            boards: web::Data::new(KeptBoards::new(share(4))),
            threads: web::Data::new(KeptThreads::new(share(4))),
            directory: web::Data::new(KeptDirectory::new(share(1))),
            profiles: web::Data::new(KeptProfiles::new(share(4))),
        }
    }

    fn register(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(self.rankings.clone())
            .app_data(self.pages.clone())
            .app_data(self.catalogue.clone())
            .app_data(self.home.clone())
            .app_data(self.landings.clone())
            .app_data(self.forum_home.clone())
            .app_data(self.boards.clone())
            .app_data(self.threads.clone())
            .app_data(self.directory.clone())
            .app_data(self.profiles.clone());
    }
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    worker: tokio::task::JoinHandle<()>,
    stop_worker: watch::Sender<bool>,
    /// The forum's reading buffer and the task that flushes it.
    reading: Arc<Reading>,
    reading_task: tokio::task::JoinHandle<()>,
}

/// Connects the pool and applies pending migrations, off the async executor.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Pool> {
    let url = settings.database_url.clone();
    let size = settings.db_pool_size;
    let pool = web::block(move || -> anyhow::Result<Pool> {
        let pool = klearn_db::connect(&url, size)?;
        let mut conn = pool.get()?;
        let applied = klearn_db::migrate::run_pending(&mut conn)?;
        for name in applied {
            tracing::info!(migration = %name, "applied migration");
        }
        Ok(pool)
    })
    .await
    .context("database start-up task")?
    .with_context(|| format!("database {}", redact_url(&settings.database_url)))?;
    Ok(pool)
}

/// Extra routes mounted beside the site's own, inside the same middleware:
/// production mounts none; the tests mount probes (e.g. a handler that fails).
pub type ExtraRoutes = fn(&mut web::ServiceConfig);

impl Application {
    /// Binds `settings.bind` and builds the application.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        Self::build_on(settings, listener, |_| {}).await
    }

    /// Builds the application on a listener that is already bound.
    pub async fn build_on(
        settings: Settings,
        listener: TcpListener,
        extra: ExtraRoutes,
    ) -> anyhow::Result<Self> {
        let pool = open_database(&settings).await?;
        let settings = Arc::new(settings);
        let services = Services::new(settings.clone())?;
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            settings: settings.clone(),
            services: services.clone(),
            assets: Arc::new(Assets::load()),
            generation: Arc::new(Generation::new(klearn_db::generations::SITE)),
        });
        let kept = Kept::new(&settings);
        let reading = Arc::new(Reading::new());
        let reading_data = web::Data::from(reading.clone());
        let sessions = plumbing::session::DbSessionStore::new(pool.clone(), share(&settings, 6));
        let mailer = Arc::new(Mailer::from_settings(&settings)?);

        let port = listener.local_addr()?.port();
        let server_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(server_state.clone())
                .configure(|cfg| kept.register(cfg))
                .app_data(reading_data.clone())
                .configure(routes)
                .configure(extra)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(AppError::NotFound)
                }))
                .app_data(web::FormConfig::default().limit(1024 * 1024))
                .wrap(from_fn(plumbing::csrf::middleware))
                .wrap(ErrorHandlers::new().default_handler(plumbing::error::render_error_page))
                .wrap(from_fn(plumbing::context::middleware))
                .wrap(from_fn(plumbing::auth::middleware))
                .wrap(plumbing::session::middleware(
                    &server_state.settings,
                    sessions.clone(),
                ))
                .wrap(from_fn(plumbing::page_cache::middleware))
                .wrap(from_fn(plumbing::compress::middleware))
                .wrap(plumbing::headers::security_headers(&server_state.settings))
                .wrap(from_fn(plumbing::head::middleware))
                .wrap(from_fn(plumbing::logging::middleware))
        })
        // Pages go out as several segments; without TCP_NODELAY, Nagle's
        // algorithm and delayed ACKs hold the last one back by ~40 ms.
        .on_connect(|conn, _| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .listen(listener)?
        .shutdown_timeout(30);
        let (workers, blocking) = threads(&settings);
        let server = server
            .workers(workers)
            .worker_max_blocking_threads(blocking)
            .run();

        let (stop_worker, stopped) = watch::channel(false);
        let ctx = JobContext {
            pool,
            services,
            mailer,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()?,
        };
        let worker = Worker::new(ctx, Registry::site());
        let worker = tokio::spawn(worker.run(stopped.clone()));
        let reading_task = tokio::spawn(crate::forum::reading::flush_on_interval(
            reading.clone(),
            state.pool.clone(),
            settings.reading_flush_interval,
            stopped,
        ));
        tracing::info!(port, base_url = %settings.base_url, "Klearn is listening");
        Ok(Self {
            port,
            server,
            state,
            worker,
            stop_worker,
            reading,
            reading_task,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> Pool {
        self.state.pool.clone()
    }

    /// The forum's reading buffer (tests flush it when they choose).
    pub fn reading(&self) -> Arc<Reading> {
        self.reading.clone()
    }

    /// A handle to stop the server (tests stop it to simulate a shutdown).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT (or the handle stops it), finishing the
    /// requests in flight, then lets the job worker finish its current job.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let result = self.server.await;
        let _ = self.stop_worker.send(true);
        if let Err(e) = self.worker.await {
            tracing::error!(error = %e, "job worker panicked");
        }
        // The reading task flushes once more when told to stop.
        if let Err(e) = self.reading_task.await {
            tracing::error!(error = %e, "reading flush task panicked");
        }
        tracing::info!("Klearn stopped");
        result.context("HTTP server")
    }
}

/// Every area's routes. Areas add themselves here.
pub fn routes(cfg: &mut web::ServiceConfig) {
    crate::system::routes::configure(cfg);
    crate::home::routes::configure(cfg);
    crate::uploads::routes::configure(cfg);
    crate::accounts::routes::configure(cfg);
    crate::admin::routes::configure(cfg);
    crate::studio::routes::configure(cfg);
    crate::learn::routes::configure(cfg);
    crate::catalog::routes::configure(cfg);
    // Before the forum's, whose `/t/{id}/{slug}` would take `/t/{id}/watch`.
    crate::notifications::routes::configure(cfg);
    crate::forum::routes::configure(cfg);
    crate::reviews::routes::configure(cfg);
    crate::experts::routes::configure(cfg);
    crate::checkout::routes::configure(cfg);
    crate::coupons::routes::configure(cfg);
    crate::points::routes::configure(cfg);
    crate::feedback::routes::configure(cfg);
    crate::refunds::routes::configure(cfg);
    crate::earnings::routes::configure(cfg);
}
