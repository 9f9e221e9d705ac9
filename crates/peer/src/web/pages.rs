//! The pages of peer learning and coaching, rendered on the server: the list of PLCs
//! (paged, sorted and searched through `kernel::paging`), a PLC with its people, meetings
//! and open action points, the form recording a meeting (attendance, guests, action points
//! agreed, changes to the points carried over), a meeting, a coach's page (the visit plan,
//! the visits of the term, recording a visit), the cascade tree with its coverage per
//! level, and the reports with their bar charts.
//!
//! Every read and write goes through the store, which checks the scope; a form refused
//! shows its problems, each naming its field, with what was sent, and nothing is stored.
//! Not here: the JSON API (`super`).

use crate::model::*;
use crate::store::reports::{self, Grouping};
use crate::store::{coaching, plcs};
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use opencpd_domain::Problem;
use opencpd_http::csrf::CsrfForm;
use opencpd_http::render::value as v;
use opencpd_http::{AppState, Ctx, Error, Id, Result, ok};
use opencpd_kernel::paging::Page;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// The templates of the pages.
pub(super) const TEMPLATES: &[(&str, &str)] = &[
    ("peer/plcs.html", include_str!("../../templates/peer/plcs.html")),
    ("peer/plc.html", include_str!("../../templates/peer/plc.html")),
    ("peer/meeting_form.html", include_str!("../../templates/peer/meeting_form.html")),
    ("peer/meeting.html", include_str!("../../templates/peer/meeting.html")),
    ("peer/coach.html", include_str!("../../templates/peer/coach.html")),
    ("peer/cascade.html", include_str!("../../templates/peer/cascade.html")),
    ("peer/reports.html", include_str!("../../templates/peer/reports.html")),
    ("peer/plc_form.html", include_str!("../../templates/peer/plc_form.html")),
    ("peer/action_point.html", include_str!("../../templates/peer/action_point.html")),
    ("peer/relations.html", include_str!("../../templates/peer/relations.html")),
    ("peer/bands.html", include_str!("../../templates/peer/bands.html")),
    ("peer/terms.html", include_str!("../../templates/peer/terms.html")),
    ("peer/models.html", include_str!("../../templates/peer/models.html")),
    ("peer/lesson_studies.html", include_str!("../../templates/peer/lesson_studies.html")),
    ("peer/lesson_study_form.html", include_str!("../../templates/peer/lesson_study_form.html")),
    ("peer/lesson_study.html", include_str!("../../templates/peer/lesson_study.html")),
];

/// Empty rows for new action points on the meeting form.
const NEW_POINTS: usize = 3;

pub(super) fn pages() -> Router<AppState> {
    Router::new()
        .route("/plcs", get(plcs_page))
        .route("/plcs/{id}", get(plc_page))
        .route("/plcs/{id}/meetings/new", get(meeting_form_page))
        .route("/plcs/{id}/meetings", post(record_meeting_form))
        .route("/plc-meetings/{id}", get(meeting_page))
        .route("/coaches/{id}", get(coach_page))
        .route("/coaches/{id}/visits", post(record_visit_form))
        .route("/peer/cascade", get(cascade_page))
        .route("/peer/reports", get(reports_page))
}

pub(super) fn text(ctx: &Ctx, key: &str) -> String {
    opencpd_domain::i18n::catalog().text(ctx.lang, key, &[])
}

/// The problems of a refused form in the reader's language; other errors pass.
pub(super) fn refused(ctx: &Ctx, e: Error) -> Result<(StatusCode, Vec<String>)> {
    match e {
        e @ (Error::Invalid(_) | Error::Conflict(_)) => {
            Ok((e.status(), e.problems().iter().map(|p| p.located(ctx.lang)).collect()))
        }
        e => Err(e),
    }
}

/// A query value given and not blank.
pub(super) fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The fields of a form sent: every value of each name, in order.
pub(super) struct Sent(pub(super) Vec<(String, String)>);

impl Sent {
    pub(super) fn one(&self, name: &str) -> String {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }

    pub(super) fn optional(&self, name: &str) -> Option<String> {
        Some(self.one(name)).filter(|v| !v.is_empty())
    }

    pub(super) fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.trim())
    }

    /// Whole numbers under `name` (each value may hold several, split by spaces, commas or
    /// semicolons); anything else is a problem naming `column`.
    pub(super) fn ids(&self, name: &str, column: &str, problems: &mut Vec<Problem>) -> Vec<i64> {
        let mut out = Vec::new();
        for word in self.all(name).flat_map(|v| v.split(|c: char| c.is_whitespace() || c == ',' || c == ';')) {
            if word.is_empty() {
                continue;
            }
            match word.parse::<i64>() {
                Ok(n) => out.push(n),
                Err(_) => problems.push(Problem::new("bad-number").in_column(column.to_string()).with_value(word)),
            }
        }
        out
    }

    /// The fields as a map for the template (the last value of each name).
    pub(super) fn map(&self) -> HashMap<String, String> {
        self.0.iter().map(|(n, v)| (n.clone(), v.clone())).collect()
    }
}

