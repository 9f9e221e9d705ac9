//! The pages of lesson study, for the cluster leads who run it: the list of cycles (paged,
//! sorted and searched through `kernel::paging`), a new cycle, and a cycle with its group,
//! subject, grade and topic, its stages (moved to the next one), its research lesson with
//! teacher, observers and their observation submissions, its artefacts (uploaded within the
//! limits of `crate::artefacts`, downloaded through the API) and its videos.
//!
//! People are picked with the pages' picker (`static/picker.js` over `/api/v1/people`),
//! never typed by number. Every read and write goes through `store::lesson`, which scopes
//! them as their PLC; a form refused shows every problem naming its field, and nothing is
//! stored. Not here: the JSON API (`super`).

use super::forms::Refusal;
use super::pages::Sent;
use crate::model::*;
use crate::store::choices;
use crate::store::{lesson, plcs};
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use opencpd_domain::Problem;
use opencpd_http::csrf::CsrfForm;
use opencpd_http::render::value as v;
use opencpd_http::{AppState, Ctx, Error, Id, Result, ok};
use opencpd_kernel::paging::Page;
use serde::Deserialize;

/// Observer rows on the new cycle's form.
const OBSERVER_ROWS: usize = 4;

pub(super) fn pages() -> Router<AppState> {
    Router::new()
        .route("/lesson-studies", get(list_page))
        .route("/lesson-studies/new", get(new_page).post(new_form))
        .route("/lesson-studies/{id}", get(study_page))
        .route("/lesson-studies/{id}/stage", post(stage_form))
        .route("/lesson-studies/{id}/observations", post(observation_form))
        .route("/lesson-studies/{id}/videos", post(video_form))
        .route("/lesson-studies/{id}/artefacts", post(artefact_form))
}

async fn list_page(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Query(page) = ok(page)?;
    let list = lesson::lesson_list(&state.db, actor, &page).await?;
    let html = state.templates.page(
        &ctx,
        "peer/lesson_studies.html",
        minijinja::context! {
            studies => v(&list.items), list => opencpd_http::render::ListView::of(&list, &page),
            create => actor.may(opencpd_domain::access::Action::Facilitate),
        },
    )?;
    Ok(html.into_response())
}

// ---------------------------------------------------------------- a new cycle

#[derive(Debug, Deserialize, Default)]
struct NewQuery {
    /// The group's code, when the form is opened from a PLC's page.
    plc: Option<String>,
}

async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<NewQuery>, QueryRejection>,
) -> Result<Response> {
    ctx.actor()?.require_role(opencpd_domain::access::Action::Facilitate)?;
    let Query(q) = ok(q)?;
    let sent = Sent(vec![("plc_code".into(), q.plc.unwrap_or_default())]);
    render_new(&state, &ctx, &sent, Refusal::none()).await
}

async fn render_new(state: &AppState, ctx: &Ctx, sent: &Sent, refusal: Refusal) -> Result<Response> {
    ctx.actor()?;
    let subjects: Vec<_> = lesson::subjects(&state.db)
        .await?
        .into_iter()
        .map(|(code, en, fr)| minijinja::context! { code, name => if ctx.lang == "fr" { fr } else { en } })
        .collect();
    // The people chosen before, named again beside their pickers.
    let mut ids: Vec<i64> =
        sent.all("observer").chain([sent.one("teacher_id").as_str()]).filter_map(|s| s.parse().ok()).collect();
    ids.dedup();
    let named: std::collections::HashMap<String, String> =
        choices::people_by_id(&state.db, &ids).await?.into_iter().map(|p| (p.id.to_string(), p.name)).collect();
    let mut observers: Vec<String> = sent.all("observer").map(str::to_string).collect();
    observers.resize(OBSERVER_ROWS.max(observers.len()), String::new());
    let html = state.templates.page(
        ctx,
        "peer/lesson_study_form.html",
        minijinja::context! {
            subjects, observers, named => v(&named), sent => v(&sent.map()), ..refusal.context(),
        },
    )?;
    Ok((refusal.status, html).into_response())
}

