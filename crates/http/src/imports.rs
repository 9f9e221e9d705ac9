//! The one way files come in, for every kind every area lists ([`Area::imports`]): the
//! API route `POST /api/v1/imports/{kind}`, the page `/import`, and the template files
//! `/templates/{kind}`. The kinds themselves run on `kernel::import`; `opencpd import
//! <kind>` calls the same [`Kind::run`].
//!
//! A kind whose rows go into a record (`enrolments` into a cohort) takes the record's id
//! as a parameter named after it (`?cohort=12` on the API, a `cohort` field on a form);
//! its record's page carries the form.

use crate::auth::Ctx;
use crate::error::{ApiProblem, Error, Result};
use crate::{AppState, Area};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_domain::Problem;
use opencpd_kernel::Actor;
use opencpd_kernel::import::{self, ImportReport, Kind, Options, Source};
use serde::Serialize;

/// Every kind of every area, in the areas' order.
pub fn kinds_of(areas: &[&Area]) -> Vec<&'static Kind> {
    areas.iter().flat_map(|a| a.imports.iter()).collect()
}

pub(crate) fn pages() -> Router<AppState> {
    Router::new().route("/import", get(page).post(upload)).route("/templates/{kind}", get(template_file))
}

pub(crate) fn api() -> Router<AppState> {
    Router::new().route("/imports/{kind}", post(import_api))
}

/// A report as pages and the API show it: counts and each problem in the reader's
/// language; when more problems were found than listed, the last one says how many.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub kind: String,
    pub file: String,
    /// Data rows read (blank rows not counted).
    pub rows: u64,
    /// Records written: 0 on a dry run or when there are problems.
    pub created: u64,
    /// Rows that passed their checks.
    pub valid: u64,
    pub dry_run: bool,
    /// Rows naming existing records update them (`update=true`).
    pub update: bool,
    /// Rows that passed their checks, by what they do (on a dry run, or when a row has a
    /// problem, what they would do): add a record, change one, leave one as it is.
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub ok: bool,
    /// Every problem found, listed or not.
    pub problems_total: u64,
    pub problems: Vec<ApiProblem>,
    /// An update's changed fields, the first 1,000 in file order.
    pub changes: Vec<ChangeView>,
    /// Every changed field, listed or not.
    pub changes_total: u64,
}

/// One field an update changes: the row, the record's key, the field's column, and its
/// value before and after (none: empty).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    pub row: u64,
    pub key: String,
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl ReportView {
    pub fn new(report: &ImportReport, file: &str, lang: &str) -> ReportView {
        let mut problems: Vec<ApiProblem> = report.problems.iter().map(|p| ApiProblem::from_problem(p, lang)).collect();
        if report.problems_total > report.problems.len() as u64 {
            let more =
                Problem::new("too-many-problems").arg("total", report.problems_total).arg("max", report.problems.len());
            problems.push(ApiProblem::from_problem(&more, lang));
        }
        let changes = report
            .changes
            .iter()
            .map(|c| ChangeView {
                row: c.row as u64,
                key: c.key.clone(),
                field: c.field.to_string(),
                before: c.before.clone(),
                after: c.after.clone(),
            })
            .collect();
        ReportView {
            kind: report.kind.to_string(),
            file: file.to_string(),
            rows: report.rows_read,
            created: report.rows_written,
            valid: report.rows_valid,
            dry_run: report.dry_run,
            update: report.update,
            added: report.rows_added,
            updated: report.rows_updated,
            unchanged: report.rows_unchanged,
            ok: report.ok(),
            problems_total: report.problems_total,
            problems,
            changes,
            changes_total: report.changes_total,
        }
    }

    /// A report of a request refused before any file was read.
    fn refused(kind: &str, lang: &str, problems: &[Problem]) -> ReportView {
        let mut report = ImportReport::empty("", false);
        report.add(problems.iter().cloned());
        ReportView { kind: kind.to_string(), ..ReportView::new(&report, "", lang) }
    }

    pub fn status(&self) -> StatusCode {
        if self.ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY }
    }
}

/// Runs `kind` on a file's bytes (its format told by `file`'s extension) with `options`
/// (dry run, update): problems with the file itself come back in the report like problems
/// with its rows.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    kind: &Kind,
    into: Option<i64>,
    file: &str,
    bytes: Vec<u8>,
    options: Options<'_>,
) -> Result<ImportReport> {
    let source = match Source::bytes(file, bytes) {
        Ok(source) => source,
        Err(problem) => return Ok(ImportReport::refused(kind.key, options.dry_run, problem)),
    };
    Ok((kind.run)(&state.db, actor, source, options, into).await?)
}

