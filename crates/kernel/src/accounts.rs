//! Accounts: users with argon2id passwords, the grants (role + scope) they hold, cookie
//! sessions with their CSRF token, and API tokens. [`Actor`] is who is acting, carried into
//! every store call so the scope check happens here, once, for pages, API and CLI alike.

use crate::cache::Cache;
use crate::{Db, Error, Result, Tx, audit, on_db, on_tx};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use chrono::{DateTime, Duration, Utc};
use opencpd_domain::access::{self, Action, Target};
use opencpd_domain::{AccountRole, Grant, Problem, Scope};
use rand::RngExt;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Who is acting, with what they may do.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub language: String,
    pub grants: Vec<Grant>,
}

impl Actor {
    /// The operator at the command line, who owns the deployment.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            username: "cli".into(),
            display_name: "Command line".into(),
            language: "en".into(),
            grants: vec![Grant { role: AccountRole::SystemAdmin, scope: Scope::Everything }],
        }
    }

    pub fn allows(&self, action: Action, target: &Target<'_>) -> bool {
        access::allows(&self.grants, action, target)
    }

    /// The scope check. Something the actor may not even read is "not found", so ids
    /// cannot be probed; something they may read but not change, and anything belonging
    /// to the deployment as a whole (accounts, audit), is "forbidden".
    pub fn require(&self, action: Action, target: &Target<'_>) -> Result<()> {
        if self.allows(action, target) {
            Ok(())
        } else if *target == Target::Deployment || (action != Action::Read && self.allows(Action::Read, target)) {
            Err(Error::Forbidden)
        } else {
            Err(Error::NotFound)
        }
    }

    /// Whether any of the actor's roles permits `action` somewhere (before any place is
    /// known): someone who may never do it is refused outright.
    pub fn may(&self, action: Action) -> bool {
        self.grants.iter().any(|g| g.role.permits(action))
    }

    /// [`Actor::may`], as the error a store function returns.
    pub fn require_role(&self, action: Action) -> Result<()> {
        if self.may(action) { Ok(()) } else { Err(Error::Forbidden) }
    }

    pub fn is_admin(&self) -> bool {
        self.allows(Action::ManageUsers, &Target::Deployment)
    }

    pub fn has_role(&self, role: AccountRole) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
}

/// A well-formed argon2id hash of nothing anyone knows, checked for unknown user names.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8G3Kx4uXbR8ZLfCHp9OqEwbnJGDZq0pVyb7JxqgYvQg";

/// A password check waiting for a worker.
type Check = (String, String, tokio::sync::oneshot::Sender<bool>);

/// Password checks run on a few threads of their own, one per core at most. Each argon2id
/// check takes ~19 MB and ~26 ms of a core: a burst of logins queues here instead of
/// spreading that memory over every blocking thread (the allocator keeps a per-thread
/// arena, so memory once touched by a thread stays with the process).
fn password_checkers() -> &'static std::sync::mpsc::SyncSender<Check> {
    static CHECKERS: std::sync::OnceLock<std::sync::mpsc::SyncSender<Check>> = std::sync::OnceLock::new();
    CHECKERS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Check>(1024);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).min(4);
        for n in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || {
                    loop {
                        let job = rx.lock().map(|r| r.recv());
                        let Ok(Ok((password, stored, reply))) = job else { return };
                        let _ = reply.send(verify_password(&password, &stored));
                    }
                })
                .expect("a password-check thread");
        }
        tx
    })
}

async fn check_password_off_thread(password: &str, stored: String) -> Result<bool> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let sender = password_checkers().clone();
    let job = (password.to_string(), stored, reply);
    tokio::task::spawn_blocking(move || sender.send(job))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(anyhow::Error::from)?;
    Ok(answer.await.map_err(anyhow::Error::from)?)
}

