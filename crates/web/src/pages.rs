//! The server-rendered pages. Each handler reads the request, asks the store (which checks
//! the scope) and renders a template; forms carry the session's CSRF token.

use crate::AppState;
use crate::auth::{Ctx, Id};
use crate::error::{Error, Result};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use opencpd_domain::AccountRole;
use opencpd_http::csrf::{CsrfForm, NoFields};
use opencpd_http::render::ListView;
pub use opencpd_http::session::can_import;
use opencpd_http::session::render_errors;
use opencpd_kernel::accounts::{self, GrantSpec, NewUser};
use opencpd_kernel::audit::{self, AuditFilter};
use opencpd_kernel::paging::Page;
use opencpd_registry::store as registry;
use serde::Deserialize;

use opencpd_http::render::value as v;

/// The templates of the pages this crate serves (the shared ones are `opencpd_http`'s).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("home.html", include_str!("../templates/home.html")),
    ("school.html", include_str!("../templates/school.html")),
    ("person.html", include_str!("../templates/person.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("account.html", include_str!("../templates/account.html")),
    ("audit.html", include_str!("../templates/audit.html")),
];

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/schools/{id}", get(school_page))
        .route("/people/{id}", get(person_page))
        .route("/users", get(users_page).post(create_user))
        .route("/users/{username}/disable", post(disable_user))
        .route("/users/{username}/enable", post(enable_user))
        .route("/users/{username}/password", post(reset_password))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/audit", get(audit_page))
        .layer(axum::middleware::from_fn_with_state(state.clone(), render_errors))
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    use opencpd_delivery::store::record;
    use opencpd_domain::Scope;
    let actor = ctx.actor()?;
    let today = opencpd_kernel::today();
    let year = chrono::Datelike::year(&today);
    // Each role's home shows what that role works with: an officer the units in scope,
    // a school leader the school's staff and their CPD, a teacher their own CPD.
    let officer = actor.grants.iter().any(|g| matches!(g.scope, Scope::Everything | Scope::Unit { .. }));
    let (counts, units) = if officer {
        let stats = crate::unit_stats(&state.db).await?;
        let counts = registry::counts(&state.db, actor, &stats).await?;
        (Some(counts), registry::start_units(&state.db, actor, &stats).await?)
    } else {
        (None, Vec::new())
    };
    // A school leader's school: its staff's CPD, its improvement plan and the coaching
    // visits to its staff this term (the calendar year when no term is set) with the next
    // one planned.
    let term = opencpd_peer::store::plcs::term_on(&state.db, today).await?;
    let (visits_from, visits_to, term_name) = match &term {
        Some(t) => (t.start_on, t.end_on, Some(t.name.clone())),
        None => (
            chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today),
            chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today),
            None,
        ),
    };
    let mut schools = Vec::new();
    for school in registry::own_schools(&state.db, actor).await? {
        let staff = record::school_staff_cpd(&state.db, actor, school.id, year).await?;
        let below = staff.iter().filter(|s| s.below()).count();
        let staff: Vec<_> = staff.into_iter().map(|s| (s.below(), s)).collect();
        let plans = opencpd_indicators::store::plans::list(&state.db, actor, school.id).await?;
        // This year's plan, else the latest.
        let plan = plans.iter().find(|p| p.year == i64::from(year)).or(plans.first()).cloned();
        let (visits, next_visit) =
            opencpd_peer::store::coaching::school_visits(&state.db, actor, school.id, visits_from, visits_to, today)
                .await?;
        schools.push(minijinja::context! {
            school => v(&school), staff => v(&staff), below, plan => v(&plan), visits => v(&visits),
            next_visit => v(&next_visit),
        });
    }
    let mut own = Vec::new();
    for g in &actor.grants {
        if let Scope::Own { person_id } = g.scope {
            let cpd = record::record(&state.db, actor, person_id, year).await?;
            let this_year = cpd.years.iter().find(|y| y.year == year).cloned();
            let next = record::next_sessions(&state.db, actor, person_id, today, 5).await?;
            own.push(minijinja::context! { person_id, cpd => v(&cpd), this_year => v(&this_year), next => v(&next) });
        }
    }
    // What the field app offers a teacher to answer about the cohorts they take part in.
    let answer = if actor.grants.iter().any(|g| matches!(g.scope, Scope::Own { .. })) {
        let open = opencpd_instruments::store::field::to_answer(&state.db, actor).await?;
        let mut rows = Vec::new();
        for i in &open.instruments {
            for c in &open.cohorts {
                rows.push(minijinja::context! {
                    id => i.id, title => &i.title, kind => &i.kind, cohort_id => c.id, cohort_code => &c.code,
                    cohort_name => &c.name,
                });
            }
        }
        rows
    } else {
        Vec::new()
    };
    let roles: Vec<&str> = actor.grants.iter().map(|g| g.role.key()).collect();
    state.templates.page(
        &ctx,
        "home.html",
        minijinja::context! {
            counts => v(&counts), units => v(&units), schools, own, answer, roles => v(&roles), year, term_name,
        },
    )
}

