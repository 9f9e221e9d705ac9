//! School improvement plans over HTTP: the API (read, write whole, the sign-off steps,
//! the versions kept) and the plan page, where the school's leader edits the plan and
//! submits it and an officer over the school approves or returns it.

use super::chart;
use crate::model::{Plan, PlanActionInput, PlanInput, PlanStepInput, PlanSummary, PlanVersion, PriorityInput};
use crate::store::{engine, plans};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Json, Router};
use opencpd_domain::Problem;
use opencpd_domain::indicators::plan::{ActionStatus, PlanStep};
use opencpd_http::{AppState, CsrfForm, Ctx, Error, Id, Result};
use serde::Serialize;
use std::collections::BTreeMap;

pub(super) fn api_routes(r: Router<AppState>) -> Router<AppState> {
    use axum::routing::{get, post};
    r.route("/schools/{id}/plans", get(list_plans))
        .route("/schools/{id}/plans/{year}", get(get_plan).put(save_plan))
        .route("/schools/{id}/plans/{year}/versions", get(plan_versions))
        .route("/schools/{id}/plans/{year}/submit", post(submit_plan))
        .route("/schools/{id}/plans/{year}/approve", post(approve_plan))
        .route("/schools/{id}/plans/{year}/return", post(return_plan))
}

pub(super) fn page_routes(r: Router<AppState>) -> Router<AppState> {
    use axum::routing::{get, post};
    r.route("/data/schools/{id}/plans/{year}", get(plan_page).post(save_form))
        .route("/data/schools/{id}/plans/{year}/step", post(step_form))
}

/// A school and a year from the path; anything else is "not found".
fn school_year(path: std::result::Result<Path<(i64, i64)>, PathRejection>) -> Result<(i64, i64)> {
    path.map(|Path(p)| p).map_err(|_| Error::NotFound)
}

/// A school's improvement plans, newest year first.
#[utoipa::path(get, path = "/api/v1/schools/{id}/plans", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PlanSummary>), (status = 404, body = opencpd_http::ApiError)))]
pub(super) async fn list_plans(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<PlanSummary>>> {
    Ok(Json(plans::list(&state.db, ctx.actor()?, id).await?))
}

/// A school's plan for a year, each priority's indicator read from the data now, with its
/// sign-off state and history.
#[utoipa::path(get, path = "/api/v1/schools/{id}/plans/{year}", params(("id" = i64, Path), ("year" = i64, Path)),
    responses((status = 200, body = Plan), (status = 404, body = opencpd_http::ApiError)))]
pub(super) async fn get_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Json<Plan>> {
    let (id, year) = school_year(path)?;
    Ok(Json(plans::get(&state.db, ctx.actor()?, id, year).await?))
}

/// Writes a school's plan for a year whole: created without `version`, replaced with the
/// version read (an older one is a conflict). The school's leader only. A returned plan
/// becomes a draft; an approved plan stays approved when only its review (actions'
/// statuses and notes) changed, and becomes a draft to sign again otherwise; a submitted
/// plan is not edited (409) until the officer returns it.
#[utoipa::path(put, path = "/api/v1/schools/{id}/plans/{year}", params(("id" = i64, Path), ("year" = i64, Path)),
    request_body = PlanInput,
    responses((status = 200, body = Plan), (status = 403, body = opencpd_http::ApiError), (status = 404, body = opencpd_http::ApiError),
        (status = 409, body = opencpd_http::ApiError), (status = 422, body = opencpd_http::ApiError)))]
pub(super) async fn save_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
    body: std::result::Result<Json<PlanInput>, JsonRejection>,
) -> Result<Json<Plan>> {
    let (id, year) = school_year(path)?;
    let actor = ctx.actor()?;
    let Json(input) = body?;
    Ok(Json(plans::save(&state.db, actor, id, year, &input).await?))
}

/// Every version of the plan as it was saved, oldest first.
#[utoipa::path(get, path = "/api/v1/schools/{id}/plans/{year}/versions", params(("id" = i64, Path), ("year" = i64, Path)),
    responses((status = 200, body = Vec<PlanVersion>), (status = 404, body = opencpd_http::ApiError)))]
pub(super) async fn plan_versions(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Json<Vec<PlanVersion>>> {
    let (id, year) = school_year(path)?;
    Ok(Json(plans::versions(&state.db, ctx.actor()?, id, year).await?))
}

async fn api_step(
    state: AppState,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
    body: std::result::Result<Json<PlanStepInput>, JsonRejection>,
    step: PlanStep,
) -> Result<Json<Plan>> {
    let (id, year) = school_year(path)?;
    let actor = ctx.actor()?;
    let Json(input) = body?;
    Ok(Json(plans::step(&state.db, actor, id, year, step, &input).await?))
}

/// The school's leader submits a draft or returned plan, on the version read, for sign-off.
#[utoipa::path(post, path = "/api/v1/schools/{id}/plans/{year}/submit", params(("id" = i64, Path), ("year" = i64, Path)),
    request_body = PlanStepInput,
    responses((status = 200, body = Plan), (status = 403, body = opencpd_http::ApiError), (status = 404, body = opencpd_http::ApiError),
        (status = 409, body = opencpd_http::ApiError), (status = 422, body = opencpd_http::ApiError)))]
