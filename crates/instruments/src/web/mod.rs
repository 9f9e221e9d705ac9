//! The instruments' pages, the offline field app and their `/api/v1` routes, as an
//! [`opencpd_http::Area`]: publishing and retiring XLSForms, an instrument's items and the
//! summary of its submissions, the row-level export; submissions; the field app's
//! package, the corrections it sends and the conflicts a person resolves at `/conflicts`.
//!
//! The field app (`static/field/`) is plain ES modules with no build step, compiled into
//! the binary and served at `/field/`. Its texts are the catalogue's `field-` and `problem-`
//! messages, served at `/field/messages.json`; it signs in through the pages' `/login`,
//! with the login form's token from `/field/sign-in.json`.

use crate::store::field::{self, EditInput, FieldEdit, Package};
use crate::store::files;
use crate::store::summary::SurveySummary;
use crate::store::{self as instruments, About, Instrument, Submission, SubmissionInput};
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_http::csrf::{CsrfForm, NoFields};
use opencpd_http::render::value as v;
use opencpd_http::{ApiError, AppState, Area, Ctx, Error, Id, Result, Vouched, download, ok};
use opencpd_kernel::paging::{Page, Paged};
use opencpd_registry::store as registry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The instruments' pages, the field app, their API and OpenAPI document.
pub static AREA: Area = Area {
    name: "instruments",
    templates: TEMPLATES,
    pages: |_| pages(),
    api: |_| api(),
    openapi: || InstrumentsApi::openapi(),
    imports: &[],
    after_write: opencpd_http::nothing_after_write,
};

/// The templates of its pages.
const TEMPLATES: &[(&str, &str)] = &[
    ("instruments/instruments.html", include_str!("../../templates/instruments/instruments.html")),
    ("instruments/conflicts.html", include_str!("../../templates/instruments/conflicts.html")),
    ("instruments/instrument.html", include_str!("../../templates/instruments/instrument.html")),
    ("instruments/instrument_summary.html", include_str!("../../templates/instruments/instrument_summary.html")),
    ("instruments/submission.html", include_str!("../../templates/instruments/submission.html")),
];

fn pages() -> Router<AppState> {
    Router::new()
        .route("/conflicts", get(conflicts_page))
        .route("/conflicts/{id}", post(resolve_conflict_form))
        .route("/instruments", get(instruments_page).post(publish_instrument))
        .route("/instruments/{id}", get(instrument_page))
        .route("/submissions/{uuid}", get(submission_page))
        .route("/instruments/{id}/summary", get(instrument_summary_page))
        .route("/instruments/{id}/retire", post(retire_instrument_form))
        .route("/instruments/{id}/attachments", post(upload_attachment_form))
        .route("/field", get(|| async { Redirect::permanent("/field/") }))
        .route("/field/", get(|| field_file(Path("index.html".to_string()))))
        .route("/field/messages.json", get(field_messages))
        .route("/field/sign-in.json", get(field_sign_in))
        .route("/field/{file}", get(field_file))
}

fn api() -> Router<AppState> {
    Router::new()
        .route("/instruments", get(list_instruments).post(import_instrument))
        .route("/instruments/{id}", get(get_instrument))
        .route("/instruments/{id}/retire", post(retire_instrument))
        .route("/instruments/{id}/attachments", get(list_attachments).post(upload_attachment))
        .route("/instruments/{id}/attachments/{name}", get(get_attachment))
        .route("/files/{sha256}", get(get_file_info).put(upload_file))
        .route("/files/{sha256}/upload", get(get_upload_state))
        .route("/submissions/{uuid}/files/{name}", get(get_submission_file))
        .route("/instruments/{id}/export", get(export_submissions))
        .route("/instruments/{id}/summary", get(survey_summary))
        .route("/instruments/{id}/summary/export", get(export_survey_summary))
        .route("/submissions", get(list_submissions).post(submit))
        .route("/submissions/{uuid}", get(get_submission))
        .route("/field/package", get(field_package))
        .route("/field/edits", post(submit_edit))
        .route("/field/conflicts", get(list_conflicts))
        .route("/field/conflicts/{id}/resolve", post(resolve_conflict))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        submit_edit,
        list_conflicts,
        resolve_conflict,
        import_instrument,
        list_instruments,
        get_instrument,
        retire_instrument,
        export_submissions,
        survey_summary,
        export_survey_summary,
        submit,
        list_submissions,
        get_submission,
        field_package,
        list_attachments,
        upload_attachment,
        get_attachment,
        upload_file,
        get_file_info,
        get_upload_state,
        get_submission_file
    ),
    components(schemas(
        crate::model::SubmissionLine,
        Paged<crate::model::SubmissionLine>,
        SurveySummary,
        crate::store::summary::QuestionSummary,
        crate::store::summary::ChoiceSummary,
        crate::store::summary::Group,
        crate::store::summary::ShownTally,
        EditInput,
        FieldEdit,
        field::PersonChanges,
        Resolution,
        Instrument,
        Paged<Instrument>,
        InstrumentWithForm,
        InstrumentWithAttachments,
        SubmissionInput,
        About,
        Submission,
        SubmissionReceipt,
        files::Attachment,
        files::StoredFile,
        files::UploadState,
        files::FileRef,
        files::SubmissionFileView,
        Package,
        field::PackageUser,
        field::PackageSchool,
        field::PackagePerson,
        field::PackageInstrument,
        field::PackageCohort,
        field::PackageSession,
        ApiError
    ))
)]
struct InstrumentsApi;

