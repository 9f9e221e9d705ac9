//! The evaluation area's pages and `/api/v1` routes, as an [`opencpd_http::Area`].

mod chart;
mod report;

use crate::model::{
    Arm, ArmCount, BootstrapInterval, Coefficient, DataRow, DrawInput, Evaluation, EvaluationInput, FunnelCount,
    FunnelLevel, ImpactReport, KirkpatrickFunnel, OutcomeQuery, Power, PowerQuery, RecordInput, RecordedSchool, Round,
};
use crate::store;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_domain::Problem;
use opencpd_domain::evaluation::power;
use opencpd_http::{ApiError, AppState, Area, Ctx, Error, Id, Result, download, ok};
use opencpd_kernel::paging::{Page, Paged};
use utoipa::OpenApi;

/// Evaluation designs, assignment and impact estimates.
pub static AREA: Area = Area {
    name: "evaluation",
    templates: TEMPLATES,
    pages: |_| pages(),
    api: |_| api(),
    openapi: || EvaluationApi::openapi(),
    imports: &[],
    after_write: opencpd_http::nothing_after_write,
};

const TEMPLATES: &[(&str, &str)] = &[
    ("evaluation/list.html", include_str!("../../templates/evaluation/list.html")),
    ("evaluation/evaluation.html", include_str!("../../templates/evaluation/evaluation.html")),
    ("evaluation/kirkpatrick.html", include_str!("../../templates/evaluation/kirkpatrick.html")),
    ("evaluation/needs.html", include_str!("../../templates/evaluation/needs.html")),
    ("evaluation/person_needs.html", include_str!("../../templates/evaluation/person_needs.html")),
    ("evaluation/practice.html", include_str!("../../templates/evaluation/practice.html")),
];

fn pages() -> Router<AppState> {
    Router::new()
        .route("/evaluations", get(list_page))
        .route("/evaluations/{id}", get(evaluation_page))
        .route("/programmes/{id}/kirkpatrick", get(kirkpatrick_page))
        .route("/needs", get(needs_page))
}

fn api() -> Router<AppState> {
    Router::new()
        .route("/evaluations", get(list).post(create))
        .route("/evaluations/power", get(minimum_detectable_effect))
        .route("/evaluations/{id}", get(get_one))
        .route("/evaluations/{id}/draw", post(draw))
        .route("/evaluations/{id}/assignment", post(record))
        .route("/evaluations/{id}/estimate", get(estimate))
        .route("/evaluations/{id}/data", get(data))
        .route("/evaluations/{id}/report", get(report_pdf))
        .route("/programmes/{id}/kirkpatrick", get(kirkpatrick))
        .route("/people/{id}/needs", get(person_needs))
        .route("/people/{id}/practice", get(person_practice_api))
        .route("/schools/{id}/practice", get(school_practice_api))
        .route("/needs", get(group_needs))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        create,
        get_one,
        report_pdf,
        draw,
        record,
        estimate,
        data,
        minimum_detectable_effect,
        kirkpatrick,
        person_needs,
        person_practice_api,
        school_practice_api,
        group_needs
    ),
    components(schemas(
        Evaluation,
        Paged<Evaluation>,
        EvaluationInput,
        crate::model::ArmInput,
        crate::model::RoundInput,
        Arm,
        Round,
        DrawInput,
        RecordInput,
        RecordedSchool,
        crate::model::RecordedPerson,
        ImpactReport,
        Coefficient,
        ArmCount,
        BootstrapInterval,
        DataRow,
        Power,
        KirkpatrickFunnel,
        FunnelLevel,
        FunnelCount,
        crate::model::SatisfactionRow,
        crate::model::Practice,
        crate::model::PracticePeriod,
        crate::model::PracticeStandard,
        crate::model::PracticePoint,
        crate::model::FunnelFlows,
        crate::model::FunnelFlowRates,
        crate::model::PersonNeeds,
        crate::model::StandardRow,
        crate::model::NeedRecommendation,
        crate::model::GroupNeeds,
        crate::model::StandardNeed,
        ApiError
    ))
)]
struct EvaluationApi;

