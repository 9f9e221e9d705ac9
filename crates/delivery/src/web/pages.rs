//! Server-rendered pages of delivery. Forms carry the session's CSRF token; a refused
//! change is shown on the page it came from, in the reader's language.

use super::api::{ReachQuery, YearQuery, year_of};
use crate::store::attendance::{self, Mark, MarkInput, SessionInput};
use crate::store::certificates::Revocation;
use crate::store::cohorts::{self, ApplicationInput, CohortInput, CohortUpdate, Decision, EnrolInput, Withdrawal};
use crate::store::{catalogue, certificates, costs, record, reports};
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::delivery::{CostCategory, CourseKind, Measure, Modality, parse_cost_amount};
use opencpd_http::AppState;
use opencpd_http::auth::{Ctx, Id};
use opencpd_http::csrf::{CsrfForm, NoFields};
use opencpd_http::error::{Error, Result};
use opencpd_http::render::ListView;
use opencpd_kernel::paging::Page;
use opencpd_outreach::store::awards::{self, AwardInput};
use opencpd_outreach::store::outreach::{self, OutreachFilter};
use opencpd_outreach::web::kind_names;
use serde::Deserialize;
use std::collections::HashMap;

use opencpd_http::render::value as v;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes", get(programmes_page).post(create_programme_form))
        .route("/courses", get(courses_page).post(create_course_form))
        .route("/programmes/{id}", get(programme_page))
        .route("/programmes/{id}/costs", post(create_cost_form))
        .route("/programme-costs/{id}/edit", get(edit_cost_page).post(edit_cost_form))
        .route("/programme-costs/{id}/delete", post(delete_cost_form))
        .route("/courses/{id}", get(course_page))
        .route("/programmes/{id}/edit", get(edit_programme_page).post(edit_programme_form))
        .route("/courses/{id}/edit", get(edit_course_page).post(edit_course_form))
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
        .route("/cohorts/{id}/edit", post(edit_cohort_form))
        .route("/enrolments/{id}/withdraw", post(withdraw_form))
        .route("/enrolments/{id}/reinstate", post(reinstate_form))
        .route("/people/{id}/awards", post(award_form))
}

async fn programmes_page(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Response> {
    let Query(page) = page?;
    render_programmes(&state, &ctx, &page, "", None, HashMap::new(), StatusCode::OK).await
}

/// The courses, paged, sorted and searched like the API.
async fn courses_page(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Html<String>> {
    let Query(page) = page?;
    ctx.actor()?;
    let courses = catalogue::course_list(&state.db, None, &page).await?;
    state.templates.page(
        &ctx,
        "delivery/courses.html",
        minijinja::context! { courses => v(&courses.items), list => ListView::of(&courses, &page) },
    )
}

/// The programmes, one page, with the forms to set up new programmes and courses for
/// those who may.
async fn render_programmes(
    state: &AppState,
    ctx: &Ctx,
    page: &Page,
    which: &str,
    problems: Option<Vec<String>>,
    form: HashMap<String, String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let list = catalogue::programme_list(&state.db, actor, page).await?;
    let programmes = catalogue::programmes(&state.db, actor).await?;
    let standards = catalogue::standards(&state.db).await?;
    let roles: Vec<&str> = opencpd_domain::registry::PositionRole::ALL.iter().map(|r| r.key()).collect();
    let html = state.templates.page(
        ctx,
        "delivery/programmes.html",
        minijinja::context! {
            items => v(&list.items), list => ListView::of(&list, page), programmes => v(&programmes),
            manage => actor.may(Action::ManageProgrammes),
            which, problems, form => v(&form), standards => v(&standards), roles, measures => v(&Measure::keys()),
            course_kinds => v(&CourseKind::keys()), modalities => v(&Modality::keys()),
        },
    )?;
    Ok((status, html).into_response())
}

/// What a page form's store call gives, once the fields read without problems; the
/// problems themselves otherwise (nothing is stored). Every form here takes this path.
async fn stored_if_read<T>(
    problems: Vec<Problem>,
    store: impl std::future::Future<Output = opencpd_kernel::Result<T>>,
) -> Result<T> {
    if problems.is_empty() { store.await.map_err(Error::from) } else { Err(Error::Invalid(problems)) }
}

/// A form's fields by name; a name given several times (check boxes) joins its values
/// with spaces.
fn fields_map(fields: &[(String, String)]) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    for (k, val) in fields {
        if k == "csrf" {
            continue;
        }
        out.entry(k.clone())
            .and_modify(|e| {
                e.push(' ');
                e.push_str(val);
            })
            .or_insert_with(|| val.clone());
    }
    out
}

fn field<'a>(form: &'a HashMap<String, String>, key: &str) -> &'a str {
    form.get(key).map(|s| s.trim()).unwrap_or("")
}

fn optional(form: &HashMap<String, String>, key: &str) -> Option<String> {
    Some(field(form, key).to_string()).filter(|s| !s.is_empty())
}

/// A decimal number from a form (a comma is read as the decimal mark).
fn decimal(problems: &mut Vec<Problem>, form: &HashMap<String, String>, key: &str, column: &str) -> Option<f64> {
    let raw = field(form, key);
    if raw.is_empty() {
        return None;
    }
    match raw.replace(',', ".").parse::<f64>() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push(Problem::new("bad-number").in_column(column.to_string()).with_value(raw));
            None
        }
    }
}

fn whole(problems: &mut Vec<Problem>, form: &HashMap<String, String>, key: &str, column: &str) -> Option<i64> {
    let raw = field(form, key);
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push(Problem::new("bad-number").in_column(column.to_string()).with_value(raw));
            None
        }
    }
}

