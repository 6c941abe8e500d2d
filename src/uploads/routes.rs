//! `GET /media/{name}`: uploaded files, through the access rule, with Range and
//! conditional requests.

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use klearn_db::uploads::Upload;

use crate::experts::routes::may_read_evidence;
use crate::learn::access::{may_read_lesson_media, may_read_submission_file};
use crate::uploads::is_public;
use crate::web::auth::current_user;
use crate::web::AppState;
use crate::web::{self as plumbing, AppError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/media/{name}").route(web::get().to(media)));
}

async fn media(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let path = state.services.storage.path_of(&name).ok_or(AppError::NotFound)?;
    let viewer = current_user(&req).map(|u| u.actor());
    let (upload, allowed) = plumbing::db(&state.pool, move |conn| {
        let upload = Upload::find_by_stored_name(conn, &name)?;
        let allowed = match upload.purpose.as_str() {
            _ if is_public(&upload) => true,
            "lesson_media" => may_read_lesson_media(conn, &upload, viewer.as_ref())?,
            "evidence" => may_read_evidence(&upload, viewer.as_ref()),
            "submission" => may_read_submission_file(conn, &upload, viewer.as_ref())?,
            _ => false,
        };
        Ok((upload, allowed))
    })
    .await?;
    // What may not be read is hidden: 404, so its existence is not confirmed.
    if !allowed {
        return Err(AppError::NotFound);
    }
    let cache = if is_public(&upload) {
        "public, max-age=86400"
    } else {
        "private, no-store"
    };
    serve(&req, &upload, path, cache).await
}

/// Sends a stored file with its recorded type; actix-files answers Range,
/// If-Range, If-None-Match and If-Modified-Since.
pub async fn serve(
    req: &HttpRequest,
    upload: &Upload,
    path: std::path::PathBuf,
    cache_control: &str,
) -> Result<HttpResponse, AppError> {
    let file = NamedFile::open_async(&path)
        .await
        .map_err(|_| AppError::NotFound)?;
    let mime: mime::Mime = upload
        .content_type
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let disposition = ContentDisposition {
        disposition: DispositionType::Inline,
        parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: upload.original_name.clone().into_bytes(),
        })],
    };
    let mut res = file
        .set_content_type(mime)
        .set_content_disposition(disposition)
        .use_etag(true)
        .use_last_modified(true)
        .respond_to(req)
        .map_into_boxed_body();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_str(cache_control).unwrap_or(header::HeaderValue::from_static("private")),
    );
    Ok(res)
}
