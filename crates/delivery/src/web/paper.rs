//! Pages and API for what goes on paper or on a screen in the room: certificates as PDF
//! (with the page that shows one and its QR code), the wording of certificates, the
//! sign-in sheet of a session and its marks typed back by row number, and QR self
//! check-in. The store checks scope; the PDFs are drawn by `opencpd-documents`.

use super::api::ok;
use crate::store::attendance::{self, MarkReport};
use crate::store::catalogue;
use crate::store::checkin::{self, CheckinCode, CheckinOutcome};
use crate::store::documents::{self, CertificateTemplate, TemplateInput};
use crate::store::sheets::{self, RowGroup, TypedLine, TypedMarks, TypedReport};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use opencpd_domain::access::Action;
use opencpd_http::AppState;
use opencpd_http::auth::{Ctx, Id};
use opencpd_http::csrf::{CsrfForm, NoFields};
use opencpd_http::error::{ApiError, Error, Result};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use opencpd_http::render::value as v;

fn text(ctx: &Ctx, key: &str, args: &[(&str, String)]) -> String {
    opencpd_domain::i18n::catalog().text(ctx.lang, key, args)
}

pub fn page_router() -> Router<AppState> {
    Router::new()
        .route("/certificates/{file}", get(certificate_page))
        .route("/certificate-templates", get(templates_page).post(templates_form))
        .route("/sessions/{id}/sheet.pdf", get(sheet_pdf))
        .route("/sessions/{id}/typed", get(typed_page).post(typed_form))
        .route("/sessions/{id}/checkin", get(checkin_screen))
        .route("/checkin/{session}/{code}", get(checkin_page).post(checkin_form))
}

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/certificates/{file}", get(api_certificate_pdf))
        .route("/certificate-templates", get(api_templates).put(api_set_template))
        .route("/sessions/{id}/sheet.pdf", get(api_sheet_pdf))
        .route("/sessions/{id}/typed-marks", axum::routing::post(api_typed_marks))
        .route("/sessions/{id}/checkin-code", get(api_checkin_code))
        .route("/sessions/{id}/checkin", axum::routing::post(api_check_in))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        api_certificate_pdf,
        api_templates,
        api_set_template,
        api_sheet_pdf,
        api_typed_marks,
        api_checkin_code,
        api_check_in
    ),
    components(schemas(
        CertificateTemplate,
        TemplateInput,
        TypedMarks,
        RowGroup,
        TypedLine,
        TypedReport,
        MarkReport,
        CheckinCode,
        CheckinOutcome,
        CheckinRequest,
        ApiError
    ))
)]
pub struct PaperApi;

/// The address the server is reached at, for the QR codes: the configured public URL
/// ([`opencpd_http::WebConfig::public_url`]), never the request's Host.
fn base_url(state: &AppState) -> String {
    state.config.public_url().to_string()
}

fn pdf(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Deserialize, IntoParams)]
struct LangQuery {
    /// en or fr (default: the reader's language).
    lang: Option<String>,
}

/// `{id}.pdf` or `{id}`.
fn certificate_id(file: &str) -> Result<(i64, bool)> {
    let (id, is_pdf) = match file.strip_suffix(".pdf") {
        Some(id) => (id, true),
        None => (file, false),
    };
    Ok((id.parse().map_err(|_| Error::NotFound)?, is_pdf))
}

async fn certificate_bytes(state: &AppState, ctx: &Ctx, id: i64, lang: Option<&str>) -> Result<Response> {
    let c = documents::certificate(&state.db, ctx.actor()?, id).await?;
    let page = documents::certificate_page(&state.db, &c, lang.unwrap_or(ctx.lang), &base_url(state)).await?;
    let bytes = opencpd_documents::certificate::render(&page);
    Ok(pdf(bytes, &format!("{}.pdf", c.serial)))
}