// ---------------------------------------------------------------- PLCs

async fn plcs_page(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Query(page) = ok(page)?;
    let list = plcs::plc_list(&state.db, actor, &page).await?;
    let html = state.templates.page(
        &ctx,
        "peer/plcs.html",
        minijinja::context! {
            plcs => v(&list.items), list => opencpd_http::render::ListView::of(&list, &page),
            create => actor.may(opencpd_domain::access::Action::ManageCohorts),
            bands => actor.allows(opencpd_domain::access::Action::ManageProgrammes, &opencpd_domain::access::Target::Deployment),
        },
    )?;
    Ok(html.into_response())
}

async fn plc_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    let actor = ctx.actor()?;
    let plc = plcs::plc(&state.db, actor, id).await?;
    let people = plcs::plc_people(&state.db, actor, id).await?;
    let meetings: Vec<_> = plcs::meetings(&state.db, actor, id)
        .await?
        .into_iter()
        .map(|(id, held_on)| minijinja::context! { id, held_on => held_on.to_string() })
        .collect();
    // Every point still open, including those agreed today.
    let tomorrow = opencpd_kernel::today().succ_opt().unwrap_or(NaiveDate::MAX);
    let open = plcs::carried_to(&state.db, actor, id, tomorrow).await?;
    let run = plcs::may_run(&state.db, actor, id).await?;
    let edit = plcs::may_edit(&state.db, actor, id).await?;
    let studies = crate::store::lesson::studies_of_plc(&state.db, actor, id).await?;
    let model = match plc.model_id {
        Some(m) => Some(plcs::model(&state.db, m).await?),
        None => None,
    };
    let html = state.templates.page(
        &ctx,
        "peer/plc.html",
        minijinja::context! {
            plc => v(&plc), people => v(&people), meetings, open => v(&open), run, edit, model => v(&model),
            studies => v(&studies),
            today => opencpd_kernel::today().to_string(),
        },
    )?;
    Ok(html.into_response())
}

async fn meeting_form_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    render_meeting_form(&state, &ctx, id, None, None, StatusCode::OK).await
}

async fn render_meeting_form(
    state: &AppState,
    ctx: &Ctx,
    plc_id: i64,
    problems: Option<Vec<String>>,
    sent: Option<&Sent>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let plc = plcs::plc_to_run(&state.db, actor, plc_id).await?;
    let people = plcs::plc_people(&state.db, actor, plc_id).await?;
    let today = opencpd_kernel::today();
    let carried = plcs::carried_to(&state.db, actor, plc_id, today).await?;
    let standards = plcs::standard_choices(&state.db).await?;
    let standards: Vec<_> = standards
        .iter()
        .map(|(id, code, en, fr)| minijinja::context! { id, code, name => if ctx.lang == "fr" { fr } else { en } })
        .collect();
    // What was sent, to show again: the fields, and the people and standards ticked.
    let attended: HashSet<String> = sent.map(|s| s.all("attend").map(str::to_string).collect()).unwrap_or_default();
    let ticked: HashSet<String> = sent.map(|s| s.all("standard").map(str::to_string).collect()).unwrap_or_default();
    let html = state.templates.page(
        ctx,
        "peer/meeting_form.html",
        minijinja::context! {
            plc => v(&plc), people => v(&people), carried => v(&carried), standards,
            statuses => ["open", "in_progress", "done", "dropped"], rows => (0..NEW_POINTS).collect::<Vec<_>>(),
            today => today.to_string(), problems, sent => sent.map(|s| v(&s.map())),
            attended => v(&attended), ticked => v(&ticked),
        },
    )?;
    Ok((status, html).into_response())
}