/// The programme a form describes: its fields, and target rows `t0_…`, `t1_…` (a row with
/// neither a name nor a value is left out).
fn programme_input(form: &HashMap<String, String>, problems: &mut Vec<Problem>) -> catalogue::ProgrammeInput {
    let mut targets = Vec::new();
    for i in 0..rows_sent(form, "t", "label") {
        let key = |f: &str| format!("t{i}_{f}");
        if field(form, &key("label")).is_empty() && field(form, &key("value")).is_empty() {
            continue;
        }
        let n = targets.len();
        let value = whole(problems, form, &key("value"), &format!("targets[{n}].value")).unwrap_or(0);
        targets.push(catalogue::TargetInput {
            id: whole(problems, form, &key("id"), &format!("targets[{n}].id")),
            label: field(form, &key("label")).to_string(),
            measure: field(form, &key("measure")).to_string(),
            value,
            due_date: optional(form, &key("due_date")),
            sex: optional(form, &key("sex")),
            roles: words(field(form, &key("roles"))),
            role: None,
            unit_code: optional(form, &key("unit_code")),
        });
    }
    catalogue::ProgrammeInput {
        code: field(form, "code").to_string(),
        name: field(form, "name").to_string(),
        funder: optional(form, "funder"),
        budget: decimal(problems, form, "budget", "budget"),
        currency: optional(form, "currency"),
        start_date: field(form, "start_date").to_string(),
        end_date: optional(form, "end_date"),
        pillars: form.get("pillars").map(|p| p.lines().map(str::to_string).collect()).unwrap_or_default(),
        targets,
    }
}

/// How many numbered rows (`{prefix}0_{name}`, `{prefix}1_{name}`, …) a form sent.
fn rows_sent(form: &HashMap<String, String>, prefix: &str, name: &str) -> usize {
    (0..500).find(|i| !form.contains_key(&format!("{prefix}{i}_{name}"))).unwrap_or(500)
}

/// The course a form describes: its fields, module rows `m0_…` and assessment rows `a0_…`.
fn course_input(form: &HashMap<String, String>, problems: &mut Vec<Problem>) -> catalogue::CourseInput {
    let mut modules = Vec::new();
    for i in 0..rows_sent(form, "m", "code") {
        let key = |f: &str| format!("m{i}_{f}");
        if field(form, &key("code")).is_empty() && field(form, &key("title")).is_empty() {
            continue;
        }
        let n = modules.len();
        modules.push(catalogue::ModuleInput {
            code: field(form, &key("code")).to_string(),
            title: field(form, &key("title")).to_string(),
            hours: decimal(problems, form, &key("hours"), &format!("modules[{n}].hours")).unwrap_or(0.0),
            standards: words(field(form, &key("standards"))),
        });
    }
    let mut assessments = Vec::new();
    for i in 0..rows_sent(form, "a", "code") {
        let key = |f: &str| format!("a{i}_{f}");
        if field(form, &key("code")).is_empty() && field(form, &key("title")).is_empty() {
            continue;
        }
        let n = assessments.len();
        let col = |f: &str| format!("assessments[{n}].{f}");
        assessments.push(catalogue::AssessmentInput {
            code: field(form, &key("code")).to_string(),
            title: field(form, &key("title")).to_string(),
            module_code: optional(form, &key("module_code")),
            max_score: decimal(problems, form, &key("max_score"), &col("max_score")).unwrap_or(0.0),
            pass_score: decimal(problems, form, &key("pass_score"), &col("pass_score")).unwrap_or(0.0),
            weight: decimal(problems, form, &key("weight"), &col("weight")),
        });
    }
    let hours = decimal(problems, form, "hours", "hours");
    if hours.is_none() && field(form, "hours").is_empty() {
        problems.push(Problem::new("required").in_column("hours"));
    }
    catalogue::CourseInput {
        code: field(form, "code").to_string(),
        title: field(form, "title").to_string(),
        programme_code: optional(form, "programme_code"),
        kind: field(form, "kind").to_string(),
        modality: field(form, "modality").to_string(),
        hours: hours.unwrap_or(0.0),
        credits: decimal(problems, form, "credits", "credits").unwrap_or(0.0),
        accrediting_body: optional(form, "accrediting_body"),
        target_roles: words(field(form, "target_roles")),
        min_attendance_pct: decimal(problems, form, "min_attendance_pct", "min_attendance_pct"),
        require_assessments_passed: Some(form.contains_key("require_assessments_passed")),
        min_final_grade: decimal(problems, form, "min_final_grade", "min_final_grade"),
        certificate_months: whole(problems, form, "certificate_months", "certificate_months"),
        prerequisites: words(field(form, "prerequisites")),
        modules,
        assessments,
    }
}

/// The form's fields of a stored programme, for its edit page.
fn programme_fields(p: &catalogue::Programme) -> HashMap<String, String> {
    let mut f = HashMap::new();
    let mut put = |k: String, val: Option<String>| {
        if let Some(val) = val {
            f.insert(k, val);
        }
    };
    put("code".into(), Some(p.code.clone()));
    put("name".into(), Some(p.name.clone()));
    put("funder".into(), p.funder.clone());
    put("budget".into(), p.budget.map(|b| b.to_string()));
    put("currency".into(), p.currency.clone());
    put("start_date".into(), Some(p.start_date.to_string()));
    put("end_date".into(), p.end_date.map(|d| d.to_string()));
    put("pillars".into(), Some(p.pillars.join("\n")));
    for (i, t) in p.targets.iter().enumerate() {
        put(format!("t{i}_id"), Some(t.id.to_string()));
        put(format!("t{i}_label"), Some(t.label.clone()));
        put(format!("t{i}_measure"), Some(t.measure.clone()));
        put(format!("t{i}_value"), Some(t.value.to_string()));
        put(format!("t{i}_due_date"), t.due_date.map(|d| d.to_string()));
        put(format!("t{i}_sex"), t.sex.clone());
        put(format!("t{i}_roles"), Some(t.roles.join(" ")));
        put(format!("t{i}_unit_code"), t.unit_code.clone());
    }
    f
}