/// A certificate: `/certificates/{id}.pdf` is the PDF, `/certificates/{id}` the page that
/// shows it with its QR code.
async fn certificate_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response> {
    let (id, is_pdf) = certificate_id(&file)?;
    if is_pdf {
        return certificate_bytes(&state, &ctx, id, q.lang.as_deref()).await;
    }
    let c = documents::certificate(&state.db, ctx.actor()?, id).await?;
    let url = documents::verification_url(&base_url(&state), &c.code);
    let qr = opencpd_documents::qr::svg(&url).unwrap_or_default();
    let status = c.status(opencpd_kernel::today());
    let html = state.templates.page(
        &ctx,
        "delivery/certificate.html",
        minijinja::context! { certificate => v(&c), url, qr => minijinja::Value::from_safe_string(qr), status },
    )?;
    Ok(html.into_response())
}

#[utoipa::path(get, path = "/api/v1/certificates/{file}", params(("file" = String, Path, description = "`{id}.pdf`"), LangQuery),
    responses((status = 200, content_type = "application/pdf", description = "The certificate as PDF, for its holder and readers of its cohort"), (status = 404, body = ApiError)))]
async fn api_certificate_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response> {
    let (id, _) = certificate_id(&file)?;
    certificate_bytes(&state, &ctx, id, q.lang.as_deref()).await
}

// ---------------------------------------------------------------------------------------
// Certificate wording

#[utoipa::path(get, path = "/api/v1/certificate-templates", responses((status = 200, body = Vec<CertificateTemplate>, description = "Stored wording, and the built-in one for languages with none")))]
async fn api_templates(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<CertificateTemplate>>> {
    Ok(Json(documents::templates(&state.db, ctx.actor()?).await?))
}

#[utoipa::path(put, path = "/api/v1/certificate-templates", request_body = TemplateInput,
    responses((status = 200, body = CertificateTemplate), (status = 422, body = ApiError, description = "An unknown placeholder, language or course: nothing saved"), (status = 403, body = ApiError)))]
async fn api_set_template(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<TemplateInput>, JsonRejection>,
) -> Result<Json<CertificateTemplate>> {
    let Json(input) = ok(body)?;
    Ok(Json(documents::set_template(&state.db, ctx.actor()?, &input).await?))
}

async fn render_templates(
    state: &AppState,
    ctx: &Ctx,
    form: Option<&TemplateInput>,
    problems: Option<Vec<String>>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let templates = documents::templates(&state.db, actor).await?;
    let courses = catalogue::courses(&state.db, None).await?;
    let manage = actor.may(Action::ManageProgrammes);
    let placeholders =
        opencpd_documents::template::PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ");
    let html = state.templates.page(
        ctx,
        "delivery/templates.html",
        minijinja::context! { templates => v(&templates), courses => v(&courses), manage, placeholders, form => v(&form), problems, notice },
    )?;
    Ok((status, html).into_response())
}

async fn templates_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    render_templates(&state, &ctx, None, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct TemplateForm {
    #[serde(default)]
    course_code: String,
    lang: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    signatories: String,
}

async fn templates_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<TemplateForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let input = TemplateInput {
        course_code: Some(f.course_code),
        lang: f.lang,
        issuer: f.issuer,
        title: f.title,
        body: f.body.replace("\r\n", "\n"),
        signatories: f.signatories.replace("\r\n", "\n"),
    };
    match documents::set_template(&state.db, actor, &input).await.map_err(Error::from) {
        Ok(_) => {
            let notice = text(&ctx, "templates-saved", &[]);
            render_templates(&state, &ctx, None, None, Some(notice), StatusCode::OK).await
        }
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render_templates(&state, &ctx, Some(&input), Some(messages), None, e.status()).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Sign-in sheets and marks typed back

async fn sheet_bytes(state: &AppState, ctx: &Ctx, id: i64, lang: Option<&str>) -> Result<Response> {
    let sheet = sheets::sheet(&state.db, ctx.actor()?, id, lang.unwrap_or(ctx.lang)).await?;
    Ok(pdf(opencpd_documents::sheet::render(&sheet), &format!("sign-in-sheet-{id}.pdf")))
}

async fn sheet_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<LangQuery>,
) -> Result<Response> {
    sheet_bytes(&state, &ctx, id, q.lang.as_deref()).await
}

#[utoipa::path(get, path = "/api/v1/sessions/{id}/sheet.pdf", params(("id" = i64, Path), LangQuery),
    responses((status = 200, content_type = "application/pdf", description = "The printable sign-in sheet, rows numbered by name"), (status = 404, body = ApiError)))]
