//! `POST /webhooks/payments/{provider}`: a provider's signed event. No
//! session and no CSRF token: the signature over the raw body, checked
//! before anything is read, is what makes it trusted.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::checkout::provider::WebhookError;
use crate::checkout::{handle_event, Handled};
use crate::web::{call, AppError, AppState};

pub(super) async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    provider: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let provider = (state.services.payments.clone())
        .filter(|p| p.name() == provider.as_str())
        .ok_or(AppError::NotFound)?;
    let signature = req
        .headers()
        .get("Klearn-Signature")
        .and_then(|v| v.to_str().ok());
    let event = match provider.verify_webhook(signature, &body, chrono::Utc::now().timestamp()) {
        Ok(event) => event,
        Err(e) => {
            match &e {
                WebhookError::Signature(why) => tracing::warn!(?why, "webhook refused: signature"),
                WebhookError::Malformed(why) => tracing::warn!(%why, "webhook refused: unreadable"),
            }
            return Err(AppError::BadRequest);
        }
    };
    let id = event.id.clone();
    let services = state.services.clone();
    match call(&state.pool, move |conn| {
        handle_event(conn, &services, provider.as_ref(), &event)
    })
    .await?
    {
        Ok(Handled::Done(outcome)) => {
            tracing::info!(event = %id, %outcome, "payment event");
            Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
        }
        Ok(Handled::Duplicate) => {
            tracing::info!(event = %id, "payment event repeated: nothing to do");
            Ok(HttpResponse::Ok().content_type("text/plain").body("duplicate"))
        }
        Err(e) => {
            tracing::warn!(event = %id, error = %e, "payment event refused");
            Err(e.into())
        }
    }
}