pub(super) async fn submit_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
    body: std::result::Result<Json<PlanStepInput>, JsonRejection>,
) -> Result<Json<Plan>> {
    api_step(state, ctx, path, body, PlanStep::Submit).await
}

/// An officer whose scope covers the school approves the submitted plan.
#[utoipa::path(post, path = "/api/v1/schools/{id}/plans/{year}/approve", params(("id" = i64, Path), ("year" = i64, Path)),
    request_body = PlanStepInput,
    responses((status = 200, body = Plan), (status = 403, body = opencpd_http::ApiError), (status = 404, body = opencpd_http::ApiError),
        (status = 409, body = opencpd_http::ApiError), (status = 422, body = opencpd_http::ApiError)))]
pub(super) async fn approve_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
    body: std::result::Result<Json<PlanStepInput>, JsonRejection>,
) -> Result<Json<Plan>> {
    api_step(state, ctx, path, body, PlanStep::Approve).await
}

/// An officer whose scope covers the school returns the submitted plan to its leader, with
/// a `reason` (required: 422 naming it when absent).
#[utoipa::path(post, path = "/api/v1/schools/{id}/plans/{year}/return", params(("id" = i64, Path), ("year" = i64, Path)),
    request_body = PlanStepInput,
    responses((status = 200, body = Plan), (status = 403, body = opencpd_http::ApiError), (status = 404, body = opencpd_http::ApiError),
        (status = 409, body = opencpd_http::ApiError), (status = 422, body = opencpd_http::ApiError)))]
pub(super) async fn return_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
    body: std::result::Result<Json<PlanStepInput>, JsonRejection>,
) -> Result<Json<Plan>> {
    api_step(state, ctx, path, body, PlanStep::Return).await
}

/// A priority row of the form, as typed.
#[derive(Debug, Default, Clone, Serialize)]
struct PriorityRow {
    title: String,
    indicator: String,
    baseline_year: String,
    target: String,
    due_on: String,
}

/// An action row of the form, as typed.
#[derive(Debug, Default, Clone, Serialize)]
struct ActionRow {
    title: String,
    priority: String,
    owner_id: String,
    due_on: String,
    status: String,
    review_note: String,
}

/// The edit form as typed (or as the plan stands), with blank rows to add more.
#[derive(Debug, Default, Clone, Serialize)]
struct PlanForm {
    version: String,
    title: String,
    priorities: Vec<PriorityRow>,
    actions: Vec<ActionRow>,
}

/// Blank rows the form offers after those filled.
const SPARE: usize = 2;

impl PlanForm {
    fn of(plan: &Plan) -> PlanForm {
        PlanForm {
            version: plan.version.to_string(),
            title: plan.title.clone(),
            priorities: plan
                .priorities
                .iter()
                .map(|p| PriorityRow {
                    title: p.title.clone(),
                    indicator: p.indicator.clone(),
                    baseline_year: p.baseline_year.to_string(),
                    target: p.target.to_string(),
                    due_on: p.due_on.clone(),
                })
                .collect(),
            actions: plan
                .actions
                .iter()
                .map(|a| ActionRow {
                    title: a.title.clone(),
                    priority: a.priority.map(|p| p.to_string()).unwrap_or_default(),
                    owner_id: a.owner_id.to_string(),
                    due_on: a.due_on.clone(),
                    status: a.status.clone(),
                    review_note: a.review_note.clone(),
                })
                .collect(),
        }
    }