/// A meeting from the form: attendance ticked among the PLC's people, guests by person
/// number, new action points from the rows with anything written, and a change to each
/// point carried over whose status, due day or note was changed.
fn meeting_from_form(sent: &Sent) -> (MeetingInput, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut attendance = sent.ids("attend", "attendance", &mut problems);
    attendance.extend(sent.ids("guests", "guests", &mut problems));
    let standards = sent.ids("standard", "standards", &mut problems);
    let mut action_points = Vec::new();
    for i in 0..NEW_POINTS {
        let title = sent.one(&format!("ap_title_{i}"));
        let owner = sent.one(&format!("ap_owner_{i}"));
        let due = sent.one(&format!("ap_due_{i}"));
        if title.is_empty() && owner.is_empty() && due.is_empty() {
            continue;
        }
        let owner_id = match owner.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) if owner.is_empty() => None,
            Err(_) => {
                let column = format!("action_points[{}].owner_id", action_points.len());
                problems.push(Problem::new("bad-number").in_column(column).with_value(owner));
                None
            }
        };
        action_points.push(ActionPointInput { title, owner_id, due_on: due });
    }
    let mut updates = Vec::new();
    for raw in sent.all("point") {
        let Ok(id) = raw.parse::<i64>() else { continue };
        let status = sent.one(&format!("status_{id}"));
        let was = sent.one(&format!("was_{id}"));
        let due_on = sent.optional(&format!("due_{id}"));
        let was_due = sent.one(&format!("was_due_{id}"));
        let note = sent.optional(&format!("note_{id}"));
        let due_changed = due_on.as_deref().is_some_and(|d| d != was_due);
        if status == was && !due_changed && note.is_none() {
            continue;
        }
        let version = sent.one(&format!("version_{id}")).parse().unwrap_or(0);
        updates.push(ActionPointUpdate { id, status, due_on: if due_changed { due_on } else { None }, note, version });
    }
    let input = MeetingInput {
        uuid: None,
        held_on: sent.one("held_on"),
        place: sent.optional("place"),
        agenda: sent.optional("agenda"),
        notes: sent.optional("notes"),
        standards,
        attendance,
        action_points,
        updates,
    };
    (input, problems)
}

async fn record_meeting_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    plcs::plc_to_run(&state.db, actor, id).await?;
    let sent = Sent(fields);
    let (input, problems) = meeting_from_form(&sent);
    let outcome = if problems.is_empty() {
        plcs::record_meeting(&state.db, actor, id, &input).await.map(|(m, _)| m).map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    match outcome {
        Ok(m) => Ok(Redirect::to(&format!("/plc-meetings/{}", m.id)).into_response()),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_meeting_form(&state, &ctx, id, Some(messages), Some(&sent), status).await
        }
    }
}

async fn meeting_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    let actor = ctx.actor()?;
    let meeting = plcs::meeting(&state.db, actor, id).await?;
    let plc = plcs::plc(&state.db, actor, meeting.plc_id).await?;
    let run = plcs::may_run(&state.db, actor, plc.id).await?;
    let standards = plcs::standard_choices(&state.db).await?;
    let topics: Vec<String> = standards
        .iter()
        .filter(|(id, ..)| meeting.standards.contains(id))
        .map(|(_, code, en, fr)| format!("{code} {}", if ctx.lang == "fr" { fr } else { en }))
        .collect();
    let html = state.templates.page(
        &ctx,
        "peer/meeting.html",
        minijinja::context! { meeting => v(&meeting), plc => v(&plc), run, topics },
    )?;
    Ok(html.into_response())
}

// ---------------------------------------------------------------- coaching

#[derive(Debug, Deserialize, Default)]
struct TermQuery {
    term: Option<String>,
}