/// An argon2id hash in PHC form.
pub fn hash_password(password: &str) -> Result<String> {
    let hash =
        Argon2::default().hash_password(password.as_bytes()).map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).ok().is_some_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A random secret for sessions, CSRF and API tokens: 32 bytes, hex.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub person_id: Option<i64>,
    pub language: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A grant as stored: the role and the id of what it is held over.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantSpec {
    /// One of the account roles (system_admin, national_officer, district_officer, …).
    #[schema(value_type = String)]
    pub role: AccountRole,
    /// Unit code, school code or staff number, by the role's kind of scope; none for the
    /// whole deployment.
    pub scope_code: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewUser {
    pub username: String,
    #[serde(skip)]
    pub password: String,
    pub display_name: String,
    pub language: String,
    pub grants: Vec<GrantSpec>,
}

fn check_username(name: &str) -> Result<String> {
    let name = name.trim().to_lowercase();
    let ok = (2..=60).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok { Ok(name) } else { Err(Problem::new("bad-code").in_column("username").with_value(name).into()) }
}

fn check_password(password: &str, username: &str) -> Result<()> {
    Ok(opencpd_domain::password::check(password, username)?)
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    role: String,
    unit_id: Option<i64>,
    unit_path: Option<String>,
    school_id: Option<i64>,
    person_id: Option<i64>,
}

const GRANTS_SQL: &str = "SELECT g.role, g.unit_id, u.path AS unit_path, g.school_id, g.person_id \
     FROM grants g LEFT JOIN units u ON u.id = g.unit_id WHERE g.user_id = $1 ORDER BY g.id";

fn grant_of(row: GrantRow) -> Option<Grant> {
    let role = AccountRole::parse(&row.role).ok()?;
    let scope = match (row.unit_id, row.unit_path, row.school_id, row.person_id) {
        (Some(unit_id), Some(path), _, _) => Scope::Unit { unit_id, path },
        (_, _, Some(school_id), _) => Scope::School { school_id },
        (_, _, _, Some(person_id)) => Scope::Own { person_id },
        _ => Scope::Everything,
    };
    Some(Grant { role, scope })
}

pub async fn grants_of(db: &Db, user_id: i64) -> Result<Vec<Grant>> {
    let rows: Vec<GrantRow> = on_db!(db, |p| sqlx::query_as(GRANTS_SQL).bind(user_id).fetch_all(p).await)?;
    Ok(rows.into_iter().filter_map(grant_of).collect())
}

/// Resolves a grant's scope code to the id it names, inside a transaction.
async fn resolve_grant(tx: &mut Tx, spec: &GrantSpec) -> Result<(Option<i64>, Option<i64>, Option<i64>)> {
    let Some(code) = spec.scope_code.as_deref().filter(|c| !c.trim().is_empty()) else {
        return Ok((None, None, None));
    };
    let code = code.trim();
    let (sql, problem): (&'static str, &'static str) = match spec.role {
        AccountRole::SchoolLeader | AccountRole::Mentor => ("SELECT id FROM schools WHERE code = $1", "unknown-school"),
        AccountRole::Teacher => ("SELECT id FROM people WHERE staff_number = $1", "unknown-person"),
        _ => ("SELECT id FROM units WHERE code = $1", "unknown-unit"),
    };
    let id: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(sql).bind(code).fetch_optional(&mut *c).await)?;
    let id = id.ok_or_else(|| Problem::new(problem).in_column("scope").with_value(code))?;
    Ok(match spec.role {
        AccountRole::SchoolLeader | AccountRole::Mentor => (None, Some(id), None),
        AccountRole::Teacher => (None, None, Some(id)),
        _ => (Some(id), None, None),
    })
}

