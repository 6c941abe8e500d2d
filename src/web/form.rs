//! Errors of a submitted form, one message per field, already in the
//! reader's language; the template shows each next to its field.

use crate::i18n::Tr;

#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    errors: Vec<(&'static str, String)>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the message of `key` for `field` (the first message per field wins).
    pub fn add(&mut self, tr: &Tr, field: &'static str, key: &str) {
        if !self.has(field) {
            self.errors.push((field, tr.t(key).to_string()));
        }
    }

    /// Adds a message that is already text (e.g. an upload error).
    pub fn add_text(&mut self, field: &'static str, message: String) {
        if !self.has(field) {
            self.errors.push((field, message));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| *f == field)
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Records a parse result: the value, or the problem under `field`.
    pub fn check<T>(&mut self, tr: &Tr, field: &'static str, result: Result<T, &'static str>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(key) => {
                self.add(tr, field, key);
                None
            }
        }
    }
}
