//! Server-rendered pages of delivery. Forms carry the session's CSRF token; a refused
//! change is shown on the page it came from, in the reader's language.

use super::api::{ReachQuery, YearQuery, report_view, year_of};
use crate::AppState;
use crate::auth::{Ctx, Id};
use crate::error::{Error, Result};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_store::delivery::attendance::{self, Mark, MarkInput, SessionInput};
use opencpd_store::delivery::certificates::Revocation;
use opencpd_store::delivery::cohorts::{self, ApplicationInput, CohortInput, Decision, EnrolInput};
use opencpd_store::delivery::{catalogue, certificates, record, reports};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

fn v<T: Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes", get(programmes_page))
        .route("/programmes/{id}", get(programme_page))
        .route("/courses/{id}", get(course_page))
        .route("/cohorts", get(cohorts_page).post(create_cohort_form))
        .route("/cohorts/{id}", get(cohort_page))
        .route("/cohorts/{id}/enrol", post(enrol_form))
        .route("/cohorts/{id}/enrolments", post(enrol_upload))
        .route("/cohorts/{id}/sessions", post(session_form))
        .route("/cohorts/{id}/certificates", post(certificates_form))
        .route("/applications/{id}/decide", post(decide_form))
        .route("/apply", get(apply_page).post(apply_form))
        .route("/certificates/{id}/revoke", post(revoke_form))
        .route("/certificates/{id}/reissue", post(reissue_form))
        .route("/sessions/{id}/mark", get(mark_page).post(mark_form))
        .route("/verify", get(verify_search))
        .route("/verify/{code}", get(verify_page))
        .route("/people/{id}/cpd", get(record_page))
        .route("/units/{id}/cpd-below", get(below_page))
}

async fn programmes_page(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let programmes = catalogue::programmes(&state.db, actor).await?;
    let courses = catalogue::courses(&state.db, None).await?;
    state.templates.page(
        &ctx,
        "delivery/programmes.html",
        minijinja::context! { programmes => v(&programmes), courses => v(&courses) },
    )
}

async fn programme_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<ReachQuery>,
) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let programme = catalogue::programme(&state.db, actor, id).await?;
    let courses = catalogue::courses(&state.db, Some(id)).await?;
    let funnels = reports::funnels(&state.db, actor, id).await?;
    let reach = match reports::reach(&state.db, actor, id, q.by.as_deref(), q.level).await {
        Ok(r) => Some(r),
        Err(opencpd_store::Error::Forbidden) => None,
        Err(e) => return Err(e.into()),
    };
    state.templates.page(
        &ctx,
        "delivery/programme.html",
        minijinja::context! { funnels => v(&funnels), programme => v(&programme), courses => v(&courses), reach => v(&reach),
        by => q.by.unwrap_or_default(), level => q.level.unwrap_or(2), dimensions => v(&reports::DIMENSIONS) },
    )
}

async fn course_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    ctx.actor()?;
    let course = catalogue::course(&state.db, id).await?;
    let standards = catalogue::standards(&state.db).await?;
    state.templates.page(
        &ctx,
        "delivery/course.html",
        minijinja::context! { course => v(&course), standards => v(&standards) },
    )
}

async fn cohorts_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    render_cohorts(&state, &ctx, None, None, StatusCode::OK).await
}

async fn render_cohorts(
    state: &AppState,
    ctx: &Ctx,
    problems: Option<Vec<String>>,
    form: Option<&CohortInput>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let cohorts = cohorts::cohorts(&state.db, actor, None).await?;
    let courses = catalogue::courses(&state.db, None).await?;
    let manage = actor.may(Action::ManageCohorts);
    let html = state.templates.page(
        ctx,
        "delivery/cohorts.html",
        minijinja::context! { cohorts => v(&cohorts), courses => v(&courses), manage, problems, form => v(&form) },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct CohortForm {
    csrf: String,
    #[serde(flatten)]
    cohort: CohortFields,
}

#[derive(Deserialize)]
struct CohortFields {
    code: String,
    name: String,
    course_code: String,
    unit_code: String,
    #[serde(default)]
    venue: String,
    start_date: String,
    end_date: String,
    capacity: String,
}

/// Opens a cohort from the form on the cohorts page.
async fn create_cohort_form(State(state): State<AppState>, ctx: Ctx, Form(form): Form<CohortForm>) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let f = form.cohort;
    let capacity = f.capacity.trim().parse::<i64>();
    let input = CohortInput {
        code: f.code,
        name: f.name,
        course_code: f.course_code,
        unit_code: f.unit_code,
        venue: Some(f.venue),
        start_date: f.start_date,
        end_date: f.end_date,
        capacity: *capacity.as_ref().unwrap_or(&0),
        facilitators: vec![],
    };
    let outcome = match capacity {
        Ok(_) => cohorts::create_cohort(&state.db, actor, &input).await.map_err(Error::from),
        Err(_) => Err(Problem::new("bad-number").in_column("capacity").with_value(f.capacity.trim()).into()),
    };
    match outcome {
        Ok(c) => Ok(Redirect::to(&format!("/cohorts/{}", c.id)).into_response()),
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render_cohorts(&state, &ctx, Some(messages), Some(&input), e.status()).await
        }
        Err(e) => Err(e),
    }
}