pub async fn create_user(db: &Db, actor: &Actor, new: &NewUser) -> Result<User> {
    actor.require(Action::ManageUsers, &Target::Deployment)?;
    let username = check_username(&new.username)?;
    check_password(&new.password, &username)?;
    let hash = hash_password(&new.password)?;
    let now = Utc::now();
    let language = opencpd_domain::i18n::resolve(&new.language).to_string();
    let display = if new.display_name.trim().is_empty() {
        username.clone()
    } else {
        opencpd_domain::registry::parse_name(&new.display_name).map_err(|p| p.in_column("display_name"))?
    };
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, display_name, language, disabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&username)
        .bind(&hash)
        .bind(&display)
        .bind(&language)
        .bind(false)
        .bind(now)
        .fetch_one(&mut *c)
        .await
    })
    .map_err(|e| crate::error::unique_violation(e, &username))?;
    for spec in &new.grants {
        let (unit_id, school_id, person_id) = resolve_grant(&mut tx, spec).await?;
        if unit_id.is_none()
            && school_id.is_none()
            && person_id.is_none()
            && !matches!(spec.role, AccountRole::SystemAdmin | AccountRole::NationalOfficer | AccountRole::Evaluator)
        {
            return Err(Problem::new("required").in_column("scope").into());
        }
        on_tx!(&mut tx, |c| {
            sqlx::query("INSERT INTO grants (user_id, role, unit_id, school_id, person_id) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(spec.role.key())
                .bind(unit_id)
                .bind(school_id)
                .bind(person_id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
        })?;
        if let Some(person_id) = person_id {
            on_tx!(&mut tx, |c| sqlx::query("UPDATE users SET person_id = $1 WHERE id = $2")
                .bind(person_id)
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "user",
        &id.to_string(),
        &format!("user {username}"),
        None::<&()>,
        Some(new),
    )
    .await?;
    tx.commit().await?;
    user(db, id).await
}

pub async fn user(db: &Db, id: i64) -> Result<User> {
    let user: Option<User> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT id, username, display_name, person_id, language, disabled, created_at FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await
    })?;
    user.ok_or(Error::NotFound)
}

/// The columns the list of accounts sorts by.
pub const USER_SORTS: crate::paging::Sorts = &[
    ("username", "username"),
    ("display_name", "display_name"),
    ("created_at", "created_at"),
    ("disabled", "disabled"),
];

/// The accounts with their grants, one page, searched by user name or display name.
pub async fn list_users(
    db: &Db,
    actor: &Actor,
    page: &crate::paging::Page,
) -> Result<crate::paging::Paged<(User, Vec<Grant>)>> {
    actor.require(Action::ManageUsers, &Target::Deployment)?;
    let c = page.check(USER_SORTS)?;
    let filter = "WHERE ($1 IS NULL OR LOWER(username) LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\')";
    let count = format!("SELECT COUNT(*) FROM users {filter}");
    let sql = format!(
        "SELECT id, username, display_name, person_id, language, disabled, created_at FROM users {filter} {} \
         LIMIT $2 OFFSET $3",
        c.order_by("id")
    );
    let total: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern).fetch_one(p).await)?;
    let users: Vec<User> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    // The page's grants in one read, not one per account.
    let ids = users.iter().map(|u| u.id.to_string()).collect::<Vec<_>>().join(", ");
    let mut by_user: std::collections::HashMap<i64, Vec<Grant>> = std::collections::HashMap::new();
    if !users.is_empty() {
        type Row = (i64, String, Option<i64>, Option<String>, Option<i64>, Option<i64>);
        let grants = format!(
            "SELECT g.user_id, g.role, g.unit_id, u.path, g.school_id, g.person_id \
             FROM grants g LEFT JOIN units u ON u.id = g.unit_id WHERE g.user_id IN ({ids}) ORDER BY g.id"
        );
        let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(grants.clone())).fetch_all(p).await)?;
        for (user_id, role, unit_id, unit_path, school_id, person_id) in rows {
            if let Some(grant) = grant_of(GrantRow { role, unit_id, unit_path, school_id, person_id }) {
                by_user.entry(user_id).or_default().push(grant);
            }
        }
    }
    let items = users
        .into_iter()
        .map(|u| {
            let grants = by_user.remove(&u.id).unwrap_or_default();
            (u, grants)
        })
        .collect();
    Ok(c.answer(total, items))
}

