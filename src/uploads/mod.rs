//! Uploads, one module for the whole site: multipart streamed to disk under a
//! per-use size limit, type decided by content against a per-use allowlist,
//! stored under server-made names, served through an access check with Range
//! and conditional requests.

pub mod multipart;
pub mod routes;

use std::path::{Path, PathBuf};

use klearn_db::uploads::{NewUpload, Upload};
use klearn_db::{DbConnection, DbError, UploadId, UserId};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::domain::account::Role;
use crate::domain::actor::Actor;
use crate::jobs::{JobContext, JobKind};

pub use multipart::{FieldRules, MultipartForm, ReceivedFile, UploadError};

/// A file type Klearn accepts somewhere, recognised by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    Mp4,
    Webm,
    Mp3,
    M4a,
    Ogg,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
            FileKind::Mp4 => "video/mp4",
            FileKind::Webm => "video/webm",
            FileKind::Mp3 => "audio/mpeg",
            FileKind::M4a => "audio/mp4",
            FileKind::Ogg => "audio/ogg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Gif => "gif",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
            FileKind::Mp4 => "mp4",
            FileKind::Webm => "webm",
            FileKind::Mp3 => "mp3",
            FileKind::M4a => "m4a",
            FileKind::Ogg => "ogg",
        }
    }

    /// The kind the content says it is, whatever its name or declared type.
    pub fn sniff(head: &[u8]) -> Option<FileKind> {
        let kind = infer::get(head)?;
        Some(match kind.mime_type() {
            "image/png" => FileKind::Png,
            "image/jpeg" => FileKind::Jpeg,
            "image/gif" => FileKind::Gif,
            "image/webp" => FileKind::Webp,
            "application/pdf" => FileKind::Pdf,
            "video/mp4" => FileKind::Mp4,
            "video/webm" => FileKind::Webm,
            "audio/mpeg" => FileKind::Mp3,
            "audio/m4a" | "audio/x-m4a" => FileKind::M4a,
            "audio/ogg" => FileKind::Ogg,
            _ => return None,
        })
    }
}

/// What one use of uploads accepts: its purpose (stored with the file and
/// used by the access rule), a size limit and the allowed kinds.
#[derive(Debug, Clone, Copy)]
pub struct UploadPolicy {
    pub purpose: &'static str,
    pub max_bytes: u64,
    pub allowed: &'static [FileKind],
}

const IMAGES: &[FileKind] = &[FileKind::Png, FileKind::Jpeg, FileKind::Gif, FileKind::Webp];

pub const AVATAR: UploadPolicy = UploadPolicy {
    purpose: "avatar",
    max_bytes: 2 * 1024 * 1024,
    allowed: IMAGES,
};

pub const COVER: UploadPolicy = UploadPolicy {
    purpose: "cover",
    max_bytes: 2 * 1024 * 1024,
    allowed: IMAGES,
};

pub const LESSON_MEDIA: UploadPolicy = UploadPolicy {
    purpose: "lesson_media",
    max_bytes: 500 * 1024 * 1024,
    allowed: &[
        FileKind::Mp4,
        FileKind::Webm,
        FileKind::Mp3,
        FileKind::M4a,
        FileKind::Ogg,
        FileKind::Pdf,
    ],
};

pub const EVIDENCE: UploadPolicy = UploadPolicy {
    purpose: "evidence",
    max_bytes: 5 * 1024 * 1024,
    allowed: &[FileKind::Pdf, FileKind::Png, FileKind::Jpeg, FileKind::Webp],
};

/// Work handed in for a lesson's task: private to its learner, the course's
/// expert and moderators.
pub const SUBMISSION: UploadPolicy = UploadPolicy {
    purpose: "submission",
    max_bytes: 10 * 1024 * 1024,
    allowed: &[
        FileKind::Pdf,
        FileKind::Png,
        FileKind::Jpeg,
        FileKind::Gif,
        FileKind::Webp,
    ],
};