// ---------------------------------------------------------------------------------------
// Pages.

async fn render_instruments(
    state: &AppState,
    ctx: &Ctx,
    page: &Page,
    report: Option<minijinja::Value>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let list = instruments::instrument_list(&state.db, true, page).await?;
    let counts = instruments::submission_counts(&state.db, actor).await?;
    let rows: Vec<_> = list
        .items
        .iter()
        .map(|i| minijinja::context! { submissions => counts.get(&i.id).copied().unwrap_or(0), ..v(i) })
        .collect();
    let html = state.templates.page(
        ctx,
        "instruments/instruments.html",
        minijinja::context! { instruments => rows, list => opencpd_http::render::ListView::of(&list, page), can_edit => instruments::can_edit(actor), kinds => v(&instruments::KINDS), report },
    )?;
    Ok((status, html).into_response())
}

async fn instruments_page(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Response> {
    let Query(page) = page?;
    render_instruments(&state, &ctx, &page, None, StatusCode::OK).await
}

async fn publish_instrument(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> Result<Response> {
    let actor = ctx.actor()?;
    instruments::may_edit(actor)?;
    let form = opencpd_http::upload::Upload::read(&ctx, multipart).await?;
    let kind = Some(form.text("kind")).filter(|k| !k.is_empty()).unwrap_or("survey");
    let (name, bytes) = form.file()?;
    let attachments: Vec<(&str, &[u8])> = form.files("attachments").into_iter().map(|(n, b)| (n, b.as_ref())).collect();
    match instruments::import_with_attachments(&state.db, &state.files, actor, name, bytes, kind, &attachments).await {
        Ok(i) => {
            let report =
                minijinja::context! { ok => true, file => name, published => format!("{} {}", i.code, i.version) };
            render_instruments(&state, &ctx, &Page::first(), Some(report), StatusCode::OK).await
        }
        Err(opencpd_kernel::Error::Invalid(problems)) => {
            let problems: Vec<_> =
                problems.iter().map(|p| opencpd_http::error::ApiProblem::from_problem(p, ctx.lang)).collect();
            let report = minijinja::context! { ok => false, file => name, problems => v(&problems) };
            render_instruments(&state, &ctx, &Page::first(), Some(report), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn instrument_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let instrument = instruments::instrument(&state.db, id).await?;
    let form = instruments::form(&state.db, id).await?;
    let lang = ctx.lang;
    let text = |t: &opencpd_forms::Texts| -> String { form.text(t, lang).unwrap_or_default().to_string() };
    let items: Vec<_> = form
        .all_items()
        .into_iter()
        .map(|i| {
            let kind = serde_json::to_value(&i.kind)
                .ok()
                .and_then(|k| k["type"].as_str().map(str::to_string))
                .unwrap_or_default();
            minijinja::context! {
                name => &i.name, label => text(&i.label), kind, domain => &i.domain,
                required => !matches!(i.required, opencpd_forms::Condition::Never),
                relevant => i.relevant.as_ref().map(|e| e.source().to_string()),
                constraint => i.constraint.as_ref().map(|e| e.source().to_string()),
            }
        })
        .collect();
    let counts = instruments::submission_counts(&state.db, actor).await?;
    let attachments = files::attachments(&state.db, id).await?;
    let missing = files::missing(&attachments);
    state.templates.page(
        &ctx,
        "instruments/instrument.html",
        minijinja::context! {
            instrument => v(&instrument), items, submissions => counts.get(&id).copied().unwrap_or(0),
            attachments => v(&attachments), missing => v(&missing),
            can_edit => instruments::can_edit(actor), languages_of_form => v(&form.languages),
            row_level => actor.may(opencpd_domain::access::Action::ReadRows),
            export_languages => v(&form.languages.iter().map(String::as_str).chain(["xml"]).collect::<Vec<_>>()),
            export_language => if form.languages.iter().any(|l| l == lang) { lang } else { form.default_language.as_str() },
        },
    )
}

/// A submission as a person reads it: what it is about, who collected it and when, each
/// answered question with its label and the answer in the reader's language (a choice by
/// its label, a file as a link, a repeat by how many times it was filled), and the scores.
async fn submission_page(
    State(state): State<AppState>,
    ctx: Ctx,
    uuid: std::result::Result<Path<String>, PathRejection>,
) -> Result<Html<String>> {
    let Path(uuid) = ok(uuid)?;
    let actor = ctx.actor()?;
    let submission = instruments::submission(&state.db, actor, &uuid).await?;
    let instrument = instruments::instrument(&state.db, submission.instrument_id).await?;
    let form = instruments::form(&state.db, submission.instrument_id).await?;
    let lang = ctx.lang;
    let text = |t: &opencpd_forms::Texts| -> String { form.text(t, lang).unwrap_or_default().to_string() };
    let choice = |list: &str, name: &str| -> String {
        form.choices(list).iter().find(|c| c.name == name).map(|c| text(&c.label)).unwrap_or_else(|| name.to_string())
    };
    let mut answers = Vec::new();
    for item in form.all_items() {
        use opencpd_forms::ItemKind;
        if matches!(item.kind, ItemKind::Group { .. } | ItemKind::Note) {
            continue;
        }
        let Some(value) = submission.answers.get(&item.name).filter(|v| !v.is_null()) else { continue };
        let plain = || match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let (shown, link) = match &item.kind {
            ItemKind::SelectOne { list } => (choice(list, &plain()), None),
            ItemKind::SelectMultiple { list } | ItemKind::Rank { list } => {
                let names: Vec<String> = match value {
                    serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                    _ => plain().split_whitespace().map(str::to_string).collect(),
                };
                (names.iter().map(|n| choice(list, n)).collect::<Vec<_>>().join(", "), None)
            }
            ItemKind::Media { .. } => {
                let name = plain();
                let link = format!("/api/v1/submissions/{}/files/{}", submission.uuid, name);
                (name, Some(link))
            }
            ItemKind::Repeat { .. } => {
                let n = value.as_array().map_or(0, Vec::len);
                (opencpd_domain::i18n::catalog().text(lang, "submission-repeat", &[("count", n.to_string())]), None)
            }
            _ => (plain(), None),
        };
        let label = text(&item.label);
        answers.push(minijinja::context! {
            name => &item.name, label => if label.is_empty() { item.name.clone() } else { label }, shown, link,
        });
    }
    let collected_by = match submission.collected_by {
        Some(id) => crate::store::listing::collector(&state.db, id).await?,
        None => None,
    };
    state.templates.page(
        &ctx,
        "instruments/submission.html",
        minijinja::context! {
            submission => v(&submission), instrument => v(&instrument), answers, collected_by,
        },
    )
}

async fn instrument_summary_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let summary = instruments::summary::summary(&state.db, ctx.actor()?, id, None, ctx.lang).await?;
    state.templates.page(&ctx, "instruments/instrument_summary.html", minijinja::context! { summary => v(&summary) })
}

async fn retire_instrument_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    instruments::retire(&state.db, actor, id).await?;
    Ok(Redirect::to(&format!("/instruments/{id}")).into_response())
}

/// Uploads an attachment from the instrument page (the file's own name, or the one chosen).
async fn upload_attachment_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    multipart: Multipart,
) -> Result<Response> {
    let actor = ctx.actor()?;
    instruments::may_edit(actor)?;
    let form = opencpd_http::upload::Upload::read(&ctx, multipart).await?;
    let (file_name, bytes) = form.file()?;
    let name = Some(form.text("name")).filter(|n| !n.is_empty()).unwrap_or(file_name);
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::copy_from_slice(bytes))]);
    files::upload_attachment(&state.db, &state.files, actor, id, name, body).await?;
    Ok(Redirect::to(&format!("/instruments/{id}")).into_response())
}

