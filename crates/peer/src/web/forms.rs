//! The pages that set up what the meetings and visits rest on: a new PLC (its place picked
//! from the units and schools the reader reads, its people found by name and given a role),
//! an action point between meetings (its status, due day and a note, with its history),
//! the coaching relations of a programme (coach and coachee found by name), and the
//! feedback bands of the rubric domains.
//!
//! Pickers offer only what exists and what the reader reads; the store checks everything
//! again. People are found by a search button that sends the form back with what was
//! written so far (no script: the CSP allows none). A form refused shows every problem,
//! each naming its field, at the top and beside the field, with what was sent; nothing is
//! stored.

use super::pages::{Sent, given, text};
use crate::model::*;
use crate::store::choices::{self, PersonChoice};
use crate::store::{coaching, may, plcs};
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_http::csrf::CsrfForm;
use opencpd_http::render::value as v;
use opencpd_http::{AppState, Ctx, Error, Id, Result, ok};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub(super) fn pages() -> Router<AppState> {
    Router::new()
        .route("/plcs/new", get(new_plc_page).post(new_plc_form))
        .route("/plcs/{id}/edit", get(edit_plc_page).post(edit_plc_form))
        .route("/peer/terms", get(terms_page).post(terms_form))
        .route("/plc-models", get(models_page).post(models_form))
        .route("/action-points/{id}", get(action_point_page).post(action_point_form))
        .route("/coaching/relations", get(relations_page).post(relations_form))
        .route("/feedback-bands", get(bands_page).post(bands_form))
}

/// Rows of bands on the bands form.
const BAND_ROWS: usize = 5;

/// A form refused: its status, every problem located (the list at the top), and the
/// messages of each field, under the field's full name (`bands[1].label`) and its root
/// (`bands`).
pub(super) struct Refusal {
    pub(super) status: StatusCode,
    problems: Vec<String>,
    fields: HashMap<String, Vec<String>>,
}

impl Refusal {
    pub(super) fn none() -> Refusal {
        Refusal { status: StatusCode::OK, problems: Vec::new(), fields: HashMap::new() }
    }

    /// The refusal of `e` in the reader's language; errors that are not a refusal pass.
    pub(super) fn of(ctx: &Ctx, e: Error) -> Result<Refusal> {
        match e {
            e @ (Error::Invalid(_) | Error::Conflict(_)) => {
                let mut fields: HashMap<String, Vec<String>> = HashMap::new();
                for p in e.problems() {
                    if let Some(column) = &p.column {
                        let message = p.message(ctx.lang);
                        let root = column.split(['[', '.']).next().unwrap_or(column);
                        let item = column.split('.').next().unwrap_or(column);
                        let mut keys: Vec<&str> = Vec::new();
                        for key in [column.as_str(), root, item] {
                            if !keys.contains(&key) {
                                keys.push(key);
                            }
                        }
                        for key in keys {
                            fields.entry(key.to_string()).or_default().push(message.clone());
                        }
                    }
                }
                Ok(Refusal {
                    status: e.status(),
                    problems: e.problems().iter().map(|p| p.located(ctx.lang)).collect(),
                    fields,
                })
            }
            e => Err(e),
        }
    }

    /// The messages of one field (or one row: `bands[1]`).
    fn of_field(&self, key: &str) -> Vec<String> {
        self.fields.get(key).cloned().unwrap_or_default()
    }

    pub(super) fn context(&self) -> minijinja::Value {
        minijinja::context! {
            problems => (!self.problems.is_empty()).then_some(&self.problems), errors => v(&self.fields),
        }
    }
}

/// A person on a form's list of people: who they are, and the role the form gives them
/// (empty: not chosen).
#[derive(Debug, Serialize)]
struct PersonRow {
    #[serde(flatten)]
    person: PersonChoice,
    chosen: String,
}