impl UploadPolicy {
    /// The allowed kinds for a message, e.g. "PNG, JPG, GIF, WEBP".
    pub fn allowed_list(&self) -> String {
        self.allowed
            .iter()
            .map(|k| k.extension().to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A size for people: "2 MB", "500 MB", "640 KB".
pub fn human_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let mb = bytes as f64 / MB as f64;
        if (mb - mb.round()).abs() < 0.05 {
            format!("{} MB", mb.round() as u64)
        } else {
            format!("{mb:.1} MB")
        }
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Where files live: `<data>/uploads/ab/abcdef….ext`, and in-progress ones in `tmp/`.
#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// The path of a stored file; `None` for a name the server did not make.
    pub fn path_of(&self, stored_name: &str) -> Option<PathBuf> {
        let valid = stored_name.len() > 3
            && stored_name
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == '.' || c.is_ascii_lowercase() || c.is_ascii_digit())
            && !stored_name.contains("..")
            && !stored_name.starts_with('.');
        valid.then(|| self.root.join(&stored_name[..2]).join(stored_name))
    }

    /// Keeps a received file for `owner` if it fits in their quota: moved
    /// into place under a new server-made name and recorded.
    pub fn keep_within_quota(
        &self,
        conn: &mut DbConnection,
        file: ReceivedFile,
        owner: &Actor,
    ) -> Result<Result<Upload, UploadError>, DbError> {
        if let Some(owner_id) = owner.user_id() {
            let quota = quota_for(owner);
            let used = Upload::bytes_owned_by(conn, owner_id)?.max(0) as u64;
            if used + file.size > quota {
                return Ok(Err(UploadError::OverQuota { quota_bytes: quota }));
            }
        }
        self.keep(conn, file, owner.user_id()).map(Ok)
    }

    /// Forgets the uploads nothing holds any more and deletes their files
    /// once the caller's transaction has committed (by a job). Returns how
    /// many were released; ones still in use are left alone.
    pub fn release(&self, conn: &mut DbConnection, ids: &[UploadId]) -> Result<usize, DbError> {
        let mut names = Vec::new();
        for id in ids {
            if let Some(upload) = Upload::release(conn, *id)? {
                names.push(upload.stored_name);
            }
        }
        if !names.is_empty() {
            crate::jobs::enqueue(conn, &DeleteFiles { names: names.clone() })?;
        }
        Ok(names.len())
    }

    /// Deletes stored files; a file already gone is fine.
    pub fn delete_files(&self, names: &[String]) -> std::io::Result<usize> {
        let mut deleted = 0;
        for name in names {
            let Some(path) = self.path_of(name) else { continue };
            match std::fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(deleted)
    }

    /// Moves a received file into place under a new server-made name and records it.
    pub fn keep(
        &self,
        conn: &mut DbConnection,
        file: ReceivedFile,
        owner_id: Option<UserId>,
    ) -> Result<Upload, DbError> {
        let mut random = [0u8; 16];
        rand::rng().fill_bytes(&mut random);
        let stored_name = format!("{}.{}", hex::encode(random), file.kind.extension());
        let dest = self
            .path_of(&stored_name)
            .ok_or_else(|| DbError::Config("bad stored name".into()))?;
        move_into_place(file.path(), &dest).map_err(|e| DbError::Config(format!("storing upload: {e}")))?;
        let row = NewUpload {
            stored_name,
            original_name: file.original_name.clone(),
            content_type: file.kind.mime().to_string(),
            size_bytes: file.size as i64,
            sha256: file.sha256.clone(),
            purpose: file.policy.purpose.to_string(),
            owner_id,
            created_at: klearn_db::now(),
        };
        file.disarm();
        Upload::insert(conn, &row).inspect_err(|_| {
            let _ = std::fs::remove_file(&dest);
        })
    }
}

fn move_into_place(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::rename(from, to)
}

/// Where an upload is served (through its access rule).
pub fn media_url(upload: &Upload) -> String {
    format!("/media/{}", upload.stored_name)
}

/// Public images (avatars, course covers) are open to all. Every other
/// purpose is closed unless the area that owns it opens it (lesson media:
/// `learn::access`; evidence: applicant and moderators).
/// How many bytes of files a member may keep: experts upload lesson media,
/// everyone else an avatar and their application's evidence.
pub const EXPERT_QUOTA_BYTES: u64 = 20 * 1024 * 1024 * 1024;
pub const MEMBER_QUOTA_BYTES: u64 = 50 * 1024 * 1024;

pub fn quota_for(owner: &Actor) -> u64 {
    if owner.has(Role::Expert) {
        EXPERT_QUOTA_BYTES
    } else {
        MEMBER_QUOTA_BYTES
    }
}

/// Deletes files whose rows are gone: enqueued in the transaction that let
/// them go, so a file is never deleted while a row that holds it remains.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteFiles {
    pub names: Vec<String>,
}

impl JobKind for DeleteFiles {
    const NAME: &'static str = "delete_files";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let deleted = ctx.services.storage.delete_files(&self.names)?;
        tracing::info!(deleted, "deleted unused files");
        Ok(())
    }
}

/// For an erased account: its avatar goes at once.
pub fn erase_for_user(
    conn: &mut DbConnection,
    storage: &Storage,
    avatar: Option<UploadId>,
) -> Result<(), DbError> {
    storage.release(conn, &avatar.into_iter().collect::<Vec<_>>())?;
    Ok(())
}

pub fn is_public(upload: &Upload) -> bool {
    matches!(upload.purpose.as_str(), "avatar" | "cover")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(2 * 1024 * 1024), "2 MB");
        assert_eq!(human_size(500 * 1024 * 1024), "500 MB");
        assert_eq!(human_size(1536 * 1024), "1.5 MB");
        assert_eq!(human_size(1000), "1 KB");
    }

    #[test]
    fn only_server_made_names_map_to_paths() {
        let s = Storage::new(PathBuf::from("/data/uploads"));
        assert_eq!(
            s.path_of("abcdef0123.png"),
            Some(PathBuf::from("/data/uploads/ab/abcdef0123.png"))
        );
        assert_eq!(s.path_of("../secret_key"), None);
        assert_eq!(s.path_of("ab/../../x"), None);
        assert_eq!(s.path_of(".."), None);
    }

    #[test]
    fn sniffing_trusts_content_not_names() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n%\xe2\xe3"), Some(FileKind::Pdf));
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileKind::Png)
        );
        assert_eq!(FileKind::sniff(b"this is only text pretending to be a pdf"), None);
        assert_eq!(
            FileKind::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
            None
        );
    }
}
