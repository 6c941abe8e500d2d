//! `/experts/apply` (with withdraw), `/experts`, `/experts/{username}` and
//! following an expert.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use klearn_db::courses::Course;
use klearn_db::experts::{self as db, Application, FileError, Follow, NewApplication};
use klearn_db::uploads::Upload;
use klearn_db::users::User;
use klearn_db::{audit, DbConnection, DbError};
use serde::Deserialize;

use crate::app::AppState;
use crate::catalog::routes::with_covers;
use crate::domain::account::Role;
use crate::domain::expert::{may_apply_again_at, ExpertSort, ExpertState, StepActor};
use crate::experts::forms::{ApplicationForm, MAX_EVIDENCE};
use crate::experts::steps::{self, StepRequest};
use crate::experts::views::{person_json_ld, ApplyView, DirectoryView, ProfileView, Status};
use crate::i18n::k;
use crate::uploads::multipart::FieldRules;
use crate::uploads::{self, Storage};
use crate::web::flash::{Flash, Level};
use crate::web::pager::{last_page, page_number, Pager};
use crate::web::{
    self as plumbing, html, html_with_status, redirect_with_flash, AppError, FieldErrors, Page, SignedIn,
    Verified,
};

const PER_PAGE: i64 = 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/experts/apply")
            .route(web::get().to(apply_form))
            .route(web::post().to(apply)),
    )
    .service(web::resource("/experts/apply/withdraw").route(web::post().to(withdraw)))
    .service(web::resource("/experts").route(web::get().to(directory)))
    .service(web::resource("/experts/{username}").route(web::get().to(profile)))
    .service(web::resource("/experts/{username}/follow").route(web::post().to(follow)));
}

/// Where a user stands: their newest application, and whether they may apply.
struct Standing {
    status: Option<Status>,
    may_apply: bool,
    wait_until: Option<NaiveDateTime>,
}

fn standing(conn: &mut DbConnection, user_id: i64) -> Result<Standing, DbError> {
    let status = match Application::latest_for_user(conn, user_id)? {
        Some(application) => Some(Status {
            topics: Application::topics(conn, application.id)?,
            evidence: Application::evidence(conn, application.id)?,
            timeline: Application::steps(conn, application.id)?,
            application,
        }),
        None => None,
    };
    let live = status
        .as_ref()
        .is_some_and(|s| s.is_open() || s.state() == ExpertState::Certified);
    let wait_until = Application::last_refused_at(conn, user_id)?
        .map(may_apply_again_at)
        .filter(|at| *at > klearn_db::now());
    Ok(Standing {
        may_apply: !live && wait_until.is_none(),
        status,
        wait_until,
    })
}

fn view(
    page: Page,
    standing: Standing,
    form: ApplicationForm,
    kept: Vec<Upload>,
    errors: FieldErrors,
) -> ApplyView {
    ApplyView {
        page,
        status: standing.status,
        may_apply: standing.may_apply,
        wait_until: standing.wait_until,
        form,
        kept,
        errors,
        notice: None,
    }
}

async fn apply_form(
    page: Page,
    Verified(user): Verified,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let standing = plumbing::db(&state.pool, move |conn| standing(conn, user.id)).await?;
    html(&view(
        page,
        standing,
        ApplicationForm::default(),
        Vec::new(),
        FieldErrors::new(),
    ))
}

fn rules() -> FieldRules {
    FieldRules::new()
        .file("evidence", uploads::EVIDENCE)
        .files_per_field(MAX_EVIDENCE)
}