/// The people a form lists: those sent with a role (kept, in order), then those the search
/// finds that are not among them.
async fn person_rows(state: &AppState, ctx: &Ctx, chosen: &[(i64, String)], q: Option<&str>) -> Result<Vec<PersonRow>> {
    let actor = ctx.actor()?;
    let ids: Vec<i64> = chosen.iter().map(|(id, _)| *id).collect();
    let mut rows: Vec<PersonRow> = choices::people_by_id(&state.db, &ids)
        .await?
        .into_iter()
        .map(|person| {
            let chosen = chosen.iter().find(|(id, _)| *id == person.id).map(|(_, r)| r.clone()).unwrap_or_default();
            PersonRow { person, chosen }
        })
        .collect();
    if let Some(q) = q {
        for person in choices::find_people(&state.db, actor, q).await? {
            if !ids.contains(&person.id) {
                rows.push(PersonRow { person, chosen: String::new() });
            }
        }
    }
    Ok(rows)
}

/// The people a form sent with a role: `person` gives each id listed, `role_{id}` its role
/// (empty: left out). Ids that are not numbers are problems naming `column`.
fn chosen_people(sent: &Sent, column: &str, problems: &mut Vec<Problem>) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = Vec::new();
    for id in sent.ids("person", column, problems) {
        let role = sent.one(&format!("role_{id}"));
        if !role.is_empty() && !out.iter().any(|(i, _)| *i == id) {
            out.push((id, role));
        }
    }
    out
}

// ---------------------------------------------------------------- a new PLC

async fn new_plc_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    may(ctx.actor()?, Action::ManageCohorts)?;
    render_plc_form(&state, &ctx, None, None, &[], None, Refusal::none()).await
}

/// The PLC an edit form is about: its id, code and the version the editor read.
struct Editing {
    id: i64,
    code: String,
    version: i64,
}

#[allow(clippy::too_many_arguments)]
async fn render_plc_form(
    state: &AppState,
    ctx: &Ctx,
    editing: Option<&Editing>,
    sent: Option<&Sent>,
    chosen: &[(i64, String)],
    q: Option<&str>,
    refusal: Refusal,
) -> Result<Response> {
    let people = person_rows(state, ctx, chosen, q).await?;
    let html = state.templates.page(
        ctx,
        "peer/plc_form.html",
        minijinja::context! {
            levels => PlcLevel::keys(), roles => MemberRole::keys(),
            programmes => v(&choices::programmes(&state.db).await?), models => v(&choices::models(&state.db).await?),
            people => v(&people), searched => q.is_some(), q => q.unwrap_or(""),
            sent => sent.map(|s| v(&s.map())),
            edit => editing.map(|e| minijinja::context! { id => e.id, code => &e.code, version => e.version }),
            ..refusal.context(),
        },
    )?;
    Ok((refusal.status, html).into_response())
}

/// A PLC from the form: its fields, and its people grouped by the role each was given.
fn plc_from_form(sent: &Sent, chosen: &[(i64, String)], problems: &mut Vec<Problem>) -> PlcInput {
    let meetings = sent.one("meetings_per_term");
    let meetings_per_term = match meetings.parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            let p = if meetings.is_empty() { Problem::new("required") } else { Problem::new("bad-number") };
            problems.push(p.in_column("meetings_per_term").with_value(meetings));
            0
        }
    };
    let mut input = PlcInput {
        code: sent.one("code"),
        name: sent.one("name"),
        level: sent.one("level"),
        unit_code: sent.optional("unit_code"),
        school_code: sent.optional("school_code"),
        programme_code: sent.optional("programme_code"),
        model_code: sent.optional("model_code"),
        meetings_per_term,
        ..Default::default()
    };
    for (id, role) in chosen {
        match MemberRole::parse(role) {
            Ok(MemberRole::Facilitator) => input.facilitators.push(*id),
            Ok(MemberRole::SupportingOfficer) => input.supporting_officers.push(*id),
            Ok(MemberRole::Member) => input.members.push(*id),
            Err(p) => problems.push(p.in_column(format!("role_{id}"))),
        }
    }
    input
}