/// The offline field app: static files compiled into the binary.
const FIELD_FILES: &[(&str, &str, &str)] = &[
    ("index.html", "text/html; charset=utf-8", include_str!("../../static/field/index.html")),
    ("app.css", "text/css; charset=utf-8", include_str!("../../static/field/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../static/field/app.js")),
    ("forms.js", "text/javascript; charset=utf-8", include_str!("../../static/field/forms.js")),
    ("digest.js", "text/javascript; charset=utf-8", include_str!("../../static/field/digest.js")),
    ("edits.js", "text/javascript; charset=utf-8", include_str!("../../static/field/edits.js")),
    ("visits.js", "text/javascript; charset=utf-8", include_str!("../../static/field/visits.js")),
    ("meetings.js", "text/javascript; charset=utf-8", include_str!("../../static/field/meetings.js")),
    ("uploads.js", "text/javascript; charset=utf-8", include_str!("../../static/field/uploads.js")),
    ("metadata.js", "text/javascript; charset=utf-8", include_str!("../../static/field/metadata.js")),
    ("media.js", "text/javascript; charset=utf-8", include_str!("../../static/field/media.js")),
    ("store.js", "text/javascript; charset=utf-8", include_str!("../../static/field/store.js")),
    ("i18n.js", "text/javascript; charset=utf-8", include_str!("../../static/field/i18n.js")),
    ("sw.js", "text/javascript; charset=utf-8", include_str!("../../static/field/sw.js")),
    ("manifest.webmanifest", "application/manifest+json", include_str!("../../static/field/manifest.webmanifest")),
    ("icon.svg", "image/svg+xml", include_str!("../../static/field/icon.svg")),
];

async fn field_file(Path(file): Path<String>) -> Response {
    match FIELD_FILES.iter().find(|(name, _, _)| *name == file) {
        Some((name, content_type, body)) => {
            let mut response =
                ([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "no-cache")], *body).into_response();
            if *name == "sw.js" {
                response
                    .headers_mut()
                    .insert("service-worker-allowed", axum::http::HeaderValue::from_static("/field/"));
            }
            response
        }
        None => Error::NotFound.into_response(),
    }
}

