//! `/api/v1` routes of delivery. Every answer is limited to the caller's scope (the store
//! checks it); `/api/v1/verify/{code}` alone needs no account.

use crate::store::attendance::{self, AttendanceStatus, Mark, MarkInput, MarkReport, Session, SessionInput};
use crate::store::catalogue::{
    self, Assessment, AssessmentInput, Course, CourseDetail, CourseInput, Module, ModuleInput, Programme,
    ProgrammeInput, ProgrammeTarget, Standard, TargetInput,
};
use crate::store::certificates::{self, BatchReport, Certificate, Revocation, Verification};
use crate::store::cohorts::{
    self, Application, ApplicationInput, Cohort, CohortInput, CohortUpdate, Criteria, Decision, EnrolInput, Enrolment,
    Withdrawal,
};
use crate::store::completion::{self, GradeInput, GradeReport, Score};
use crate::store::costs::{self, ProgrammeCost, ProgrammeCostInput};
use crate::store::record::{self, BelowThreshold, CpdRecord, RecordCourse, Threshold, YearTotal};
use crate::store::reports::{
    self, CohortFunnel, Funnel, Reach, ReachRow, ReportSettings, ShownReach, ShownRow, ShownTarget, TargetReach,
};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_domain::Problem;
use opencpd_http::AppState;
use opencpd_http::auth::{Ctx, Id};
use opencpd_http::error::{ApiError, ApiProblem, Result};
use opencpd_kernel::paging::{Page, Paged};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes", get(list_programmes).post(create_programme))
        .route("/programmes/{id}", get(get_programme).put(update_programme))
        .route("/programmes/{id}/reach", get(programme_reach))
        .route("/programmes/{id}/reach/export", get(export_reach))
        .route("/programmes/{id}/funnels", get(programme_funnels))
        .route("/programmes/{id}/funnels/export", get(export_funnels))
        .route("/programme-costs", get(list_costs).post(create_cost))
        .route("/programme-costs/{id}", get(get_cost).put(update_cost).delete(delete_cost))
        .route("/standards", get(list_standards))
        .route("/courses", get(list_courses).post(create_course))
        .route("/courses/{id}", get(get_course).put(update_course))
        .route("/cohorts", get(list_cohorts).post(create_cohort))
        .route("/cohorts/{id}", get(get_cohort).put(update_cohort))
        .route("/enrolments/{id}/withdraw", post(withdraw))
        .route("/enrolments/{id}/reinstate", post(reinstate))
        .route("/report-settings", get(get_report_settings).put(set_report_settings))
        .route("/cohorts/{id}/enrolments", get(list_enrolments).post(enrol))
        .route("/cohorts/{id}/enrolments/import", post(import_enrolments))
        .route("/cohorts/{id}/enrolments/criteria", post(enrol_by_criteria))
        .route("/cohorts/{id}/applications", get(list_applications))
        .route("/applications", post(apply))
        .route("/applications/{id}/decision", post(decide))
        .route("/cohorts/{id}/sessions", get(list_sessions).post(create_session))
        .route("/sessions/{id}/attendance", get(get_marks).put(mark))
        .route("/cohorts/{id}/attendance/import", post(import_attendance))
        .route("/attendance-statuses", get(list_statuses).put(set_status))
        .route("/cohorts/{id}/grades", axum::routing::put(grade))
        .route("/cohorts/{id}/funnel", get(cohort_funnel))
        .route("/cohorts/{id}/certificates", get(cohort_certificates).post(issue_for_cohort))
        .route("/enrolments/{id}/certificate", post(issue_certificate))
        .route("/certificates/{id}/revoke", post(revoke_certificate))
        .route("/certificates/{id}/reissue", post(reissue_certificate))
        .route("/verify/{code}", get(verify))
        .route("/people/{id}/cpd", get(cpd_record))
        .route("/cpd/thresholds", get(list_thresholds).put(set_threshold))
        .route("/units/{id}/cpd-below", get(cpd_below))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_programmes,
        create_programme,
        get_programme,
        update_programme,
        programme_reach,
        export_reach,
        programme_funnels,
        export_funnels,
        list_costs,
        create_cost,
        get_cost,
        update_cost,
        delete_cost,
        list_standards,
        list_courses,
        create_course,
        get_course,
        update_course,
        list_cohorts,
        create_cohort,
        get_cohort,
        list_enrolments,
        enrol,
        import_enrolments,
        enrol_by_criteria,
        list_applications,
        apply,
        decide,
        list_sessions,
        create_session,
        get_marks,
        mark,
        import_attendance,
        list_statuses,
        set_status,
        grade,
        cohort_funnel,
        cohort_certificates,
        issue_for_cohort,
        issue_certificate,
        revoke_certificate,
        reissue_certificate,
        verify,
        cpd_record,
        list_thresholds,
        set_threshold,
        cpd_below,
        update_cohort,
        withdraw,
        reinstate,
        get_report_settings,
        set_report_settings
    ),
    components(schemas(
        Paged<Cohort>,
        Paged<Programme>,
        Paged<Course>,
        Paged<ProgrammeCost>,
        ProgrammeCost,
        ProgrammeCostInput,
        Programme,
        ProgrammeInput,
        ProgrammeTarget,
        TargetInput,
        Standard,
        Course,
        CourseDetail,
        CourseInput,
        Module,
        ModuleInput,
        Assessment,
        AssessmentInput,
        Cohort,
        CohortInput,
        Enrolment,
        EnrolInput,
        Criteria,
        EnrolReportView,
        Application,
        ApplicationInput,
        ApplicationRequest,
        Decision,
        Session,
        SessionInput,
        Mark,
        MarkInput,
        MarkReport,
        AttendanceStatus,
        GradeInput,
        Score,
        GradeReport,
        Funnel,
        CohortFunnel,
        Reach,
        ReachRow,
        TargetReach,
        ShownReach,
        ShownRow,
        ShownTarget,
        Certificate,
        BatchReport,
        Revocation,
        Verification,
        CpdRecord,
        RecordCourse,
        YearTotal,
        Threshold,
        BelowThreshold,
        CohortUpdate,
        Withdrawal,
        ReportSettings,
        ApiError
    ))
)]
pub struct DeliveryApi;