async fn new_plc_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    may(actor, Action::ManageCohorts)?;
    let sent = Sent(fields);
    let mut problems = Vec::new();
    let chosen = chosen_people(&sent, "person", &mut problems);
    if sent.one("do") == "find" {
        let q = sent.one("q");
        return render_plc_form(&state, &ctx, None, Some(&sent), &chosen, Some(&q), Refusal::none()).await;
    }
    let input = plc_from_form(&sent, &chosen, &mut problems);
    let outcome = if problems.is_empty() {
        plcs::create_plc(&state.db, actor, &input).await.map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    match outcome {
        Ok(plc) => Ok(Redirect::to(&format!("/plcs/{}", plc.id)).into_response()),
        Err(e) => {
            let refusal = Refusal::of(&ctx, e)?;
            render_plc_form(&state, &ctx, None, Some(&sent), &chosen, None, refusal).await
        }
    }
}

// ---------------------------------------------------------------- editing a PLC

/// The edit form of a PLC, filled with what it is now: its people listed with their roles
/// (a role set to "Not in the PLC" removes someone; finding people adds them).
async fn edit_plc_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    let actor = ctx.actor()?;
    let g = plcs::plc_to_edit(&state.db, actor, id).await?;
    let now = plcs::plc_as_update(&state.db, actor, id).await?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let sent = Sent(vec![
        ("name".into(), now.name.clone()),
        ("level".into(), now.level.clone()),
        ("unit_code".into(), text(&now.unit_code)),
        ("school_code".into(), text(&now.school_code)),
        ("programme_code".into(), text(&now.programme_code)),
        ("model_code".into(), text(&now.model_code)),
        ("meetings_per_term".into(), now.meetings_per_term.to_string()),
    ]);
    let chosen: Vec<(i64, String)> = [
        (&now.facilitators, MemberRole::Facilitator),
        (&now.supporting_officers, MemberRole::SupportingOfficer),
        (&now.members, MemberRole::Member),
    ]
    .iter()
    .flat_map(|(ids, role)| ids.iter().map(move |id| (*id, role.key().to_string())))
    .collect();
    let editing = Editing { id, code: g.code, version: now.version };
    render_plc_form(&state, &ctx, Some(&editing), Some(&sent), &chosen, None, Refusal::none()).await
}

/// An edit of a PLC from its form, on the version the form was drawn from: saved and back
/// to the PLC's page, or refused with every problem and nothing changed.
async fn edit_plc_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let g = plcs::plc_to_edit(&state.db, actor, id).await?;
    let sent = Sent(fields);
    let mut problems = Vec::new();
    let version = sent.one("version").parse::<i64>().unwrap_or_else(|_| {
        problems.push(Problem::new("bad-number").in_column("version").with_value(sent.one("version")));
        0
    });
    let editing = Editing { id, code: g.code, version };
    let chosen = chosen_people(&sent, "person", &mut problems);
    if sent.one("do") == "find" {
        let q = sent.one("q");
        return render_plc_form(&state, &ctx, Some(&editing), Some(&sent), &chosen, Some(&q), Refusal::none()).await;
    }
    let input = plc_from_form(&sent, &chosen, &mut problems);
    let update = PlcUpdate {
        name: input.name,
        level: input.level,
        unit_code: input.unit_code,
        school_code: input.school_code,
        programme_code: input.programme_code,
        model_code: input.model_code,
        meetings_per_term: input.meetings_per_term,
        facilitators: input.facilitators,
        supporting_officers: input.supporting_officers,
        members: input.members,
        version,
    };
    let outcome = if problems.is_empty() {
        plcs::update_plc(&state.db, actor, id, &update).await.map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    match outcome {
        Ok(plc) => Ok(Redirect::to(&format!("/plcs/{}", plc.id)).into_response()),
        Err(e) => {
            let refusal = Refusal::of(&ctx, e)?;
            render_plc_form(&state, &ctx, Some(&editing), Some(&sent), &chosen, None, refusal).await
        }
    }
}

// ---------------------------------------------------------------- terms and PLC models