/// Disables (or enables again) an account; its sessions and tokens stop working at once.
pub async fn set_disabled(db: &Db, actor: &Actor, username: &str, disabled: bool) -> Result<User> {
    actor.require(Action::ManageUsers, &Target::Deployment)?;
    let username = username.trim().to_lowercase();
    let mut tx = db.begin().await?;
    let id: Option<i64> =
        on_tx!(&mut tx, |c| sqlx::query_scalar("UPDATE users SET disabled = $1 WHERE username = $2 RETURNING id")
            .bind(disabled)
            .bind(&username)
            .fetch_optional(&mut *c)
            .await)?;
    let id = id.ok_or(Error::NotFound)?;
    if disabled {
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    let action = if disabled { "disable" } else { "enable" };
    audit::record(
        &mut tx,
        actor,
        action,
        "user",
        &id.to_string(),
        &format!("{action} user {username}"),
        Some(&serde_json::json!({"disabled": !disabled})),
        Some(&serde_json::json!({"disabled": disabled})),
    )
    .await?;
    tx.commit().await?;
    user(db, id).await
}

async fn actor_for(db: &Db, user: User) -> Result<Actor> {
    let grants = grants_of(db, user.id).await?;
    Ok(Actor {
        user_id: Some(user.id),
        username: user.username,
        display_name: user.display_name,
        language: user.language,
        grants,
    })
}

/// A user name as logins read it: trimmed and lowercased.
pub fn login_name(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Audits a failed login: the name tried (as [`login_name`] reads it) and the client's
/// address; never the password.
pub async fn failed_login(db: &Db, username: &str, address: &str) -> Result<()> {
    let anyone = Actor {
        user_id: None,
        username: "anonymous".into(),
        display_name: String::new(),
        language: "en".into(),
        grants: vec![],
    };
    let mut tx = db.begin().await?;
    let tried = serde_json::json!({ "username": username, "address": address });
    let summary = format!("failed login as {username} from {address}");
    audit::record(&mut tx, &anyone, "login_failed", "user", username, &summary, None::<&()>, Some(&tried)).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a user name and password. `None` when either is wrong or the account is disabled.
pub async fn authenticate(db: &Db, username: &str, password: &str) -> Result<Option<Actor>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        password_hash: String,
        disabled: bool,
    }
    let username = login_name(username);
    let row: Option<Row> =
        on_db!(db, |p| sqlx::query_as("SELECT id, password_hash, disabled FROM users WHERE username = $1")
            .bind(&username)
            .fetch_optional(p)
            .await)?;
    // An unknown user name costs the same check as a real one, so names cannot be probed
    // by timing.
    let stored = row.as_ref().map(|r| r.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = check_password_off_thread(password, stored).await?;
    let Some(row) = row.filter(|r| ok && !r.disabled) else {
        return Ok(None);
    };
    Ok(Some(actor_for(db, user(db, row.id).await?).await?))
}

/// Who a credential stands for: the actor and, for a logged-in browser, the CSRF token its
/// forms must carry (empty for an API token).
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf_token: String,
}

pub const SESSION_DAYS: i64 = 7;

/// Starts a session; returns the secret for the cookie (only its hash is stored).
pub async fn start_session(db: &Db, actor: &Actor) -> Result<String> {
    let user_id = actor.user_id.ok_or(Error::Forbidden)?;
    let secret = new_secret();
    let now = Utc::now();
    on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(digest(&secret))
    .bind(user_id)
    .bind(new_secret())
    .bind(now)
    .bind(now + Duration::days(SESSION_DAYS))
    .execute(p)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(secret)
}

pub async fn end_session(db: &Db, secret: &str) -> Result<()> {
    on_db!(db, |p| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(digest(secret))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_language(db: &Db, actor: &Actor, language: &str) -> Result<()> {
    if let Some(id) = actor.user_id {
        on_db!(db, |p| sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Creates an API token named `name`, without expiry, for the acting user (or, for an
/// admin, another user); returns the secret, shown once.
pub async fn create_token(db: &Db, actor: &Actor, username: &str, name: &str) -> Result<String> {
    let new = NewToken { name: name.to_string(), expires_in_days: None };
    Ok(issue_token(db, actor, username, &new).await?.1)
}

/// Most days an API token may be valid for.
pub const TOKEN_DAYS_MAX: i64 = 730;

/// An API token to create: a name its owner recognises it by, and how many days it is
/// valid (none: until revoked).
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// An API token as its owner and the admins see it: never its secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    username: String,
    name: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    revoked: bool,
}

impl TokenRow {
    fn info(self, now: DateTime<Utc>) -> TokenInfo {
        let status = if self.revoked {
            "revoked"
        } else if self.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        };
        TokenInfo {
            id: self.id,
            username: self.username,
            name: self.name,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            status,
        }
    }
}

const TOKEN_COLUMNS: &str = "t.id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at, t.revoked FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// The user a token operation is for: the actor themself, or anyone for an admin.
async fn token_owner(db: &Db, actor: &Actor, username: &str) -> Result<(i64, String)> {
    let username = login_name(username);
    if username != actor.username {
        actor.require(Action::ManageUsers, &Target::Deployment)?;
    }
    let user_id = user_id_of(db, &username)
        .await?
        .ok_or_else(|| Problem::new("not-found").in_column("username").with_value(&username))?;
    Ok((user_id, username))
}

/// The id of the account named `username` (as [`login_name`] reads it), if any.
async fn user_id_of(db: &Db, username: &str) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(p)
        .await)?)
}

/// Creates an API token for the acting user (or, for an admin, another user); returns it
/// and its secret, shown once.
pub async fn issue_token(db: &Db, actor: &Actor, username: &str, new: &NewToken) -> Result<(TokenInfo, String)> {
    let name = opencpd_domain::registry::parse_name(&new.name).map_err(|p| p.in_column("name"))?;
    if let Some(days) = new.expires_in_days
        && !(1..=TOKEN_DAYS_MAX).contains(&days)
    {
        return Err(Problem::new("token-expiry")
            .in_column("expires_in_days")
            .with_value(days.to_string())
            .arg("max", TOKEN_DAYS_MAX)
            .into());
    }
    let (user_id, username) = token_owner(db, actor, username).await?;
    let secret = format!("ocpd_{}", new_secret());
    let now = Utc::now();
    let expires_at = new.expires_in_days.map(|d| now + Duration::days(d));
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, revoked, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(&name)
        .bind(digest(&secret))
        .bind(now)
        .bind(false)
        .bind(expires_at)
        .fetch_one(&mut *c)
        .await
    })?;
    let info = TokenInfo {
        id,
        username: username.clone(),
        name: name.clone(),
        created_at: now,
        expires_at,
        revoked_at: None,
        status: "active",
    };
    audit::record(
        &mut tx,
        actor,
        "create",
        "api_token",
        &id.to_string(),
        &format!("API token {name} for {username}"),
        None::<&()>,
        Some(&info),
    )
    .await?;
    tx.commit().await?;
    Ok((info, secret))
}