async fn school_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let school = registry::school(&state.db, actor, id).await?;
    let crumbs = registry::ancestors(&state.db, actor, &school.unit_path).await?;
    let staff = registry::staff(&state.db, actor, &school).await?;
    let clusters = registry::clusters_of(&state.db, actor, &school).await?;
    let women = staff.iter().filter(|s| s.sex == "F").count();
    let resources = opencpd_outreach::web::school_resources(&state, &ctx, school.id, &school.unit_path).await?;
    let practice = opencpd_evaluation::web::school_practice(&state, &ctx, school.id).await?;
    state.templates.page(
        &ctx,
        "school.html",
        minijinja::context! { school => v(&school), crumbs => v(&crumbs), staff => v(&staff), women, clusters => v(&clusters),
        ..minijinja::context! { ..resources, ..practice } },
    )
}

async fn person_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let (person, positions) = registry::person(&state.db, actor, id).await?;
    let today = opencpd_kernel::today();
    let positions: Vec<_> = positions
        .into_iter()
        .map(|x| {
            let current = x.is_current(today);
            minijinja::context! { current, ..v(&x) }
        })
        .collect();
    let awards = opencpd_outreach::store::awards::awards_of(&state.db, actor, id).await?;
    let needs = opencpd_evaluation::store::needs::person(&state.db, actor, id, ctx.lang).await?;
    let practice = opencpd_evaluation::web::person_practice(&state, &ctx, id).await?;
    state.templates.page(
        &ctx,
        "person.html",
        minijinja::context! { person => v(&person), positions, awards => v(&awards), needs => v(&needs), ..practice },
    )
}

#[derive(Deserialize)]
struct UsersQuery {
    reset: Option<String>,
}

async fn users_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UsersQuery>,
    page: std::result::Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let Query(page) = page?;
    render_users(&state, &ctx, &page, None, None, q.reset, StatusCode::OK).await
}