/// The kind named in a request, for someone who may import it (refused before the file
/// is read).
fn kind_for(state: &AppState, actor: &Actor, key: &str) -> Result<&'static Kind> {
    let kind = import::find(&state.imports, key).map_err(|p| p.in_column("kind"))?;
    if !(kind.may)(actor) {
        return Err(Error::Forbidden);
    }
    Ok(kind)
}

/// The id of the record a kind's rows go into, from a parameter named after it.
fn into_of(kind: &Kind, given: Option<&str>) -> Result<Option<i64>> {
    let parameter = kind.into.unwrap_or("into");
    let id = match given.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => {
            Some(text.parse::<i64>().map_err(|_| Problem::new("bad-number").in_column(parameter).with_value(text))?)
        }
        None => None,
    };
    Ok(import::into_id(kind, id, parameter)?)
}

/// Kinds the reader may import from the page (those going into a record are imported
/// from its page).
fn page_kinds(state: &AppState, actor: &Actor) -> Vec<&'static str> {
    state.imports.iter().filter(|k| k.into.is_none() && (k.may)(actor)).map(|k| k.key).collect()
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let kinds = page_kinds(&state, actor);
    if kinds.is_empty() {
        return Err(Error::Forbidden);
    }
    let kind = if kinds.contains(&"schools") { "schools" } else { kinds[0] };
    let updating = updating_kinds(&state, &kinds);
    state.templates.page(&ctx, "import.html", minijinja::context! { kinds, updating, report => (), kind })
}

