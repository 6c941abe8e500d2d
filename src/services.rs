//! What a use case reaches besides its connection: the settings (links in
//! mails), the translations (mails in the recipient's language), password
//! hashing, file storage and the payment provider (when one is configured). Built once at start-up; the web layer, the job
//! worker, the command line and the demo loader hand the same value in.

use std::sync::Arc;

use crate::accounts::password::Passwords;
use crate::checkout::provider::{self, PaymentProvider};
use crate::config::Settings;
use crate::i18n::I18n;
use crate::uploads::Storage;

#[derive(Clone)]
pub struct Services {
    pub settings: Arc<Settings>,
    pub i18n: Arc<I18n>,
    pub passwords: Arc<Passwords>,
    pub storage: Storage,
    /// The provider of KLEARN_PAYMENTS; none: checkout is not available.
    pub payments: Option<Arc<dyn PaymentProvider>>,
}

impl Services {
    pub fn new(settings: Arc<Settings>) -> anyhow::Result<Self> {
        Ok(Self {
            payments: provider::configured(&settings)?,
            storage: Storage::new(settings.uploads_dir()),
            i18n: I18n::load()?,
            passwords: Arc::new(Passwords::new()?),
            settings,
        })
    }
}
