//! Streaming multipart parsing: text fields into memory (bounded), file fields
//! straight to a temporary file (bounded by the field's policy), never whole in memory.

use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use futures_util::StreamExt;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::{human_size, FileKind, UploadPolicy};
use crate::i18n::Tr;
use crate::web::AppError;

/// What a form accepts: which fields are files under which policy, and how
/// much text it may carry.
#[derive(Debug, Clone)]
pub struct FieldRules {
    pub files: Vec<(&'static str, UploadPolicy)>,
    /// Largest text field, in bytes.
    pub max_text_field: usize,
    /// Largest sum of all text fields, in bytes.
    pub max_text_total: usize,
    /// How many files one field name may carry (evidence takes three).
    pub max_files_per_field: usize,
}

/// Room for the parts' headers and boundaries on top of their contents.
const OVERHEAD_BYTES: u64 = 64 * 1024;

impl FieldRules {
    pub fn new() -> Self {
        Self {
            files: Vec::new(),
            max_text_field: 256 * 1024,
            max_text_total: 1024 * 1024,
            max_files_per_field: 1,
        }
    }

    pub fn file(mut self, field: &'static str, policy: UploadPolicy) -> Self {
        self.files.push((field, policy));
        self
    }

    pub fn files_per_field(mut self, n: usize) -> Self {
        self.max_files_per_field = n.max(1);
        self
    }

    fn policy(&self, field: &str) -> Option<UploadPolicy> {
        self.files.iter().find(|(f, _)| *f == field).map(|(_, p)| *p)
    }