/// The form's fields of a stored course, for its edit page.
fn course_fields(
    c: &catalogue::CourseDetail,
    programmes: &[catalogue::Programme],
    standards: &[catalogue::Standard],
) -> HashMap<String, String> {
    let k = &c.course;
    let mut f = HashMap::new();
    let mut put = |key: String, val: Option<String>| {
        if let Some(val) = val {
            f.insert(key, val);
        }
    };
    put("code".into(), Some(k.code.clone()));
    put("title".into(), Some(k.title.clone()));
    put("programme_code".into(), programmes.iter().find(|p| Some(p.id) == k.programme_id).map(|p| p.code.clone()));
    put("kind".into(), Some(k.kind.clone()));
    put("modality".into(), Some(k.modality.clone()));
    put("hours".into(), Some(k.hours.to_string()));
    put("credits".into(), Some(k.credits.to_string()));
    put("accrediting_body".into(), k.accrediting_body.clone());
    put("target_roles".into(), Some(k.target_roles.replace(',', " ")));
    put("min_attendance_pct".into(), Some(k.min_attendance_pct.to_string()));
    put("require_assessments_passed".into(), k.require_assessments_passed.then(|| "1".to_string()));
    put("min_final_grade".into(), k.min_final_grade.map(|g| g.to_string()));
    put("certificate_months".into(), k.certificate_months.map(|m| m.to_string()));
    put("prerequisites".into(), Some(c.prerequisites.join(" ")));
    for (i, m) in c.modules.iter().enumerate() {
        put(format!("m{i}_code"), Some(m.code.clone()));
        put(format!("m{i}_title"), Some(m.title.clone()));
        put(format!("m{i}_hours"), Some(m.hours.to_string()));
        let served: Vec<String> = m
            .standards
            .iter()
            .filter_map(|code| standards.iter().find(|s| &s.code == code))
            .map(|s| format!("{}:{}", s.framework, s.code))
            .collect();
        put(format!("m{i}_standards"), Some(served.join(" ")));
    }
    for (i, a) in c.assessments.iter().enumerate() {
        put(format!("a{i}_code"), Some(a.code.clone()));
        put(format!("a{i}_title"), Some(a.title.clone()));
        put(format!("a{i}_module_code"), c.modules.iter().find(|m| Some(m.id) == a.module_id).map(|m| m.code.clone()));
        put(format!("a{i}_max_score"), Some(a.max_score.to_string()));
        put(format!("a{i}_pass_score"), Some(a.pass_score.to_string()));
        put(format!("a{i}_weight"), Some(a.weight.to_string()));
    }
    f
}

async fn create_programme_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let form = fields_map(&fields);
    let mut problems = Vec::new();
    let input = programme_input(&form, &mut problems);
    let outcome = stored_if_read(problems, catalogue::create_programme(&state.db, actor, &input)).await;
    match outcome {
        Ok(p) => Ok(Redirect::to(&format!("/programmes/{}", p.id)).into_response()),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_programmes(&state, &ctx, &Page::first(), "programme", Some(messages), form, status).await
        }
    }
}

async fn create_course_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let form = fields_map(&fields);
    let mut problems = Vec::new();
    let input = course_input(&form, &mut problems);
    let outcome = stored_if_read(problems, catalogue::create_course(&state.db, actor, &input)).await;
    match outcome {
        Ok(c) => Ok(Redirect::to(&format!("/courses/{}", c.course.id)).into_response()),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_programmes(&state, &ctx, &Page::first(), "course", Some(messages), form, status).await
        }
    }
}

/// The page that changes a programme (`which` = "programme") or a course, with the
/// fields read from it or, after a refusal, those sent.
#[allow(clippy::too_many_arguments)]
async fn render_edit(
    state: &AppState,
    ctx: &Ctx,
    which: &str,
    id: i64,
    title: &str,
    form: HashMap<String, String>,
    problems: Option<Vec<String>>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    if !actor.may(Action::ManageProgrammes) {
        return Err(Error::Forbidden);
    }
    let programmes = catalogue::programmes(&state.db, actor).await?;
    let standards = catalogue::standards(&state.db).await?;
    let roles: Vec<&str> = opencpd_domain::registry::PositionRole::ALL.iter().map(|r| r.key()).collect();
    let (base, programme_action, course_action) = if which == "programme" {
        (format!("/programmes/{id}"), Some(format!("/programmes/{id}/edit")), None)
    } else {
        (format!("/courses/{id}"), None, Some(format!("/courses/{id}/edit")))
    };
    let html = state.templates.page(
        ctx,
        "delivery/catalogue_edit.html",
        minijinja::context! {
            which, title, back => base, problems, programme_action, course_action,
            target_rows => rows_sent(&form, "t", "label") + 3, module_rows => rows_sent(&form, "m", "code") + 2,
            assessment_rows => rows_sent(&form, "a", "code") + 2,
            form => v(&form), programmes => v(&programmes), standards => v(&standards), roles,
            measures => v(&Measure::keys()), course_kinds => v(&CourseKind::keys()),
            modalities => v(&Modality::keys()),
        },
    )?;
    Ok((status, html).into_response())
}

async fn edit_programme_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    let programme = catalogue::programme(&state.db, ctx.actor()?, id).await?;
    let form = programme_fields(&programme);
    render_edit(&state, &ctx, "programme", id, &programme.name, form, None, StatusCode::OK).await
}