async fn coach_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<TermQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    render_coach(&state, &ctx, id, q.term.as_deref(), None, None, None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn render_coach(
    state: &AppState,
    ctx: &Ctx,
    coach_id: i64,
    term: Option<&str>,
    problems: Option<Vec<String>>,
    sent: Option<&Sent>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let name = coaching::person_name(&state.db, actor, coach_id).await?;
    let terms = plcs::terms(&state.db).await?;
    let term = plcs::term_named(&state.db, term).await?;
    let plan = coaching::visit_plan(&state.db, actor, coach_id, &term).await?;
    let relations = coaching::coach_relations(&state.db, actor, coach_id).await?;
    let visits = coaching::coach_visits(&state.db, actor, coach_id, &term).await?;
    let visits: Vec<_> = visits
        .iter()
        .map(|l| {
            minijinja::context! {
                visited_on => l.visited_on.to_string(), programme => &l.programme, coachee_name => &l.coachee_name,
                instrument => &l.instrument, focus => l.focus.join(" "), agreed_actions => &l.agreed_actions,
                next_visit_on => l.next_visit_on.map(|d| d.to_string()),
            }
        })
        .collect();
    let mut programmes: Vec<String> = relations.iter().map(|(_, code)| code.clone()).collect();
    programmes.sort();
    programmes.dedup();
    let mut coachees: Vec<(i64, String)> =
        relations.iter().map(|(r, _)| (r.coachee_id, r.coachee_name.clone())).collect();
    coachees.dedup_by_key(|c| c.0);
    let standards: Vec<_> = plcs::standard_choices(&state.db)
        .await?
        .into_iter()
        .map(|(id, code, en, fr)| minijinja::context! { id, code, name => if ctx.lang == "fr" { fr } else { en } })
        .collect();
    let focus: HashSet<String> = sent.map(|s| s.all("focus").map(str::to_string).collect()).unwrap_or_default();
    let html = state.templates.page(
        ctx,
        "peer/coach.html",
        minijinja::context! {
            coach_id, name, term => v(&term), terms => v(&terms), plan => v(&plan), visits,
            programmes, coachees => v(&coachees), standards, focus => v(&focus),
            uuid => uuid::Uuid::new_v4().to_string(), today => opencpd_kernel::today().to_string(),
            problems, sent => sent.map(|s| v(&s.map())), notice,
        },
    )?;
    Ok((status, html).into_response())
}

/// Records a visit from the coach's page. The form carries a client id made when the page
/// was drawn, so sending it twice stores one visit.
async fn record_visit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(coach_id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let sent = Sent(fields);
    let mut problems = Vec::new();
    let coachee_id = sent.ids("coachee_id", "coachee_id", &mut problems).first().copied();
    if coachee_id.is_none() && problems.is_empty() {
        problems.push(Problem::new("required").in_column("coachee_id"));
    }
    let submission_id = sent.ids("submission_id", "submission_id", &mut problems).first().copied();
    let focus = sent.ids("focus", "focus", &mut problems);
    let input = VisitInput {
        uuid: sent.one("uuid"),
        programme_code: sent.one("programme_code"),
        coach_id,
        coachee_id: coachee_id.unwrap_or(0),
        visited_on: sent.one("visited_on"),
        focus,
        submission_id,
        submission_uuid: None,
        agreed_actions: sent.optional("agreed_actions"),
        next_visit_on: sent.optional("next_visit_on"),
    };
    let outcome = if problems.is_empty() {
        coaching::record_visit(&state.db, actor, &input, ctx.lang).await.map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    let term = sent.optional("term");
    match outcome {
        Ok(_) => {
            let notice = text(&ctx, "peer-visit-recorded");
            render_coach(&state, &ctx, coach_id, term.as_deref(), None, None, Some(notice), StatusCode::OK).await
        }
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_coach(&state, &ctx, coach_id, term.as_deref(), Some(messages), Some(&sent), None, status).await
        }
    }
}

// ---------------------------------------------------------------- cascade and reports

#[derive(Debug, Deserialize, Default)]
struct CascadeQuery {
    programme: Option<String>,
    term: Option<String>,
    within: Option<String>,
}

async fn cascade_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<CascadeQuery>, QueryRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Query(q) = ok(q)?;
    let programmes = coaching::coaching_programmes(&state.db).await?;
    let terms = plcs::terms(&state.db).await?;
    let programme = given(&q.programme).map(str::to_string).or_else(|| programmes.first().map(|p| p.0.clone()));
    let term = plcs::term_named(&state.db, given(&q.term)).await?;
    let cascade = match &programme {
        Some(p) => Some(reports::cascade(&state.db, actor, p, &term, given(&q.within)).await?),
        None => None,
    };
    let chart = cascade.as_ref().filter(|c| !c.levels.is_empty()).map(|c| {
        let labels: Vec<String> = c
            .levels
            .iter()
            .map(|l| opencpd_domain::i18n::catalog().text(ctx.lang, "peer-depth-n", &[("depth", l.depth.to_string())]))
            .collect();
        let rows: Vec<(&str, Option<f64>)> =
            labels.iter().zip(&c.levels).map(|(label, l)| (label.as_str(), l.share.map(|s| s / 100.0))).collect();
        minijinja::Value::from_safe_string(opencpd_http::chart::shares(&text(&ctx, "peer-share-visited"), &rows))
    });
    let html = state.templates.page(
        &ctx,
        "peer/cascade.html",
        minijinja::context! {
            cascade => v(&cascade), chart, programmes => v(&programmes), terms => v(&terms), term => v(&term),
            programme, within => given(&q.within),
        },
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Deserialize, Default)]
struct ReportQuery {
    term: Option<String>,
    level: Option<String>,
    within: Option<String>,
}

/// A chart of one share per row of a report, labelled by the rows' units.
fn share_chart(aria: &str, rows: &[(String, Option<f64>)]) -> minijinja::Value {
    let rows: Vec<(&str, Option<f64>)> = rows.iter().map(|(l, s)| (l.as_str(), s.map(|s| s / 100.0))).collect();
    minijinja::Value::from_safe_string(opencpd_http::chart::shares(aria, &rows))
}