/// The API tokens of `username` (the actor's own, or anyone's for an admin), newest first.
pub async fn tokens(db: &Db, actor: &Actor, username: &str) -> Result<Vec<TokenInfo>> {
    let (user_id, _) = token_owner(db, actor, username).await?;
    let sql = format!("SELECT {TOKEN_COLUMNS} WHERE t.user_id = $1 ORDER BY t.id DESC");
    let rows: Vec<TokenRow> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(user_id).fetch_all(p).await)?;
    let now = Utc::now();
    Ok(rows.into_iter().map(|r| r.info(now)).collect())
}

/// Revokes one API token: the actor's own, or anyone's for an admin. It stops working on
/// the next request, whichever process serves it. Revoking a revoked token changes nothing.
pub async fn revoke_token(db: &Db, actor: &Actor, id: i64) -> Result<TokenInfo> {
    let sql = format!("SELECT {TOKEN_COLUMNS} WHERE t.id = $1");
    let row: Option<TokenRow> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let row = row.ok_or(Error::NotFound)?;
    if row.username != actor.username && !actor.may(Action::ManageUsers) {
        // Someone else's token is, to this actor, a token that does not exist.
        return Err(Error::NotFound);
    }
    let now = Utc::now();
    let before = row.info(now);
    if before.status == "revoked" {
        return Ok(before);
    }
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("UPDATE api_tokens SET revoked = $1, revoked_at = $2 WHERE id = $3")
        .bind(true)
        .bind(now)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    let after = TokenInfo { revoked_at: Some(now), status: "revoked", ..before.clone() };
    audit::record(
        &mut tx,
        actor,
        "revoke",
        "api_token",
        &id.to_string(),
        &format!("API token {} of {}", after.name, after.username),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Changes the actor's own password after checking the current one. Every other session
/// of the account ends (`keep_session` is the secret of the one making the change, kept).
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<()> {
    let user_id = actor.user_id.ok_or(Error::Forbidden)?;
    let stored: String = on_db!(db, |p| sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(p)
        .await)?;
    if current.chars().count() > opencpd_domain::password::MAX_CHARS
        || !check_password_off_thread(current, stored).await?
    {
        return Err(Problem::new("password-wrong").in_column("current_password").into());
    }
    opencpd_domain::password::check(new, &actor.username).map_err(|p| p.in_column("new_password"))?;
    set_password(db, actor, user_id, &actor.username, new, keep_session, "change_password").await
}

/// An admin sets another account's password (the user forgot theirs); every session of the
/// account ends.
pub async fn reset_password(db: &Db, actor: &Actor, username: &str, new: &str) -> Result<()> {
    actor.require(Action::ManageUsers, &Target::Deployment)?;
    let username = login_name(username);
    let user_id = user_id_of(db, &username).await?.ok_or(Error::NotFound)?;
    check_password(new, &username)?;
    set_password(db, actor, user_id, &username, new, None, "reset_password").await
}

async fn set_password(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    username: &str,
    new: &str,
    keep_session: Option<&str>,
    action: &str,
) -> Result<()> {
    let hash = hash_password(new)?;
    let kept = keep_session.map(digest).unwrap_or_default();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(&kept)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        actor,
        action,
        "user",
        &user_id.to_string(),
        &format!("password of {username} {}", if action == "reset_password" { "reset" } else { "changed" }),
        None::<&()>,
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How a request proved who is acting: the hash of an API token or of a session's secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    Token(String),
    Session(String),
}

impl Credential {
    /// An API token, from its secret.
    pub fn token(secret: &str) -> Credential {
        Credential::Token(digest(secret))
    }

    /// A browser session, from its cookie's secret.
    pub fn session(secret: &str) -> Credential {
        Credential::Session(digest(secret))
    }
}

/// An actor read earlier than the request it acts in, from the cache of credentials: the
/// write made for that request stores nothing unless, in its own statement, the credential
/// still holds (token not revoked, session not ended or expired, account not disabled) and
/// the user's access stamp is still the one read (their grants unchanged). See
/// [`vouched`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vouch {
    pub credential: Credential,
    pub stamp: i64,
}

impl Vouch {
    /// The hashes to bind for the check, as (token, session).
    pub fn hashes(&self) -> (Option<&str>, Option<&str>) {
        match &self.credential {
            Credential::Token(h) => (Some(h), None),
            Credential::Session(h) => (None, Some(h)),
        }
    }
}

/// The SQL condition, true when the row `v` (with columns `vouch_token`, `vouch_session`,
/// `vouch_stamp` and `received_at`) carries no vouch or a vouch that still holds; `$no`
/// is a parameter bound to `false`.
pub fn vouch_holds_sql(no: &str) -> String {
    format!(
        "(v.vouch_stamp IS NULL \
         OR EXISTS (SELECT 1 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = v.vouch_token \
         AND t.revoked = {no} AND (t.expires_at IS NULL OR t.expires_at > v.received_at) \
         AND u.disabled = {no} AND u.access_stamp = v.vouch_stamp) \
         OR EXISTS (SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = v.vouch_session \
         AND s.expires_at > v.received_at AND u.disabled = {no} AND u.access_stamp = v.vouch_stamp))"
    )
}

/// How long a credential's actor is taken from the cache before it is read again. Nothing
/// depends on it for safety (the write checks the vouch); it bounds how long a cached
/// actor's name or language may lag.
const VOUCH_SECONDS: u64 = 60;
/// The most credentials cached per process.
const VOUCH_MOST: usize = 10_000;

static VOUCHED: Cache<Credential, (Session, i64)> =
    Cache::new("credentials", VOUCH_MOST, Some(std::time::Duration::from_secs(VOUCH_SECONDS)));

/// The session (actor and CSRF token; none for an API token) a credential stands for,
/// from the cache of credentials when read lately, with the [`Vouch`] a write made for
/// it must check at commit. Only writes that check it may act on such an actor (the
/// submission intake does); everything else reads the credential afresh ([`read`]).
pub async fn vouched(db: &Db, credential: Credential) -> Result<Option<(Session, Vouch)>> {
    // A credential that stands for no one is told as `Unauthorized`, which is not kept.
    let read = || async { read_credential(db, &credential).await?.ok_or(Error::Unauthorized) };
    match VOUCHED.get_or_compute(db, credential.clone(), read).await {
        Ok((session, stamp)) => Ok(Some((session, Vouch { credential, stamp }))),
        Err(Error::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads a vouched credential afresh, after a write found its vouch no longer holds:
/// the actor as it is now, or `None` when the credential no longer stands for anyone.
pub async fn reread(db: &Db, vouch: &Vouch) -> Result<Option<Actor>> {
    VOUCHED.remove(db, &vouch.credential);
    Ok(read_credential(db, &vouch.credential).await?.map(|(session, _)| session.actor))
}

/// The session (actor and CSRF token; none for an API token) a credential stands for now,
/// read with its grants in one round trip: no cache, so a revoked token, an ended session,
/// a disabled account or a changed grant takes effect on the next request, whichever
/// process made the change.
pub async fn read(db: &Db, credential: &Credential) -> Result<Option<Session>> {
    Ok(read_credential(db, credential).await?.map(|(session, _)| session))
}

/// The session a credential stands for now, and its user's access stamp: the user, the
/// session's CSRF token and every grant, in one round trip.
async fn read_credential(db: &Db, credential: &Credential) -> Result<Option<(Session, i64)>> {
    let rows: Vec<ActorRow> = match credential {
        Credential::Session(hash) => {
            let sql = format!(
                "SELECT {ACTOR_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
                 {ACTOR_GRANTS_JOIN} WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = $3 ORDER BY g.id"
            );
            on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(hash)
                .bind(Utc::now())
                .bind(false)
                .fetch_all(p)
                .await)?
        }
        Credential::Token(hash) => {
            let sql = format!(
                "SELECT {ACTOR_COLUMNS}, NULL AS csrf_token FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 {ACTOR_GRANTS_JOIN} WHERE t.token_hash = $1 AND t.revoked = $2 AND u.disabled = $2 \
                 AND (t.expires_at IS NULL OR t.expires_at > $3) ORDER BY g.id"
            );
            on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(hash)
                .bind(false)
                .bind(Utc::now())
                .fetch_all(p)
                .await)?
        }
    };
    let csrf_token = rows.first().and_then(|r| r.csrf_token.clone()).unwrap_or_default();
    let stamp = rows.first().map(|r| r.access_stamp).unwrap_or_default();
    Ok(actor_of_rows(rows).map(|actor| (Session { actor, csrf_token }, stamp)))
}

/// The user's columns and each of their grants (none when they hold none), as
/// [`ActorRow`]s: one row per grant.
const ACTOR_COLUMNS: &str = "u.id AS user_id, u.username, u.display_name, u.language, u.access_stamp, g.role, \
     g.unit_id, gu.path AS unit_path, g.school_id, g.person_id";
const ACTOR_GRANTS_JOIN: &str = "LEFT JOIN grants g ON g.user_id = u.id LEFT JOIN units gu ON gu.id = g.unit_id";

#[derive(sqlx::FromRow)]
struct ActorRow {
    user_id: i64,
    username: String,
    display_name: String,
    language: String,
    access_stamp: i64,
    role: Option<String>,
    unit_id: Option<i64>,
    unit_path: Option<String>,
    school_id: Option<i64>,
    person_id: Option<i64>,
    csrf_token: Option<String>,
}

fn actor_of_rows(rows: Vec<ActorRow>) -> Option<Actor> {
    let first = rows.first()?;
    let mut actor = Actor {
        user_id: Some(first.user_id),
        username: first.username.clone(),
        display_name: first.display_name.clone(),
        language: first.language.clone(),
        grants: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        let Some(role) = row.role else { continue };
        let grant = GrantRow {
            role,
            unit_id: row.unit_id,
            unit_path: row.unit_path,
            school_id: row.school_id,
            person_id: row.person_id,
        };
        actor.grants.extend(grant_of(grant));
    }
    Some(actor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse", &h));
    }

    #[test]
    fn the_hash_checked_for_unknown_names_is_a_real_one() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok(), "an unparsable hash would answer at once");
        assert!(!verify_password("opencpd-demo", DUMMY_HASH));
    }
}