async fn edit_programme_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let before = catalogue::programme(&state.db, actor, id).await?;
    let form = fields_map(&fields);
    let mut problems = Vec::new();
    let input = programme_input(&form, &mut problems);
    let outcome = stored_if_read(problems, catalogue::update_programme(&state.db, actor, id, &input)).await;
    match outcome {
        Ok(p) => Ok(Redirect::to(&format!("/programmes/{}", p.id)).into_response()),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_edit(&state, &ctx, "programme", id, &before.name, form, Some(messages), status).await
        }
    }
}

async fn edit_course_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    let actor = ctx.actor()?;
    let course = catalogue::course(&state.db, id).await?;
    let programmes = catalogue::programmes(&state.db, actor).await?;
    let standards = catalogue::standards(&state.db).await?;
    let form = course_fields(&course, &programmes, &standards);
    render_edit(&state, &ctx, "course", id, &course.course.title, form, None, StatusCode::OK).await
}

async fn edit_course_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let before = catalogue::course(&state.db, id).await?;
    let form = fields_map(&fields);
    let mut problems = Vec::new();
    let input = course_input(&form, &mut problems);
    let outcome = stored_if_read(problems, catalogue::update_course(&state.db, actor, id, &input)).await;
    match outcome {
        Ok(c) => Ok(Redirect::to(&format!("/courses/{}", c.course.id)).into_response()),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_edit(&state, &ctx, "course", id, &before.course.title, form, Some(messages), status).await
        }
    }
}

async fn programme_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<ReachQuery>,
) -> Result<Response> {
    render_programme(&state, &ctx, id, q, CostFormView::default(), StatusCode::OK).await
}

/// A programme's page, with its cost form as `cost` says: a new cost, a cost to edit, or
/// either as sent with the problems it was refused for.
async fn render_programme(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    q: ReachQuery,
    cost: CostFormView,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let programme = catalogue::programme(&state.db, actor, id).await?;
    let courses = catalogue::courses(&state.db, Some(id)).await?;
    let funnels = reports::funnels_of(&state.db, actor, &programme).await?;
    let reach = match reports::reach_of(&state.db, actor, &programme, q.by.as_deref(), q.level).await {
        Ok(r) => Some(r),
        Err(opencpd_kernel::Error::Forbidden) => None,
        Err(e) => return Err(e.into()),
    };
    let cells = reach.as_ref().map(reports::shown_cells).unwrap_or_default();
    let bars = reach.as_ref().map(reports::shown_bars).unwrap_or_default();
    // The programme's funnel: every cohort's steps added up, each in percent of those enrolled.
    let steps: [i64; 4] = funnels
        .iter()
        .fold([0; 4], |a, f| [a[0] + f.enrolled, a[1] + f.attended, a[2] + f.completed, a[3] + f.certified]);
    let funnel: Vec<minijinja::Value> =
        ["measure-enrolled", "delivery-attended", "measure-completed", "measure-certified"]
            .iter()
            .zip(steps)
            .map(|(key, n)| {
                let width = if steps[0] > 0 { (n as f64 * 1000.0 / steps[0] as f64).round() / 10.0 } else { 0.0 };
                minijinja::context! { key => *key, n, width }
            })
            .collect();
    let filter = OutreachFilter { programme_id: Some(id), ..Default::default() };
    let outreach = outreach::totals(&state.db, actor, &filter).await?;
    let kinds = kind_names(state, ctx).await?;
    // Targets: the counts themselves with row-level rights, else small ones hidden.
    let k = match &reach {
        Some(r) => r.small_cell_threshold,
        None => reports::small_cell_threshold(&state.db).await?,
    };
    let row_level = reports::row_level(actor);
    let achieved: Vec<minijinja::Value> = reach
        .as_ref()
        .map(|r| {
            r.targets
                .iter()
                .map(|t| {
                    let (text, percent) = reports::shown_achieved(t, k, row_level);
                    minijinja::context! { shown => percent.is_some(), text, percent }
                })
                .collect()
        })
        .unwrap_or_default();
    let totals: Vec<minijinja::Value> = reach
        .as_ref()
        .map(|r| {
            let t = &r.totals;
            reports::shown_totals(r, row_level)
                .into_iter()
                .zip([t.enrolled, t.completed, t.certified])
                .map(|(text, n)| if text == n.to_string() { n.into() } else { text.into() })
                .collect()
        })
        .unwrap_or_default();
    let targets_hidden =
        reach.as_ref().is_some_and(|r| r.targets.iter().any(|t| reports::shown_achieved(t, k, row_level).1.is_none()));
    // The total's bar: its completed and certified against its enrolled, when all are shown.
    let total_bar: Option<[f64; 3]> = reach.as_ref().filter(|_| totals.iter().all(|c| c.is_number())).and_then(|r| {
        let t = &r.totals;
        let share = |n: i64| (n as f64 * 1000.0 / t.enrolled as f64).round() / 10.0;
        (t.enrolled > 0).then(|| [100.0, share(t.completed), share(t.certified)])
    });
    let levels = level_choices(&opencpd_registry::store::levels(&state.db).await?, ctx.lang);
    let award_filter = awards::AwardFilter { programme_id: Some(id), ..Default::default() };
    let awarded = awards::award_counts(&state.db, actor, &award_filter).await?;
    // Outreach participants by category (rows) and sex (columns, whose totals are shown).
    let counts: Vec<Vec<i64>> = outreach.participants.cells().chunks(2).map(|p| vec![p[0].1, p[1].1]).collect();
    let hidden = opencpd_domain::suppression::table(&counts, k, false);
    let outreach_cells: Vec<Vec<String>> = counts
        .iter()
        .zip(&hidden)
        .map(|(row, cells)| row.iter().zip(cells).map(|(v, c)| c.text(*v, k)).collect())
        .collect();
    let by_sex = [outreach.female, outreach.male];
    let outreach_sex: Vec<String> =
        opencpd_domain::suppression::column(&by_sex, k).iter().zip(by_sex).map(|(c, v)| c.text(v, k)).collect();
    let outreach_hidden =
        hidden.iter().flatten().any(|c| c.hidden()) || outreach_sex.iter().any(|c| c.parse::<i64>().is_err());
    let cost_years = cost_years(state, actor, &programme).await?;
    // The costs one by one, with the form, for those who record them.
    let cost_manage = cost_years.is_some() && costs::may_write(actor).is_ok();
    let (cost_items, cost_total, cost_fields) = if cost_manage {
        let page = Page { per_page: Some(COSTS_SHOWN), ..Page::first() };
        let items = costs::list(&state.db, actor, Some(id), None, &page).await?;
        let fields = match cost.fields {
            Some(fields) => fields,
            None => new_cost_fields(&programme, costs::currency(&state.db).await?),
        };
        (items.items, items.total, fields)
    } else {
        (Vec::new(), 0, CostForm::default())
    };
    let html = state.templates.page(
        ctx,
        "delivery/programme.html",
        minijinja::context! { cost_years, funnels => v(&&funnels[..funnels.len().min(FUNNELS_SHOWN)]),
        funnels_total => funnels.len(), programme => v(&programme), courses => v(&courses), reach => v(&reach),
        by => q.by.unwrap_or_default(), level => q.level.unwrap_or(2), dimensions => v(&reports::DIMENSIONS),
        cells => v(&cells), bars => v(&bars), funnel, outreach => v(&outreach), kind_names => v(&kinds),
        manage => actor.may(Action::ManageProgrammes), achieved, totals, targets_hidden, outreach_cells, outreach_sex,
        outreach_hidden, threshold => k, total_bar, levels, awarded => v(&awarded),
        cost_manage, cost_items => v(&cost_items), cost_total, cost_form => v(&cost_fields),
        cost_editing => cost.editing, cost_problems => cost.problems, cost_categories => CostCategory::keys() },
    )?;
    Ok((status, html).into_response())
}