async fn render_users(
    state: &AppState,
    ctx: &Ctx,
    page: &Page,
    problems: Option<Vec<String>>,
    created: Option<String>,
    reset: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let list = accounts::list_users(&state.db, actor, page).await?;
    let users: Vec<_> = list
        .items
        .iter()
        .map(|(u, grants)| {
            let roles: Vec<&str> = grants.iter().map(|g| g.role.key()).collect();
            minijinja::context! { roles, ..v(u) }
        })
        .collect();
    // Each role with what its scope is chosen from: a school, a person or a unit.
    let roles: Vec<_> = AccountRole::ALL
        .iter()
        .map(|r| {
            let (source, value, label) = match r {
                AccountRole::SchoolLeader | AccountRole::Mentor => ("/api/v1/schools", "code", "name unit_name"),
                AccountRole::Teacher => ("/api/v1/people", "staff_number", "given_name family_name"),
                _ => ("/api/v1/units", "code", "name"),
            };
            minijinja::context! { key => r.key(), source, value, label }
        })
        .collect();
    let list = ListView::of(&list, page);
    let html = state.templates.page(
        ctx,
        "users.html",
        minijinja::context! { users, list, roles, problems, created, reset },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct UserForm {
    username: String,
    display_name: String,
    password: String,
    language: String,
    role: String,
    scope_code: Option<String>,
}

async fn create_user(State(state): State<AppState>, ctx: Ctx, CsrfForm(form): CsrfForm<UserForm>) -> Result<Response> {
    let actor = ctx.actor()?;
    let outcome = async {
        let role = AccountRole::parse(&form.role).map_err(|p| p.in_column("role"))?;
        let new = NewUser {
            username: form.username.clone(),
            password: form.password.clone(),
            display_name: form.display_name.clone(),
            language: form.language.clone(),
            grants: vec![GrantSpec { role, scope_code: form.scope_code.clone() }],
        };
        Ok::<_, Error>(accounts::create_user(&state.db, actor, &new).await?)
    }
    .await;
    match outcome {
        Ok(user) => render_users(&state, &ctx, &Page::first(), None, Some(user.username), None, StatusCode::OK).await,
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render_users(&state, &ctx, &Page::first(), Some(messages), None, None, e.status()).await
        }
        Err(e) => Err(e),
    }
}

async fn set_disabled(state: AppState, ctx: Ctx, username: String, disabled: bool) -> Result<Response> {
    let actor = ctx.actor()?;
    accounts::set_disabled(&state.db, actor, &username, disabled).await?;
    Ok(Redirect::to("/users").into_response())
}

async fn disable_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    set_disabled(state, ctx, username, true).await
}

async fn enable_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    set_disabled(state, ctx, username, false).await
}

/// The audit trail: one page of events with the filters a manager expects (kind of record,
/// actor, action, a range of days), the search, sorting and pages of every list. A bad
/// parameter is shown above the form, naming it.
async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    filter: std::result::Result<Query<AuditFilter>, axum::extract::rejection::QueryRejection>,
    page: std::result::Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let (Query(filter), Query(page)) = (filter?, page?);
    let actor = ctx.actor()?;
    let (list, problems, status) = match audit::list(&state.db, actor, &filter, &page).await.map_err(Error::from) {
        Ok(list) => (list, Vec::new(), StatusCode::OK),
        Err(e @ Error::Invalid(_)) => {
            let messages: Vec<String> = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            let empty =
                audit::list(&state.db, actor, &AuditFilter::default(), &Page { per_page: Some(1), ..Page::first() })
                    .await?;
            let empty = opencpd_kernel::paging::Paged { total: 0, items: Vec::new(), ..empty };
            (empty, messages, e.status())
        }
        Err(e) => return Err(e),
    };
    let names = audit::names(&state.db, &list.items).await?;
    let rows: Vec<AuditRow> = list.items.iter().map(|e| AuditRow::of(e, &names, ctx.lang)).collect();
    let catalog = opencpd_domain::i18n::catalog();
    let choices = |prefix: &str| {
        let mut keys: Vec<(String, String)> = audit::known_keys(prefix)
            .into_iter()
            .map(|k| {
                let label = catalog.text(ctx.lang, &format!("{prefix}{k}"), &[]);
                (k, label)
            })
            .collect();
        keys.sort_by_key(|(_, label)| label.to_lowercase());
        keys
    };
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_string();
    // The filter again, for the sort and page links (`|urlencode` in the template).
    let kept: std::collections::BTreeMap<&str, String> = [
        ("actor", text(&filter.actor)),
        ("entity", text(&filter.entity)),
        ("action", text(&filter.action)),
        ("entity_id", text(&filter.entity_id)),
        ("from", text(&filter.from)),
        ("to", text(&filter.to)),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let html = state.templates.page(
        &ctx,
        "audit.html",
        minijinja::context! {
            events => v(&rows), list => ListView::of(&list, &page), problems,
            entities => choices("audit-entity-"), actions => choices("audit-action-"),
            filter => minijinja::context! {
                actor => text(&filter.actor), entity => text(&filter.entity), action => text(&filter.action),
                entity_id => text(&filter.entity_id), from => text(&filter.from), to => text(&filter.to),
            },
            kept,
        },
    )?;
    Ok((status, html).into_response())
}