    /// The form's fields: `title`, `version`, `priorities[0].title`, `actions[1].owner_id`…
    fn read(fields: &[(String, String)]) -> PlanForm {
        let mut form = PlanForm::default();
        let mut priorities: BTreeMap<usize, PriorityRow> = BTreeMap::new();
        let mut actions: BTreeMap<usize, ActionRow> = BTreeMap::new();
        for (name, value) in fields {
            let value = value.clone();
            match name.as_str() {
                "title" => form.title = value,
                "version" => form.version = value,
                _ => {
                    let Some((list, rest)) = name.split_once('[') else { continue };
                    let Some((index, field)) = rest.split_once("].") else { continue };
                    let Ok(i) = index.parse::<usize>() else { continue };
                    if i >= 100 {
                        continue;
                    }
                    match list {
                        "priorities" => {
                            let row = priorities.entry(i).or_default();
                            match field {
                                "title" => row.title = value,
                                "indicator" => row.indicator = value,
                                "baseline_year" => row.baseline_year = value,
                                "target" => row.target = value,
                                "due_on" => row.due_on = value,
                                _ => {}
                            }
                        }
                        "actions" => {
                            let row = actions.entry(i).or_default();
                            match field {
                                "title" => row.title = value,
                                "priority" => row.priority = value,
                                "owner_id" => row.owner_id = value,
                                "due_on" => row.due_on = value,
                                "status" => row.status = value,
                                "review_note" => row.review_note = value,
                                _ => {}
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        // A row left blank is no row: clearing a row removes it.
        form.priorities = priorities
            .into_values()
            .filter(|p| ![&p.title, &p.indicator, &p.target, &p.due_on].iter().all(|v| v.trim().is_empty()))
            .collect();
        form.actions = actions
            .into_values()
            .filter(|a| ![&a.title, &a.owner_id, &a.due_on, &a.review_note].iter().all(|v| v.trim().is_empty()))
            .collect();
        form
    }

    /// The plan to save, or the problems of fields that are not even numbers.
    fn input(&self) -> std::result::Result<PlanInput, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut number = |text: &str, column: String, required: bool| -> Option<f64> {
            let text = text.trim();
            if text.is_empty() {
                if required {
                    problems.push(Problem::new("required").in_column(column));
                }
                return None;
            }
            match text.replace(',', ".").parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    problems.push(Problem::new("bad-number").with_value(text).in_column(column));
                    None
                }
            }
        };
        let version = number(&self.version, "version".into(), false).map(|v| v as i64);
        let mut priorities = Vec::new();
        for (i, p) in self.priorities.iter().enumerate() {
            let target = number(&p.target, format!("priorities[{i}].target"), true);
            let baseline_year = number(&p.baseline_year, format!("priorities[{i}].baseline_year"), false);
            priorities.push(PriorityInput {
                title: p.title.clone(),
                indicator: p.indicator.clone(),
                baseline_year: baseline_year.map(|y| y as i64),
                target: target.unwrap_or(0.0),
                due_on: p.due_on.clone(),
            });
        }
        let mut actions = Vec::new();
        for (i, a) in self.actions.iter().enumerate() {
            let owner = number(&a.owner_id, format!("actions[{i}].owner_id"), true);
            let priority = number(&a.priority, format!("actions[{i}].priority"), false);
            actions.push(PlanActionInput {
                title: a.title.clone(),
                priority: priority.map(|p| p as i64),
                owner_id: owner.map(|o| o as i64).unwrap_or(0),
                due_on: a.due_on.clone(),
                status: (!a.status.trim().is_empty()).then(|| a.status.clone()),
                review_note: Some(a.review_note.clone()),
            });
        }
        if problems.is_empty() {
            Ok(PlanInput { version, title: self.title.clone(), priorities, actions })
        } else {
            Err(problems)
        }
    }

    fn with_spare_rows(mut self) -> PlanForm {
        for _ in 0..SPARE {
            self.priorities.push(PriorityRow::default());
            self.actions.push(ActionRow { status: "planned".into(), ..ActionRow::default() });
        }
        self
    }
}

/// What the page says after a form: the problems in order, and each by its field.
#[derive(Default)]
struct Outcome {
    problems: Vec<String>,
    by_field: BTreeMap<String, String>,
    form: Option<PlanForm>,
    reason: String,
    status: Option<StatusCode>,
}

impl Outcome {
    fn of(e: &Error, lang: &str) -> Outcome {
        let mut o = Outcome { status: Some(e.status()), ..Outcome::default() };
        for p in e.problems() {
            o.problems.push(p.located(lang));
            if let Some(c) = &p.column {
                o.by_field.entry(c.clone()).or_insert_with(|| p.message(lang));
            }
        }
        o
    }
}

/// A school's plan page: each priority's indicator now against its baseline and target,
/// with a small chart, then the actions, the sign-off and the history of versions. The
/// school's leader edits it here (a school with no plan for the year gets an empty form).
async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
) -> Result<Response> {
    let (id, year) = school_year(path)?;
    render(&state, &ctx, id, year, Outcome::default()).await
}

async fn render(state: &AppState, ctx: &Ctx, school_id: i64, year: i64, outcome: Outcome) -> Result<Response> {
    use opencpd_http::render::value as v;
    let actor = ctx.actor()?;
    let plan = match plans::get(&state.db, actor, school_id, year).await {
        Ok(plan) => Some(plan),
        Err(opencpd_kernel::Error::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let school = crate::store::dashboard::place_name(&state.db, actor, crate::model::Place::School(school_id)).await?;
    let editable = match &plan {
        Some(p) => p.editable,
        None => plans::may_write(&state.db, actor, school_id).await?,
    };
    if plan.is_none() && !editable {
        return Err(Error::NotFound);
    }
    let charts: Vec<minijinja::Value> = plan
        .iter()
        .flat_map(|p| p.priorities.iter())
        .map(|p| minijinja::Value::from_safe_string(chart::priority(p)))
        .collect();
    let (form, indicators, staff) = if editable {
        let form = outcome.form.clone().unwrap_or_else(|| plan.as_ref().map(PlanForm::of).unwrap_or_default());
        let indicators: Vec<(String, String)> = engine::indicators(&state.db)
            .await?
            .into_iter()
            .map(|i| (i.code, if ctx.lang == "fr" { i.name_fr } else { i.name_en }))
            .collect();
        (Some(form.with_spare_rows()), indicators, plans::staff(&state.db, actor, school_id).await?)
    } else {
        (None, Vec::new(), Vec::new())
    };
    let versions = match &plan {
        Some(_) => plans::versions(&state.db, actor, school_id, year).await?,
        None => Vec::new(),
    };
    let statuses: Vec<&str> = ActionStatus::ALL.iter().map(|s| s.key()).collect();
    let returned_reason =
        plan.as_ref().and_then(|p| p.history.iter().rev().find(|e| e.event == "returned").map(|e| e.reason.clone()));
    let html = state.templates.page(
        ctx,
        "indicators/plan.html",
        minijinja::context! {
            plan => v(&plan), school, school_id, year, charts, editable, form => v(&form), indicators, staff,
            statuses, versions => v(&versions), problems => outcome.problems, errors => outcome.by_field,
            reason => outcome.reason, returned_reason,
        },
    )?;
    Ok((outcome.status.unwrap_or(StatusCode::OK), html).into_response())
}

/// The leader's edit form: saved whole, then back to the page; problems shown by field
/// with what was typed kept.
async fn save_form(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let (id, year) = school_year(path)?;
    let actor = ctx.actor()?;
    let form = PlanForm::read(&fields);
    let saved = match form.input() {
        Ok(input) => plans::save(&state.db, actor, id, year, &input).await.map_err(Error::from),
        Err(problems) => Err(Error::Invalid(problems)),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/data/schools/{id}/plans/{year}#plan-state")).into_response()),
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let outcome = Outcome { form: Some(form), ..Outcome::of(&e, ctx.lang) };
            render(&state, &ctx, id, year, outcome).await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
struct StepForm {
    step: String,
    version: String,
    #[serde(default)]
    reason: Option<String>,
}

/// A sign-off button: submit, approve, or return with the reason typed beside it.
async fn step_form(
    State(state): State<AppState>,
    ctx: Ctx,
    path: std::result::Result<Path<(i64, i64)>, PathRejection>,
    CsrfForm(form): CsrfForm<StepForm>,
) -> Result<Response> {
    let (id, year) = school_year(path)?;
    let actor = ctx.actor()?;
    let step = PlanStep::parse(&form.step).map_err(|p| Error::Invalid(vec![p.in_column("step")]))?;
    let version = form.version.trim().parse::<i64>().map_err(|_| {
        Error::Invalid(vec![Problem::new("bad-number").with_value(form.version.trim()).in_column("version")])
    })?;
    let input = PlanStepInput { version, reason: form.reason.clone() };
    match plans::step(&state.db, actor, id, year, step, &input).await.map_err(Error::from) {
        Ok(_) => Ok(Redirect::to(&format!("/data/schools/{id}/plans/{year}#plan-state")).into_response()),
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let outcome = Outcome { reason: form.reason.unwrap_or_default(), ..Outcome::of(&e, ctx.lang) };
            render(&state, &ctx, id, year, outcome).await
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_form_reads_its_rows_and_leaves_blank_ones_out() {
        let form = PlanForm::read(&f(&[
            ("csrf", "x"),
            ("version", "3"),
            ("title", "Reading"),
            ("priorities[0].title", "More readers"),
            ("priorities[0].indicator", "proficiency-rate"),
            ("priorities[0].target", "60,5"),
            ("priorities[0].due_on", "2025-06-30"),
            ("priorities[1].title", ""),
            ("priorities[1].target", " "),
            ("actions[0].title", "Reading corner"),
            ("actions[0].owner_id", "12"),
            ("actions[0].due_on", "2025-03-01"),
            ("actions[0].status", "done"),
            ("actions[1].status", "planned"),
            ("actions[2].title", "No owner"),
        ]));
        assert_eq!((form.priorities.len(), form.actions.len()), (1, 2));
        let problems = form.input().unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column.as_deref(), Some("actions[1].owner_id"));
        assert_eq!(problems[0].code, "required");
        let mut ok = form.clone();
        ok.actions.truncate(1);
        let input = ok.input().unwrap();
        assert_eq!((input.version, input.priorities[0].target, input.actions[0].owner_id), (Some(3), 60.5, 12));
    }
}