/// The messages the field app shows: its own (`field.ftl`) and the problems it may report.
const FIELD_MESSAGES: &[&str] = &["field-", "problem-"];

/// The field app's texts in every language, parsed into parts it formats with the plural
/// rules of `Intl.PluralRules` (see `domain::i18n::Part`), and `lang`, the language the
/// pages would answer this reader in (the switch's cookie, the account, the browser).
/// Public: the sign-in form is shown in it before anyone signs in.
async fn field_messages(ctx: Ctx) -> Response {
    let catalog = opencpd_domain::i18n::catalog();
    let languages = opencpd_domain::i18n::LANGUAGES;
    let body = serde_json::json!({
        "lang": ctx.lang,
        "languages": languages.iter().map(|(code, name)| serde_json::json!({ "code": code, "name": name })).collect::<Vec<_>>(),
        "messages": languages
            .iter()
            .map(|(code, _)| (code.to_string(), catalog.export(code, FIELD_MESSAGES)))
            .collect::<std::collections::BTreeMap<_, _>>(),
    });
    ([(header::CACHE_CONTROL, "no-store"), (header::VARY, "Cookie, Accept-Language")], Json(body)).into_response()
}

/// The token of a login form for the field app's own sign-in, set in the same cookie the
/// login page sets: the app then posts to `/login` like the page (same check, throttle
/// and session), there is no second way in.
async fn field_sign_in() -> Response {
    let token = opencpd_kernel::accounts::new_secret();
    let cookie = opencpd_http::auth::set_cookie(opencpd_http::auth::LOGIN_CSRF_COOKIE, &token, Some(3600));
    (
        [(header::SET_COOKIE, cookie.as_str()), (header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "csrf": token })),
    )
        .into_response()
}

async fn conflicts_page(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let edits = field::conflicts(&state.db, actor).await?;
    let mut rows = Vec::new();
    for e in &edits {
        let (person, _) = registry::person(&state.db, actor, e.entity_id).await?;
        let earlier: serde_json::Value =
            e.current_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
        let changes: field::PersonChanges = serde_json::from_str(&e.changes_json).unwrap_or_default();
        let read: serde_json::Value =
            e.base_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or(earlier);
        let now = serde_json::to_value(&person).unwrap_or_default();
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let fields: Vec<_> = changes
            .named()
            .into_iter()
            .map(|(f, proposed)| {
                minijinja::context! {
                    label => format!("col-{}", f.replace('_', "-")), proposed => text(&proposed),
                    current => text(&now[f]), when_read => text(&read[f]),
                }
            })
            .collect();
        rows.push(minijinja::context! {
            id => e.id, person_id => person.id, name => format!("{} {}", person.given_name, person.family_name),
            received_at => e.received_at.format("%Y-%m-%d %H:%M").to_string(), fields,
        });
    }
    state.templates.page(&ctx, "instruments/conflicts.html", minijinja::context! { conflicts => rows })
}

#[derive(Deserialize)]
struct ResolveForm {
    action: String,
}

async fn resolve_conflict_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    field::resolve(&state.db, actor, id, form.action == "apply").await?;
    Ok(Redirect::to("/conflicts").into_response())
}

// ---------------------------------------------------------------------------------------
// Instruments, submissions and the field app's package.

#[derive(Deserialize, IntoParams)]
struct InstrumentImport {
    /// The XLSForm's file name (its extension gives the format).
    filename: Option<String>,
    /// survey, test, observation, needs_assessment or checklist.
    kind: Option<String>,
}

/// An XLSForm sent with its attachments, as `multipart/form-data`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the request body in the OpenAPI document
struct InstrumentWithAttachments {
    /// The XLSForm (.xlsx or .xls), its file name giving the format.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// survey, test, observation, needs_assessment or checklist (else the query's `kind`).
    kind: Option<String>,
    /// The files the form names (`villages.csv`, `map.png`), each a part of this name with
    /// its file name as the form names it.
    #[schema(value_type = Vec<String>)]
    attachments: Vec<Vec<u8>>,
}

#[utoipa::path(post, path = "/api/v1/instruments", params(InstrumentImport),
    request_body(description = "The XLSForm (.xlsx or .xls) as it is; or, as `multipart/form-data`, the XLSForm with its attachments: stored together, or nothing stored when the form or any file is refused",
        content((Vec<u8> = "application/octet-stream"), (InstrumentWithAttachments = "multipart/form-data"))),
    responses((status = 201, body = Instrument), (status = 422, body = ApiError, description = "Every problem in the form, by sheet, row and column, and in each file sent with it, the file's name as the column")))]