/// The evaluations whose place the caller reads, one page: sorted by `code` (the default),
/// `name`, `unit` or `assignment`; `q` searches code and name.
#[utoipa::path(get, path = "/api/v1/evaluations", params(Page), responses((status = 200, body = Paged<Evaluation>), (status = 422, body = ApiError)))]
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Evaluation>>> {
    let Query(page) = ok(page)?;
    Ok(Json(store::list(&state.db, ctx.actor()?, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/evaluations", request_body = EvaluationInput,
    responses((status = 201, body = Evaluation), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<EvaluationInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    let e = store::create(&state.db, ctx.actor()?, &input).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

#[utoipa::path(get, path = "/api/v1/evaluations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Evaluation), (status = 404, body = ApiError)))]
async fn get_one(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Evaluation>> {
    Ok(Json(store::get(&state.db, ctx.actor()?, id).await?))
}

/// OpenCPD draws the arms, stratified, from a seed it records (a second assignment is a 409).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/draw", params(("id" = i64, Path)), request_body = DrawInput,
    responses((status = 200, body = Evaluation), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn draw(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<DrawInput>, JsonRejection>,
) -> Result<Json<Evaluation>> {
    let Json(input) = ok(body)?;
    Ok(Json(store::draw(&state.db, ctx.actor()?, id, &input).await?))
}

/// The evaluators' own assignment, school by school (a second assignment is a 409).
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/assignment", params(("id" = i64, Path)), request_body = RecordInput,
    responses((status = 200, body = Evaluation), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<RecordInput>, JsonRejection>,
) -> Result<Json<Evaluation>> {
    let Json(input) = ok(body)?;
    Ok(Json(store::record(&state.db, ctx.actor()?, id, &input).await?))
}

/// The impact estimate of an outcome; one asked with too little data is a 422 saying why.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}/estimate", params(("id" = i64, Path), OutcomeQuery),
    responses((status = 200, body = ImpactReport), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn estimate(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<OutcomeQuery>, QueryRejection>,
) -> Result<Json<ImpactReport>> {
    let Query(q) = ok(q)?;
    Ok(Json(store::estimate(&state.db, ctx.actor()?, id, &q, ctx.lang).await?))
}

const DATA_HEADERS: &[&str] =
    &["school_id", "school_code", "school_name", "stratum", "arm", "round", "post", "y", "assessed"];
/// A design of people's data set: the person first, then their school.
const PEOPLE_HEADERS: &[&str] = &[
    "person_id",
    "staff_number",
    "school_id",
    "school_code",
    "school_name",
    "stratum",
    "arm",
    "round",
    "post",
    "y",
    "assessed",
];

/// The analysis data set, one row per school (or person) and round, to rerun the analysis
/// in R or Stata; a design of people's for row-level readers only. For a reader without
/// row-level rights, a row resting on fewer learners than the small cell threshold has its
/// outcome left empty and its count shown as `<5`.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}/data", params(("id" = i64, Path), OutcomeQuery),
    responses((status = 200, description = "CSV or XLSX, one row per school (or person) and round"), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn data(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<OutcomeQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let format = download::format(q.format.as_deref())?;
    let (e, rows, shown) = store::dataset(&state.db, ctx.actor()?, id, &q).await?;
    let people = e.units == "people";
    let rows = rows
        .into_iter()
        .map(|r| {
            // A row on too few learners: its outcome left out, its count shown as "<5".
            let cell = shown.cell(r.assessed);
            let y = if cell.hidden() { String::new() } else { format!("{:.6}", r.y) };
            let person = people.then(|| {
                [r.person_id.map(|p| p.to_string()).unwrap_or_default(), r.staff_number.clone().unwrap_or_default()]
            });
            person
                .into_iter()
                .flatten()
                .chain([
                    r.school_id.to_string(),
                    r.school_code,
                    r.school_name,
                    r.stratum,
                    r.arm,
                    r.round,
                    if r.post { "1" } else { "0" }.to_string(),
                    y,
                    cell.text(r.assessed, shown.threshold),
                ])
                .collect()
        })
        .collect();
    let headers = if people { PEOPLE_HEADERS } else { DATA_HEADERS };
    download::table(format, &format!("{}-data", e.code), headers, rows)
}

/// The evaluation's report as a PDF, in the reader's language: the design, the estimate of
/// the outcome asked for (or the reason none is given) with its chart, and its caveats.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}/report", params(("id" = i64, Path), OutcomeQuery),
    responses((status = 200, description = "The report (application/pdf)", content_type = "application/pdf"), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn report_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<OutcomeQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    let evaluation = store::get(&state.db, actor, id).await?;
    let estimate = match store::estimate(&state.db, actor, id, &q, ctx.lang).await {
        Ok(report) => Ok(report),
        // A parameter named wrong is the asker's to fix (422); an estimate refused for the
        // data is the report's to say.
        Err(opencpd_kernel::Error::Invalid(problems)) if problems.iter().all(|p| p.column.is_none()) => {
            Err(problems.iter().map(|p| p.message(ctx.lang)).collect::<Vec<_>>().join("; "))
        }
        Err(e) => return Err(e.into()),
    };
    let bytes = report::render(&evaluation, &estimate, ctx.lang);
    Ok(download::file("application/pdf", &format!("{}-report.pdf", evaluation.code), bytes))
}

/// The minimum detectable effect of a planned cluster-randomised design (α = 0.05, power 80%).
#[utoipa::path(get, path = "/api/v1/evaluations/power", params(PowerQuery),
    responses((status = 200, body = Power), (status = 422, body = ApiError)))]
async fn minimum_detectable_effect(
    ctx: Ctx,
    q: std::result::Result<Query<PowerQuery>, QueryRejection>,
) -> Result<Json<Power>> {
    ctx.actor()?;
    let Query(q) = ok(q)?;
    // A national design has thousands of schools; past these the question is not a design.
    for (name, value) in [("clusters", q.clusters), ("per_cluster", q.per_cluster)] {
        if value > 100_000 {
            return Err(Error::Invalid(vec![
                Problem::new("evaluation-too-large").arg("value", value).arg("max", 100_000).in_column(name),
            ]));
        }
    }
    let mut d = power::PlannedDesign::usual(q.clusters, q.per_cluster, q.icc);
    if let Some(p) = q.treated_share {
        d.treated_share = p;
    }
    let mde = power::minimum_detectable_effect(&d)
        .map_err(|e| Error::Invalid(vec![Problem::new("evaluation-refused").arg("reason", e)]))?;
    Ok(Json(Power {
        clusters: d.clusters,
        per_cluster: d.cluster_size,
        icc: d.icc,
        treated_share: d.treated_share,
        alpha: d.alpha,
        power: d.power,
        minimum_detectable_effect: mde,
    }))
}

/// A programme's four Kirkpatrick levels, each with what it rests on, in the reader's scope.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/kirkpatrick", params(("id" = i64, Path)),
    responses((status = 200, body = KirkpatrickFunnel), (status = 404, body = ApiError)))]
async fn kirkpatrick(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<KirkpatrickFunnel>> {
    Ok(Json(store::kirkpatrick::funnel(&state.db, ctx.actor()?, id, ctx.lang).await?))
}

async fn kirkpatrick_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let funnel = store::kirkpatrick::funnel(&state.db, ctx.actor()?, id, ctx.lang).await?;
    let chart = minijinja::Value::from_safe_string(chart::funnel(&funnel));
    let satisfaction_chart = minijinja::Value::from_safe_string(chart::satisfaction(&funnel));
    let practice_chart = minijinja::Value::from_safe_string(chart::practice(&funnel.practice));
    state.templates.page(
        &ctx,
        "evaluation/kirkpatrick.html",
        minijinja::context! {
            funnel => v(&funnel), chart, satisfaction_chart, practice => v(&funnel.practice), practice_chart,
        },
    )
}

/// A person's observation scores per standard over time; for those who may read their
/// submissions, and for the person themselves.
#[utoipa::path(get, path = "/api/v1/people/{id}/practice", params(("id" = i64, Path)),
    responses((status = 200, body = crate::model::Practice), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn person_practice_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<crate::model::Practice>> {
    Ok(Json(store::practice::person(&state.db, ctx.actor()?, id, ctx.lang).await?))
}

/// The observation scores per standard over time of the people working at a school,
/// small counts suppressed for readers without row-level rights.
#[utoipa::path(get, path = "/api/v1/schools/{id}/practice", params(("id" = i64, Path)),
    responses((status = 200, body = crate::model::Practice), (status = 404, body = ApiError)))]
async fn school_practice_api(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<crate::model::Practice>> {
    Ok(Json(store::practice::school(&state.db, ctx.actor()?, id, ctx.lang).await?))
}

/// The section `evaluation/practice.html` draws, as a page's context (`practice` and its
/// chart).
fn practice_section(practice: &crate::model::Practice) -> minijinja::Value {
    let practice_chart = minijinja::Value::from_safe_string(chart::practice(practice));
    minijinja::context! { practice => v(practice), practice_chart }
}

/// What a person's page shows of their practice over time (`evaluation/practice.html`);
/// nothing for a reader who may read the person but not their submissions.
pub async fn person_practice(state: &AppState, ctx: &Ctx, person_id: i64) -> Result<minijinja::Value> {
    match store::practice::person(&state.db, ctx.actor()?, person_id, ctx.lang).await {
        Ok(practice) => Ok(practice_section(&practice)),
        Err(opencpd_kernel::Error::Forbidden) => Ok(minijinja::context! {}),
        Err(e) => Err(e.into()),
    }
}

/// What a school's page shows of its staff's practice over time (`evaluation/practice.html`).
pub async fn school_practice(state: &AppState, ctx: &Ctx, school_id: i64) -> Result<minijinja::Value> {
    let practice = store::practice::school(&state.db, ctx.actor()?, school_id, ctx.lang).await?;
    Ok(practice_section(&practice))
}

/// A person's needs from their latest needs assessment and the courses recommended.
#[utoipa::path(get, path = "/api/v1/people/{id}/needs", params(("id" = i64, Path)),
    responses((status = 200, body = crate::model::PersonNeeds), (status = 404, body = ApiError)))]
async fn person_needs(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<crate::model::PersonNeeds>> {
    Ok(Json(store::needs::person(&state.db, ctx.actor()?, id, ctx.lang).await?))
}

/// The needs of a unit's people or a cohort's participants, standard by standard.
#[utoipa::path(get, path = "/api/v1/needs", params(crate::model::NeedsQuery),
    responses((status = 200, body = crate::model::GroupNeeds), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn group_needs(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<crate::model::NeedsQuery>, QueryRejection>,
) -> Result<Json<crate::model::GroupNeeds>> {
    let Query(q) = ok(q)?;
    Ok(Json(store::needs::group(&state.db, ctx.actor()?, q.unit, q.cohort, ctx.lang).await?))
}

async fn needs_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<crate::model::NeedsQuery>, QueryRejection>,
) -> Result<Html<String>> {
    let Query(q) = ok(q)?;
    let needs = store::needs::group(&state.db, ctx.actor()?, q.unit, q.cohort, ctx.lang).await?;
    let chart = minijinja::Value::from_safe_string(chart::needs(&needs));
    state.templates.page(&ctx, "evaluation/needs.html", minijinja::context! { needs => v(&needs), chart })
}

use opencpd_http::render::value as v;

async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Html<String>> {
    let Query(page) = page?;
    let evaluations = store::list(&state.db, ctx.actor()?, &page).await?;
    state.templates.page(
        &ctx,
        "evaluation/list.html",
        minijinja::context! {
            evaluations => v(&evaluations.items), list => opencpd_http::render::ListView::of(&evaluations, &page),
        },
    )
}

async fn evaluation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<OutcomeQuery>,
) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let evaluation = store::get(&state.db, actor, id).await?;
    let (subjects, grades) = store::outcome_choices(&state.db).await?;
    let indicators = store::indicator_choices(&state.db, ctx.lang).await?;
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let asked = given(&q.subject) || given(&q.outcome);
    let (report, refusal, chart, event) = if asked {
        match store::estimate(&state.db, actor, id, &q, ctx.lang).await {
            Ok(report) => {
                let chart = chart::effects(&report);
                let event = if report.spec == "event_study" { chart::event_study(&report, &evaluation) } else { None };
                (Some(report), None, Some(chart), event)
            }
            Err(opencpd_kernel::Error::Invalid(problems)) => {
                let words: Vec<String> = problems.iter().map(|p| p.message(ctx.lang)).collect();
                (None, Some(words.join("; ")), None, None)
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        (None, None, None, None)
    };
    state.templates.page(
        &ctx,
        "evaluation/evaluation.html",
        minijinja::context! {
            evaluation => v(&evaluation), subjects => v(&subjects), grades => v(&grades), indicators => v(&indicators),
            q => minijinja::context! { outcome => q.outcome.clone().unwrap_or_default(), subject => q.subject.clone().unwrap_or_default(),
                grade => q.grade.clone().unwrap_or_default(), spec => q.spec.clone().unwrap_or_default(),
                correction => q.correction.clone().unwrap_or_default() },
            report => v(&report), refusal, chart => chart.map(minijinja::Value::from_safe_string),
            event => event.map(minijinja::Value::from_safe_string),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::TEMPLATES;

    #[test]
    fn templates_are_registered_and_the_csp_allows_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        assert_eq!(opencpd_http::render::template_problems(&dir, TEMPLATES), Vec::<String>::new());
    }
}