async fn reports_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Query(q) = ok(q)?;
    let terms = plcs::terms(&state.db).await?;
    let levels = reports::level_keys(&state.db).await?;
    let term = plcs::term_named(&state.db, given(&q.term)).await?;
    let level = given(&q.level).unwrap_or("sector").to_string();
    let g = Grouping { term: &term, level: &level, within: given(&q.within) };
    let heads = reports::head_teachers_visited(&state.db, actor, &g).await?;
    let regularity = reports::plc_regularity(&state.db, actor, &g).await?;
    let points = reports::action_points(&state.db, actor, &g).await?;
    let leaders = reports::leaders_of_learning(&state.db, actor, &g).await?;
    let charts = minijinja::context! {
        heads => share_chart(&text(&ctx, "peer-heads-visited"), &heads.rows.iter().map(|r| (r.unit_name.clone(), r.share)).collect::<Vec<_>>()),
        regularity => share_chart(&text(&ctx, "peer-regularity"), &regularity.rows.iter().map(|r| (r.unit_name.clone(), r.regularity)).collect::<Vec<_>>()),
        points => share_chart(&text(&ctx, "peer-points-on-time"), &points.rows.iter().map(|r| (r.unit_name.clone(), r.share_on_time)).collect::<Vec<_>>()),
        leaders => share_chart(&text(&ctx, "peer-leaders"), &leaders.rows.iter().map(|r| (r.unit_name.clone(), r.share)).collect::<Vec<_>>()),
    };
    let html = state.templates.page(
        &ctx,
        "peer/reports.html",
        minijinja::context! {
            heads => v(&heads), regularity => v(&regularity), points => v(&points), leaders => v(&leaders), charts,
            terms => v(&terms), term => v(&term), levels => v(&levels), level, within => given(&q.within),
            suppressed => heads.shown.suppressed, threshold => heads.shown.small_cell_threshold,
        },
    )?;
    Ok(html.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_registered_and_the_csp_allows_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        assert_eq!(opencpd_http::render::template_problems(&dir, TEMPLATES), Vec::<String>::new());
    }

    /// Every cell of a list carries its column's name for a phone's width.
    #[test]
    fn every_cell_of_a_list_is_labelled() {
        for (name, body) in TEMPLATES {
            for cell in body.split("<td").skip(1) {
                let head = &cell[..cell.find('>').unwrap_or(cell.len())];
                assert!(head.contains("data-label") || head.contains("colspan"), "{name}: <td{head}>");
            }
        }
    }

    fn sent(pairs: &[(&str, &str)]) -> Sent {
        Sent(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_meeting_form_reads_attendance_guests_points_and_changed_updates_only() {
        let form = sent(&[
            ("held_on", "2026-01-10"),
            ("attend", "101"),
            ("attend", "102"),
            ("guests", " 300, 301 "),
            ("ap_title_0", "Share the lesson plan"),
            ("ap_owner_0", "101"),
            ("ap_due_0", "2026-02-01"),
            ("ap_title_1", ""),
            ("ap_owner_1", ""),
            ("ap_due_1", ""),
            ("point", "7"),
            ("version_7", "2"),
            ("was_7", "open"),
            ("was_due_7", "2026-01-20"),
            ("status_7", "done"),
            ("due_7", "2026-01-20"),
            ("point", "8"),
            ("version_8", "1"),
            ("was_8", "open"),
            ("was_due_8", "2026-01-20"),
            ("status_8", "open"),
            ("due_8", "2026-01-20"),
        ]);
        let (input, problems) = meeting_from_form(&form);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(input.attendance, vec![101, 102, 300, 301]);
        assert_eq!(input.action_points.len(), 1);
        assert_eq!(input.action_points[0].owner_id, Some(101));
        assert_eq!(input.updates.len(), 1);
        assert_eq!((input.updates[0].id, input.updates[0].status.as_str(), input.updates[0].version), (7, "done", 2));
        assert_eq!(input.updates[0].due_on, None);
    }

    #[test]
    fn a_guest_that_is_not_a_number_is_named() {
        let (_, problems) = meeting_from_form(&sent(&[("held_on", "2026-01-10"), ("guests", "12 Jean")]));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column.as_deref(), Some("guests"));
        let (input, problems) = meeting_from_form(&sent(&[("ap_title_0", "Visit"), ("ap_due_0", "2026-02-01")]));
        assert!(problems.is_empty());
        assert_eq!(input.action_points[0].owner_id, None, "the store refuses it, naming owner_id");
    }
}