/// The deployment's terms, newest first, and a form adding one: for those who set the
/// deployment's programmes up.
async fn terms_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    ctx.actor()?.require(Action::ManageProgrammes, &Target::Deployment)?;
    render_terms(&state, &ctx, None, None, Refusal::none()).await
}

async fn render_terms(
    state: &AppState,
    ctx: &Ctx,
    sent: Option<&Sent>,
    notice: Option<String>,
    refusal: Refusal,
) -> Result<Response> {
    let terms = plcs::terms(&state.db).await?;
    let html = state.templates.page(
        ctx,
        "peer/terms.html",
        minijinja::context! {
            terms => v(&terms), notice, sent => sent.map(|s| v(&s.map())), ..refusal.context(),
        },
    )?;
    Ok((refusal.status, html).into_response())
}

async fn terms_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let sent = Sent(fields);
    let input = TermInput { name: sent.one("name"), start_on: sent.one("start_on"), end_on: sent.one("end_on") };
    match plcs::create_term(&state.db, actor, &input).await {
        Ok(t) => {
            let notice = opencpd_domain::i18n::catalog().text(ctx.lang, "peer-term-added", &[("name", t.name)]);
            render_terms(&state, &ctx, None, Some(notice), Refusal::none()).await
        }
        Err(e) => {
            let refusal = Refusal::of(&ctx, e.into())?;
            render_terms(&state, &ctx, Some(&sent), None, refusal).await
        }
    }
}

/// The PLC models (the steps of a meeting cycle) and a form adding one: for those who set
/// the deployment's programmes up.
async fn models_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    ctx.actor()?.require(Action::ManageProgrammes, &Target::Deployment)?;
    render_models(&state, &ctx, None, None, Refusal::none()).await
}

async fn render_models(
    state: &AppState,
    ctx: &Ctx,
    sent: Option<&Sent>,
    notice: Option<String>,
    refusal: Refusal,
) -> Result<Response> {
    let models = plcs::models(&state.db).await?;
    let html = state.templates.page(
        ctx,
        "peer/models.html",
        minijinja::context! {
            models => v(&models), notice, sent => sent.map(|s| v(&s.map())), ..refusal.context(),
        },
    )?;
    Ok((refusal.status, html).into_response())
}

/// A model's steps from the form: one a line, blank lines left out.
fn steps_from_form(sent: &Sent) -> Vec<String> {
    sent.one("steps").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

async fn models_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let sent = Sent(fields);
    let input = PlcModelInput { code: sent.one("code"), name: sent.one("name"), steps: steps_from_form(&sent) };
    match plcs::create_model(&state.db, actor, &input).await {
        Ok(m) => {
            let notice = opencpd_domain::i18n::catalog().text(ctx.lang, "peer-model-added", &[("name", m.name)]);
            render_models(&state, &ctx, None, Some(notice), Refusal::none()).await
        }
        Err(e) => {
            let refusal = Refusal::of(&ctx, e.into())?;
            render_models(&state, &ctx, Some(&sent), None, refusal).await
        }
    }
}

// ---------------------------------------------------------------- an action point

async fn action_point_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    render_action_point(&state, &ctx, id, None, None, Refusal::none()).await
}

async fn render_action_point(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    sent: Option<&Sent>,
    notice: Option<String>,
    refusal: Refusal,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let (point, change) = plcs::action_point(&state.db, actor, id).await?;
    let plc = plcs::plc(&state.db, actor, point.plc_id).await?;
    let history = plcs::action_point_history(&state.db, actor, id).await?;
    let history: Vec<_> = history
        .iter()
        .map(|h| {
            minijinja::context! {
                at => h.at.format("%Y-%m-%d %H:%M").to_string(), actor => &h.actor, status => &h.status,
                due_on => h.due_on.to_string(), note => &h.note,
            }
        })
        .collect();
    let html = state.templates.page(
        ctx,
        "peer/action_point.html",
        minijinja::context! {
            point => v(&point), plc => v(&plc), history, change, statuses => ActionStatus::keys(),
            today => opencpd_kernel::today().to_string(), notice, sent => sent.map(|s| v(&s.map())),
            ..refusal.context(),
        },
    )?;
    Ok((refusal.status, html).into_response())
}