/// How many cohorts' funnels a programme's page lists (in the order of their codes); the
/// funnel above them and the CSV and XLSX files count every one.
const FUNNELS_SHOWN: usize = 200;

/// How many of a programme's costs its page lists one by one (the latest years first).
const COSTS_SHOWN: i64 = 200;

/// The cost form of a programme's page: which cost it edits (none for a new one), its
/// fields (none: a new cost's), and the problems of the last sending.
#[derive(Default)]
struct CostFormView {
    editing: Option<i64>,
    fields: Option<CostForm>,
    problems: Option<Vec<String>>,
}

/// A cost as the programme's page sends it.
#[derive(Default, Deserialize, serde::Serialize)]
struct CostForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    note: String,
    /// The version read, to edit a cost.
    #[serde(default)]
    version: String,
}

/// A new cost's fields: this year if the programme runs in it (else its last or first
/// year), and the deployment's currency (else the programme's budget's).
fn new_cost_fields(programme: &catalogue::Programme, currency: Option<String>) -> CostForm {
    use chrono::Datelike;
    let mut year = opencpd_kernel::today().year();
    if let Some(end) = programme.end_date {
        year = year.min(end.year());
    }
    year = year.max(programme.start_date.year());
    CostForm {
        year: year.to_string(),
        currency: currency.or_else(|| programme.currency.clone()).unwrap_or_default(),
        ..Default::default()
    }
}

/// A stored cost's fields, to edit it.
fn cost_fields(c: &costs::ProgrammeCost) -> CostForm {
    CostForm {
        year: c.year.to_string(),
        category: c.category.clone(),
        amount: c.amount.to_string(),
        currency: c.currency.clone(),
        note: c.note.clone().unwrap_or_default(),
        version: c.version.to_string(),
    }
}

/// The cost a form describes, for a programme: the year and the amount read as typed (an
/// amount as a file takes it: `1 250,50` in French), each problem naming its field.
fn cost_input(
    programme_code: &str,
    f: &CostForm,
    editing: bool,
    problems: &mut Vec<Problem>,
) -> costs::ProgrammeCostInput {
    use opencpd_kernel::error::collect;
    let year = match f.year.trim() {
        "" => Err(Problem::new("required")),
        y => y.parse::<i64>().map_err(|_| Problem::new("bad-year").with_value(y)),
    };
    let amount = match f.amount.trim() {
        "" => Err(Problem::new("required")),
        a => parse_cost_amount(a),
    };
    let year = collect(problems, "year", year).unwrap_or(0);
    let amount = collect(problems, "amount", amount).unwrap_or(0.0);
    let version = if editing {
        collect(problems, "version", f.version.trim().parse::<i64>().map_err(|_| Problem::new("required")))
    } else {
        None
    };
    costs::ProgrammeCostInput {
        programme_code: programme_code.to_string(),
        year,
        category: f.category.trim().to_string(),
        amount,
        currency: Some(f.currency.clone()),
        note: Some(f.note.clone()),
        version,
    }
}

/// After a cost is written, the programme's page at its costs.
fn to_costs(programme_id: i64) -> Response {
    Redirect::to(&format!("/programmes/{programme_id}#costs-heading")).into_response()
}