    /// The most a whole body may carry: the text, every allowed file at its
    /// largest (a too-large file is read on only a little, to answer 422), and
    /// the parts' headers. Past it the request is refused with 413.
    pub fn max_body(&self) -> u64 {
        let files: u64 = self
            .files
            .iter()
            .map(|(_, p)| p.max_bytes.saturating_mul(self.max_files_per_field as u64))
            .sum();
        let largest = self.files.iter().map(|(_, p)| p.max_bytes).max().unwrap_or(0);
        files
            .saturating_add(largest.saturating_mul(DRAIN_FACTOR))
            .saturating_add(self.max_text_total as u64)
            .saturating_add(OVERHEAD_BYTES)
    }
}

impl Default for FieldRules {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a file was refused; shown next to its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadError {
    TooLarge {
        max_bytes: u64,
    },
    WrongType {
        allowed: String,
    },
    TooMany {
        max: usize,
    },
    /// The member's files would take more than their quota.
    OverQuota {
        quota_bytes: u64,
    },
}

impl UploadError {
    pub fn message(&self, tr: &Tr) -> String {
        match self {
            UploadError::TooLarge { max_bytes } => tr.t1("upload.too_large", "max", human_size(*max_bytes)),
            UploadError::WrongType { allowed } => tr.t1("upload.wrong_type", "allowed", allowed),
            UploadError::TooMany { max } => tr.t1("upload.too_many", "max", max),
            UploadError::OverQuota { quota_bytes } => {
                tr.t1("upload.over_quota", "quota", human_size(*quota_bytes))
            }
        }
    }
}

/// A file that arrived whole and passed its policy. Its temporary file is
/// removed when this is dropped, unless `Storage::keep` moved it into place.
#[derive(Debug)]
pub struct ReceivedFile {
    path: PathBuf,
    pub original_name: String,
    pub size: u64,
    pub sha256: String,
    pub kind: FileKind,
    pub policy: UploadPolicy,
    armed: bool,
}

impl ReceivedFile {
    /// A file that did not come through a form (the demo loader's), checked
    /// against `policy` as an upload would be.
    pub fn from_bytes(
        tmp_dir: &Path,
        name: &str,
        bytes: &[u8],
        policy: UploadPolicy,
    ) -> anyhow::Result<ReceivedFile> {
        anyhow::ensure!(
            bytes.len() as u64 <= policy.max_bytes,
            "{name}: too large for {}",
            policy.purpose
        );
        let kind = FileKind::sniff(&bytes[..bytes.len().min(SNIFF_BYTES)])
            .filter(|k| policy.allowed.contains(k))
            .ok_or_else(|| anyhow::anyhow!("{name}: not a type {} accepts", policy.purpose))?;
        let mut random = [0u8; 16];
        rand::rng().fill_bytes(&mut random);
        let path = tmp_dir.join(format!("{}.part", hex::encode(random)));
        std::fs::create_dir_all(tmp_dir)?;
        std::fs::write(&path, bytes)?;
        Ok(ReceivedFile {
            path,
            original_name: clean_filename(name),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
            kind,
            policy,
            armed: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for ReceivedFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A parsed multipart form.
#[derive(Debug, Default)]
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, ReceivedFile)>,
    pub errors: Vec<(String, UploadError)>,
}

impl MultipartForm {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn texts(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn take_files(&mut self, name: &str) -> Vec<ReceivedFile> {
        let (taken, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.files)
            .into_iter()
            .partition(|(k, _)| k == name);
        self.files = rest;
        taken.into_iter().map(|(_, f)| f).collect()
    }

    pub fn take_file(&mut self, name: &str) -> Option<ReceivedFile> {
        self.take_files(name).into_iter().next()
    }

    pub fn error(&self, name: &str) -> Option<&UploadError> {
        self.errors.iter().find(|(k, _)| k == name).map(|(_, e)| e)
    }
}

/// How much of a too-large file is read and thrown away so that the browser
/// gets the 422 page instead of a reset connection; past this the request is cut off.
const DRAIN_FACTOR: u64 = 4;

/// Reads a multipart body. When `csrf` is given, the first part must be the
/// `csrf_token` text field and pass it; otherwise the request is refused
/// (403) before any file part is read. A body larger than the form can carry
/// (`FieldRules::max_body`) is refused with 413 as soon as it passes that,
/// and a file in a field the form does not have with 400, at once.
pub async fn parse(
    mut payload: Multipart,
    tmp_dir: &Path,
    rules: &FieldRules,
    csrf: Option<&(dyn Fn(&str) -> bool + Sync)>,
) -> Result<MultipartForm, AppError> {
    let max_body = rules.max_body();
    let mut form = MultipartForm::default();
    let mut text_total = 0usize;
    let mut first = true;
    let mut budget = Budget { left: max_body };
    while let Some(field) = payload.next().await {
        let mut field = match field {
            Ok(f) => f,
            // Without a readable first part there is no token either.
            Err(_) if first && csrf.is_some() => return Err(AppError::Forbidden),
            Err(_) => return Err(AppError::BadRequest),
        };
        let (name, filename) = match field.content_disposition() {
            Some(cd) => (
                cd.get_name().unwrap_or("").to_string(),
                cd.get_filename().map(str::to_string),
            ),
            None => return Err(AppError::BadRequest),
        };
        if first {
            first = false;
            if let Some(check) = csrf {
                if name != "csrf_token" || filename.is_some() {
                    return Err(AppError::Forbidden);
                }
                let token = read_text(&mut field, 512, &mut budget).await?;
                if !check(&token) {
                    return Err(AppError::Forbidden);
                }
                form.fields.push((name, token));
                continue;
            }
        }
        match (filename, rules.policy(&name)) {
            (Some(filename), Some(policy)) => {
                let count = form.files.iter().filter(|(k, _)| *k == name).count();
                if count >= rules.max_files_per_field {
                    drain(&mut field, u64::MAX, &mut budget).await?;
                    if form.error(&name).is_none() {
                        form.errors.push((
                            name,
                            UploadError::TooMany {
                                max: rules.max_files_per_field,
                            },
                        ));
                    }
                    continue;
                }
                match receive_file(&mut field, tmp_dir, &filename, policy, &mut budget).await? {
                    Received::Nothing => {}
                    Received::File(file) => form.files.push((name, file)),
                    Received::Refused(err) => form.errors.push((name, err)),
                }
            }
            // A file where the form has no file field: refused at once.
            (Some(_), None) => return Err(AppError::BadRequest),
            (None, _) => {
                let value = read_text(&mut field, rules.max_text_field, &mut budget).await?;
                text_total += value.len();
                if text_total > rules.max_text_total {
                    return Err(AppError::PayloadTooLarge);
                }
                form.fields.push((name, value));
            }
        }
    }
    if first && csrf.is_some() {
        return Err(AppError::Forbidden);
    }
    Ok(form)
}

/// What is left of the body's limit: every chunk read is counted against it.
struct Budget {
    left: u64,
}

impl Budget {
    fn spend(&mut self, n: usize) -> Result<(), AppError> {
        self.left = self.left.checked_sub(n as u64).ok_or(AppError::PayloadTooLarge)?;
        Ok(())
    }
}

async fn read_text(
    field: &mut actix_multipart::Field,
    max: usize,
    budget: &mut Budget,
) -> Result<String, AppError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest)?;
        budget.spend(chunk.len())?;
        if buf.len() + chunk.len() > max {
            return Err(AppError::PayloadTooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(buf).map_err(|_| AppError::BadRequest)?;
    // Browsers send CRLF in textareas; store LF.
    Ok(text.replace("\r\n", "\n"))
}

/// Reads and discards the rest of a field, up to `limit` bytes.
async fn drain(field: &mut actix_multipart::Field, limit: u64, budget: &mut Budget) -> Result<(), AppError> {
    let mut seen = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest)?;
        budget.spend(chunk.len())?;
        seen += chunk.len() as u64;
        if seen > limit {
            return Err(AppError::PayloadTooLarge);
        }
    }
    Ok(())
}

enum Received {
    Nothing,
    File(ReceivedFile),
    Refused(UploadError),
}

const SNIFF_BYTES: usize = 8192;

async fn receive_file(
    field: &mut actix_multipart::Field,
    tmp_dir: &Path,
    filename: &str,
    policy: UploadPolicy,
    budget: &mut Budget,
) -> Result<Received, AppError> {
    tokio::fs::create_dir_all(tmp_dir)
        .await
        .map_err(AppError::internal)?;
    let mut random = [0u8; 16];
    rand::rng().fill_bytes(&mut random);
    let path = tmp_dir.join(format!("{}.part", hex::encode(random)));
    let mut out = tokio::fs::File::create(&path).await.map_err(AppError::internal)?;
    // From here the guard removes the temporary file on every early return.
    let mut file = ReceivedFile {
        path,
        original_name: clean_filename(filename),
        size: 0,
        sha256: String::new(),
        kind: FileKind::Pdf,
        policy,
        armed: true,
    };
    let mut hasher = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest)?;
        budget.spend(chunk.len())?;
        file.size += chunk.len() as u64;
        if file.size > policy.max_bytes {
            drop(out);
            drop(file);
            drain(field, policy.max_bytes.saturating_mul(DRAIN_FACTOR), budget).await?;
            return Ok(Received::Refused(UploadError::TooLarge {
                max_bytes: policy.max_bytes,
            }));
        }
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(AppError::internal)?;
    }
    out.flush().await.map_err(AppError::internal)?;
    drop(out);
    if file.size == 0 {
        // The browser sends an empty part when no file was chosen.
        return Ok(Received::Nothing);
    }
    match FileKind::sniff(&head).filter(|k| policy.allowed.contains(k)) {
        Some(kind) => {
            file.kind = kind;
            file.sha256 = hex::encode(hasher.finalize());
            Ok(Received::File(file))
        }
        None => Ok(Received::Refused(UploadError::WrongType {
            allowed: policy.allowed_list(),
        })),
    }
}

/// The name as the user knew it, for display only: no path, no control characters.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.trim().is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}