async fn import_instrument(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<InstrumentImport>, QueryRejection>,
    request: Request,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    instruments::may_edit(actor)?;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    let instrument = if multipart {
        let parts = Multipart::from_request(request, &state)
            .await
            .map_err(|e| opencpd_domain::Problem::new("bad-request").arg("detail", e.body_text()))?;
        let form = opencpd_http::upload::Upload::parts(parts).await?;
        let (name, bytes) = form.file()?;
        let kind = Some(form.text("kind")).filter(|k| !k.is_empty()).or(q.kind.as_deref()).unwrap_or("survey");
        let attachments: Vec<(&str, &[u8])> =
            form.files("attachments").into_iter().map(|(n, b)| (n, b.as_ref())).collect();
        instruments::import_with_attachments(&state.db, &state.files, actor, name, bytes, kind, &attachments).await?
    } else {
        let body = Bytes::from_request(request, &state).await?;
        let name = q.filename.unwrap_or_else(|| "form.xlsx".into());
        let kind = q.kind.unwrap_or_else(|| "survey".into());
        instruments::import(&state.db, actor, &name, &body, &kind).await?
    };
    Ok((StatusCode::CREATED, Json(instrument)).into_response())
}

/// The instruments in use, one page: sorted by `code` (the default), `title`, `version`,
/// `kind` or `created_at`; `q` searches code and title.
#[utoipa::path(get, path = "/api/v1/instruments", params(Page), responses((status = 200, body = Paged<Instrument>), (status = 422, body = ApiError)))]
async fn list_instruments(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Instrument>>> {
    let Query(page) = ok(page)?;
    ctx.actor()?;
    Ok(Json(instruments::instrument_list(&state.db, false, &page).await?))
}

#[derive(Serialize, ToSchema)]
struct InstrumentWithForm {
    #[serde(flatten)]
    instrument: Instrument,
    /// The form: items, choice lists, labels per language, expressions as text.
    #[schema(value_type = Object)]
    form: opencpd_forms::Form,
}

/// The submissions the caller may read, one page: their own, and for a reader of
/// submissions those about schools and people in scope.
#[utoipa::path(get, path = "/api/v1/submissions", params(crate::model::SubmissionFilter, Page),
    responses((status = 200, body = Paged<crate::model::SubmissionLine>, description = "Newest first by default; sorted by `collected_at`, `received_at` or `instrument`; `q` searches the instrument's code and title and the name of the school or person a submission is about"), (status = 422, body = ApiError)))]