/// Of `kinds`, those whose files may update records.
fn updating_kinds(state: &AppState, kinds: &[&'static str]) -> Vec<&'static str> {
    state.imports.iter().filter(|k| k.updates && kinds.contains(&k.key)).map(|k| k.key).collect()
}

async fn upload(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> Result<Response> {
    let actor = ctx.actor()?;
    // The rights first: the file is read only for someone who may import something.
    if page_kinds(&state, actor).is_empty() {
        return Err(Error::Forbidden);
    }
    let form = crate::upload::Upload::read(&ctx, multipart).await?;
    let kind = kind_for(&state, actor, form.text("kind"))?;
    let into = into_of(kind, kind.into.map(|name| form.text(name)))?;
    let dry_run = form.ticked("dry_run");
    let update = import::update_of(kind, form.ticked("update"), "update")?;
    let (name, bytes) = form.file()?;
    let report =
        run(&state, actor, kind, into, name, bytes.to_vec(), Options { dry_run, update, progress: None }).await?;
    let view = ReportView::new(&report, name, ctx.lang);
    let kinds = page_kinds(&state, actor);
    let html = state.templates.page(
        &ctx,
        "import.html",
        minijinja::context! {
            updating => updating_kinds(&state, &kinds),
            kinds,
            report => minijinja::Value::from(minijinja::value::Serde(&view)),
            kind => kind.key,
            update,
        },
    )?;
    Ok((view.status(), html).into_response())
}

/// The parameters of the import route: `dry_run`, `update`, `filename`, and the record a
/// kind's rows go into, named after it. Any other is a 422 naming it.
struct ImportParams {
    dry_run: bool,
    update: bool,
    filename: Option<String>,
    into: Option<i64>,
}

/// A yes-or-no parameter: `true`, `1` or nothing is yes, `false` or `0` no.
fn switch(name: &str, value: &str, problems: &mut Vec<Problem>) -> bool {
    match value {
        "true" | "1" | "" => true,
        "false" | "0" => false,
        _ => {
            problems.push(Problem::new("bad-choice").in_column(name).with_value(value).arg("allowed", "true, false"));
            false
        }
    }
}

fn import_params(kind: &Kind, pairs: Vec<(String, String)>) -> Result<ImportParams> {
    let mut params = ImportParams { dry_run: false, update: false, filename: None, into: None };
    let mut into = None;
    let mut problems = Vec::new();
    for (name, value) in pairs {
        match name.as_str() {
            "dry_run" => params.dry_run = switch("dry_run", &value, &mut problems),
            "update" => match import::update_of(kind, switch("update", &value, &mut problems), "update") {
                Ok(update) => params.update = update,
                Err(p) => problems.push(p),
            },
            "filename" => params.filename = Some(value),
            n if Some(n) == kind.into => into = Some(value),
            _ => problems.push(Problem::new("unknown-field").in_column(name.clone()).with_value(name)),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    params.into = into_of(kind, into.as_deref())?;
    Ok(params)
}

#[utoipa::path(post, path = "/api/v1/imports/{kind}",
    params(
        ("kind" = String, Path, description = "units, schools, people, positions, outcomes, enrolments (with cohort), attendance (with session), outreach"),
        ("dry_run" = Option<bool>, Query, description = "Check everything, write nothing; with update, list what would change"),
        ("update" = Option<bool>, Query, description = "units, schools, people, positions: a row whose key (code, staff number; a position's person, role, place and start date) exists updates that record instead of being refused, an empty optional cell leaving its value as it is; other rows add records. The report counts rows added, updated and unchanged and lists the changes. Other kinds refuse it (422)"),
        ("filename" = Option<String>, Query, description = "The file's name; its extension (.csv, .xlsx) gives the format"),
        ("cohort" = Option<i64>, Query, description = "enrolments: the cohort the people are enrolled in"),
        ("session" = Option<i64>, Query, description = "attendance: the session the marks are for"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes"),
    responses((status = 200, body = ReportView), (status = 422, body = ReportView)))]
pub(crate) async fn import_api(
    State(state): State<AppState>,
    ctx: Ctx,
    kind: std::result::Result<Path<String>, PathRejection>,
    pairs: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
    request: Request,
) -> Result<Response> {
    let (Path(key), Query(pairs)) = (kind?, pairs?);
    let actor = ctx.actor()?;
    // Every 422 of this route is a report, a wrong kind or parameter too.
    let refused = |problems: Vec<Problem>| {
        let view = ReportView::refused(&key, ctx.lang, &problems);
        Ok((view.status(), Json(view)).into_response())
    };
    let kind = match kind_for(&state, actor, &key) {
        Ok(kind) => kind,
        Err(Error::Invalid(problems)) => return refused(problems),
        Err(e) => return Err(e),
    };
    match import_params(kind, pairs) {
        Ok(params) => respond(&state, &ctx, kind, params, request).await,
        Err(Error::Invalid(problems)) => refused(problems),
        Err(e) => Err(e),
    }
}

/// An import over the API: the body is the file; the answer the report, 200 or 422. The
/// body is written to a temporary file as it arrives and the import streams from there,
/// so the memory an upload takes does not grow with the file.
async fn respond(state: &AppState, ctx: &Ctx, kind: &Kind, params: ImportParams, request: Request) -> Result<Response> {
    let actor = ctx.actor()?;
    let name = params.filename.unwrap_or_else(|| format!("{}.csv", kind.key));
    let source = match import::readable(&name) {
        Ok(_) => spooled(state, &name, request).await?,
        Err(problem) => Err(problem),
    };
    let report = match source {
        Ok((source, _file)) => {
            let options = Options { dry_run: params.dry_run, update: params.update, progress: None };
            (kind.run)(&state.db, actor, source, options, params.into).await?
        }
        Err(problem) => ImportReport::refused(kind.key, params.dry_run, problem),
    };
    let view = ReportView::new(&report, &name, ctx.lang);
    Ok((view.status(), Json(view)).into_response())
}

/// The request's body written to a temporary file (removed when the returned handle is
/// dropped), as the import's source; 413 past the upload limit.
async fn spooled(
    state: &AppState,
    name: &str,
    request: Request,
) -> Result<std::result::Result<(Source, tempfile::TempPath), Problem>> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let suffix = format!(".{}", name.rsplit_once('.').map(|(_, e)| e).unwrap_or("csv"));
    let temp = tempfile::Builder::new().prefix("opencpd-import-").suffix(&suffix).tempfile().map_err(internal)?;
    let (file, path) = temp.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let limit = state.config.max_upload;
    let mut written = 0usize;
    let mut body = request.into_body().into_data_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk
            .map_err(|_| Error::Invalid(vec![Problem::new("bad-request").arg("detail", "the body ended early")]))?;
        written += chunk.len();
        if written > limit {
            return Err(Error::TooLarge(limit));
        }
        file.write_all(&chunk).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    drop(file);
    Ok(Source::path(&path).map(|source| (source, path)))
}

fn internal(e: std::io::Error) -> Error {
    Error::Internal(e.into())
}

/// An older route kept as an alias of the one import route: a kind and the record its
/// rows go into, from the route's path.
pub async fn alias(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    into: Option<i64>,
    dry_run: bool,
    filename: Option<String>,
    request: Request,
) -> Result<Response> {
    let kind = kind_for(state, ctx.actor()?, key)?;
    respond(state, ctx, kind, ImportParams { dry_run, update: false, filename, into }, request).await
}

/// The report of an import made from a record's own page (enrolments from a cohort's
/// page): the same run as the import page's.
pub async fn from_form(
    state: &AppState,
    ctx: &Ctx,
    key: &str,
    into: Option<i64>,
    form: &crate::upload::Upload,
) -> Result<ImportReport> {
    let actor = ctx.actor()?;
    let kind = kind_for(state, actor, key)?;
    let (name, bytes) = form.file()?;
    let update = import::update_of(kind, form.ticked("update"), "update")?;
    run(
        state,
        actor,
        kind,
        into,
        name,
        bytes.to_vec(),
        Options { dry_run: form.ticked("dry_run"), update, progress: None },
    )
    .await
}

/// An empty file of a kind: its header and one example row, with what each column takes
/// in the reader's language.
async fn template_file(
    State(state): State<AppState>,
    ctx: Ctx,
    kind: std::result::Result<Path<String>, PathRejection>,
    pairs: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let (Path(kind), Query(pairs)) = (kind?, pairs?);
    let key = kind.trim_end_matches(".csv").trim_end_matches(".xlsx");
    let kind = import::find(&state.imports, key).map_err(|p| p.in_column("kind"))?;
    let format = pairs.iter().find(|(n, _)| n == "format").map(|(_, v)| v.as_str()).unwrap_or("csv");
    let format = opencpd_transfer::Format::parse(format).map_err(|p| p.in_column("format"))?;
    let bytes = template(kind, format, ctx.lang).map_err(|e| Error::Internal(e.into()))?;
    Ok(crate::download::file(format.content_type(), &format!("{}-template.{}", kind.key, format.extension()), bytes))
}

/// What a template says beside its columns, in `lang`: for a kind that updates
/// (`--update`), that an empty optional cell leaves the value as it is and which columns
/// name the record.
pub fn template_notes(kind: &Kind, lang: &str) -> Vec<String> {
    let catalog = opencpd_domain::i18n::catalog();
    let Some(by) = kind.updates.then(|| opencpd_domain::import::ImportKind::parse(kind.key).ok()).flatten() else {
        return Vec::new();
    };
    let columns = by.identified_by();
    vec![
        catalog.text(
            lang,
            "template-update-key",
            &[("columns", columns.join(", ")), ("count", columns.len().to_string())],
        ),
        catalog.text(lang, "template-update-empty", &[]),
    ]
}

/// A file to fill in for `kind`: its header and one example row. A workbook says, on a
/// second sheet, which columns are required, the values each fixed-list column takes and
/// what an update does; a CSV file says the same on comment lines (`# …`) before its
/// header, which the import skips.
pub fn template(kind: &Kind, format: opencpd_transfer::Format, lang: &str) -> std::io::Result<Vec<u8>> {
    let catalog = opencpd_domain::i18n::catalog();
    let say = |id: &str| catalog.text(lang, id, &[]);
    let headers: Vec<&str> = kind.columns.iter().map(|c| c.name).collect();
    let example: Vec<String> = kind.columns.iter().map(|c| c.example.to_string()).collect();
    let notes = template_notes(kind, lang);
    match format {
        opencpd_transfer::Format::Xlsx => {
            let mut about = vec![vec![say("template-column"), say("template-required"), say("template-allowed")]];
            for c in kind.columns {
                let values = c.allowed.map(|values| values().join(", ")).unwrap_or_default();
                let required = say(if c.required { "template-yes" } else { "template-no" });
                about.push(vec![c.name.to_string(), required, values]);
            }
            if !notes.is_empty() {
                about.push(Vec::new());
                about.extend(notes.into_iter().map(|n| vec![n]));
            }
            let data = vec![headers.iter().map(|h| h.to_string()).collect(), example];
            opencpd_transfer::write_workbook(&[(kind.key, data), ("columns", about)])
        }
        opencpd_transfer::Format::Csv => {
            let mut comments: Vec<String> = kind
                .columns
                .iter()
                .filter_map(|c| {
                    let values = c.allowed?().join(", ");
                    Some(catalog.text(lang, "template-allowed-line", &[("column", c.name.into()), ("values", values)]))
                })
                .collect();
            comments.extend(notes);
            let mut bytes = Vec::new();
            for line in comments {
                opencpd_transfer::write_comment(&line, &mut bytes)?;
            }
            opencpd_transfer::write_table(format, &headers, vec![example], &mut bytes)?;
            Ok(bytes)
        }
    }
}
