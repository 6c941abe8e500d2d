//! Static files, embedded in the binary and served under a content hash so
//! browsers may cache them for a year; the text ones are gzipped once, at
//! start-up, at the best level, never per request.

use std::collections::HashMap;

use include_dir::{include_dir, Dir};
use sha2::{Digest, Sha256};

static STATIC_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/static");

pub struct Asset {
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    pub hash: String,
    /// The file gzipped, when it is text and that makes it smaller.
    pub gzipped: Option<Vec<u8>>,
}

pub struct Assets {
    files: HashMap<String, Asset>,
}

impl Assets {
    pub fn load() -> Self {
        let mut files = HashMap::new();
        collect(&STATIC_DIR, &mut files);
        Self { files }
    }

    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.files.get(path)
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// `/static/{hash}/{path}`; an unknown path is logged and still gets a URL
    /// (which answers 404), so a typo shows up in tests rather than as a crash.
    pub fn url(&self, path: &str) -> String {
        match self.files.get(path) {
            Some(a) => format!("/static/{}/{}", a.hash, path),
            None => {
                tracing::error!(path, "unknown static asset");
                format!("/static/missing/{path}")
            }
        }
    }
}

fn collect(dir: &'static Dir<'static>, out: &mut HashMap<String, Asset>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        let hash = hex::encode(&Sha256::digest(file.contents())[..6]);
        let content_type = content_type(&path);
        out.insert(
            path.clone(),
            Asset {
                bytes: file.contents(),
                content_type,
                hash,
                gzipped: gzip_once(file.contents(), content_type),
            },
        );
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// The gzipped bytes of a text file worth compressing.
fn gzip_once(bytes: &[u8], content_type: &'static str) -> Option<Vec<u8>> {
    use std::io::Write;
    let worth = bytes.len() as u64 >= crate::web::compress::MIN_BYTES
        && crate::web::compress::compressible(Some(&actix_web::http::header::HeaderValue::from_static(
            content_type,
        )));
    if !worth {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    let gzipped = encoder.finish().ok()?;
    (gzipped.len() < bytes.len()).then_some(gzipped)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        _ => "application/octet-stream",
    }
}
