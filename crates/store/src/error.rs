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