async fn api_sheet_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<LangQuery>,
) -> Result<Response> {
    sheet_bytes(&state, &ctx, id, q.lang.as_deref()).await
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/typed-marks", params(("id" = i64, Path)), request_body = TypedMarks,
    responses((status = 200, body = TypedReport), (status = 422, body = ApiError, description = "A bad row number or range, a row typed twice, an unknown status: nothing saved")))]
async fn api_typed_marks(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<TypedMarks>, JsonRejection>,
) -> Result<Json<TypedReport>> {
    let Json(input) = ok(body)?;
    Ok(Json(sheets::mark_typed(&state.db, ctx.actor()?, id, &input).await?))
}

async fn render_typed(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &[(String, String)],
    outcome: Option<Result<TypedReport>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let (session, cohort, lines) = sheets::sheet_lines(&state.db, actor, id).await?;
    let statuses = attendance::statuses(&state.db).await?;
    let value = |k: &str| form.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let fields: Vec<_> = statuses
        .iter()
        .map(|s| minijinja::context! { key => &s.key, name => s.name(ctx.lang), value => value(&format!("rows_{}", s.key)) })
        .collect();
    let (mut status, mut problems, mut report, mut notice) = (StatusCode::OK, None, None, None);
    match outcome {
        None => {}
        Some(Ok(r)) => {
            if let Some(saved) = &r.saved {
                notice = Some(text(
                    ctx,
                    "typed-saved",
                    &[("n", saved.marked.to_string()), ("attended", saved.attended.to_string())],
                ));
            }
            report = Some(r);
        }
        Some(Err(e @ (Error::Invalid(_) | Error::Conflict(_)))) => {
            status = e.status();
            problems = Some(e.problems().iter().map(|p| p.located(ctx.lang)).collect::<Vec<_>>());
        }
        Some(Err(e)) => return Err(e),
    }
    let names: std::collections::HashMap<&str, &str> =
        statuses.iter().map(|s| (s.key.as_str(), s.name(ctx.lang))).collect();
    let preview: Option<Vec<_>> = report.as_ref().map(|r| {
        r.lines
            .iter()
            .map(|l| {
                minijinja::context! { row => l.row, name => &l.name, staff_number => &l.staff_number,
                status => l.status.as_deref().map(|s| names.get(s).copied().unwrap_or(s)) }
            })
            .collect()
    });
    let saved = report.as_ref().is_some_and(|r| r.saved.is_some());
    let html = state.templates.page(
        ctx,
        "delivery/typed.html",
        minijinja::context! { session => v(&session), cohort => v(&cohort), rows => lines.len(), fields, statuses => v(&statuses),
        others => value("others"), preview, saved, problems, notice },
    )?;
    Ok((status, html).into_response())
}

async fn typed_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    render_typed(&state, &ctx, id, &[], None).await
}

async fn typed_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let get = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let groups = fields
        .iter()
        .filter_map(|(k, v)| Some(RowGroup { status: k.strip_prefix("rows_")?.to_string(), rows: v.clone() }))
        .filter(|g| !g.rows.trim().is_empty())
        .collect();
    let input = TypedMarks { groups, others: get("others").map(str::to_string), dry_run: get("save").is_none() };
    let outcome = sheets::mark_typed(&state.db, actor, id, &input).await.map_err(Error::from);
    render_typed(&state, &ctx, id, &fields, Some(outcome)).await
}