/// Records a cost from the programme's page (those who set up programmes).
async fn create_cost_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<CostForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    costs::may_write(actor)?;
    let programme = catalogue::programme(&state.db, actor, id).await?;
    let mut problems = Vec::new();
    let input = cost_input(&programme.code, &form, false, &mut problems);
    match stored_if_read(problems, costs::create(&state.db, actor, &input)).await {
        Ok(_) => Ok(to_costs(id)),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            let view = CostFormView { editing: None, fields: Some(form), problems: Some(messages) };
            render_programme(&state, &ctx, id, ReachQuery::default(), view, status).await
        }
    }
}

/// The programme's page with the form filled in with one of its costs, to edit it.
async fn edit_cost_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    let actor = ctx.actor()?;
    costs::may_write(actor)?;
    let cost = costs::cost(&state.db, actor, id).await?;
    let view = CostFormView { editing: Some(id), fields: Some(cost_fields(&cost)), problems: None };
    render_programme(&state, &ctx, cost.programme_id, ReachQuery::default(), view, StatusCode::OK).await
}

/// Changes a cost from the programme's page; the version read must still be the latest.
/// When it is not, the form shows the cost as it is now, to change again knowingly.
async fn edit_cost_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<CostForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    costs::may_write(actor)?;
    let before = costs::cost(&state.db, actor, id).await?;
    let mut problems = Vec::new();
    let input = cost_input(&before.programme_code, &form, true, &mut problems);
    match stored_if_read(problems, costs::update(&state.db, actor, id, &input)).await {
        Ok(_) => Ok(to_costs(before.programme_id)),
        Err(e) => {
            let stale = matches!(e, Error::Conflict(_));
            let (status, messages) = refused(&ctx, e)?;
            let fields = if stale { cost_fields(&costs::cost(&state.db, actor, id).await?) } else { form };
            let view = CostFormView { editing: Some(id), fields: Some(fields), problems: Some(messages) };
            render_programme(&state, &ctx, before.programme_id, ReachQuery::default(), view, status).await
        }
    }
}

/// Deletes a cost recorded by mistake, from the programme's page.
async fn delete_cost_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    costs::may_write(actor)?;
    let cost = costs::cost(&state.db, actor, id).await?;
    costs::delete(&state.db, actor, id).await?;
    Ok(to_costs(cost.programme_id))
}

/// A programme's costs by year, each with the participants it reached in the year and the
/// cost per participant as the indicator engine answers `cost-per-participant` at the
/// place the reader reads ([`costs::reader_unit`]); none for a reader of no costs.
async fn cost_years(
    state: &AppState,
    actor: &opencpd_kernel::Actor,
    programme: &catalogue::Programme,
) -> Result<Option<Vec<minijinja::Value>>> {
    use opencpd_indicators::model::{Place, Question};
    use opencpd_indicators::store::engine;
    let years = match costs::years(&state.db, actor, programme.id).await {
        Ok(years) => years,
        Err(opencpd_kernel::Error::Forbidden) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let unit = costs::reader_unit(&state.db, actor, programme.id).await?;
    let mut out = Vec::with_capacity(years.len());
    for y in years {
        let answer = match unit {
            Some(unit) => {
                let question = Question { place: Place::Unit(unit), year: y.year, by: vec!["programme".into()] };
                match engine::answer(&state.db, actor, "cost-per-participant", &question).await {
                    Ok(answer) => Some(answer),
                    Err(opencpd_kernel::Error::NotFound | opencpd_kernel::Error::Forbidden) => None,
                    Err(e) => return Err(e.into()),
                }
            }
            None => None,
        };
        let cell = answer.as_ref().and_then(|a| a.cells.iter().find(|c| c.categories.first() == Some(&programme.code)));
        let participants = cell.and_then(|c| c.denominator.as_ref()).map(|d| d.shown.clone());
        let per_participant = cell.and_then(|c| c.value);
        out.push(minijinja::context! { year => y.year, currency => y.currency, total => y.total,
        categories => v(&y.categories), participants, per_participant });
    }
    Ok(Some(out))
}

/// The unit levels to split reach by, each depth named by its levels in the reader's
/// language ("Region / Province" where two countries name it differently, by country code).
fn level_choices(levels: &[opencpd_registry::store::Level], lang: &str) -> Vec<minijinja::Value> {
    let mut by_depth: std::collections::BTreeMap<i64, Vec<&str>> = std::collections::BTreeMap::new();
    for l in levels {
        let names = by_depth.entry(l.depth).or_default();
        if !names.contains(&l.name(lang)) {
            names.push(l.name(lang));
        }
    }
    if by_depth.is_empty() {
        return (0..=5).map(|depth: i64| minijinja::context! { depth, name => depth.to_string() }).collect();
    }
    by_depth.into_iter().map(|(depth, names)| minijinja::context! { depth, name => names.join(" / ") }).collect()
}

async fn course_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let manage = ctx.actor()?.may(Action::ManageProgrammes);
    let course = catalogue::course(&state.db, id).await?;
    let standards = catalogue::standards(&state.db).await?;
    state.templates.page(
        &ctx,
        "delivery/course.html",
        minijinja::context! { course => v(&course), standards => v(&standards), manage },
    )
}