/// The page of a record the trail names, where one exists.
pub fn record_href(kind: &str, id: i64) -> Option<String> {
    let base = match kind {
        "person" => "/people",
        "school" => "/schools",
        "unit" => "/units",
        "programme" => "/programmes",
        "course" => "/courses",
        "cohort" => "/cohorts",
        "outreach_event" => "/outreach",
        "resource" => "/resources",
        "instrument" => "/instruments",
        "plc" => "/plcs",
        _ => return None,
    };
    Some(format!("{base}/{id}"))
}

/// One event of the trail as the page shows it: names, translated labels and sentence, and
/// the changed fields side by side.
#[derive(serde::Serialize)]
struct AuditRow {
    at: String,
    actor: String,
    actor_name: Option<String>,
    action: String,
    entity: String,
    record: Option<String>,
    href: Option<String>,
    summary: String,
    changes: Vec<audit::Change>,
}

impl AuditRow {
    fn of(
        e: &audit::AuditEvent,
        names: &std::collections::HashMap<(String, i64), audit::RecordName>,
        lang: &str,
    ) -> AuditRow {
        let catalog = opencpd_domain::i18n::catalog();
        let label = |prefix: &str, key: &str| {
            let id = format!("{prefix}{key}");
            catalog.has("en", &id).then(|| catalog.text(lang, &id, &[]))
        };
        let id = e.entity_id.as_deref().and_then(|i| i.parse::<i64>().ok());
        let named = id.and_then(|id| names.get(&(audit::record_kind(e).to_string(), id)));
        let record = named.map(|n| n.name.clone()).or_else(|| audit::name_in(e)).or_else(|| {
            e.entity_id
                .as_deref()
                .filter(|i| !i.is_empty())
                .map(|i| if id.is_some() { format!("#{i}") } else { i.to_string() })
        });
        let href = named.and_then(|n| record_href(n.page_kind.as_deref()?, n.page_id?));
        let (action, entity) = (label("audit-action-", &e.action), label("audit-entity-", &e.entity));
        let summary = match (&action, &entity, &record) {
            (Some(a), Some(k), Some(name)) => catalog.text(
                lang,
                "audit-sentence",
                &[("action", a.clone()), ("entity", k.clone()), ("name", name.clone())],
            ),
            (Some(a), Some(k), None) => {
                catalog.text(lang, "audit-sentence-bare", &[("action", a.clone()), ("entity", k.clone())])
            }
            _ => e.summary.clone(),
        };
        let word = |v: Option<String>| match v.as_deref() {
            Some("true") => Some(catalog.text(lang, "audit-yes", &[])),
            Some("false") => Some(catalog.text(lang, "audit-no", &[])),
            _ => v,
        };
        let changes = audit::changes(e.before_json.as_deref(), e.after_json.as_deref())
            .into_iter()
            .map(|c| audit::Change {
                field: label("audit-field-", &c.field).unwrap_or_else(|| c.field.replace('_', " ")),
                before: word(c.before),
                after: word(c.after),
            })
            .collect();
        AuditRow {
            at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: e.actor.clone(),
            actor_name: e.actor_name.clone(),
            action: action.unwrap_or_else(|| e.action.replace('_', " ")),
            entity: entity.unwrap_or_else(|| e.entity.replace('_', " ")),
            record,
            href,
            summary,
            changes,
        }
    }
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

/// An admin sets a user's password; the list says so, or shows why not.
async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    match accounts::reset_password(&state.db, actor, &username, &form.password).await.map_err(Error::from) {
        Ok(()) => Ok(Redirect::to(&format!("/users?reset={}", accounts::login_name(&username))).into_response()),
        Err(e @ Error::Invalid(_)) => {
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render_users(&state, &ctx, &Page::first(), Some(messages), None, None, e.status()).await
        }
        Err(e) => Err(e),
    }
}