async fn list_submissions(
    State(state): State<AppState>,
    ctx: Ctx,
    f: std::result::Result<Query<crate::model::SubmissionFilter>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<crate::model::SubmissionLine>>> {
    let (Query(f), Query(page)) = (ok(f)?, ok(page)?);
    Ok(Json(crate::store::listing::submissions(&state.db, ctx.actor()?, &f, &page).await?))
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}", params(("id" = i64, Path)), responses((status = 200, body = InstrumentWithForm), (status = 404, body = ApiError)))]
async fn get_instrument(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<InstrumentWithForm>> {
    ctx.actor()?;
    let instrument = instruments::instrument(&state.db, id).await?;
    let form = instruments::form(&state.db, id).await?;
    Ok(Json(InstrumentWithForm { instrument, form }))
}

#[utoipa::path(post, path = "/api/v1/instruments/{id}/retire", params(("id" = i64, Path)), responses((status = 200, body = Instrument), (status = 403, body = ApiError)))]
async fn retire_instrument(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Instrument>> {
    Ok(Json(instruments::retire(&state.db, ctx.actor()?, id).await?))
}

#[derive(Deserialize, IntoParams)]
struct SubmissionExport {
    /// csv (default) or xlsx.
    format: Option<String>,
    /// The labels of items and choices: one of the form's languages (`sw`, `es`…), or
    /// `xml` for their names (default: the reader's language).
    lang: Option<String>,
}

#[derive(Deserialize, IntoParams)]
struct SummaryQuery {
    /// The depth of the units to group by (default 2: districts in Rwanda).
    level: Option<i64>,
    /// Export only: csv (default) or xlsx.
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}/summary", params(("id" = i64, Path), SummaryQuery), responses((status = 200, body = SurveySummary, description = "Counts and percentages per choice of each select question, overall, by sex and by unit, small counts hidden"), (status = 403, body = ApiError)))]
async fn survey_summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Json<SurveySummary>> {
    let Query(q) = ok(q)?;
    Ok(Json(instruments::summary::summary(&state.db, ctx.actor()?, id, q.level, ctx.lang).await?))
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}/summary/export", params(("id" = i64, Path), SummaryQuery), responses((status = 200, description = "The summary as CSV or XLSX, small counts hidden")))]
async fn export_survey_summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let format = download::format(q.format.as_deref())?;
    let summary = instruments::summary::summary(&state.db, ctx.actor()?, id, q.level, ctx.lang).await?;
    let (headers, rows) = instruments::summary::summary_table(&summary);
    download::table(format, &format!("{}-summary", summary.code), &headers, rows)
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}/export", params(("id" = i64, Path), SubmissionExport), responses((status = 200, description = "One row a submission, one column an item (a select_multiple as one column and a 0/1 column per choice, a geopoint as four, media as links), then the domain scores; one more table per repeat, joined by `_uuid` and `_index` (`_parent_index` for a repeat in a repeat): XLSX a sheet each, CSV a zip of one CSV each when there are repeats (system admins and national officers)"), (status = 403, body = ApiError, description = "Without row-level rights: read the summary"), (status = 422, body = ApiError, description = "A language the form does not have, named with those it has")))]
async fn export_submissions(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<SubmissionExport>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    let format = download::format(q.format.as_deref())?;
    let instrument = instruments::instrument(&state.db, id).await?;
    if !actor.may(opencpd_domain::access::Action::ReadSubmissions) {
        return Err(Error::Forbidden);
    }
    if !actor.may(opencpd_domain::access::Action::ReadRows) {
        return Err(Error::Refused(
            opencpd_domain::Problem::new("row-level-export")
                .arg("summary", format!("/api/v1/instruments/{id}/summary")),
        ));
    }
    let form = instruments::form(&state.db, id).await?;
    let wording = instruments::export::wording(&form, q.lang.as_deref(), ctx.lang)?;
    let (extension, content_type) = opencpd_transfer::tables_file(format, instruments::export::table_count(&form));
    // Media links are absolute when the server knows the address it is reached at.
    let files_base =
        state.config.public_url.as_ref().map(|_| state.config.public_url().to_string()).unwrap_or_default();
    // Stream the pages as they are read: the server never holds the whole export.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    let (db, actor, files) = (state.db.clone(), actor.clone(), state.files.clone());
    tokio::spawn(async move {
        let sink = |bytes: Vec<u8>| {
            let tx = tx.clone();
            async move { tx.send(Ok(Bytes::from(bytes))).await.map_err(|_| std::io::Error::other("the client went away")) }
        };
        let request = instruments::ExportRequest {
            instrument_id: id,
            wording: &wording,
            format,
            files_base: &files_base,
            files: Some(&files),
        };
        if let Err(e) = instruments::export(&db, &actor, request, sink).await {
            tracing::warn!(error = %e, "submission export stopped");
            let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let disposition = format!("attachment; filename=\"{}-{}.{extension}\"", instrument.code, instrument.version);
    Ok((
        [(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
struct SubmissionReceipt {
    uuid: String,
    id: i64,
    /// True when this uuid had been stored before: nothing new was stored.
    duplicate: bool,
    #[schema(value_type = Vec<Object>)]
    scores: serde_json::Value,
}

#[utoipa::path(post, path = "/api/v1/submissions", request_body = SubmissionInput,
    responses((status = 201, body = SubmissionReceipt, description = "Stored"), (status = 200, body = SubmissionReceipt, description = "Stored before: nothing new stored"),
              (status = 422, body = ApiError)))]
async fn submit(
    State(state): State<AppState>,
    Vouched(ctx): Vouched,
    body: std::result::Result<Json<SubmissionInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    let (stored, duplicate) =
        instruments::submit(&state.db, &state.files, ctx.actor()?, ctx.vouch.as_ref(), &input).await?;
    let status = if duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(SubmissionReceipt { uuid: stored.uuid, id: stored.id, duplicate, scores: stored.scores }))
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/submissions/{uuid}", params(("uuid" = String, Path)), responses((status = 200, body = Submission), (status = 404, body = ApiError)))]
async fn get_submission(
    State(state): State<AppState>,
    ctx: Ctx,
    uuid: std::result::Result<Path<String>, PathRejection>,
) -> Result<Json<Submission>> {
    let Path(uuid) = ok(uuid)?;
    Ok(Json(instruments::submission(&state.db, ctx.actor()?, &uuid).await?))
}

#[derive(Deserialize, IntoParams)]
struct PackageQuery {
    /// Only this unit of the caller's scope (its code).
    unit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/field/package", params(PackageQuery),
    responses((status = 200, body = Package, description = "Everything the field app needs offline, limited to the caller's scope"),
              (status = 404, body = ApiError, description = "The unit asked for is outside the caller's scope")))]
async fn field_package(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<PackageQuery>, QueryRejection>,
) -> Result<Json<Package>> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    let mut package = field::package(&state.db, &state.files, actor, q.unit.as_deref()).await?;
    package.csrf_token = ctx.csrf.clone().unwrap_or_default();
    Ok(Json(package))
}

#[utoipa::path(post, path = "/api/v1/field/edits", request_body = EditInput,
    responses((status = 200, body = FieldEdit, description = "`applied`, or `conflict` when the record changed since the device read it: kept for a person to resolve, nothing overwritten")))]
async fn submit_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<EditInput>, JsonRejection>,
) -> Result<Json<FieldEdit>> {
    let Json(input) = ok(body)?;
    Ok(Json(field::submit_edit(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/field/conflicts", responses((status = 200, body = Vec<FieldEdit>)))]
async fn list_conflicts(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<FieldEdit>>> {
    Ok(Json(field::conflicts(&state.db, ctx.actor()?).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Resolution {
    /// `apply` the device's change over the current record, or `discard` it.
    action: String,
}

#[utoipa::path(post, path = "/api/v1/field/conflicts/{id}/resolve", params(("id" = i64, Path)), request_body = Resolution,
    responses((status = 200, body = FieldEdit), (status = 409, body = ApiError, description = "Already resolved")))]
async fn resolve_conflict(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<Resolution>, JsonRejection>,
) -> Result<Json<FieldEdit>> {
    let Json(body) = ok(body)?;
    let apply = match body.action.as_str() {
        "apply" => true,
        "discard" => false,
        other => {
            return Err(opencpd_domain::Problem::new("bad-choice")
                .in_column("action")
                .with_value(other)
                .arg("allowed", "apply, discard")
                .into());
        }
    };
    Ok(Json(field::resolve(&state.db, ctx.actor()?, id, apply).await?))
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}/attachments", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<files::Attachment>, description = "Every file the form names, present or missing"), (status = 404, body = ApiError)))]
async fn list_attachments(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<files::Attachment>>> {
    ctx.actor()?;
    Ok(Json(files::attachments(&state.db, id).await?))
}

#[derive(Deserialize, IntoParams)]
struct AttachmentUpload {
    /// The file's name as the form names it (`villages.csv`).
    name: String,
}

#[utoipa::path(post, path = "/api/v1/instruments/{id}/attachments", params(("id" = i64, Path), AttachmentUpload),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses((status = 200, body = files::Attachment, description = "Stored (a file uploaded before under this name is replaced)"),
              (status = 422, body = ApiError, description = "Not a file the form names, too large, of a type its name does not say, or a CSV without a column a question reads")))]
async fn upload_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<AttachmentUpload>, QueryRejection>,
    request: Request,
) -> Result<Json<files::Attachment>> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    instruments::may_edit(actor)?;
    let body = request.into_body().into_data_stream();
    Ok(Json(files::upload_attachment(&state.db, &state.files, actor, id, &q.name, body).await?))
}

/// A file as a download: its type, its name, its bytes streamed.
fn file_response(
    content_type: &str,
    name: &str,
    stream: impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
) -> Response {
    let safe: String = name.chars().filter(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';')).collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe}\"")),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}/attachments/{name}", params(("id" = i64, Path), ("name" = String, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = ApiError, description = "Not named by the form, or not uploaded")))]
async fn get_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, String)>, PathRejection>,
) -> Result<Response> {
    let Path((id, name)) = ok(path)?;
    ctx.actor()?;
    let (found, stream) = files::attachment_file(&state.db, &state.files, id, &name).await?;
    Ok(file_response(found.content_type.as_deref().unwrap_or("application/octet-stream"), &found.name, stream))
}

