//! The store's error: problems with what was asked (shown to the user) or failures of the
//! database (logged, shown as an internal error).

use opencpd_domain::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is wrong; each problem names its place.
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    /// The credential the request came with no longer stands for anyone: the token was
    /// revoked, the session ended or expired, or the account was disabled.
    #[error("not signed in")]
    Unauthorized,
    /// The change contradicts stored data (a duplicate code, say).
    #[error("conflict: {0}")]
    Conflict(Problem),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(problem: Problem) -> Error {
        Error::Invalid(vec![problem])
    }

    /// The same error for another reader of one computation (`crate::cache`): the
    /// problems as they are, a failure of the database or another as its message.
    pub fn copied(&self) -> Error {
        match self {
            Error::Invalid(problems) => Error::Invalid(problems.clone()),
            Error::NotFound => Error::NotFound,
            Error::Forbidden => Error::Forbidden,
            Error::Unauthorized => Error::Unauthorized,
            Error::Conflict(problem) => Error::Conflict(problem.clone()),
            Error::Database(e) => Error::Other(anyhow::anyhow!("{e}")),
            Error::Other(e) => Error::Other(anyhow::anyhow!("{e:#}")),
        }
    }
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Error {
        Error::Invalid(vec![p])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns a unique-constraint violation into a [`Error::Conflict`] naming the value.
pub fn unique_violation(e: sqlx::Error, value: &str) -> Error {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Error::Conflict(Problem::new("exists").with_value(value))
        }
        _ => Error::Database(e),
    }
}

/// Keeps a parsed value, or records its problem under `column`: forms report every bad
/// field at once rather than the first.
pub fn collect<T>(problems: &mut Vec<Problem>, column: &str, r: std::result::Result<T, Problem>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(p) => {
            problems.push(p.in_column(column));
            None
        }
    }
}

/// An optional text field: absent, empty and blank are all "not given".
pub fn optional_text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An optional date field, YYYY-MM-DD: its problem, if any, recorded under `column`.
pub fn optional_date(problems: &mut Vec<Problem>, column: &str, v: &Option<String>) -> Option<chrono::NaiveDate> {
    optional_text(v).and_then(|d| collect(problems, column, opencpd_domain::registry::parse_date(d)))
}

/// Every problem found, or nothing to say.
pub fn fail_if_any(problems: Vec<Problem>) -> Result<()> {
    if problems.is_empty() { Ok(()) } else { Err(Error::Invalid(problems)) }
}

/// An edit made on a version someone else has changed since: a conflict, never an overwrite.
pub fn stale(seen: i64, latest: i64) -> Error {
    Error::Conflict(Problem::new("conflict").arg("detail", format!("version {seen} is not the latest ({latest})")))
}
