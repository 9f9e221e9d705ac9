//! A school's learner outcomes entered by hand: the API route
//! `POST /api/v1/schools/{id}/outcomes` and the page `/data/schools/{id}/outcomes`, reached
//! from the school's data page, where a school's leader (or an officer over the school)
//! picks a year, term, grade and subject and types a line per sex and learner group. Both
//! go through [`crate::store::outcomes::enter`]: the import's checks, every line or none.
//! The page reads numbers as the reader's language writes them and names each problem by
//! its line and field, keeping what was typed.

use crate::model::{OutcomeEntry, Place};
use crate::store::{outcomes, reference};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Json, Router};
use opencpd_domain::Problem;
use opencpd_http::render::value as v;
use opencpd_http::{ApiError, AppState, CsrfForm, Ctx, Error, Id, Result};
use opencpd_kernel::Actor;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use utoipa::{OpenApi, ToSchema};

/// The entry's part of the area's OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(enter_outcomes), components(schemas(OutcomeEntry, OutcomeEntries, EnteredOutcomes)))]
pub(super) struct EntryApi;

pub(super) fn api_routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/schools/{id}/outcomes", axum::routing::post(enter_outcomes))
}

pub(super) fn page_routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/data/schools/{id}/outcomes", axum::routing::get(entry_page).post(entry_form))
}

/// Whether the data page of `place` offers its outcomes' entry to the reader.
pub(super) async fn may_enter(state: &AppState, actor: &Actor, place: Place) -> Result<bool> {
    match place {
        Place::School(id) => Ok(outcomes::entry_school(&state.db, actor, id).await?.may_enter),
        Place::Unit(_) => Ok(false),
    }
}

/// The lines of outcomes entered for a school, each naming its grade, subject and group by
/// code as an outcomes file does.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeEntries {
    pub entries: Vec<OutcomeEntry>,
}

/// How many lines were written (a line already held for the same school, year, term,
/// grade, subject, sex and group is replaced).
#[derive(Debug, Serialize, ToSchema)]
pub struct EnteredOutcomes {
    pub rows: u64,
}

/// Enters lines of outcomes for one school (`entries`), each naming its grade, subject and
/// group by code as an outcomes file does. Every line or none: each problem names the line
/// (`row`, its place in `entries` from 1) and the field (`column`), as the import does; an
/// empty list is refused. Those
/// who may enter the school's data (its leader, officers over it); out of scope is 404.
#[utoipa::path(post, path = "/api/v1/schools/{id}/outcomes", params(("id" = i64, Path)), request_body = OutcomeEntries,
    responses((status = 200, body = EnteredOutcomes), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError, description = "A bad line, named by row and field: an unknown grade, subject or group, more repeaters than enrolled, a score above the subject's maximum…")))]
pub(super) async fn enter_outcomes(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<OutcomeEntries>, JsonRejection>,
) -> Result<Json<EnteredOutcomes>> {
    let actor = ctx.actor()?;
    let Json(input) = body?;
    Ok(Json(EnteredOutcomes { rows: outcomes::enter(&state.db, actor, id, &input.entries).await? }))
}

// ---------------------------------------------------------------------------------------
// The page

/// The fields of a line, in the order of the form: the name in the form and the store, and
/// the message naming it.
const FIELDS: [(&str, &str); 10] = [
    ("enrolled", "entry-enrolled"),
    ("assessed", "entry-assessed"),
    ("mean_score", "entry-mean-score"),
    ("below_basic", "entry-below-basic"),
    ("basic", "entry-basic"),
    ("proficient", "entry-proficient"),
    ("advanced", "entry-advanced"),
    ("promoted", "entry-promoted"),
    ("repeating", "entry-repeating"),
    ("dropped_out", "entry-dropped-out"),
];

/// The fields chosen once for every line, with the message naming each.
const HEADER: [(&str, &str); 4] =
    [("year", "entry-year"), ("term", "entry-term"), ("grade", "entry-grade"), ("subject", "entry-subject")];

/// What the page is opened on (and comes back to after a save).
#[derive(Debug, Default, Deserialize)]
struct EntryQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    term: Option<String>,
    #[serde(default)]
    grade: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    saved: Option<u64>,
}

/// A line of the form: one sex, all learners or one group.
struct Line {
    sex: &'static str,
    group: Option<(String, String)>,
}

#[derive(Serialize)]
struct CellView {
    name: String,
    label: String,
    value: String,
    decimal: bool,
    invalid: bool,
}

#[derive(Serialize)]
struct LineView {
    label: String,
    cells: Vec<CellView>,
}