#[utoipa::path(put, path = "/api/v1/files/{sha256}",
    params(("sha256" = String, Path, description = "The SHA-256 of the content, hex"),
           ("Content-Range" = Option<String>, Header, description = "A part of the file, `bytes FIRST-LAST/SIZE` (LAST included): it must start where \
             what arrived ends (`GET /api/v1/files/{sha256}/upload`), or at 0 to start again. Without it, the body is the whole file")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "A file an answer will name (a photo, a recording), or a part of it"),
    responses((status = 201, body = files::StoredFile, description = "Stored (with the last part, the file is whole and has its digest)"),
              (status = 200, body = files::StoredFile, description = "Stored before: nothing new stored"),
              (status = 202, body = files::UploadState, description = "A part kept: the rest is sent from `received`"),
              (status = 409, body = ApiError, description = "The part does not start where what arrived ends (the problem says where it does)"),
              (status = 422, body = ApiError, description = "The content has another digest, is too large, or of a type no question takes; or the range is not one")))]
async fn upload_file(
    State(state): State<AppState>,
    ctx: Ctx,
    sha256: std::result::Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<Response> {
    let Path(sha256) = ok(sha256)?;
    let actor = ctx.actor()?;
    if let Some(value) = request.headers().get(header::CONTENT_RANGE) {
        let range = content_range(value.to_str().unwrap_or("?"))?;
        let body = request.into_body().into_data_stream();
        return Ok(match files::upload_part(&state.db, &state.files, actor, &sha256, range, body).await? {
            files::PartSent::Stored(stored) => {
                let status = if stored.new { StatusCode::CREATED } else { StatusCode::OK };
                (status, Json(stored)).into_response()
            }
            files::PartSent::Partial(upload) => (StatusCode::ACCEPTED, Json(upload)).into_response(),
        });
    }
    // Too large a file is refused before a byte of it is read.
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(size) = declared {
        files::upload_limits().check_size(size, "file")?;
    }
    let body = request.into_body().into_data_stream();
    let stored = files::upload_file(&state.db, &state.files, actor, &sha256, body).await?;
    let status = if stored.new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(stored)).into_response())
}

/// A `Content-Range` of a request: `bytes FIRST-LAST/SIZE`.
fn content_range(value: &str) -> Result<opencpd_kernel::files::Range<'static>> {
    let parsed = value.trim().strip_prefix("bytes ").and_then(|rest| {
        let (span, total) = rest.split_once('/')?;
        let (start, end) = span.split_once('-')?;
        Some((start.trim().parse().ok()?, end.trim().parse().ok()?, total.trim().parse().ok()?))
    });
    let (start, end, total) = parsed.ok_or_else(|| {
        opencpd_domain::Problem::new("file-range")
            .in_column("Content-Range")
            .with_value(value.chars().take(80).collect::<String>())
    })?;
    Ok(opencpd_kernel::files::Range { start, end, total, named: "Content-Range" })
}

#[utoipa::path(get, path = "/api/v1/files/{sha256}/upload", params(("sha256" = String, Path, description = "The SHA-256 of the content, hex")),
    responses((status = 200, body = files::UploadState, description = "Stored whole, or how much of the caller's part has arrived (0 when none): the rest is sent from there"),
              (status = 422, body = ApiError, description = "Not a digest")))]