async fn action_point_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let sent = Sent(fields);
    let mut problems = Vec::new();
    let version = sent.one("version").parse::<i64>().unwrap_or_else(|_| {
        problems.push(Problem::new("bad-number").in_column("version").with_value(sent.one("version")));
        0
    });
    let input = ActionPointUpdate {
        id,
        status: sent.one("status"),
        due_on: sent.optional("due_on"),
        note: sent.optional("note"),
        version,
    };
    let outcome = if problems.is_empty() {
        plcs::update_action_point(&state.db, actor, &input).await.map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    match outcome {
        Ok(_) => {
            let notice = text(&ctx, "peer-point-saved");
            render_action_point(&state, &ctx, id, None, Some(notice), Refusal::none()).await
        }
        Err(e) => {
            let refusal = Refusal::of(&ctx, e)?;
            render_action_point(&state, &ctx, id, Some(&sent), None, refusal).await
        }
    }
}

// ---------------------------------------------------------------- coaching relations

#[derive(Debug, Deserialize, Default)]
struct ProgrammeQuery {
    programme: Option<String>,
}

async fn relations_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ProgrammeQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    render_relations(&state, &ctx, given(&q.programme), None, &[], None, None, Refusal::none()).await
}

#[allow(clippy::too_many_arguments)]
async fn render_relations(
    state: &AppState,
    ctx: &Ctx,
    programme: Option<&str>,
    sent: Option<&Sent>,
    chosen: &[(i64, String)],
    q: Option<&str>,
    notice: Option<String>,
    refusal: Refusal,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let programmes = choices::programmes(&state.db).await?;
    let programme = programme.map(str::to_string).or_else(|| programmes.first().map(|p| p.0.clone()));
    let relations = match &programme {
        Some(code) => coaching::relations(&state.db, actor, code).await?,
        None => Vec::new(),
    };
    let people = person_rows(state, ctx, chosen, q).await?;
    let html = state.templates.page(
        ctx,
        "peer/relations.html",
        minijinja::context! {
            programmes => v(&programmes), programme, relations => v(&relations),
            manage => actor.may(Action::ManageCohorts), people => v(&people), searched => q.is_some(),
            q => q.unwrap_or(""), today => opencpd_kernel::today().to_string(), notice,
            sent => sent.map(|s| v(&s.map())), ..refusal.context(),
        },
    )?;
    Ok((refusal.status, html).into_response())
}

async fn relations_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    may(actor, Action::ManageCohorts)?;
    let sent = Sent(fields);
    let programme = sent.optional("programme_code");
    let mut problems = Vec::new();
    let chosen = chosen_people(&sent, "person", &mut problems);
    if sent.one("do") == "find" {
        let q = sent.one("q");
        return render_relations(
            &state,
            &ctx,
            programme.as_deref(),
            Some(&sent),
            &chosen,
            Some(&q),
            None,
            Refusal::none(),
        )
        .await;
    }
    let one = |role: &str, field: &str, problems: &mut Vec<Problem>| {
        let picked: Vec<i64> = chosen.iter().filter(|(_, r)| r == role).map(|(id, _)| *id).collect();
        match picked.as_slice() {
            [id] => *id,
            [] => {
                problems.push(Problem::new("required").in_column(field));
                0
            }
            _ => {
                let ids: Vec<String> = picked.iter().map(i64::to_string).collect();
                problems.push(Problem::new("one-only").in_column(field).with_value(ids.join(", ")));
                0
            }
        }
    };
    let coach_id = one("coach", "coach_id", &mut problems);
    let coachee_id = one("coachee", "coachee_id", &mut problems);
    let input = RelationInput {
        programme_code: programme.clone().unwrap_or_default(),
        coach_id,
        coachee_id,
        start_on: sent.one("start_on"),
    };
    // Refused before the store: the day is checked too, so every problem shows at once.
    if !problems.is_empty()
        && let Err(p) = opencpd_domain::registry::parse_date(&input.start_on)
    {
        problems.push(p.in_column("start_on"));
    }
    let outcome = if problems.is_empty() {
        coaching::create_relation(&state.db, actor, &input).await.map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    match outcome {
        Ok(r) => {
            let notice = opencpd_domain::i18n::catalog().text(
                ctx.lang,
                "peer-relation-saved",
                &[("coach", r.coach_name.clone()), ("coachee", r.coachee_name.clone())],
            );
            render_relations(&state, &ctx, programme.as_deref(), None, &[], None, Some(notice), Refusal::none()).await
        }
        Err(e) => {
            let refusal = Refusal::of(&ctx, e)?;
            render_relations(&state, &ctx, programme.as_deref(), Some(&sent), &chosen, None, None, refusal).await
        }
    }
}

