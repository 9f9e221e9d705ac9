//! The page of the deployment's indicators (`/indicators`): every indicator, shipped or
//! the deployment's own, with its definition in the indicator language, the
//! disaggregations it allows and its Kirkpatrick level; and, for those who set up
//! programmes for the whole deployment, a form to add one, checked when saved by the same
//! store function as the API's (`engine::create`): a problem is shown by its field in the
//! reader's language and the form keeps what was typed.

use crate::model::IndicatorInput;
use crate::store::engine;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use opencpd_domain::Problem;
use opencpd_http::csrf::CsrfForm;
use opencpd_http::{AppState, Ctx, Error, Result};
use serde::{Deserialize, Serialize};

pub(super) fn page_routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/indicators", get(page).post(add))
}

/// The form's fields as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
struct IndicatorForm {
    code: String,
    name_en: String,
    name_fr: String,
    numerator: String,
    #[serde(default)]
    denominator: String,
    #[serde(default)]
    scale: String,
    /// Separated by commas or spaces.
    #[serde(default)]
    disaggregations: String,
    #[serde(default)]
    kirkpatrick_level: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    description_fr: String,
}

impl IndicatorForm {
    /// The definition the form gives, or the problems of fields that are not even numbers.
    fn input(&self) -> std::result::Result<IndicatorInput, Vec<Problem>> {
        use super::typed::{decimal, noted, whole};
        let mut problems = Vec::new();
        let scale = noted(decimal(&self.scale), "scale", &mut problems);
        let level = noted(whole(&self.kirkpatrick_level), "kirkpatrick_level", &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let text = |t: &str| Some(t.trim().to_string()).filter(|t| !t.is_empty());
        Ok(IndicatorInput {
            code: self.code.trim().to_string(),
            name_en: self.name_en.clone(),
            name_fr: self.name_fr.clone(),
            numerator: self.numerator.clone(),
            denominator: text(&self.denominator),
            scale,
            disaggregations: self
                .disaggregations
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect(),
            kirkpatrick_level: level,
            description_en: text(&self.description_en),
            description_fr: text(&self.description_fr),
        })
    }
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    render(&state, &ctx, None, Vec::new(), StatusCode::OK).await
}

/// Adds the indicator the form defines, then the page again at it.
async fn add(State(state): State<AppState>, ctx: Ctx, CsrfForm(form): CsrfForm<IndicatorForm>) -> Result<Response> {
    let actor = ctx.actor()?;
    engine::may_define(actor)?;
    let saved = match form.input() {
        Ok(input) => engine::create(&state.db, actor, &input).await,
        Err(problems) => Err(opencpd_kernel::Error::Invalid(problems)),
    };
    match saved {
        Ok(indicator) => Ok(Redirect::to(&format!("/indicators#indicator-{}", indicator.code)).into_response()),
        Err(e @ (opencpd_kernel::Error::Invalid(_) | opencpd_kernel::Error::Conflict(_))) => {
            let e = Error::from(e);
            let problems = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render(&state, &ctx, Some(form), problems, e.status()).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    form: Option<IndicatorForm>,
    problems: Vec<String>,
    status: StatusCode,
) -> Result<Response> {
    use opencpd_http::render::value as v;
    let actor = ctx.actor()?;
    let indicators = engine::indicators(&state.db).await?;
    let may_define = engine::may_define(actor).is_ok();
    let html = state.templates.page(
        ctx,
        "indicators/indicators.html",
        minijinja::context! {
            indicators => v(&indicators), may_define, form => v(&form.unwrap_or_default()), problems,
            measures => engine::catalogue()
                .measures
                .into_iter()
                .map(|m| (m.name, m.dimensions.join(", ")))
                .collect::<Vec<_>>(),
        },
    )?;
    Ok((status, html).into_response())
}