/// A cycle from the form: the teacher and observers as the pickers give them (a person's
/// number); anything else is a problem naming its field.
fn study_from_form(sent: &Sent, problems: &mut Vec<Problem>) -> LessonStudyInput {
    let teacher = sent.ids("teacher_id", "teacher_id", problems);
    if teacher.len() > 1 {
        let ids: Vec<String> = teacher.iter().map(i64::to_string).collect();
        problems.push(Problem::new("one-only").in_column("teacher_id").with_value(ids.join(", ")));
    }
    let mut observers = Vec::new();
    for (i, raw) in sent.all("observer").filter(|s| !s.is_empty()).enumerate() {
        match raw.parse::<i64>() {
            Ok(n) => observers.push(n),
            Err(_) => problems.push(Problem::new("bad-number").in_column(format!("observers[{i}]")).with_value(raw)),
        }
    }
    LessonStudyInput {
        code: sent.one("code"),
        plc_code: sent.one("plc_code"),
        subject_code: sent.optional("subject_code"),
        grade: sent.one("grade"),
        topic: sent.one("topic"),
        teacher_id: teacher.first().copied(),
        lesson_on: sent.optional("lesson_on"),
        observers,
    }
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    actor.require_role(opencpd_domain::access::Action::Facilitate)?;
    let sent = Sent(fields);
    let mut problems = Vec::new();
    let input = study_from_form(&sent, &mut problems);
    let outcome = if problems.is_empty() {
        lesson::create_lesson_study(&state.db, actor, &input).await.map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    match outcome {
        Ok(study) => Ok(Redirect::to(&format!("/lesson-studies/{}", study.id)).into_response()),
        Err(e) => render_new(&state, &ctx, &sent, Refusal::of(&ctx, e)?).await,
    }
}

// ---------------------------------------------------------------- a cycle

async fn study_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    render_study(&state, &ctx, id, None, None, Refusal::none()).await
}

/// A size as a person reads it: bytes, KB or MB, in the reader's language.
fn size_text(bytes: i64, lang: &str) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 {
        format!("{} MB", opencpd_domain::i18n::decimal(b / (1024.0 * 1024.0), 1, lang))
    } else if b >= 1024.0 {
        format!("{} KB", opencpd_domain::i18n::decimal(b / 1024.0, 1, lang))
    } else {
        format!("{bytes} B")
    }
}

async fn render_study(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    sent: Option<&Sent>,
    form: Option<&str>,
    refusal: Refusal,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let study = lesson::lesson_study(&state.db, actor, id).await?;
    let plc = plcs::plc(&state.db, actor, study.plc_id).await?;
    let run = plcs::may_run(&state.db, actor, plc.id).await?;
    let subject = match study.subject_id {
        Some(s) => lesson::subjects_by_id(&state.db, s).await?,
        None => None,
    }
    .map(|(code, en, fr)| format!("{code} · {}", if ctx.lang == "fr" { fr } else { en }));
    let teacher = match study.teacher_id {
        Some(t) => choices::people_by_id(&state.db, &[t]).await?.into_iter().next().map(|p| p.name),
        None => None,
    };
    let current = LessonStudyStage::parse(&study.stage).unwrap_or(LessonStudyStage::Plan);
    let stages: Vec<_> = LessonStudyStage::ALL
        .iter()
        .map(|s| minijinja::context! { key => s.key(), done => *s < current, current => *s == current })
        .collect();
    let artefacts: Vec<_> = study
        .artefacts
        .iter()
        .map(|a| {
            minijinja::context! {
                id => a.id, kind => &a.kind, file_name => &a.file_name, content_type => &a.content_type,
                size => size_text(a.size_bytes, ctx.lang),
            }
        })
        .collect();
    let limits = crate::artefacts::limits();
    let allowed: Vec<&str> = limits.types.iter().map(|t| t.name).collect();
    let html = state.templates.page(
        ctx,
        "peer/lesson_study.html",
        minijinja::context! {
            study => v(&study), plc => v(&plc), run, subject, teacher, stages, artefacts,
            next => current.next().map(|s| s.key()), kinds => ArtefactKind::keys(),
            max_size => size_text(limits.max_bytes as i64, ctx.lang), allowed => allowed.join(", "),
            form, sent => sent.map(|s| v(&s.map())), ..refusal.context(),
        },
    )?;
    Ok((refusal.status, html).into_response())
}