async fn cohort_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    render_cohort(&state, &ctx, id, None, None, StatusCode::OK).await
}

/// The cohort page, with the outcome of the form just sent (problems or a notice).
async fn render_cohort(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    problems: Option<Vec<String>>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let cohort = cohorts::cohort(&state.db, actor, id).await?;
    let course = cohorts::course_of(&state.db, &cohort).await?;
    let enrolments = cohorts::enrolments(&state.db, actor, &cohort).await?;
    let sessions = attendance::sessions(&state.db, actor, &cohort).await?;
    let applications = cohorts::applications(&state.db, actor, &cohort).await?;
    let certificates = certificates::of_cohort(&state.db, actor, id).await?;
    let funnel = reports::funnel(&state.db, actor, id).await?;
    let facilitators = cohorts::facilitators(&state.db, actor, &cohort).await?;
    let manage = actor.allows(Action::ManageCohorts, &cohort.target());
    let facilitate = actor.allows(Action::Facilitate, &cohort.target());
    let today = opencpd_store::today();
    let html = state.templates.page(
        ctx,
        "delivery/cohort.html",
        minijinja::context! {
            cohort => v(&cohort), course => v(&course), enrolments => v(&enrolments), sessions => v(&sessions),
            applications => v(&applications), certificates => v(&certificates), funnel => v(&funnel),
            facilitators => v(&facilitators), manage, facilitate, today => today.to_string(), problems, notice,
        },
    )?;
    Ok((status, html).into_response())
}

/// Runs a form's change and shows the cohort page again with its outcome.
async fn after_form<T>(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    outcome: Result<T>,
    notice: impl FnOnce(&T) -> String,
) -> Result<Response> {
    match outcome {
        Ok(value) => render_cohort(state, ctx, id, None, Some(notice(&value)), StatusCode::OK).await,
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render_cohort(state, ctx, id, Some(messages), None, e.status()).await
        }
        Err(e) => Err(e),
    }
}

fn text(ctx: &Ctx, key: &str, args: &[(&str, String)]) -> String {
    opencpd_domain::i18n::catalog().text(ctx.lang, key, args)
}

#[derive(Deserialize)]
struct EnrolForm {
    csrf: String,
    staff_number: String,
}

async fn enrol_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(form): Form<EnrolForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let input = EnrolInput { person_id: None, staff_number: Some(form.staff_number) };
    let outcome = cohorts::enrol(&state.db, actor, id, &input).await.map_err(Error::from);
    after_form(&state, &ctx, id, outcome, |e| {
        text(&ctx, "delivery-enrolled-one", &[("name", format!("{} {}", e.given_name, e.family_name))])
    })
    .await
}