// ---------------------------------------------------------------------------------------
// QR self check-in

/// The screen a facilitator shows in the room: the QR code, large, renewed before it
/// expires (the page reloads itself; no script needed).
async fn checkin_screen(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    let actor = ctx.actor()?;
    let (session, cohort) = attendance::session(&state.db, actor, id).await?;
    let (code, problems) = match checkin::current_code(&state.db, actor, id).await.map_err(Error::from) {
        Ok(c) => (Some(c), None),
        Err(e @ Error::Invalid(_)) => {
            (None, Some(e.problems().iter().map(|p| p.located(ctx.lang)).collect::<Vec<_>>()))
        }
        Err(e) => return Err(e),
    };
    let url = code.as_ref().map(|c| format!("{}{}", base_url(&state), c.path));
    let qr = url.as_deref().and_then(opencpd_documents::qr::svg).unwrap_or_default();
    let html = state.templates.page(
        &ctx,
        "delivery/checkin_screen.html",
        minijinja::context! { session => v(&session), cohort => v(&cohort), code => v(&code), url,
        qr => minijinja::Value::from_safe_string(qr), problems },
    )?;
    Ok(html.into_response())
}

/// What a participant sees after scanning: who they are and a button (a GET changes
/// nothing, so a link shared elsewhere cannot mark anyone).
async fn checkin_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session, code)): Path<(i64, String)>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let s = checkin::session_for_checkin(&state.db, actor, session).await?;
    let name = actor.display_name.clone();
    let html = state.templates.page(
        &ctx,
        "delivery/checkin.html",
        minijinja::context! { session => v(&s.0), cohort_code => s.1, code, name, outcome => (), problems => () },
    )?;
    Ok(html.into_response())
}

async fn checkin_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((session, code)): Path<(i64, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let s = checkin::session_for_checkin(&state.db, actor, session).await?;
    let (status, outcome, problems) =
        match checkin::check_in(&state.db, actor, session, &code).await.map_err(Error::from) {
            Ok(o) => {
                let key = if o.already { "checkin-already" } else { "checkin-done" };
                let statuses = attendance::statuses(&state.db).await?;
                let label = statuses.iter().find(|st| st.key == o.status).map(|st| st.name(ctx.lang).to_string());
                let message = text(&ctx, key, &[("name", o.name.clone()), ("status", label.unwrap_or(o.status))]);
                (StatusCode::OK, Some(message), None)
            }
            Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
                (e.status(), None, Some(e.problems().iter().map(|p| p.message(ctx.lang)).collect::<Vec<_>>()))
            }
            Err(e) => return Err(e),
        };
    let html = state.templates.page(
        &ctx,
        "delivery/checkin.html",
        minijinja::context! { session => v(&s.0), cohort_code => s.1, code, name => &actor.display_name, outcome, problems },
    )?;
    Ok((status, html).into_response())
}

#[utoipa::path(get, path = "/api/v1/sessions/{id}/checkin-code", params(("id" = i64, Path)),
    responses((status = 200, body = CheckinCode, description = "The code to show now (changes every minute)"), (status = 422, body = ApiError, description = "The session is not today")))]
async fn api_checkin_code(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<CheckinCode>> {
    Ok(Json(checkin::current_code(&state.db, ctx.actor()?, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckinRequest {
    /// The code from the QR code.
    code: String,
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/checkin", params(("id" = i64, Path)), request_body = CheckinRequest,
    responses((status = 200, body = CheckinOutcome, description = "Marked present, or marked already (nothing changed)"),
    (status = 422, body = ApiError, description = "An expired code, another session's code, not enrolled, not today: nothing changed")))]
async fn api_check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<CheckinRequest>, JsonRejection>,
) -> Result<Json<CheckinOutcome>> {
    let Json(input) = ok(body)?;
    Ok(Json(checkin::check_in(&state.db, ctx.actor()?, id, &input.code).await?))
}