// ---------------------------------------------------------------- feedback bands

#[derive(Debug, Deserialize, Default)]
struct BandsQuery {
    domain: Option<String>,
    lang: Option<String>,
}

async fn bands_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<BandsQuery>, QueryRejection>,
) -> Result<Response> {
    ctx.actor()?.require(Action::ManageProgrammes, &Target::Deployment)?;
    let Query(q) = ok(q)?;
    let domain = given(&q.domain).unwrap_or("*").to_string();
    let lang = given(&q.lang).unwrap_or(ctx.lang).to_string();
    render_bands(&state, &ctx, &domain, &lang, None, None, Refusal::none()).await
}

async fn render_bands(
    state: &AppState,
    ctx: &Ctx,
    domain: &str,
    lang: &str,
    sent: Option<&Sent>,
    notice: Option<String>,
    refusal: Refusal,
) -> Result<Response> {
    let saved = choices::bands(&state.db).await?;
    // The form starts from the bands saved for this domain and language, else empty rows.
    let current = saved.iter().find(|(d, l, _)| d == domain && l == lang).map(|(_, _, b)| b.clone());
    // The rows sent with anything written, in order: the store names them by that order.
    let written = sent.map(written_rows).unwrap_or_default();
    let rows: Vec<_> = (0..BAND_ROWS)
        .map(|i| {
            let errors = written.iter().position(|r| *r == i).map(|n| refusal.of_field(&format!("bands[{n}]")));
            let band = current.as_ref().and_then(|b| b.get(i));
            let field = |name: &str, saved: Option<String>| -> String {
                match sent {
                    Some(s) => s.one(&format!("{name}_{i}")),
                    None => saved.unwrap_or_default(),
                }
            };
            minijinja::context! {
                i,
                min => field("min", band.map(|b| b.min.to_string())),
                max => field("max", band.map(|b| b.max.to_string())),
                label => field("label", band.map(|b| b.label.clone())),
                feedback => field("feedback", band.map(|b| b.feedback.clone())),
                errors,
            }
        })
        .collect();
    let saved: Vec<_> =
        saved.iter().map(|(d, l, b)| minijinja::context! { domain => d, lang => l, bands => v(b) }).collect();
    let langs: Vec<&str> = opencpd_domain::i18n::LANGUAGES.iter().map(|(c, _)| *c).collect();
    let html = state.templates.page(
        ctx,
        "peer/bands.html",
        minijinja::context! {
            saved, rows, domain, lang, langs, notice, ..refusal.context(),
        },
    )?;
    Ok((refusal.status, html).into_response())
}

/// The band rows of the form with anything written.
fn written_rows(sent: &Sent) -> Vec<usize> {
    (0..BAND_ROWS)
        .filter(|i| ["min", "max", "label", "feedback"].iter().any(|name| !sent.one(&format!("{name}_{i}")).is_empty()))
        .collect()
}