/// A write from one of the cycle's forms: back to the cycle when it is stored, else the
/// cycle again with the problems beside the form that was sent.
async fn answer(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    sent: Option<&Sent>,
    form: &str,
    outcome: std::result::Result<(), Error>,
) -> Result<Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/lesson-studies/{id}#{form}")).into_response()),
        Err(e) => render_study(state, ctx, id, sent, Some(form), Refusal::of(ctx, e)?).await,
    }
}

async fn stage_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let sent = Sent(fields);
    let outcome = match sent.one("version").parse::<i64>() {
        Ok(version) => {
            let input = StageInput { stage: sent.one("stage"), version };
            lesson::set_stage(&state.db, actor, id, &input).await.map(|_| ()).map_err(Error::from)
        }
        Err(_) => Err(Problem::new("bad-number").in_column("version").with_value(sent.one("version")).into()),
    };
    answer(&state, &ctx, id, Some(&sent), "stages", outcome).await
}

async fn observation_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let sent = Sent(fields);
    let mut problems = Vec::new();
    let mut one = |name: &str| {
        let ids = sent.ids(name, name, &mut problems);
        if ids.is_empty() && sent.one(name).is_empty() {
            problems.push(Problem::new("required").in_column(name));
        }
        ids.first().copied().unwrap_or(0)
    };
    let input = ObservationLink { person_id: one("person_id"), submission_id: one("submission_id") };
    let outcome = if problems.is_empty() {
        lesson::link_observation(&state.db, actor, id, &input).await.map(|_| ()).map_err(Error::from)
    } else {
        Err(Error::Invalid(problems))
    };
    answer(&state, &ctx, id, Some(&sent), "observers", outcome).await
}

async fn video_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let sent = Sent(fields);
    let input = VideoInput { url: sent.one("url"), title: sent.one("title"), source: sent.one("source") };
    let outcome = lesson::add_video(&state.db, actor, id, &input).await.map(|_| ()).map_err(Error::from);
    answer(&state, &ctx, id, Some(&sent), "videos", outcome).await
}

/// An artefact from the cycle's upload form (`multipart/form-data`: its kind and the file),
/// within the artefacts' limits.
async fn artefact_form(State(state): State<AppState>, ctx: Ctx, Id(id): Id, multipart: Multipart) -> Result<Response> {
    let actor = ctx.actor()?;
    let form = opencpd_http::upload::Upload::read(&ctx, multipart).await?;
    let kind = form.text("kind").to_string();
    let sent = Sent(vec![("kind".into(), kind.clone())]);
    let outcome = match form.file() {
        Ok((file_name, bytes)) => {
            let upload = lesson::Upload { kind: &kind, file_name, bytes };
            let limits = crate::artefacts::limits();
            lesson::add_artefact(&state.db, actor, &state.files, &limits, id, &upload)
                .await
                .map(|_| ())
                .map_err(Error::from)
        }
        Err(e) => Err(e),
    };
    answer(&state, &ctx, id, Some(&sent), "artefacts", outcome).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(pairs: &[(&str, &str)]) -> Sent {
        Sent(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_cycle_from_its_form_takes_the_people_picked_and_names_what_is_not_a_person() {
        let form = sent(&[
            ("code", "LS-1"),
            ("plc_code", "P-KIM"),
            ("grade", "P4"),
            ("topic", "Fractions"),
            ("teacher_id", "104"),
            ("observer", "105"),
            ("observer", ""),
            ("observer", "106"),
            ("subject_code", ""),
        ]);
        let mut problems = Vec::new();
        let input = study_from_form(&form, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((input.teacher_id, input.observers), (Some(104), vec![105, 106]));
        assert_eq!(input.subject_code, None);
        let mut problems = Vec::new();
        study_from_form(&sent(&[("teacher_id", "Alpha"), ("observer", "105"), ("observer", "Bravo")]), &mut problems);
        let columns: Vec<_> = problems.iter().map(|p| p.column.clone().unwrap_or_default()).collect();
        assert_eq!(columns, vec!["teacher_id", "observers[1]"]);
    }

    #[test]
    fn sizes_read_in_bytes_kilobytes_or_megabytes() {
        assert_eq!(size_text(900, "en"), "900 B");
        assert_eq!(size_text(1536, "en"), "1.5 KB");
        assert_eq!(size_text(20 * 1024 * 1024, "fr"), "20,0 MB");
    }
}