pub(super) use opencpd_http::ok;

fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

// ---------------------------------------------------------------------------------------
// Programmes, standards, courses

#[utoipa::path(get, path = "/api/v1/programmes", params(Page), responses((status = 200, body = Paged<Programme>, description = "The programmes, one page: sorted by `start_date` (newest first by default), `code`, `name`, `end_date` or `funder`; `q` searches code, name and funder"), (status = 422, body = ApiError)))]
async fn list_programmes(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Programme>>> {
    let Query(page) = ok(page)?;
    Ok(Json(catalogue::programme_list(&state.db, ctx.actor()?, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/programmes", request_body = ProgrammeInput, responses((status = 201, body = Programme), (status = 422, body = ApiError), (status = 403, body = ApiError)))]
async fn create_programme(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<ProgrammeInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(catalogue::create_programme(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}", params(("id" = i64, Path)), responses((status = 200, body = Programme), (status = 404, body = ApiError)))]
async fn get_programme(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Programme>> {
    Ok(Json(catalogue::programme(&state.db, ctx.actor()?, id).await?))
}

#[derive(Default, Deserialize, IntoParams)]
pub(super) struct ReachQuery {
    /// sex, role, unit, ownership or subsystem.
    pub by: Option<String>,
    /// With by=unit: the depth of the units to split by (0 the country; 2 districts in Rwanda).
    pub level: Option<i64>,
    /// Export only: csv (default) or xlsx.
    pub format: Option<String>,
}

/// Readers with row-level rights (system admins, national officers) get the counts
/// themselves (`Reach`); everyone else the counts with small cells hidden (`ShownReach`).
#[utoipa::path(get, path = "/api/v1/programmes/{id}/reach", params(("id" = i64, Path), ReachQuery), responses((status = 200, body = Reach, description = "With row-level rights; without them the body is a ShownReach"), (status = 422, body = ApiError)))]
async fn programme_reach(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<ReachQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    let reach = reports::reach(&state.db, actor, id, q.by.as_deref(), q.level).await?;
    Ok(if reports::row_level(actor) {
        Json(reach).into_response()
    } else {
        Json(reports::shown(&reach, ctx.lang)).into_response()
    })
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/reach/export", params(("id" = i64, Path), ReachQuery), responses((status = 200, description = "The reach report as CSV or XLSX")))]
async fn export_reach(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<ReachQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let format =
        opencpd_transfer::Format::parse(q.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?;
    let actor = ctx.actor()?;
    let reach = reports::reach(&state.db, actor, id, q.by.as_deref(), q.level).await?;
    let (headers, rows) = reports::reach_table(&reach, reports::row_level(actor), ctx.lang);
    opencpd_http::download::table(format, &format!("reach-{id}"), &headers, rows)
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/funnels", params(("id" = i64, Path)), responses((status = 200, body = Vec<CohortFunnel>, description = "Enrolled, attended enough, completed, certified: each cohort of the programme in the caller's scope")))]
async fn programme_funnels(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<CohortFunnel>>> {
    Ok(Json(reports::funnels(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/funnels/export", params(("id" = i64, Path), ReachQuery), responses((status = 200, description = "The cohorts' funnels as CSV or XLSX")))]
async fn export_funnels(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<ReachQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let format =
        opencpd_transfer::Format::parse(q.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?;
    let rows = reports::funnels(&state.db, ctx.actor()?, id).await?;
    let (headers, rows) = reports::funnels_table(&rows);
    opencpd_http::download::table(format, &format!("funnels-{id}"), &headers, rows)
}

#[derive(Deserialize, IntoParams)]
struct CostFilter {
    /// The costs of one programme.
    programme_id: Option<i64>,
    /// The costs of one year.
    year: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/programme-costs", params(CostFilter, Page), responses((status = 200, body = Paged<ProgrammeCost>, description = "Programmes' costs, one page: sorted by `year` (latest first by default), `programme`, `category` or `amount`; `q` searches the note, the category and the programme's code"), (status = 403, body = ApiError, description = "Those who read a school's or their own record only"), (status = 422, body = ApiError)))]
async fn list_costs(
    State(state): State<AppState>,
    ctx: Ctx,
    f: std::result::Result<Query<CostFilter>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<ProgrammeCost>>> {
    let (Query(f), Query(page)) = (ok(f)?, ok(page)?);
    Ok(Json(costs::list(&state.db, ctx.actor()?, f.programme_id, f.year, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/programme-costs", request_body = ProgrammeCostInput, responses((status = 201, body = ProgrammeCost), (status = 422, body = ApiError, description = "A bad field, named: an unknown programme, a year outside the programme's, an unknown category, a negative amount, a currency other than the deployment's"), (status = 403, body = ApiError)))]
async fn create_cost(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<ProgrammeCostInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(costs::create(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/programme-costs/{id}", params(("id" = i64, Path)), responses((status = 200, body = ProgrammeCost), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn get_cost(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<ProgrammeCost>> {
    Ok(Json(costs::cost(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(put, path = "/api/v1/programme-costs/{id}", params(("id" = i64, Path)), request_body = ProgrammeCostInput,
    responses((status = 200, body = ProgrammeCost), (status = 422, body = ApiError), (status = 409, body = ApiError, description = "A stale version"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn update_cost(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<ProgrammeCostInput>, JsonRejection>,
) -> Result<Json<ProgrammeCost>> {
    let Json(input) = ok(body)?;
    Ok(Json(costs::update(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(delete, path = "/api/v1/programme-costs/{id}", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_cost(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<StatusCode> {
    costs::delete(&state.db, ctx.actor()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/standards", responses((status = 200, body = Vec<Standard>)))]
async fn list_standards(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Standard>>> {
    ctx.actor()?;
    Ok(Json(catalogue::standards(&state.db).await?))
}

#[derive(Deserialize, IntoParams)]
struct CourseQuery {
    programme_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/courses", params(CourseQuery, Page), responses((status = 200, body = Paged<Course>, description = "The courses, one page: sorted by `code` (the default), `title`, `kind`, `modality` or `hours`; `q` searches code and title"), (status = 422, body = ApiError)))]
async fn list_courses(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<CourseQuery>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Course>>> {
    let Query(q) = ok(q)?;
    let Query(page) = ok(page)?;
    ctx.actor()?;
    Ok(Json(catalogue::course_list(&state.db, q.programme_id, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/courses", request_body = CourseInput, responses((status = 201, body = CourseDetail), (status = 422, body = ApiError), (status = 403, body = ApiError)))]
async fn create_course(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<CourseInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(catalogue::create_course(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/courses/{id}", params(("id" = i64, Path)), responses((status = 200, body = CourseDetail), (status = 404, body = ApiError)))]
async fn get_course(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<CourseDetail>> {
    ctx.actor()?;
    Ok(Json(catalogue::course(&state.db, id).await?))
}

#[utoipa::path(put, path = "/api/v1/programmes/{id}", params(("id" = i64, Path)), request_body = ProgrammeInput,
    responses((status = 200, body = Programme), (status = 422, body = ApiError, description = "A bad field, or a target id not of this programme"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn update_programme(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<ProgrammeInput>, JsonRejection>,
) -> Result<Json<Programme>> {
    let Json(input) = ok(body)?;
    Ok(Json(catalogue::update_programme(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(put, path = "/api/v1/courses/{id}", params(("id" = i64, Path)), request_body = CourseInput,
    responses((status = 200, body = CourseDetail), (status = 422, body = ApiError, description = "A bad field, a prerequisite cycle, a graded assessment removed or its maximum set below a grade"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn update_course(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<CourseInput>, JsonRejection>,
) -> Result<Json<CourseDetail>> {
    let Json(input) = ok(body)?;
    Ok(Json(catalogue::update_course(&state.db, ctx.actor()?, id, &input).await?))
}

// ---------------------------------------------------------------------------------------
// Cohorts, enrolment, applications

#[derive(Deserialize, IntoParams)]
struct CohortQuery {
    course_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/cohorts", params(CohortQuery, Page), responses((status = 200, body = Paged<Cohort>, description = "The cohorts in the caller's scope, one page: sorted by `start_date` (newest first by default), `code`, `name`, `course` or `unit`; `q` searches code and name"), (status = 422, body = ApiError)))]
async fn list_cohorts(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<CohortQuery>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Cohort>>> {
    let Query(q) = ok(q)?;
    let Query(page) = ok(page)?;
    Ok(Json(cohorts::cohorts(&state.db, ctx.actor()?, q.course_id, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/cohorts", request_body = CohortInput, responses((status = 201, body = Cohort), (status = 422, body = ApiError), (status = 403, body = ApiError)))]
async fn create_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<CohortInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(cohorts::create_cohort(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}", params(("id" = i64, Path)), responses((status = 200, body = Cohort), (status = 404, body = ApiError)))]
async fn get_cohort(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Cohort>> {
    Ok(Json(cohorts::cohort(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/enrolments", params(("id" = i64, Path)), responses((status = 200, body = Vec<Enrolment>), (status = 404, body = ApiError)))]
async fn list_enrolments(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<Enrolment>>> {
    let actor = ctx.actor()?;
    let cohort = cohorts::cohort(&state.db, actor, id).await?;
    Ok(Json(cohorts::enrolments(&state.db, actor, &cohort).await?))
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/enrolments", params(("id" = i64, Path)), request_body = EnrolInput,
    responses((status = 201, body = Enrolment), (status = 422, body = ApiError, description = "Enrolled already, over capacity, missing a prerequisite, out of scope")))]
async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<EnrolInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(cohorts::enrol(&state.db, ctx.actor()?, id, &input).await?))
}

/// What a bulk enrolment or attendance file did or would do.
#[derive(Serialize, ToSchema)]
pub(super) struct EnrolReportView {
    pub rows: usize,
    pub created: u64,
    pub dry_run: bool,
    pub ok: bool,
    pub skipped_enrolled: usize,
    pub skipped_prerequisite: usize,
    pub problems: Vec<ApiProblem>,
}

pub(super) fn report_view(r: &cohorts::EnrolReport, lang: &str) -> EnrolReportView {
    EnrolReportView {
        rows: r.rows,
        created: r.created,
        dry_run: r.dry_run,
        ok: r.problems.is_empty(),
        skipped_enrolled: r.skipped_enrolled,
        skipped_prerequisite: r.skipped_prerequisite,
        problems: r.problems.iter().map(|p| ApiProblem::from_problem(p, lang)).collect(),
    }
}

fn report_response(view: EnrolReportView) -> Response {
    let status = if view.ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, Json(view)).into_response()
}

#[derive(Deserialize, IntoParams)]
struct FileQuery {
    /// Check everything, write nothing.
    #[serde(default)]
    dry_run: bool,
    /// The file's name; its extension (.csv, .xlsx) gives the format.
    filename: Option<String>,
}

/// Reads a file into a table; a file that is no table is a problem in the report.
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/enrolments/import", params(("id" = i64, Path), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "CSV or XLSX with a staff_number column (as /api/v1/imports/enrolments?cohort={id})"),
    responses((status = 200, body = opencpd_http::imports::ReportView), (status = 422, body = opencpd_http::imports::ReportView)))]
async fn import_enrolments(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<FileQuery>, QueryRejection>,
    request: Request,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    // The scope first: the file is read only for someone who may enrol in the cohort.
    cohorts::cohort_to_manage(&state.db, ctx.actor()?, id).await?;
    opencpd_http::imports::alias(&state, &ctx, "enrolments", Some(id), q.dry_run, q.filename, request).await
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/enrolments/criteria", params(("id" = i64, Path)), request_body = Criteria,
    responses((status = 200, body = EnrolReportView), (status = 422, body = ApiError)))]
async fn enrol_by_criteria(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<Criteria>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    let report = cohorts::enrol_by_criteria(&state.db, ctx.actor()?, id, &input).await?;
    Ok(report_response(report_view(&report, ctx.lang)))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/applications", params(("id" = i64, Path)), responses((status = 200, body = Vec<Application>)))]
async fn list_applications(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<Application>>> {
    let actor = ctx.actor()?;
    let cohort = cohorts::cohort(&state.db, actor, id).await?;
    Ok(Json(cohorts::applications(&state.db, actor, &cohort).await?))
}

/// An application: the cohort by code, and who applies.
#[derive(Deserialize, ToSchema)]
struct ApplicationRequest {
    cohort_code: String,
    #[serde(flatten)]
    application: ApplicationInput,
    /// Any other field is refused.
    #[serde(flatten)]
    #[schema(ignore)]
    _unknown: opencpd_domain::input::UnknownFields,
}

#[utoipa::path(post, path = "/api/v1/applications", request_body = ApplicationRequest, responses((status = 201, body = Application), (status = 422, body = ApiError)))]
async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<ApplicationRequest>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(cohorts::apply(&state.db, ctx.actor()?, &input.cohort_code, &input.application).await?))
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/decision", params(("id" = i64, Path)), request_body = Decision, responses((status = 200, body = Application), (status = 422, body = ApiError)))]
async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<Decision>, JsonRejection>,
) -> Result<Json<Application>> {
    let Json(input) = ok(body)?;
    Ok(Json(cohorts::decide(&state.db, ctx.actor()?, id, &input).await?))
}

// ---------------------------------------------------------------------------------------
// Sessions, attendance, grades

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/sessions", params(("id" = i64, Path)), responses((status = 200, body = Vec<Session>)))]
async fn list_sessions(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<Session>>> {
    let actor = ctx.actor()?;
    let cohort = cohorts::cohort(&state.db, actor, id).await?;
    Ok(Json(attendance::sessions(&state.db, actor, &cohort).await?))
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/sessions", params(("id" = i64, Path)), request_body = SessionInput, responses((status = 201, body = Session), (status = 422, body = ApiError)))]
async fn create_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<SessionInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(attendance::create_session(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/sessions/{id}/attendance", params(("id" = i64, Path)), responses((status = 200, body = Vec<Mark>)))]
async fn get_marks(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<Mark>>> {
    Ok(Json(attendance::marks(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(put, path = "/api/v1/sessions/{id}/attendance", params(("id" = i64, Path)), request_body = MarkInput,
    responses((status = 200, body = MarkReport), (status = 422, body = ApiError, description = "A person not in the cohort, a session in the future, an unknown status: nothing recorded")))]
async fn mark(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<MarkInput>, JsonRejection>,
) -> Result<Json<MarkReport>> {
    let Json(input) = ok(body)?;
    Ok(Json(attendance::mark(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/attendance/import", params(("id" = i64, Path), FileQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "CSV or XLSX: staff_number, date, status (as /api/v1/imports/attendance?cohort={id})"),
    responses((status = 200, body = opencpd_http::imports::ReportView), (status = 422, body = opencpd_http::imports::ReportView)))]
async fn import_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<FileQuery>, QueryRejection>,
    request: Request,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    cohorts::cohort_to_facilitate(&state.db, ctx.actor()?, id).await?;
    opencpd_http::imports::alias(&state, &ctx, "attendance", Some(id), q.dry_run, q.filename, request).await
}

#[utoipa::path(get, path = "/api/v1/attendance-statuses", responses((status = 200, body = Vec<AttendanceStatus>)))]
async fn list_statuses(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<AttendanceStatus>>> {
    ctx.actor()?;
    Ok(Json(attendance::statuses(&state.db).await?))
}

#[utoipa::path(put, path = "/api/v1/attendance-statuses", request_body = AttendanceStatus, responses((status = 200, body = Vec<AttendanceStatus>), (status = 403, body = ApiError)))]
async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<AttendanceStatus>, JsonRejection>,
) -> Result<Json<Vec<AttendanceStatus>>> {
    let Json(input) = ok(body)?;
    Ok(Json(attendance::set_status(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(put, path = "/api/v1/cohorts/{id}/grades", params(("id" = i64, Path)), request_body = GradeInput,
    responses((status = 200, body = GradeReport), (status = 422, body = ApiError, description = "A score above the maximum, a person not in the cohort: nothing recorded")))]
async fn grade(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<GradeInput>, JsonRejection>,
) -> Result<Json<GradeReport>> {
    let Json(input) = ok(body)?;
    Ok(Json(completion::grade(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/funnel", params(("id" = i64, Path)), responses((status = 200, body = Funnel)))]
async fn cohort_funnel(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Funnel>> {
    Ok(Json(reports::funnel(&state.db, ctx.actor()?, id).await?))
}

// ---------------------------------------------------------------------------------------
// Certificates

#[utoipa::path(get, path = "/api/v1/cohorts/{id}/certificates", params(("id" = i64, Path)), responses((status = 200, body = Vec<Certificate>)))]
async fn cohort_certificates(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<Certificate>>> {
    Ok(Json(certificates::of_cohort(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(post, path = "/api/v1/cohorts/{id}/certificates", params(("id" = i64, Path)), responses((status = 200, body = BatchReport)))]
async fn issue_for_cohort(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<BatchReport>> {
    Ok(Json(certificates::issue_for_cohort(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(post, path = "/api/v1/enrolments/{id}/certificate", params(("id" = i64, Path)), responses((status = 201, body = Certificate), (status = 422, body = ApiError), (status = 409, body = ApiError)))]
async fn issue_certificate(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    Ok(created(certificates::issue(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(post, path = "/api/v1/certificates/{id}/revoke", params(("id" = i64, Path)), request_body = Revocation, responses((status = 200, body = Certificate), (status = 422, body = ApiError)))]
async fn revoke_certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<Revocation>, JsonRejection>,
) -> Result<Json<Certificate>> {
    let Json(input) = ok(body)?;
    Ok(Json(certificates::revoke(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/certificates/{id}/reissue", params(("id" = i64, Path)), responses((status = 201, body = Certificate)))]
async fn reissue_certificate(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    Ok(created(certificates::reissue(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(get, path = "/api/v1/verify/{code}", params(("code" = String, Path)), security(()),
    responses((status = 200, body = Verification), (status = 404, body = ApiError, description = "No certificate has this code")))]
async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    code: std::result::Result<Path<String>, PathRejection>,
) -> Result<Response> {
    let Path(code) = ok(code)?;
    match certificates::verify(&state.db, &code).await {
        Ok(v) => Ok(Json(v).into_response()),
        Err(opencpd_kernel::Error::NotFound) => {
            let problem = ApiProblem::from_problem(&Problem::new("unknown-certificate"), ctx.lang);
            let body =
                ApiError { error: "not_found".into(), message: problem.message.clone(), problems: vec![problem] };
            Ok((StatusCode::NOT_FOUND, Json(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// CPD records

#[derive(Deserialize, IntoParams)]
pub(super) struct YearQuery {
    /// The calendar year (default: this year).
    pub year: Option<i32>,
}

pub(super) fn year_of(q: &YearQuery) -> i32 {
    q.year.unwrap_or_else(|| chrono::Datelike::year(&opencpd_kernel::today()))
}

#[utoipa::path(get, path = "/api/v1/people/{id}/cpd", params(("id" = i64, Path), YearQuery), responses((status = 200, body = CpdRecord), (status = 404, body = ApiError)))]
async fn cpd_record(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<YearQuery>, QueryRejection>,
) -> Result<Json<CpdRecord>> {
    let Query(q) = ok(q)?;
    Ok(Json(record::record(&state.db, ctx.actor()?, id, year_of(&q)).await?))
}

#[utoipa::path(get, path = "/api/v1/cpd/thresholds", responses((status = 200, body = Vec<Threshold>)))]
async fn list_thresholds(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Threshold>>> {
    ctx.actor()?;
    Ok(Json(record::thresholds(&state.db).await?))
}

#[utoipa::path(put, path = "/api/v1/cpd/thresholds", request_body = Threshold, responses((status = 200, body = Vec<Threshold>), (status = 403, body = ApiError)))]
async fn set_threshold(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<Threshold>, JsonRejection>,
) -> Result<Json<Vec<Threshold>>> {
    let Json(input) = ok(body)?;
    Ok(Json(record::set_threshold(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/units/{id}/cpd-below", params(("id" = i64, Path), YearQuery), responses((status = 200, body = Vec<BelowThreshold>)))]
async fn cpd_below(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<YearQuery>, QueryRejection>,
) -> Result<Json<Vec<BelowThreshold>>> {
    let Query(q) = ok(q)?;
    Ok(Json(record::below_threshold(&state.db, ctx.actor()?, id, year_of(&q)).await?))
}

// ---------------------------------------------------------------------------------------
// Editing cohorts, withdrawals

#[utoipa::path(put, path = "/api/v1/cohorts/{id}", params(("id" = i64, Path)), request_body = CohortUpdate,
    responses((status = 200, body = Cohort), (status = 422, body = ApiError, description = "Capacity below the number enrolled, dates the wrong way round"), (status = 409, body = ApiError, description = "A stale version")))]
async fn update_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<CohortUpdate>, JsonRejection>,
) -> Result<Json<Cohort>> {
    let Json(input) = ok(body)?;
    Ok(Json(cohorts::update_cohort(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/enrolments/{id}/withdraw", params(("id" = i64, Path)), request_body = Withdrawal,
    responses((status = 200, body = Enrolment), (status = 422, body = ApiError, description = "Withdrawn already, no reason, a date before the enrolment or in the future")))]
async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<Withdrawal>, JsonRejection>,
) -> Result<Json<Enrolment>> {
    let Json(input) = ok(body)?;
    Ok(Json(cohorts::withdraw(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/enrolments/{id}/reinstate", params(("id" = i64, Path)),
    responses((status = 200, body = Enrolment), (status = 422, body = ApiError, description = "Not withdrawn, or no place left")))]
async fn reinstate(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Enrolment>> {
    Ok(Json(cohorts::reinstate(&state.db, ctx.actor()?, id).await?))
}

// ---------------------------------------------------------------------------------------
// Report settings

#[utoipa::path(get, path = "/api/v1/report-settings", responses((status = 200, body = ReportSettings)))]
async fn get_report_settings(State(state): State<AppState>, ctx: Ctx) -> Result<Json<ReportSettings>> {
    ctx.actor()?;
    Ok(Json(reports::report_settings(&state.db).await?))
}

#[utoipa::path(put, path = "/api/v1/report-settings", request_body = ReportSettings, responses((status = 200, body = ReportSettings), (status = 403, body = ApiError)))]
async fn set_report_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<ReportSettings>, JsonRejection>,
) -> Result<Json<ReportSettings>> {
    let Json(input) = ok(body)?;
    Ok(Json(reports::set_report_settings(&state.db, ctx.actor()?, &input).await?))
}