async fn cohorts_page(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Response> {
    let Query(page) = page?;
    render_cohorts(&state, &ctx, &page, None, None, StatusCode::OK).await
}

async fn render_cohorts(
    state: &AppState,
    ctx: &Ctx,
    page: &Page,
    problems: Option<Vec<String>>,
    form: Option<&CohortInput>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let cohorts = cohorts::cohorts(&state.db, actor, None, page).await?;
    let courses = catalogue::courses(&state.db, None).await?;
    let manage = actor.may(Action::ManageCohorts);
    let html = state.templates.page(
        ctx,
        "delivery/cohorts.html",
        minijinja::context! { cohorts => v(&cohorts.items), list => ListView::of(&cohorts, page), courses => v(&courses), manage, problems, form => v(&form) },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct CohortForm {
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
async fn create_cohort_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<CohortForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
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
            render_cohorts(&state, &ctx, &Page::first(), Some(messages), Some(&input), e.status()).await
        }
        Err(e) => Err(e),
    }
}

/// How many people a search for someone to enrol lists.
const FOUND: i64 = 20;

/// `find`: a search by name or staff number for someone to enrol.
#[derive(Deserialize)]
struct CohortPageQuery {
    find: Option<String>,
}

async fn cohort_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<CohortPageQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = q?;
    render_cohort_finding(&state, &ctx, id, None, None, StatusCode::OK, q.find).await
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
    render_cohort_finding(state, ctx, id, problems, notice, status, None).await
}

/// The cohort page; with `find`, the people the actor may read who match it, each with a
/// button to enrol them (for those who manage the cohort).
async fn render_cohort_finding(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    problems: Option<Vec<String>>,
    notice: Option<String>,
    status: StatusCode,
    find: Option<String>,
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
    let find = find.map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
    let found = match (&find, manage) {
        (Some(f), true) => {
            let page = Page { q: Some(f.clone()), per_page: Some(FOUND), ..Page::first() };
            Some(opencpd_registry::store::people(&state.db, actor, &page).await?)
        }
        _ => None,
    };
    let today = opencpd_kernel::today();
    let html = state.templates.page(
        ctx,
        "delivery/cohort.html",
        minijinja::context! {
            find, found => v(&found),
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
    #[serde(default)]
    staff_number: Option<String>,
    /// Chosen from the search by name.
    #[serde(default)]
    person_id: Option<i64>,
}

async fn enrol_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<EnrolForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let input = EnrolInput { person_id: form.person_id, staff_number: form.staff_number };
    let outcome = cohorts::enrol(&state.db, actor, id, &input).await.map_err(Error::from);
    after_form(&state, &ctx, id, outcome, |e| {
        text(&ctx, "delivery-enrolled-one", &[("name", format!("{} {}", e.given_name, e.family_name))])
    })
    .await
}

async fn enrol_upload(State(state): State<AppState>, ctx: Ctx, Id(id): Id, multipart: Multipart) -> Result<Response> {
    let actor = ctx.actor()?;
    // The scope first: the file is read only for someone who may enrol in the cohort.
    cohorts::cohort_to_manage(&state.db, actor, id).await?;
    let form = opencpd_http::upload::Upload::read(&ctx, multipart).await?;
    let report = opencpd_http::imports::from_form(&state, &ctx, "enrolments", Some(id), &form).await;
    let outcome = report.and_then(|r| if r.ok() { Ok(r) } else { Err(Error::Invalid(r.problems)) });
    after_form(&state, &ctx, id, outcome, |r| {
        if r.dry_run {
            text(&ctx, "import-dry-ok", &[("rows", r.rows_read.to_string())])
        } else {
            text(&ctx, "import-done", &[("created", r.rows_written.to_string())])
        }
    })
    .await
}

#[derive(Deserialize)]
struct SessionForm {
    held_on: String,
    title: String,
    #[serde(default)]
    hours: String,
}

async fn session_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<SessionForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
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

async fn certificates_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let outcome = certificates::issue_for_cohort(&state.db, actor, id).await.map_err(Error::from);
    after_form(&state, &ctx, id, outcome, |r| {
        text(&ctx, "delivery-certificates-issued", &[("n", r.issued.to_string())])
    })
    .await
}

#[derive(Deserialize)]
struct DecisionForm {
    cohort_id: i64,
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
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
            minijinja::context! { person_id => e.person_id, name => format!("{} {}", e.given_name, e.family_name),
            staff_number => &e.staff_number, status => current, marked => marks.contains_key(&e.person_id) }
        })
        .collect();
    let future = session.held_on > opencpd_kernel::today();
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
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
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
        Err(opencpd_kernel::Error::NotFound) => {
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
) -> Result<Response> {
    render_record(&state, &ctx, id, year_of(&q), None, None, StatusCode::OK).await
}

/// The CPD record page, with the awards and the outcome of the award form.
async fn render_record(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    year: i32,
    problems: Option<Vec<String>>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let (person, _) = opencpd_registry::store::person(&state.db, actor, id).await?;
    let record = record::record(&state.db, actor, id, year).await?;
    let awards = awards::awards_of(&state.db, actor, id).await?;
    let manage_awards = crate::store::may_manage_person(&state.db, actor, id).await?;
    let programmes =
        if manage_awards { opencpd_outreach::store::programme_choices(&state.db).await? } else { Vec::new() };
    let html = state.templates.page(
        ctx,
        "delivery/record.html",
        minijinja::context! { person => v(&person), record => v(&record), year, awards => v(&awards), manage_awards,
        programmes => v(&programmes),
        today => opencpd_kernel::today().to_string(), problems, notice },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct RevokeForm {
    cohort_id: i64,
    #[serde(default)]
    reason: String,
}

async fn revoke_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let outcome =
        certificates::revoke(&state.db, actor, id, &Revocation { reason: form.reason }).await.map_err(Error::from);
    after_form(&state, &ctx, form.cohort_id, outcome, |c| {
        text(&ctx, "delivery-revoked", &[("serial", c.serial.clone())])
    })
    .await
}

#[derive(Deserialize)]
struct ReissueForm {
    cohort_id: i64,
}

async fn reissue_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<ReissueForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
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
    cohort: String,
    person_id: String,
    #[serde(default)]
    motivation: String,
}