async fn enrol_upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    mut multipart: Multipart,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let (mut csrf, mut dry_run, mut file) = (String::new(), false, None);
    while let Some(field) =
        multipart.next_field().await.map_err(|e| Problem::new("bad-request").arg("detail", e.body_text()))?
    {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "dry_run" => dry_run = true,
            "file" => {
                let name = field.file_name().unwrap_or("upload.csv").to_string();
                let bytes =
                    field.bytes().await.map_err(|e| Problem::new("bad-request").arg("detail", e.body_text()))?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let (name, bytes) = file.ok_or_else(|| Problem::new("required").in_column("file"))?;
    let table = opencpd_transfer::read_table(&name, &bytes).map_err(|p| Error::Invalid(vec![p]));
    let report = match table {
        Ok(t) => cohorts::import_enrolments(&state.db, actor, id, &t, dry_run).await.map_err(Error::from),
        Err(e) => Err(e),
    };
    let outcome = report.and_then(|r| {
        let view = report_view(&r, ctx.lang);
        if view.ok { Ok(r) } else { Err(Error::Invalid(r.problems)) }
    });
    after_form(&state, &ctx, id, outcome, |r| {
        if r.dry_run {
            text(&ctx, "import-dry-ok", &[("rows", r.rows.to_string())])
        } else {
            text(&ctx, "import-done", &[("created", r.created.to_string())])
        }
    })
    .await
}

#[derive(Deserialize)]
struct SessionForm {
    csrf: String,
    held_on: String,
    title: String,
    #[serde(default)]
    hours: String,
}

async fn session_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(form): Form<SessionForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let hours = if form.hours.trim().is_empty() { Ok(0.0) } else { form.hours.trim().replace(',', ".").parse::<f64>() };
    let outcome = match hours {
        Ok(hours) => {
            let input = SessionInput { held_on: form.held_on, title: form.title, modality: None, venue: None, hours };
            attendance::create_session(&state.db, actor, id, &input).await.map_err(Error::from)
        }
        Err(_) => Err(Problem::new("bad-number").in_column("hours").with_value(form.hours.trim()).into()),
    };
    after_form(&state, &ctx, id, outcome, |s| text(&ctx, "delivery-session-added", &[("date", s.held_on.to_string())]))
        .await
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn certificates_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let outcome = certificates::issue_for_cohort(&state.db, actor, id).await.map_err(Error::from);
    after_form(&state, &ctx, id, outcome, |r| {
        text(&ctx, "delivery-certificates-issued", &[("n", r.issued.to_string())])
    })
    .await
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    cohort_id: i64,
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(form): Form<DecisionForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let input = Decision { decision: form.decision, reason: Some(form.reason) };
    let outcome = cohorts::decide(&state.db, actor, id, &input).await.map_err(Error::from);
    after_form(&state, &ctx, form.cohort_id, outcome, |a| text(&ctx, &format!("application-{}", a.status), &[])).await
}

/// The marking page: one screen for a whole cohort, built for a phone.
async fn mark_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    render_mark(&state, &ctx, id, None, None, StatusCode::OK).await
}

async fn render_mark(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    problems: Option<Vec<String>>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let (session, cohort) = attendance::session(&state.db, actor, id).await?;
    if !actor.allows(Action::Facilitate, &cohort.target()) {
        return Err(Error::Forbidden);
    }
    let enrolments = cohorts::enrolments(&state.db, actor, &cohort).await?;
    let marks: HashMap<i64, String> =
        attendance::marks(&state.db, actor, id).await?.into_iter().map(|m| (m.person_id, m.status)).collect();
    let statuses = attendance::statuses(&state.db).await?;
    let statuses: Vec<_> =
        statuses.iter().map(|s| minijinja::context! { key => &s.key, name => s.name(ctx.lang) }).collect();
    let default = "present".to_string();
    let people: Vec<_> = enrolments
        .iter()
        .map(|e| {
            let current = marks.get(&e.person_id).unwrap_or(&default);
            minijinja::context! { person_id => e.person_id, name => format!("{} {}", e.family_name, e.given_name),
            staff_number => &e.staff_number, status => current, marked => marks.contains_key(&e.person_id) }
        })
        .collect();
    let future = session.held_on > opencpd_store::today();
    let html = state.templates.page(
        ctx,
        "delivery/mark.html",
        minijinja::context! { session => v(&session), cohort => v(&cohort), people, statuses, future, problems, notice },
    )?;
    Ok((status, html).into_response())
}

