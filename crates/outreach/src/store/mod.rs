//! All of outreach's SQL, scoped and audited: [`outreach`] events with their participants
//! and the schools reached, and the import of event files on the kernel pipeline;
//! [`resources`] delivered to schools and their checks; [`awards`] to teachers.
//!
//! What it reads of other areas it reads by SQL: programmes by code (its records may name
//! the programme they serve), people and their positions (an award's scope check),
//! through the registry's functions the schools and units its records are placed at.

pub mod awards;
pub mod outreach;
pub mod resources;

use opencpd_domain::access::Action;
use opencpd_kernel::{Actor, Db, Error, Result, on_db};

/// Refuses outright someone whose roles never permit `action`, anywhere.
pub(crate) fn may(actor: &Actor, action: Action) -> Result<()> {
    actor.require_role(action)
}

/// The tables a record can be deleted from (what hangs off each row goes with it).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Removable {
    OutreachEvent,
    Resource,
    Award,
}

impl Removable {
    fn table(self) -> &'static str {
        match self {
            Removable::OutreachEvent => "outreach_events",
            Removable::Resource => "resources",
            Removable::Award => "awards",
        }
    }

    fn entity(self) -> &'static str {
        match self {
            Removable::OutreachEvent => "outreach_event",
            Removable::Resource => "resource",
            Removable::Award => "award",
        }
    }
}

/// Deletes a record the caller has read and checked, with its audit entry (what it held)
/// in the same transaction.
pub(crate) async fn delete_record<B: serde::Serialize>(
    db: &Db,
    actor: &Actor,
    what: Removable,
    id: i64,
    summary: &str,
    before: &B,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let sql = format!("DELETE FROM {} WHERE id = $1", what.table());
    let gone = opencpd_kernel::on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    if gone == 0 {
        return Err(Error::NotFound);
    }
    opencpd_kernel::audit::record(
        &mut tx,
        actor,
        "delete",
        what.entity(),
        &id.to_string(),
        summary,
        Some(before),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) use opencpd_domain::input::choice;
pub(crate) use opencpd_kernel::error::optional_date;
pub(crate) use opencpd_registry::store::{people_by_staff_number, require_person};

/// A programme by its code: the one thing outreach reads of delivery's catalogue, read
/// by SQL so that this crate needs nothing of delivery's code.
pub(crate) async fn programme_by_code(db: &Db, code: &str) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar("SELECT id FROM programmes WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(p)
        .await)?)
}

/// A programme a form may name: the deployment's programmes are read by everyone logged in.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ProgrammeChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The deployment's programmes, newest first, for the forms' lists.
pub async fn programme_choices(db: &Db) -> Result<Vec<ProgrammeChoice>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT id, code, name FROM programmes ORDER BY start_date DESC, code")
        .fetch_all(p)
        .await)?)
}