async fn apply_form(State(state): State<AppState>, ctx: Ctx, CsrfForm(form): CsrfForm<ApplyForm>) -> Result<Response> {
    let actor = ctx.actor()?;
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
    let unit = opencpd_registry::store::unit(&state.db, actor, id).await?;
    let year = year_of(&q);
    let people = record::below_threshold(&state.db, actor, id, year).await?;
    let thresholds = record::thresholds(&state.db).await?;
    state.templates.page(
        &ctx,
        "delivery/below.html",
        minijinja::context! { unit => v(&unit), people => v(&people), thresholds => v(&thresholds), year },
    )
}

/// The problems of a refused change, in the reader's language; other errors pass.
fn refused(ctx: &Ctx, e: Error) -> Result<(StatusCode, Vec<String>)> {
    match e {
        e @ (Error::Invalid(_) | Error::Conflict(_)) => {
            Ok((e.status(), e.problems().iter().map(|p| p.located(ctx.lang)).collect()))
        }
        e => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Editing cohorts, withdrawals

#[derive(Deserialize)]
struct EditCohortForm {
    version: String,
    name: String,
    #[serde(default)]
    venue: String,
    start_date: String,
    end_date: String,
    capacity: String,
    /// Staff numbers, separated by spaces, commas or new lines (a script's form); with
    /// `facilitators_shown`, the page's: the facilitators kept (`keep_<person id>`, their
    /// staff numbers) and one added from the picker (`facilitator_add`). Neither leaves them.
    #[serde(default)]
    facilitators: String,
    #[serde(default)]
    facilitators_shown: Option<String>,
    #[serde(default)]
    facilitator_add: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl EditCohortForm {
    /// The facilitators the form names, by staff number; none when it leaves them.
    fn facilitators(&self) -> Option<Vec<String>> {
        let mut numbers = words(&self.facilitators);
        if self.facilitators_shown.is_some() {
            let mut kept: Vec<(&String, &String)> =
                self.rest.iter().filter(|(k, v)| k.starts_with("keep_") && !v.trim().is_empty()).collect();
            kept.sort();
            numbers.extend(kept.into_iter().map(|(_, v)| v.trim().to_string()));
            numbers.extend(words(&self.facilitator_add));
            return Some(numbers);
        }
        (!numbers.is_empty()).then_some(numbers)
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == ';').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

async fn edit_cohort_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<EditCohortForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let outcome = match (form.capacity.trim().parse::<i64>(), form.version.trim().parse::<i64>()) {
        (Ok(capacity), Ok(version)) => {
            let facilitators = form.facilitators();
            let input = CohortUpdate {
                version,
                name: form.name,
                venue: Some(form.venue),
                start_date: form.start_date,
                end_date: form.end_date,
                capacity,
                facilitators,
            };
            cohorts::update_cohort(&state.db, actor, id, &input).await.map_err(Error::from)
        }
        (Err(_), _) => Err(Problem::new("bad-number").in_column("capacity").with_value(form.capacity.trim()).into()),
        (_, Err(_)) => Err(Problem::new("required").in_column("version").into()),
    };
    after_form(&state, &ctx, id, outcome, |c| text(&ctx, "cohort-saved", &[("code", c.code.clone())])).await
}

#[derive(Deserialize)]
struct WithdrawForm {
    cohort_id: i64,
    #[serde(default)]
    withdrawn_on: String,
    #[serde(default)]
    reason: String,
}

async fn withdraw_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<WithdrawForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let input = Withdrawal { withdrawn_on: Some(form.withdrawn_on), reason: form.reason };
    let outcome = cohorts::withdraw(&state.db, actor, id, &input).await.map_err(Error::from);
    after_form(&state, &ctx, form.cohort_id, outcome, |e| {
        text(&ctx, "enrolment-withdrawn", &[("name", format!("{} {}", e.given_name, e.family_name))])
    })
    .await
}

async fn reinstate_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<ReissueForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let outcome = cohorts::reinstate(&state.db, actor, id).await.map_err(Error::from);
    after_form(&state, &ctx, form.cohort_id, outcome, |e| {
        text(&ctx, "enrolment-reinstated", &[("name", format!("{} {}", e.given_name, e.family_name))])
    })
    .await
}

// ---------------------------------------------------------------------------------------
// Awards (the form is outreach's record, its answer the CPD record page)

#[derive(Deserialize)]
struct AwardForm {
    name: String,
    #[serde(default)]
    category: String,
    awarded_on: String,
    #[serde(default)]
    awarding_body: String,
    #[serde(default)]
    programme_code: String,
    #[serde(default)]
    event_id: String,
    #[serde(default)]
    notes: String,
}

async fn award_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<AwardForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let input = AwardInput {
        person_id: Some(id),
        staff_number: None,
        name: form.name,
        category: Some(form.category),
        awarded_on: form.awarded_on,
        awarding_body: Some(form.awarding_body),
        programme_code: Some(form.programme_code),
        event_id: None,
        notes: Some(form.notes),
    };
    let year = chrono::Datelike::year(&opencpd_kernel::today());
    let event = form.event_id.trim();
    let input = match event {
        "" => Ok(input),
        e => e.parse().map(|id| AwardInput { event_id: Some(id), ..input }).map_err(|_| {
            Error::from(opencpd_kernel::Error::from(Problem::new("bad-number").in_column("event_id").with_value(e)))
        }),
    };
    let outcome = match input {
        Ok(input) => awards::create_award(&state.db, actor, &input).await.map_err(Error::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(a) => {
            let notice = text(&ctx, "award-recorded", &[("name", a.name.clone())]);
            render_record(&state, &ctx, id, year, None, Some(notice), StatusCode::CREATED).await
        }
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_record(&state, &ctx, id, year, Some(messages), None, status).await
        }
    }
}