/// The lines of the form: girls then boys, each for all learners and then for each group.
async fn lines(state: &AppState) -> Result<Vec<Line>> {
    let groups = reference::groups(&state.db).await?;
    let mut out = Vec::new();
    for sex in ["F", "M"] {
        out.push(Line { sex, group: None });
        for g in &groups {
            out.push(Line { sex, group: Some((g.code.clone(), g.name.clone())) });
        }
    }
    Ok(out)
}

fn line_label(lang: &str, line: &Line) -> String {
    let cat = opencpd_domain::i18n::catalog();
    let sex = cat.text(lang, if line.sex == "F" { "data-girls" } else { "data-boys" }, &[]);
    match &line.group {
        None => format!("{sex}, {}", cat.text(lang, "entry-all-learners", &[])),
        Some((_, name)) => format!("{sex}, {name}"),
    }
}

/// What the form shows: what was typed (or nothing), the problems and the fields named.
struct Typed<'a> {
    fields: &'a HashMap<String, String>,
    problems: Vec<String>,
    invalid: BTreeSet<String>,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    name: &str,
    typed: Typed<'_>,
    saved: Option<u64>,
    status: StatusCode,
) -> Result<Response> {
    let lang = ctx.lang;
    let cat = opencpd_domain::i18n::catalog();
    let field = |k: &str| typed.fields.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let lines = lines(state).await?;
    let views: Vec<LineView> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| LineView {
            label: line_label(lang, line),
            cells: FIELDS
                .iter()
                .map(|(f, label)| {
                    let name = format!("r{i}_{f}");
                    CellView {
                        value: field(&name),
                        invalid: typed.invalid.contains(&name),
                        name,
                        label: cat.text(lang, label, &[]),
                        decimal: *f == "mean_score",
                    }
                })
                .collect(),
        })
        .collect();
    let this_year = chrono::Datelike::year(&opencpd_kernel::today()).to_string();
    let year = Some(field("year")).filter(|y| !y.is_empty()).unwrap_or(this_year);
    let columns: Vec<String> = FIELDS.iter().map(|(_, label)| cat.text(lang, label, &[])).collect();
    let (problems, invalid): (Vec<String>, Vec<String>) = (typed.problems, typed.invalid.into_iter().collect());
    let html = state.templates.page(
        ctx,
        "indicators/entry.html",
        minijinja::context! {
            id, name, year, term => field("term"), grade => field("grade"), subject => field("subject"),
            grades => v(&reference::grades(&state.db).await?), subjects => v(&reference::subjects(&state.db).await?),
            lines => v(&views), columns, problems, invalid, saved,
        },
    )?;
    Ok((status, html).into_response())
}

/// The school, refused unless the reader may enter its outcomes (404 out of scope).
async fn school(state: &AppState, actor: &Actor, id: i64) -> Result<String> {
    let school = outcomes::entry_school(&state.db, actor, id).await?;
    if school.may_enter { Ok(school.name) } else { Err(Error::Forbidden) }
}

async fn entry_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<EntryQuery>, QueryRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let name = school(&state, actor, id).await?;
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let fields: HashMap<String, String> =
        [("year", q.year), ("term", q.term), ("grade", q.grade), ("subject", q.subject)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect();
    let typed = Typed { fields: &fields, problems: Vec::new(), invalid: BTreeSet::new() };
    render(&state, &ctx, id, &name, typed, q.saved, StatusCode::OK).await
}

/// The problems of a refused form, in the reader's language, each naming its line and
/// field, and the fields to mark.
struct Found<'a> {
    lang: &'static str,
    lines: &'a [Line],
    problems: Vec<String>,
    invalid: BTreeSet<String>,
}

impl Found<'_> {
    fn push(&mut self, text: String) {
        // A field chosen once for every line is named once.
        if !self.problems.contains(&text) {
            self.problems.push(text);
        }
    }

    /// A problem with a field chosen once for every line (year, term, grade, subject).
    fn header(&mut self, column: &str, p: Problem) {
        let label = HEADER.iter().find(|(k, _)| *k == column).map(|(_, l)| *l).unwrap_or("entry-grade");
        let label = opencpd_domain::i18n::catalog().text(self.lang, label, &[]);
        self.push(format!("{label}: {}", p.message(self.lang)));
        self.invalid.insert(column.to_string());
    }

    /// A problem with a field of line `i`.
    fn line(&mut self, i: usize, column: &str, p: Problem) {
        let label = FIELDS.iter().find(|(k, _)| *k == column).map(|(_, l)| *l).unwrap_or("entry-enrolled");
        let label = opencpd_domain::i18n::catalog().text(self.lang, label, &[]);
        self.push(format!("{}, {label}: {}", line_label(self.lang, &self.lines[i]), p.message(self.lang)));
        self.invalid.insert(format!("r{i}_{column}"));
    }

    /// A problem of the whole form.
    fn other(&mut self, p: Problem) {
        self.push(p.message(self.lang));
    }
}

