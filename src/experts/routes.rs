//! `/experts/apply` (with withdraw), `/experts`, `/experts/{username}` and
//! following an expert. The directory's pages and the profiles are read
//! from kept data (`web::kept`); whether the viewer follows is their own.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use klearn_db::courses::Course;
use klearn_db::experts::{self as db, Application, Follow};
use klearn_db::uploads::Upload;
use klearn_db::{DbConnection, DbError, UserId};
use serde::Deserialize;

use crate::catalog::routes::with_covers;
use crate::domain::actor::Actor;
use crate::domain::expert::{may_apply_again_at, ExpertSort, ExpertState, StepActor};
use crate::experts::applying::{apply as file_application, keep_evidence, may_apply, toggle_follow};
use crate::experts::forms::{ApplicationForm, ValidApplication, MAX_EVIDENCE};
use crate::experts::ranking::{RankingCache, TTL};
use crate::experts::views::{person_json_ld, ApplyView, DirectoryView, ProfileView, Status};
use crate::experts::{find_expert, steps, ExpertCard, ExpertError};
use crate::i18n::k;
use crate::uploads::multipart::FieldRules;
use crate::uploads::{self, UploadError};
use crate::web::flash::{Flash, Level};
use crate::web::kept::{Kept, Weigh};
use crate::web::pager::{last_page, page_number, Pager};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page, SignedIn, Verified,
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