/// The bands of the form: the rows with anything written, in order. A bound that is not a
/// number is a problem naming its row's field (`bands[1].min`).
fn bands_from_form(sent: &Sent, problems: &mut Vec<Problem>) -> Vec<BandInput> {
    let mut out = Vec::new();
    for i in written_rows(sent) {
        let [min, max, label, feedback] =
            ["min", "max", "label", "feedback"].map(|name| sent.one(&format!("{name}_{i}")));
        let n = out.len();
        let mut number = |name: &str, value: &str| match value.replace(',', ".").parse::<f64>() {
            Ok(x) if x.is_finite() => x,
            _ => {
                let p = if value.is_empty() { Problem::new("required") } else { Problem::new("bad-number") };
                problems.push(p.in_column(format!("bands[{n}].{name}")).with_value(value));
                0.0
            }
        };
        let (min, max) = (number("min", &min), number("max", &max));
        out.push(BandInput { min, max, label, feedback });
    }
    out
}

async fn bands_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let sent = Sent(fields);
    let domain = sent.one("domain");
    let lang = sent.one("lang");
    let mut problems = Vec::new();
    let bands = bands_from_form(&sent, &mut problems);
    let input = BandsInput { domain: domain.clone(), lang: lang.clone(), bands };
    let outcome = if problems.is_empty() {
        coaching::save_bands(&state.db, actor, &input).await.map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    match outcome {
        Ok(_) => {
            let notice = text(&ctx, "peer-bands-saved");
            render_bands(&state, &ctx, domain.trim(), lang.trim(), None, Some(notice), Refusal::none()).await
        }
        Err(e) => {
            let refusal = Refusal::of(&ctx, e)?;
            render_bands(&state, &ctx, domain.trim(), lang.trim(), Some(&sent), None, refusal).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(pairs: &[(&str, &str)]) -> Sent {
        Sent(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_plc_form_groups_its_people_by_the_role_given_and_leaves_out_those_without() {
        let form = sent(&[
            ("code", "P-1"),
            ("meetings_per_term", "3"),
            ("person", "7"),
            ("role_7", "facilitator"),
            ("person", "8"),
            ("role_8", ""),
            ("person", "9"),
            ("role_9", "member"),
            ("person", "9"),
            ("person", "10"),
            ("role_10", "supporting_officer"),
        ]);
        let mut problems = Vec::new();
        let chosen = chosen_people(&form, "person", &mut problems);
        assert_eq!(chosen.len(), 3, "{chosen:?}");
        let input = plc_from_form(&form, &chosen, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((input.facilitators, input.supporting_officers, input.members), (vec![7], vec![10], vec![9]));
        assert_eq!(input.meetings_per_term, 3);
        let mut problems = Vec::new();
        plc_from_form(&sent(&[("meetings_per_term", "two")]), &[(4, "chief".into())], &mut problems);
        let columns: Vec<_> = problems.iter().map(|p| p.column.clone().unwrap_or_default()).collect();
        assert_eq!(columns, vec!["meetings_per_term", "role_4"]);
    }

    #[test]
    fn a_model_takes_one_step_a_line_and_leaves_blank_lines_out() {
        let form = sent(&[("steps", "Review action points\r\n\r\n  Share practice \nPlan\n")]);
        assert_eq!(steps_from_form(&form), vec!["Review action points", "Share practice", "Plan"]);
        assert!(steps_from_form(&sent(&[])).is_empty());
    }

    #[test]
    fn a_band_row_left_empty_is_skipped_and_a_bound_that_is_not_a_number_is_named() {
        let form = sent(&[
            ("min_0", "0"),
            ("max_0", "49,9"),
            ("label_0", "Emerging"),
            ("feedback_0", "Plan the next lesson together."),
            ("min_2", "50"),
            ("max_2", "lots"),
            ("label_2", "Secure"),
        ]);
        let mut problems = Vec::new();
        let bands = bands_from_form(&form, &mut problems);
        assert_eq!(bands.len(), 2);
        assert_eq!(bands[0].max, 49.9);
        let columns: Vec<_> = problems.iter().map(|p| p.column.clone().unwrap_or_default()).collect();
        assert_eq!(columns, vec!["bands[1].max"]);
    }
}