async fn get_upload_state(
    State(state): State<AppState>,
    ctx: Ctx,
    sha256: std::result::Result<Path<String>, PathRejection>,
) -> Result<Json<files::UploadState>> {
    let Path(sha256) = ok(sha256)?;
    Ok(Json(files::upload_state(&state.db, &state.files, ctx.actor()?, &sha256).await?))
}

#[utoipa::path(get, path = "/api/v1/files/{sha256}", params(("sha256" = String, Path)),
    responses((status = 200, body = files::StoredFile, description = "Uploaded: a sync need not send it again"), (status = 404, body = ApiError)))]
async fn get_file_info(
    State(state): State<AppState>,
    ctx: Ctx,
    sha256: std::result::Result<Path<String>, PathRejection>,
) -> Result<Json<files::StoredFile>> {
    let Path(sha256) = ok(sha256)?;
    ctx.actor()?;
    Ok(Json(files::asked_for(&state.db, &sha256).await?.ok_or(Error::NotFound)?))
}

#[utoipa::path(get, path = "/api/v1/submissions/{uuid}/files/{name}", params(("uuid" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "The file, for whoever may read the submission"), (status = 404, body = ApiError)))]
async fn get_submission_file(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(String, String)>, PathRejection>,
) -> Result<Response> {
    let Path((uuid, name)) = ok(path)?;
    let submission = instruments::submission(&state.db, ctx.actor()?, &uuid).await?;
    let file = submission.files.into_iter().find(|f| f.name == name).ok_or(Error::NotFound)?;
    let (_, stream) = state.files.open(&file.sha256).await?;
    Ok(file_response(&file.content_type, &file.name, stream))
}

#[cfg(test)]
mod tests {
    use super::{FIELD_FILES, FIELD_MESSAGES, TEMPLATES};
    use opencpd_domain::i18n::catalog;

    #[test]
    fn templates_are_registered_and_the_csp_allows_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        assert_eq!(opencpd_http::render::template_problems(&dir, TEMPLATES), Vec::<String>::new());
    }

    /// The field app's page is held to the CSP as the templates are.
    #[test]
    fn the_field_app_has_nothing_inline_the_csp_would_block() {
        let page = include_str!("../../static/field/index.html");
        assert_eq!(opencpd_http::security::inline_violation(page), None);
    }

    /// Every message identifier the field app's files name (`'field-…'`, `"problem-…"`),
    /// and no key built at run time that this could not check.
    fn field_app_keys() -> Vec<String> {
        let mut keys = std::collections::BTreeSet::new();
        for (name, _, body) in FIELD_FILES {
            // `t(`…`)`: an identifier built at run time (problems' codes go through
            // `messages.text`, with forms.js's own wording when the catalogue lacks one).
            let built = body
                .match_indices("t(`")
                .any(|(i, _)| !body[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.'));
            assert!(!built, "{name} builds a message identifier at run time: use a literal");
            for quote in ['\'', '"'] {
                for prefix in FIELD_MESSAGES {
                    for (i, _) in body.match_indices(&format!("{quote}{prefix}")) {
                        let rest = &body[i + 1..];
                        let end = rest
                            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'));
                        if let Some(end) = end.filter(|&e| rest[e..].starts_with(quote)) {
                            keys.insert(rest[..end].to_string());
                        }
                    }
                }
            }
        }
        keys.into_iter().collect()
    }

    #[test]
    fn every_message_the_field_app_names_is_in_english_and_french() {
        let keys = field_app_keys();
        assert!(keys.len() > 60, "the app's texts are found: {keys:?}");
        for needed in
            ["field-package-info", "field-sign-in", "field-contact-phone", "field-status-sent", "problem-throttled"]
        {
            assert!(keys.iter().any(|k| k == needed), "{needed} is found in the app's files");
        }
        let missing: Vec<_> = keys.iter().filter(|k| !(catalog().has("en", k) && catalog().has("fr", k))).collect();
        assert!(missing.is_empty(), "named by the field app, missing in en or fr: {missing:?}");
        // And what the app names is what /field/messages.json sends.
        let sent = catalog().export("fr", FIELD_MESSAGES);
        assert!(keys.iter().all(|k| sent.contains_key(k)));
    }

    /// The node tests format the real messages: `static/field/tests/messages.json` is what
    /// `/field/messages.json` sends of `field.ftl`. Written again with `OPENCPD_BLESS=1`.
    #[test]
    fn the_node_tests_have_the_current_messages() {
        let messages: std::collections::BTreeMap<_, _> =
            ["en", "fr"].iter().map(|lang| (lang.to_string(), catalog().export(lang, &["field-"]))).collect();
        let json =
            serde_json::to_string_pretty(&serde_json::json!({ "lang": "en", "messages": messages })).unwrap() + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/field/tests/messages.json");
        if std::env::var_os("OPENCPD_BLESS").is_some() {
            std::fs::write(&path, &json).unwrap();
        }
        let held = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(held == json, "{} is stale: run this test with OPENCPD_BLESS=1", path.display());
    }
}