fn standing(conn: &mut DbConnection, user_id: UserId) -> Result<Standing, DbError> {
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

/// A refused application: what to tell, the evidence kept for the next send.
enum Refused {
    /// The member may not apply now (an open application, or the wait).
    Closed(&'static str, Standing),
    /// The form comes back: its problems and the files kept.
    Form(
        Vec<(&'static str, Option<&'static str>, Option<UploadError>)>,
        Vec<Upload>,
        Standing,
    ),
}

async fn apply(
    page: Page,
    Verified(user): Verified,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let mut multipart =
        uploads::multipart::parse(payload, &state.services.storage.tmp_dir(), &rules(), None).await?;
    let mut form = ApplicationForm::from_multipart(&multipart);
    let mut errors = FieldErrors::new();
    let valid = form.check(&page.tr, &mut errors);
    let sent_problem = multipart.error("evidence").cloned();
    let files = multipart.take_files("evidence");
    let (services, actor, kept_names) = (state.services.clone(), user.actor(), form.kept.clone());
    let refused = call(&state.pool, move |conn| {
        refuse_or_file(conn, &services, &actor, valid, sent_problem, &kept_names, files)
    })
    .await??;
    let Some(refused) = refused else {
        let flash = Flash::new(Level::Success, k("experts.apply.filed"));
        return Ok(redirect_with_flash(&state.settings, "/experts/apply", &flash));
    };
    match refused {
        Refused::Closed(key, standing) => {
            let mut view = view(page, standing, form, Vec::new(), FieldErrors::new());
            view.notice = Some(view.page.t(key).to_string());
            html_with_status(StatusCode::CONFLICT, &view)
        }
        Refused::Form(problems, kept, standing) => {
            for (field, key, upload) in problems {
                match (key, upload) {
                    (_, Some(problem)) => errors.add_text(field, problem.message(&page.tr)),
                    (Some(key), None) => errors.add(&page.tr, field, key),
                    (None, None) => {}
                }
            }
            form.kept = kept.iter().map(|u| u.stored_name.clone()).collect();
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &view(page, standing, form, kept, errors),
            )
        }
    }
}

/// Files the application, or says why not, keeping the evidence that
/// passed so that it need not be sent again.
fn refuse_or_file(
    conn: &mut DbConnection,
    services: &crate::services::Services,
    actor: &Actor,
    valid: Option<ValidApplication>,
    sent_problem: Option<UploadError>,
    kept_names: &[String],
    files: Vec<uploads::ReceivedFile>,
) -> Result<Option<Refused>, ExpertError> {
    let user_id = actor.user_id().ok_or(ExpertError::NotFound)?;
    if let Err(ExpertError::Conflict(key)) = may_apply(conn, actor) {
        return Ok(Some(Refused::Closed(key, standing(conn, user_id)?)));
    }
    let problem = match (valid, sent_problem) {
        (Some(valid), None) => match file_application(conn, services, actor, valid, kept_names, files) {
            Ok(_) => return Ok(None),
            Err(ExpertError::Invalid { field, key }) => (field, Some(key), None),
            Err(ExpertError::Upload { field, problem }) => (field, None, Some(problem)),
            Err(e) => return Err(e),
        },
        (_, sent_problem) => {
            let (kept, problem) = keep_evidence(conn, services, actor, kept_names, files)?;
            let none_sent = kept.is_empty() && sent_problem.is_none() && problem.is_none();
            let key = none_sent.then_some("experts.error.evidence_required");
            let problems = vec![("evidence", key, sent_problem.or(problem))];
            return Ok(Some(Refused::Form(problems, kept, standing(conn, user_id)?)));
        }
    };
    let kept = db::loose_evidence(conn, user_id, kept_names)?;
    Ok(Some(Refused::Form(vec![problem], kept, standing(conn, user_id)?)))
}

async fn withdraw(SignedIn(user): SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (services, actor) = (state.services.clone(), user.actor());
    call(&state.pool, move |conn| {
        let application =
            Application::latest_for_user(conn, user.id)?.ok_or(ExpertError::Conflict("error.409.message"))?;
        steps::take(
            conn,
            &services,
            &actor,
            StepActor::Applicant,
            application.id,
            ExpertState::Withdrawn,
            "",
        )
    })
    .await??;
    let flash = Flash::new(Level::Success, k("experts.apply.withdrawn"));
    Ok(redirect_with_flash(&state.settings, "/experts/apply", &flash))
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

/// One page of the directory as read: the same for every visitor.
#[derive(Clone)]
pub struct DirectoryPage {
    cards: Vec<ExpertCard>,
    topics: Vec<(String, i64)>,
    total: i64,
}

/// The directory's pages as read, by sort, topic and page; the key names
/// the ranking's `TTL` window too, so the learners it counts (kept by the
/// ranking for `TTL`) catch up as they did before.
pub type KeptDirectory = Kept<DirectoryPage>;

impl Weigh for DirectoryPage {
    fn weight(&self) -> usize {
        let card = |c: &ExpertCard| {
            c.expert.certification.headline.len()
                + c.topics.iter().map(|t| t.len() + 24).sum::<usize>()
                + 1024
        };
        self.cards.iter().map(card).sum::<usize>() + self.topics.len() * 64 + 64
    }
}

impl DirectoryPage {
    /// Page `wanted` (clamped to the last) of the ranking for `topic` and
    /// `sort`, with the directory's topic links.
    fn load(
        conn: &mut DbConnection,
        rankings: &web::Data<RankingCache>,
        pool: &klearn_db::Pool,
        topic: &str,
        sort: ExpertSort,
        wanted: i64,
    ) -> Result<DirectoryPage, DbError> {
        let ranking = crate::experts::ranked(conn, rankings, pool, topic, sort)?;
        let total = ranking.ids.len() as i64;
        let shown = wanted.min(last_page(total, PER_PAGE));
        let ids: Vec<UserId> = ranking
            .ids
            .iter()
            .skip(((shown - 1) * PER_PAGE) as usize)
            .take(PER_PAGE as usize)
            .copied()
            .collect();
        Ok(DirectoryPage {
            cards: crate::experts::cards(conn, &ids, &ranking.figures)?,
            topics: ranking.topics.clone(),
            total,
        })
    }
}

async fn directory(
    page: Page,
    state: web::Data<AppState>,
    rankings: web::Data<RankingCache>,
    kept: web::Data<KeptDirectory>,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, AppError> {
    let sort = ExpertSort::parse(&query.sort).unwrap_or(ExpertSort::Rating);
    let topic: String = query.topic.trim().to_lowercase().chars().take(30).collect();
    let wanted = page_number(query.page.as_deref());
    let filter = topic.clone();
    let pool = state.pool.clone();
    let window = klearn_db::now().and_utc().timestamp() / TTL.as_secs() as i64;
    let key = format!("{} {wanted} {window} {topic}", sort.as_str());
    let DirectoryPage { cards, topics, total } = kept
        .read(&state, key, move |conn| {
            DirectoryPage::load(conn, &rankings, &pool, &filter, sort, wanted)
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

/// An expert's profile: what everyone sees is kept; whether a signed-in
/// viewer follows the expert is read per request.
async fn profile(
    page: Page,
    state: web::Data<AppState>,
    kept: web::Data<KeptProfiles>,
    username: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let username = username.into_inner();
    let parts = kept
        .read(&state, username.clone(), move |conn| {
            ProfileParts::load(conn, &username)
        })
        .await?;
    let following = match page.user.as_ref().map(|u| u.id) {
        Some(viewer) => {
            let expert = parts.member.id;
            plumbing::db(&state.pool, move |conn| Follow::follows(conn, viewer, expert)).await?
        }
        None => false,
    };
    html(&parts.view(page, following))
}

/// What an expert's profile shows every visitor, read in one call.
#[derive(Clone)]
pub struct ProfileParts {
    member: klearn_db::users::User,
    certification: Option<Application>,
    topics: Vec<String>,
    figures: db::Figures,
    courses: Vec<(klearn_db::courses::CourseCard, Option<String>)>,
    followers: i64,
    avatar: Option<Upload>,
    stats: crate::domain::review::RatingStats,
}

/// Experts' profiles as read, by the name in their address.
pub type KeptProfiles = Kept<ProfileParts>;

impl Weigh for ProfileParts {
    fn weight(&self) -> usize {
        let bio = match &self.certification {
            Some(c) => {
                c.bio.len()
                    + c.bio_html.len()
                    + c.headline.len()
                    + c.links.len()
                    + c.sample_outline.len()
                    + c.sample_outline_html.len()
            }
            None => 0,
        };
        let card = |(c, _): &(klearn_db::courses::CourseCard, Option<String>)| {
            c.course.title.len() + c.course.subtitle.len() + 512
        };
        self.member.bio.len()
            + self.member.bio_html.len()
            + bio
            + self.courses.iter().map(card).sum::<usize>()
            + self.topics.len() * 32
            + 1024
    }
}

impl ProfileParts {
    fn load(conn: &mut DbConnection, username: &str) -> Result<ProfileParts, DbError> {
        let (member, certification) = find_expert(conn, username)?;
        let topics = match &certification {
            Some(c) => Application::topics(conn, c.id)?,
            None => Vec::new(),
        };
        let figures = db::figures(conn, Some(member.id))?.pop().unwrap_or(db::Figures {
            user_id: member.id,
            ..Default::default()
        });
        let published = Course::published_by(conn, member.id)?;
        let avatar = match member.avatar_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        Ok(ProfileParts {
            stats: crate::reviews::pages::expert_stats(conn, member.id)?,
            courses: with_covers(conn, published)?,
            followers: Follow::count(conn, member.id)?,
            member,
            certification,
            topics,
            figures,
            avatar,
        })
    }

    fn view(self, page: Page, following: bool) -> ProfileView {
        let avatar_url = self.avatar.as_ref().map(uploads::media_url);
        let links = self
            .certification
            .as_ref()
            .map(Application::link_list)
            .unwrap_or_default();
        let bio_html = match &self.certification {
            Some(c) => c.bio_html.clone(),
            None => self.member.bio_html.clone(),
        };
        let headline = self
            .certification
            .as_ref()
            .map(|c| c.headline.as_str())
            .unwrap_or("");
        let image = avatar_url.as_ref().map(|u| page.absolute(u));
        let json_ld = person_json_ld(
            self.member.shown_name(),
            headline,
            &page.canonical_url(),
            image.as_deref(),
            &links,
            &self.topics,
        );
        let answers = self.member.accepted_answers;
        ProfileView {
            page,
            member: self.member,
            certification: self.certification,
            topics: self.topics,
            links,
            bio_html,
            avatar_url,
            courses: self.courses,
            figures: self.figures,
            answers,
            followers: self.followers,
            following,
            json_ld,
            stats: self.stats,
        }
    }
}

async fn follow(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    username: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let username = username.into_inner();
    let location = format!("/experts/{username}");
    let actor = user.actor();
    let flash = match call(&state.pool, move |conn| toggle_follow(conn, &actor, &username)).await? {
        Ok(true) => Flash::new(Level::Success, k("experts.follow.following")),
        Ok(false) => Flash::new(Level::Info, k("experts.follow.unfollowed")),
        Err(ExpertError::Conflict(key)) => Flash::new(Level::Error, key),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&state.settings, &location, &flash))
}

/// Whether the viewer may read this evidence file: its applicant and moderators.
pub fn may_read_evidence(upload: &Upload, viewer: Option<&Actor>) -> bool {
    viewer.is_some_and(|v| v.is_moderator() || upload.owner_id.is_some_and(|owner| v.is(owner)))
}
