//! Translation lookup: every user-visible string goes through here, in zh-CN (default) or en.

use std::collections::HashMap;
use std::sync::Arc;

/// The languages Klearn speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The code used in URLs, cookies, the database and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// The language's own name, for the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::ZhCn => "中文",
            Locale::En => "English",
        }
    }

    pub fn parse(code: &str) -> Option<Locale> {
        match code.trim().to_ascii_lowercase().as_str() {
            "zh-cn" | "zh" | "zh-hans" | "zh-hans-cn" => Some(Locale::ZhCn),
            "en" | "en-us" | "en-gb" => Some(Locale::En),
            _ => None,
        }
    }

    /// The best match for an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut ranges: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && q > 0.0).then_some((q, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.into_iter().find_map(|(_, tag)| {
            let primary = tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
            match primary.as_str() {
                "zh" => Some(Locale::ZhCn),
                "en" => Some(Locale::En),
                _ => None,
            }
        })
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Marks a string literal as a translation key, so the parity test can find
/// every key the Rust code uses.
pub const fn k(key: &'static str) -> &'static str {
    key
}

/// The catalogues of both languages, loaded once at start-up.
#[derive(Debug)]
pub struct I18n {
    catalogs: HashMap<Locale, HashMap<String, String>>,
}

pub const ZH_CN_SOURCE: &str = include_str!("locales/zh-CN.toml");
pub const EN_SOURCE: &str = include_str!("locales/en.toml");

impl I18n {
    pub fn load() -> anyhow::Result<Arc<Self>> {
        let mut catalogs = HashMap::new();
        catalogs.insert(Locale::ZhCn, parse_catalog(ZH_CN_SOURCE)?);
        catalogs.insert(Locale::En, parse_catalog(EN_SOURCE)?);
        Ok(Arc::new(Self { catalogs }))
    }

    /// The text of `key`; a missing key shows as the key itself and is logged
    /// (the parity test keeps that from reaching a release).
    pub fn get<'a>(&'a self, locale: Locale, key: &'a str) -> &'a str {
        match self.catalogs.get(&locale).and_then(|c| c.get(key)) {
            Some(text) => text,
            None => {
                tracing::warn!(%locale, key, "missing translation");
                key
            }
        }
    }

    /// The text of `key` with `{name}` placeholders filled in.
    pub fn format(&self, locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.get(locale, key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    pub fn keys(&self, locale: Locale) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .catalogs
            .get(&locale)
            .map(|c| c.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    pub fn has(&self, locale: Locale, key: &str) -> bool {
        self.catalogs.get(&locale).is_some_and(|c| c.contains_key(key))
    }
}

/// A catalogue is TOML with one table per area; keys are flattened to `area.key`.
pub fn parse_catalog(source: &str) -> anyhow::Result<HashMap<String, String>> {
    let value: toml::Table = source.parse()?;
    let mut out = HashMap::new();
    flatten("", &toml::Value::Table(value), &mut out)?;
    Ok(out)
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut HashMap<String, String>) -> anyhow::Result<()> {
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out)?;
            }
            Ok(())
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
            Ok(())
        }
        other => anyhow::bail!(
            "translation {prefix} must be a string, found {}",
            other.type_str()
        ),
    }
}

/// A translator bound to one language: what templates and emails call.
#[derive(Clone)]
pub struct Tr {
    pub locale: Locale,
    i18n: Arc<I18n>,
}

impl Tr {
    pub fn new(i18n: Arc<I18n>, locale: Locale) -> Self {
        Self { locale, i18n }
    }

    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.i18n.get(self.locale, key)
    }

    /// One placeholder, for templates: `t1(key, name, value)`.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.i18n.format(self.locale, key, &[(name, &value.to_string())])
    }

    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.i18n.format(self.locale, key, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_highest_quality_known_language() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=1, zh-TW;q=0.5, en;q=0.4"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("de, fr"), None);
        assert_eq!(Locale::from_accept_language("en;q=0, zh"), Some(Locale::ZhCn));
    }

    #[test]
    fn placeholders_are_filled() {
        let i18n = I18n::load().unwrap();
        let text = i18n.format(Locale::En, "error.429.message", &[]);
        assert!(!text.is_empty());
    }
}