async fn apply(
    page: Page,
    Verified(user): Verified,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let storage = Storage::new(state.settings.uploads_dir());
    let mut multipart = uploads::multipart::parse(payload, &storage.tmp_dir(), &rules(), None).await?;
    let form = ApplicationForm::from_multipart(&multipart);
    let mut errors = FieldErrors::new();
    let valid = form.check(&page.tr, &mut errors);
    let files = multipart.take_files("evidence");
    let user_id = user.id;
    let kept_names = form.kept.clone();
    let (standing, mut kept) = plumbing::db(&state.pool, move |conn| {
        Ok((
            standing(conn, user_id)?,
            db::loose_evidence(conn, user_id, &kept_names)?,
        ))
    })
    .await?;
    if !standing.may_apply {
        let notice = if standing.wait_until.is_some() {
            k("experts.apply.must_wait")
        } else {
            k("experts.apply.already_open")
        };
        let mut view = view(page, standing, form, Vec::new(), FieldErrors::new());
        view.notice = Some(view.page.t(notice).to_string());
        return html_with_status(StatusCode::CONFLICT, &view);
    }
    if let Some(problem) = multipart.error("evidence") {
        errors.add_text("evidence", problem.message(&page.tr));
    } else if kept.len() + files.len() > MAX_EVIDENCE {
        errors.add_text("evidence", page.tr.t1("upload.too_many", "max", MAX_EVIDENCE));
    } else if kept.is_empty() && files.is_empty() {
        errors.add(&page.tr, "evidence", "experts.error.evidence_required");
    }
    let files_fit = kept.len() + files.len() <= MAX_EVIDENCE;
    let (Some(valid), true) = (valid, errors.is_empty()) else {
        // Files that passed are kept for the next send, so nothing is lost.
        if files_fit && !files.is_empty() {
            let storage = storage.clone();
            let new = plumbing::db(&state.pool, move |conn| {
                files
                    .into_iter()
                    .map(|f| storage.keep(conn, f, Some(user_id)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
            kept.extend(new);
        }
        let mut form = form;
        form.kept = kept.iter().map(|u| u.stored_name.clone()).collect();
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &view(page, standing, form, kept, errors),
        );
    };
    let i18n = state.i18n.clone();
    let settings = state.settings.clone();
    let filed = plumbing::db(&state.pool, move |conn| {
        let mut evidence: Vec<i64> = kept.iter().map(|u| u.id).collect();
        for file in files {
            evidence.push(storage.keep(conn, file, Some(user_id))?.id);
        }
        let now = klearn_db::now();
        let new = NewApplication {
            user_id,
            state: ExpertState::Submitted.as_str().to_string(),
            real_name: valid.real_name,
            headline: valid.headline,
            bio_html: crate::markdown::render(&valid.bio),
            bio: valid.bio,
            years: valid.years,
            links: valid.links.join("\n"),
            sample_outline_html: crate::markdown::render(&valid.sample_outline),
            sample_outline: valid.sample_outline,
            created_at: now,
            updated_at: now,
        };
        let application = match Application::file(conn, &new, &valid.topics, &evidence) {
            Ok(a) => a,
            Err(FileError::AlreadyLive) => return Ok(None),
            Err(FileError::Db(e)) => return Err(e),
        };
        audit::record(
            conn,
            Some(user_id),
            "expert.submitted",
            audit::Object::new("expert_application", &application.id.to_string()),
            &application.headline,
        )?;
        let applicant = User::find(conn, user_id)?;
        steps::tell_filed(conn, &i18n, &settings, &applicant)?;
        Ok(Some(application))
    })
    .await?;
    if filed.is_none() {
        return Err(AppError::Conflict);
    }
    Ok(redirect_with_flash(
        &state.settings,
        "/experts/apply",
        &Flash::new(Level::Success, k("experts.apply.filed")),
    ))
}

async fn withdraw(SignedIn(user): SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let i18n = state.i18n.clone();
    let settings = state.settings.clone();
    let withdrawn = plumbing::db(&state.pool, move |conn| {
        let Some(application) = Application::latest_for_user(conn, user.id)? else {
            return Ok(None);
        };
        let request = StepRequest {
            application_id: application.id,
            to: ExpertState::Withdrawn,
            note: String::new(),
            actor_id: user.id,
            actor: StepActor::Applicant,
        };
        steps::take(conn, &i18n, &settings, &request)
    })
    .await?;
    if withdrawn.is_none() {
        return Err(AppError::Conflict);
    }
    Ok(redirect_with_flash(
        &state.settings,
        "/experts/apply",
        &Flash::new(Level::Success, k("experts.apply.withdrawn")),
    ))
}

#[derive(Debug, Deserialize)]
struct DirectoryQuery {
    #[serde(default)]
    sort: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    page: Option<String>,
}

async fn directory(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, AppError> {
    let sort = ExpertSort::parse(&query.sort).unwrap_or(ExpertSort::Rating);
    let topic: String = query.topic.trim().to_lowercase().chars().take(30).collect();
    let wanted = page_number(query.page.as_deref());
    let ranking = crate::experts::ranked(&state, &topic, sort).await?;
    let total = ranking.ids.len() as i64;
    let (cards, topics) = plumbing::db(&state.pool, move |conn| {
        let shown = wanted.min(last_page(total, PER_PAGE));
        let ids: Vec<i64> = ranking
            .ids
            .iter()
            .skip(((shown - 1) * PER_PAGE) as usize)
            .take(PER_PAGE as usize)
            .copied()
            .collect();
        let cards = crate::experts::cards(conn, &ids, &ranking.figures)?;
        Ok((cards, db::certified_topics(conn, 30)?))
    })
    .await?;
    let sort_param = if sort == ExpertSort::Rating {
        ""
    } else {
        sort.as_str()
    };
    let pager = Pager::new(
        wanted,
        PER_PAGE,
        total,
        &[("sort", sort_param), ("topic", &topic)],
    );
    html(&DirectoryView {
        page,
        cards,
        sort,
        topic,
        topics,
        pager,
    })
}

/// The member behind `/experts/{username}`: a certified expert, or a member
/// with the expert role (studio access without certification: no badge).
fn find_expert(conn: &mut DbConnection, username: &str) -> Result<(User, Option<Application>), DbError> {
    let member = User::find_by_username(conn, username)?;
    let certification = Application::certified_for(conn, member.id)?;
    if certification.is_none()
        && !User::roles(conn, member.id)?
            .iter()
            .any(|r| r == Role::Expert.as_str())
    {
        return Err(DbError::NotFound);
    }
    Ok((member, certification))
}

async fn profile(
    page: Page,
    state: web::Data<AppState>,
    username: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let username = username.into_inner();
    let viewer = page.user.as_ref().map(|u| u.id);
    let (member, certification, topics, figures, courses, followers, following, avatar) =
        plumbing::db(&state.pool, move |conn| {
            let (member, certification) = find_expert(conn, &username)?;
            let topics = match &certification {
                Some(c) => Application::topics(conn, c.id)?,
                None => Vec::new(),
            };
            let figures = db::figures(conn, Some(member.id))?.pop().unwrap_or(db::Figures {
                user_id: member.id,
                ..Default::default()
            });
            let published = Course::published_by(conn, member.id)?;
            let courses = with_covers(conn, published)?;
            let followers = Follow::count(conn, member.id)?;
            let following = match viewer {
                Some(v) => Follow::follows(conn, v, member.id)?,
                None => false,
            };
            let avatar = match member.avatar_upload_id {
                Some(id) => Some(Upload::find(conn, id)?),
                None => None,
            };
            Ok((
                member,
                certification,
                topics,
                figures,
                courses,
                followers,
                following,
                avatar,
            ))
        })
        .await?;
    let avatar_url = avatar.as_ref().map(uploads::media_url);
    let member_id = member.id;
    let links = certification
        .as_ref()
        .map(Application::link_list)
        .unwrap_or_default();
    let bio_html = match &certification {
        Some(c) => c.bio_html.clone(),
        None => member.bio_html.clone(),
    };
    let headline = certification.as_ref().map(|c| c.headline.as_str()).unwrap_or("");
    let image = avatar_url.as_ref().map(|u| page.absolute(u));
    let json_ld = person_json_ld(
        member.shown_name(),
        headline,
        &page.canonical_url(),
        image.as_deref(),
        &links,
        &topics,
    );
    html(&ProfileView {
        page,
        member,
        certification,
        topics,
        links,
        bio_html,
        avatar_url,
        courses,
        figures,
        answers: crate::experts::accepted_answers(&[member_id])
            .get(&member_id)
            .copied()
            .unwrap_or(0),
        followers,
        following,
        json_ld,
    })
}

async fn follow(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    username: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let username = username.into_inner();
    let location = format!("/experts/{username}");
    let follower = user.id;
    let outcome = plumbing::db(&state.pool, move |conn| {
        let (member, _) = find_expert(conn, &username)?;
        if member.id == follower {
            return Ok(None);
        }
        Ok(Some(Follow::toggle(conn, follower, member.id)?))
    })
    .await?;
    let flash = match outcome {
        None => Flash::new(Level::Error, k("experts.follow.self")),
        Some(true) => Flash::new(Level::Success, k("experts.follow.following")),
        Some(false) => Flash::new(Level::Info, k("experts.follow.unfollowed")),
    };
    Ok(redirect_with_flash(&state.settings, &location, &flash))
}

/// Whether the viewer may read this evidence file: its applicant and moderators.
pub fn may_read_evidence(upload: &Upload, viewer: Option<&crate::web::CurrentUser>) -> bool {
    viewer.is_some_and(|v| v.is_moderator() || upload.owner_id == Some(v.id))
}
