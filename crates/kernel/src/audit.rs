//! The audit trail: every change, by whom, when, with the record before and after, written
//! in the same transaction as the change itself.

use crate::{Actor, Db, Result, Tx, on_db, on_tx};
use chrono::{DateTime, Utc};
use opencpd_domain::access::{Action, Target};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

fn json<T: Serialize + ?Sized>(value: Option<&T>) -> Option<String> {
    value.and_then(|v| serde_json::to_string(v).ok())
}

/// Records a change inside the transaction that makes it.
#[allow(clippy::too_many_arguments)]
pub async fn record<B: Serialize + ?Sized, A: Serialize + ?Sized>(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    summary: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO audit_events (at, user_id, actor, action, entity, entity_id, summary, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(Utc::now())
    .bind(actor.user_id)
    .bind(&actor.username)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(summary)
    .bind(json(before))
    .bind(json(after))
    .execute(&mut *c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// What to look for in the trail; empty fields match everything.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub action: Option<String>,
    pub entity_id: Option<String>,
    pub page: Option<i64>,
}

pub const AUDIT_PAGE: i64 = 50;

/// The newest events first, filtered; admins only.
pub async fn list(db: &Db, actor: &Actor, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
    actor.require(Action::ReadAudit, &Target::Deployment)?;
    let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let page = filter.page.unwrap_or(1).max(1);
    let events: Vec<AuditEvent> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT id, at, actor, action, entity, entity_id, summary, before_json, after_json FROM audit_events \
         WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR entity = $2) AND ($3 IS NULL OR action = $3) \
         AND ($4 IS NULL OR entity_id = $4) ORDER BY id DESC LIMIT $5 OFFSET $6",
        )
        .bind(blank(&filter.actor))
        .bind(blank(&filter.entity))
        .bind(blank(&filter.action))
        .bind(blank(&filter.entity_id))
        .bind(AUDIT_PAGE)
        .bind((page - 1) * AUDIT_PAGE)
        .fetch_all(p)
        .await
    })?;
    Ok(events)
}