async fn mark_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    ctx.check_csrf(csrf)?;
    let marks: Vec<Mark> = fields
        .iter()
        .filter_map(|(k, val)| {
            let person = k.strip_prefix("p")?.parse().ok()?;
            Some(Mark { person_id: person, status: val.clone() })
        })
        .collect();
    match attendance::mark(&state.db, actor, id, &MarkInput { marks }).await.map_err(Error::from) {
        Ok(r) => {
            let notice =
                text(&ctx, "delivery-markok", &[("n", r.marked.to_string()), ("attended", r.attended.to_string())]);
            render_mark(&state, &ctx, id, None, Some(notice), StatusCode::OK).await
        }
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render_mark(&state, &ctx, id, Some(messages), None, e.status()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct VerifyQuery {
    code: Option<String>,
}

/// The verification form; a code given goes to its page.
async fn verify_search(State(state): State<AppState>, ctx: Ctx, Query(q): Query<VerifyQuery>) -> Result<Response> {
    if let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let safe: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        return Ok(Redirect::to(&format!("/verify/{safe}")).into_response());
    }
    let html = state.templates.page(&ctx, "delivery/verify.html", minijinja::context! { result => (), code => "" })?;
    Ok(html.into_response())
}

/// The public verification page: no login; an unknown code says so and nothing else.
async fn verify_page(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> Result<Response> {
    match certificates::verify(&state.db, &code).await {
        Ok(result) => {
            let html = state.templates.page(
                &ctx,
                "delivery/verify.html",
                minijinja::context! { result => v(&result), code },
            )?;
            Ok(html.into_response())
        }
        Err(opencpd_store::Error::NotFound) => {
            let html = state.templates.page(
                &ctx,
                "delivery/verify.html",
                minijinja::context! { result => (), code, unknown => true },
            )?;
            Ok((StatusCode::NOT_FOUND, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn record_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let (person, _) = opencpd_store::registry::person(&state.db, actor, id).await?;
    let year = year_of(&q);
    let record = record::record(&state.db, actor, id, year).await?;
    state.templates.page(
        &ctx,
        "delivery/record.html",
        minijinja::context! { person => v(&person), record => v(&record), year },
    )
}

#[derive(Deserialize)]
struct RevokeForm {
    csrf: String,
    cohort_id: i64,
    #[serde(default)]
    reason: String,
}

async fn revoke_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(form): Form<RevokeForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let outcome =
        certificates::revoke(&state.db, actor, id, &Revocation { reason: form.reason }).await.map_err(Error::from);
    after_form(&state, &ctx, form.cohort_id, outcome, |c| {
        text(&ctx, "delivery-revoked", &[("serial", c.serial.clone())])
    })
    .await
}

#[derive(Deserialize)]
struct ReissueForm {
    csrf: String,
    cohort_id: i64,
}

async fn reissue_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(form): Form<ReissueForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let outcome = certificates::reissue(&state.db, actor, id).await.map_err(Error::from);
    after_form(&state, &ctx, form.cohort_id, outcome, |c| {
        text(&ctx, "delivery-reissued", &[("serial", c.serial.clone())])
    })
    .await
}

/// The person an account stands for (a teacher's own record), if any.
fn own_person(ctx: &Ctx) -> Option<i64> {
    ctx.actor.as_ref()?.grants.iter().find_map(|g| match g.scope {
        opencpd_domain::Scope::Own { person_id } => Some(person_id),
        _ => None,
    })
}

#[derive(Deserialize)]
struct ApplyQuery {
    cohort: Option<String>,
    person_id: Option<i64>,
}

/// Applying for a place: oneself (a teacher), or a member of staff one may read (a head
/// teacher nominating), by the cohort's code.
async fn apply_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ApplyQuery>) -> Result<Response> {
    ctx.actor()?;
    let person_id = q.person_id.or_else(|| own_person(&ctx));
    let html = state.templates.page(
        &ctx,
        "delivery/apply.html",
        minijinja::context! { cohort => q.cohort.unwrap_or_default(), person_id, problems => None::<Vec<String>>, notice => None::<String> },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
struct ApplyForm {
    csrf: String,
    cohort: String,
    person_id: String,
    #[serde(default)]
    motivation: String,
}

async fn apply_form(State(state): State<AppState>, ctx: Ctx, Form(form): Form<ApplyForm>) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let outcome = match form.person_id.trim().parse::<i64>() {
        Ok(person_id) => {
            let input = ApplicationInput { person_id, motivation: Some(form.motivation.clone()) };
            cohorts::apply(&state.db, actor, &form.cohort, &input).await.map_err(Error::from)
        }
        Err(_) => Err(Problem::new("required").in_column("person_id").into()),
    };
    let (status, problems, notice) = match outcome {
        Ok(_) => (
            StatusCode::CREATED,
            None,
            Some(text(&ctx, "delivery-applied", &[("cohort", form.cohort.trim().to_string())])),
        ),
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            (e.status(), Some(e.problems().iter().map(|p| p.located(ctx.lang)).collect::<Vec<_>>()), None)
        }
        Err(e) => return Err(e),
    };
    let html = state.templates.page(
        &ctx,
        "delivery/apply.html",
        minijinja::context! { cohort => form.cohort, person_id => form.person_id, problems, notice },
    )?;
    Ok((status, html).into_response())
}

/// Who in a unit is below their role's CPD threshold this year (or the year asked).
async fn below_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let unit = opencpd_store::registry::unit(&state.db, actor, id).await?;
    let year = year_of(&q);
    let people = record::below_threshold(&state.db, actor, id, year).await?;
    let thresholds = record::thresholds(&state.db).await?;
    state.templates.page(
        &ctx,
        "delivery/below.html",
        minijinja::context! { unit => v(&unit), people => v(&people), thresholds => v(&thresholds), year },
    )
}