/// Enters what the form describes: the page again with every problem named by its line
/// and field, what was typed kept and nothing written when refused; back to the form, for
/// the same choices, saying how many lines were saved, otherwise.
async fn entry_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let name = school(&state, actor, id).await?;
    let fields: HashMap<String, String> = form.into_iter().filter(|(k, _)| k != "csrf").collect();
    let field = |k: &str| fields.get(k).map(|s| s.trim()).unwrap_or("");
    let lang = ctx.lang;
    let lines = lines(&state).await?;
    let mut found = Found { lang, lines: &lines, problems: Vec::new(), invalid: BTreeSet::new() };
    let year = match field("year") {
        "" => {
            found.header("year", Problem::new("required"));
            0
        }
        y => y.parse::<i64>().unwrap_or_else(|_| {
            found.header("year", Problem::new("bad-year").with_value(y));
            0
        }),
    };
    let term = match super::typed::whole(field("term")) {
        Ok(t) => t,
        Err(_) => {
            found.header("term", Problem::new("bad-term").with_value(field("term")));
            None
        }
    };
    if field("grade").is_empty() {
        found.header("grade", Problem::new("required"));
    }
    let subject = Some(field("subject").to_string()).filter(|s| !s.is_empty());

    // The lines typed (a line left empty is skipped), each remembered by its place in the
    // form so that the store's problems, named by entry, point back to it.
    let mut entries = Vec::new();
    let mut line_of = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let cell = |f: &str| field(&format!("r{i}_{f}")).to_string();
        if FIELDS.iter().all(|(f, _)| cell(f).is_empty()) {
            continue;
        }
        let mut whole = |f: &str| {
            super::typed::whole(&cell(f)).unwrap_or_else(|p| {
                found.line(i, f, p);
                None
            })
        };
        let enrolled = whole("enrolled");
        let assessed = whole("assessed");
        let below_basic = whole("below_basic");
        let basic = whole("basic");
        let proficient = whole("proficient");
        let advanced = whole("advanced");
        let promoted = whole("promoted");
        let repeating = whole("repeating");
        let dropped_out = whole("dropped_out");
        let mean_score = super::typed::decimal(&cell("mean_score")).unwrap_or_else(|p| {
            found.line(i, "mean_score", p);
            None
        });
        entries.push(OutcomeEntry {
            year,
            term,
            grade: field("grade").to_string(),
            subject: subject.clone(),
            sex: line.sex.to_string(),
            group: line.group.as_ref().map(|(code, _)| code.clone()),
            enrolled,
            assessed,
            mean_score,
            below_basic,
            basic,
            proficient,
            advanced,
            promoted,
            repeating,
            dropped_out,
        });
        line_of.push(i);
    }
    if entries.is_empty() && found.problems.is_empty() {
        found.other(Problem::new("nothing-entered"));
    }
    let outcome = if found.problems.is_empty() {
        outcomes::enter(&state.db, actor, id, &entries).await.map_err(Error::from)
    } else {
        Err(Error::Invalid(Vec::new()))
    };
    match outcome {
        Ok(rows) => {
            let q = |k: &str| format!("{k}={}", encode(field(k)));
            let to = format!(
                "/data/schools/{id}/outcomes?{}&{}&{}&{}&saved={rows}",
                q("year"),
                q("term"),
                q("grade"),
                q("subject")
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(Error::Invalid(refused)) => {
            for p in refused {
                let column = p.column.clone().unwrap_or_default();
                match p.row.and_then(|r| line_of.get(r.wrapping_sub(1)).copied()) {
                    Some(i) if FIELDS.iter().any(|(f, _)| *f == column) => found.line(i, &column, p),
                    _ if HEADER.iter().any(|(f, _)| *f == column) => found.header(&column, p),
                    _ => found.other(p),
                }
            }
            let typed = Typed { fields: &fields, problems: found.problems, invalid: found.invalid };
            render(&state, &ctx, id, &name, typed, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// Percent-encodes a value for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_names_the_entry_route() {
        let doc = (super::super::AREA.openapi)();
        let item = doc.paths.paths.get("/api/v1/schools/{id}/outcomes").expect("the entry route");
        assert!(item.post.is_some());
        let schemas = doc.components.expect("components").schemas;
        assert!(schemas.contains_key("OutcomeEntries") && schemas.contains_key("EnteredOutcomes"));
    }
}