/// What the account page shows after a change: a message, the problems, or a new
/// token's secret (shown this once).
#[derive(Default)]
struct AccountOutcome {
    notice: Option<&'static str>,
    problems: Vec<String>,
    secret: Option<String>,
}

async fn render_account(state: &AppState, ctx: &Ctx, outcome: AccountOutcome, status: StatusCode) -> Result<Response> {
    let actor = ctx.actor()?;
    let tokens = accounts::tokens(&state.db, actor, &actor.username).await?;
    let html = state.templates.page(
        ctx,
        "account.html",
        minijinja::context! {
            tokens => v(&tokens),
            notice => outcome.notice,
            problems => outcome.problems,
            secret => outcome.secret,
            max_days => accounts::TOKEN_DAYS_MAX,
            min_password => opencpd_domain::password::MIN_CHARS,
        },
    )?;
    Ok((status, html).into_response())
}

/// The signed-in user's own account: their password and their API tokens.
async fn account_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    render_account(&state, &ctx, AccountOutcome::default(), StatusCode::OK).await
}

/// Renders the outcome of an account change: problems on the page, other errors as errors.
async fn account_outcome(
    state: &AppState,
    ctx: &Ctx,
    result: std::result::Result<AccountOutcome, Error>,
) -> Result<Response> {
    match result {
        Ok(outcome) => render_account(state, ctx, outcome, StatusCode::OK).await,
        Err(e @ Error::Invalid(_)) => {
            let problems = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render_account(state, ctx, AccountOutcome { problems, ..Default::default() }, e.status()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let session = crate::auth::cookie(&headers, crate::auth::SESSION_COOKIE);
    let result = accounts::change_password(&state.db, actor, &form.current_password, &form.new_password, session)
        .await
        .map(|()| AccountOutcome { notice: Some("account-password-changed"), ..Default::default() })
        .map_err(Error::from);
    account_outcome(&state, &ctx, result).await
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    expires_in_days: Option<String>,
}

async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let days = form.expires_in_days.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let result = match days.map(|d| d.parse::<i64>()) {
        Some(Err(_)) => Err(Error::Invalid(vec![
            opencpd_domain::Problem::new("token-expiry")
                .in_column("expires_in_days")
                .with_value(days.unwrap_or_default())
                .arg("max", accounts::TOKEN_DAYS_MAX),
        ])),
        parsed => {
            let new = accounts::NewToken { name: form.name, expires_in_days: parsed.and_then(|p| p.ok()) };
            accounts::issue_token(&state.db, actor, &actor.username, &new)
                .await
                .map(|(_, secret)| AccountOutcome { secret: Some(secret), ..Default::default() })
                .map_err(Error::from)
        }
    };
    account_outcome(&state, &ctx, result).await
}

async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let result = accounts::revoke_token(&state.db, actor, id)
        .await
        .map(|_| AccountOutcome { notice: Some("account-token-revoked-done"), ..Default::default() })
        .map_err(Error::from);
    account_outcome(&state, &ctx, result).await
}

#[cfg(test)]
mod tests {
    use super::TEMPLATES;

    #[test]
    fn templates_are_registered_and_the_csp_allows_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        assert_eq!(opencpd_http::render::template_problems(&dir, TEMPLATES), Vec::<String>::new());
        // The areas' pages live in their crates, under a folder named after the area.
        assert!(
            TEMPLATES.iter().all(|(name, _)| !name.contains('/')),
            "web lists its own pages; the areas list theirs"
        );
    }
}
