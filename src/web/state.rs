//! The application state every handler can reach: only what every area
//! needs (the pool, the services use cases get, the static assets). An
//! area's own state (the expert directory's rankings) is its own value,
//! registered beside this one.

use std::sync::Arc;

use klearn_db::Pool;

use crate::assets::Assets;
use crate::config::Settings;
use crate::services::Services;
use crate::web::kept::Generation;

pub struct AppState {
    pub pool: Pool,
    /// The same settings as `services.settings`, at hand.
    pub settings: Arc<Settings>,
    pub services: Services,
    pub assets: Arc<Assets>,
    /// The site's generation, which everything kept between requests is exact by.
    pub generation: Arc<Generation>,
}
