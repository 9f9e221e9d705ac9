//! The audit trail: every change, by whom, when, with the record before and after, written
//! in the same transaction as the change itself; and the trail as a person reads it: the
//! actor's name, the record's name (one query per kind of record on a page, [`names`]) and
//! the fields that changed, side by side ([`changes`]).
//!
//! Not here: wording and links (the pages translate the action and entity keys).

use crate::paging::{Page, Paged, Sorts};
use crate::{Actor, Db, Result, Tx, on_db, on_tx};
use chrono::{DateTime, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    /// The acting user's display name, when the user still exists.
    pub actor_name: Option<String>,
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

/// What to look for in the trail; empty fields match everything. Paging, sorting and the
/// search (`q`: the summary, the actor's user name or display name, the record's id) are a
/// [`Page`].
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// The acting account's user name.
    #[serde(default)]
    pub actor: Option<String>,
    /// The kind of record (`school`, `person`, `award`…).
    #[serde(default)]
    pub entity: Option<String>,
    /// What was done (`create`, `update`, `delete`…).
    #[serde(default)]
    pub action: Option<String>,
    /// The record's id.
    #[serde(default)]
    pub entity_id: Option<String>,
    /// Events on or after this day (YYYY-MM-DD, UTC).
    #[serde(default)]
    pub from: Option<String>,
    /// Events on or before this day (YYYY-MM-DD, UTC).
    #[serde(default)]
    pub to: Option<String>,
}

/// The columns the trail sorts by; newest first unless a sort is given.
pub const AUDIT_SORTS: Sorts = &[("at", "e.at"), ("actor", "e.actor"), ("action", "e.action"), ("entity", "e.entity")];

/// The kinds of record and the actions the trail names in words (`audit-entity-…`,
/// `audit-action-…` in the catalogue), by key: what a filter offers.
pub fn known_keys(prefix: &str) -> Vec<String> {
    let mut keys: Vec<String> = opencpd_domain::i18n::catalog()
        .ids("en")
        .into_iter()
        .filter_map(|id| id.strip_prefix(prefix).map(str::to_string))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// A filter checked: every field trimmed (blank is no filter), the keys checked for their
/// shape, the days read; every bad one is a problem naming it.
struct Checked {
    actor: Option<String>,
    entity: Option<String>,
    action: Option<String>,
    entity_id: Option<String>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn check(&self) -> Result<Checked> {
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let mut problems = Vec::new();
        // A kind of record or an action is a key (`outreach_event`): anything else is no key
        // the trail holds, and the filter says which there are.
        let mut key = |column: &str, prefix: &str, value: Option<String>| {
            let value = value.map(|v| v.to_lowercase());
            if let Some(v) = &value
                && !(v.len() <= 60 && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            {
                problems.push(
                    Problem::new("bad-choice")
                        .in_column(column)
                        .with_value(v)
                        .arg("allowed", known_keys(prefix).join(", ")),
                );
            }
            value
        };
        let entity = key("entity", "audit-entity-", blank(&self.entity));
        let action = key("action", "audit-action-", blank(&self.action));
        let mut day = |column: &str, value: Option<String>| {
            value.and_then(|v| match opencpd_domain::registry::parse_date(&v) {
                Ok(d) => Some(d),
                Err(p) => {
                    problems.push(p.in_column(column));
                    None
                }
            })
        };
        let from = day("from", blank(&self.from));
        let to = day("to", blank(&self.to));
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            problems
                .push(Problem::new("before-from").in_column("to").with_value(t.to_string()).arg("from", f.to_string()));
        }
        if !problems.is_empty() {
            return Err(crate::Error::Invalid(problems));
        }
        let midnight = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        Ok(Checked {
            actor: blank(&self.actor).map(|a| a.to_lowercase()),
            entity,
            action,
            entity_id: blank(&self.entity_id),
            from: from.and_then(midnight),
            until: to.and_then(|t| t.succ_opt()).and_then(midnight),
        })
    }
}

const AUDIT_FROM: &str = "FROM audit_events e LEFT JOIN users u ON u.id = e.user_id \
     WHERE ($1 IS NULL OR e.actor = $1) AND ($2 IS NULL OR e.entity = $2) AND ($3 IS NULL OR e.action = $3) \
     AND ($4 IS NULL OR e.entity_id = $4) AND ($5 IS NULL OR e.at >= $5) AND ($6 IS NULL OR e.at < $6) \
     AND ($7 IS NULL OR LOWER(e.summary) LIKE $7 ESCAPE '\\' OR LOWER(e.actor) LIKE $7 ESCAPE '\\' \
     OR LOWER(COALESCE(u.display_name, '')) LIKE $7 ESCAPE '\\' OR LOWER(COALESCE(e.entity_id, '')) LIKE $7 ESCAPE '\\')";

/// One page of the trail, filtered, searched and sorted (newest first unless asked);
/// admins only.
pub async fn list(db: &Db, actor: &Actor, filter: &AuditFilter, page: &Page) -> Result<Paged<AuditEvent>> {
    actor.require(Action::ReadAudit, &Target::Deployment)?;
    let page = match page.sort {
        None => Page { sort: Some("at".into()), dir: page.dir.clone().or(Some("desc".into())), ..page.clone() },
        Some(_) => page.clone(),
    };
    // Both checked before either answers, so that one answer names every bad parameter.
    let (f, c) = match (filter.check(), page.check(AUDIT_SORTS)) {
        (Ok(f), Ok(c)) => (f, c),
        (Err(crate::Error::Invalid(mut a)), Err(crate::Error::Invalid(b))) => {
            a.extend(b);
            return Err(crate::Error::Invalid(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let count = format!("SELECT COUNT(*) {AUDIT_FROM}");
    let sql = format!(
        "SELECT e.id, e.at, e.actor, e.action, e.entity, e.entity_id, e.summary, e.before_json, e.after_json, \
         u.display_name AS actor_name {AUDIT_FROM} {} LIMIT $8 OFFSET $9",
        c.order_by("e.id")
    );
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
        .bind(&f.actor)
        .bind(&f.entity)
        .bind(&f.action)
        .bind(&f.entity_id)
        .bind(f.from)
        .bind(f.until)
        .bind(&c.pattern)
        .fetch_one(p)
        .await)?;
    let events: Vec<AuditEvent> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&f.actor)
        .bind(&f.entity)
        .bind(&f.action)
        .bind(&f.entity_id)
        .bind(f.from)
        .bind(f.until)
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, events))
}

/// A record as a person reads it: its name, and the page that shows it (`kind`, `id`:
/// "person" 10 is the page of person 10), where one exists.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RecordName {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_id: Option<i64>,
}

/// How to name one kind of record: a query over `{ids}` giving (id, name, page id), and the
/// kind of page the page id opens.
struct Naming {
    kind: &'static str,
    sql: &'static str,
    page: Option<&'static str>,
}

const PERSON: &str = "p.given_name || ' ' || p.family_name";

/// The kinds of record the trail names. Records of other kinds keep their key and id.
const NAMINGS: &[Naming] = &[
    Naming {
        kind: "person",
        sql: "SELECT p.id, PERSON, p.id FROM people p WHERE p.id IN ({ids})",
        page: Some("person"),
    },
    Naming {
        kind: "school",
        sql: "SELECT id, code || ' ' || name, id FROM schools WHERE id IN ({ids})",
        page: Some("school"),
    },
    Naming { kind: "unit", sql: "SELECT id, name, id FROM units WHERE id IN ({ids})", page: Some("unit") },
    Naming {
        kind: "programme",
        sql: "SELECT id, name, id FROM programmes WHERE id IN ({ids})",
        page: Some("programme"),
    },
    Naming {
        kind: "programme_cost",
        sql: "SELECT c.id, pr.name || ' · ' || CAST(c.year AS TEXT) || ' · ' || c.category, pr.id FROM programme_costs c \
              JOIN programmes pr ON pr.id = c.programme_id WHERE c.id IN ({ids})",
        page: Some("programme"),
    },
    Naming { kind: "course", sql: "SELECT id, title, id FROM courses WHERE id IN ({ids})", page: Some("course") },
    Naming { kind: "cohort", sql: "SELECT id, code, id FROM cohorts WHERE id IN ({ids})", page: Some("cohort") },
    Naming {
        kind: "session",
        sql: "SELECT s.id, c.code || ' ' || CAST(s.held_on AS TEXT), c.id FROM sessions_held s \
              JOIN cohorts c ON c.id = s.cohort_id WHERE s.id IN ({ids})",
        page: Some("cohort"),
    },
    Naming {
        kind: "enrolment",
        sql: "SELECT e.id, PERSON || ' · ' || c.code, p.id FROM enrolments e JOIN people p ON p.id = e.person_id \
              JOIN cohorts c ON c.id = e.cohort_id WHERE e.id IN ({ids})",
        page: Some("person"),
    },
    Naming {
        kind: "application",
        sql: "SELECT a.id, PERSON || ' · ' || c.code, p.id FROM applications a JOIN people p ON p.id = a.person_id \
              JOIN cohorts c ON c.id = a.cohort_id WHERE a.id IN ({ids})",
        page: Some("person"),
    },
    Naming {
        kind: "certificate",
        sql: "SELECT t.id, t.serial || ' · ' || PERSON, p.id FROM certificates t JOIN enrolments e ON e.id = t.enrolment_id \
              JOIN people p ON p.id = e.person_id WHERE t.id IN ({ids})",
        page: Some("person"),
    },
    Naming {
        kind: "award",
        sql: "SELECT a.id, a.name || ' · ' || PERSON, p.id FROM awards a JOIN people p ON p.id = a.person_id WHERE a.id IN ({ids})",
        page: Some("person"),
    },
    Naming {
        kind: "position",
        sql: "SELECT x.id, PERSON, p.id FROM positions x JOIN people p ON p.id = x.person_id WHERE x.id IN ({ids})",
        page: Some("person"),
    },
    Naming {
        kind: "outreach_event",
        sql: "SELECT id, title, id FROM outreach_events WHERE id IN ({ids})",
        page: Some("outreach_event"),
    },
    Naming {
        kind: "resource",
        sql: "SELECT r.id, r.kind || ' · ' || s.name, r.id FROM resources r JOIN schools s ON s.id = r.school_id WHERE r.id IN ({ids})",
        page: Some("resource"),
    },
    Naming { kind: "cluster", sql: "SELECT id, code || ' ' || name, id FROM clusters WHERE id IN ({ids})", page: None },
    Naming {
        kind: "instrument",
        sql: "SELECT id, title, id FROM instruments WHERE id IN ({ids})",
        page: Some("instrument"),
    },
    Naming { kind: "plc", sql: "SELECT id, name, id FROM plcs WHERE id IN ({ids})", page: Some("plc") },
    Naming { kind: "user", sql: "SELECT id, display_name, id FROM users WHERE id IN ({ids})", page: None },
    Naming { kind: "api_token", sql: "SELECT id, name, id FROM api_tokens WHERE id IN ({ids})", page: None },
];

/// The kind of record an event is about, which is its entity but for the events whose id
/// names another record: attendance, grades and enrolments by criteria are filed under the
/// cohort, and certificates issued to a whole cohort (those with an "after") too.
pub fn record_kind(event: &AuditEvent) -> &str {
    match (event.action.as_str(), event.entity.as_str()) {
        (_, "attendance") => "cohort",
        ("issue", "certificate") if event.after_json.is_some() => "cohort",
        (_, entity) => entity,
    }
}

/// The names of the records the events are about, keyed by (kind, id): one query per kind
/// of record among the events, whatever their number. A record deleted since is absent.
pub async fn names(db: &Db, events: &[AuditEvent]) -> Result<HashMap<(String, i64), RecordName>> {
    let mut wanted: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for e in events {
        if let Some(id) = e.entity_id.as_deref().and_then(|i| i.parse::<i64>().ok()) {
            wanted.entry(record_kind(e)).or_default().insert(id);
        }
    }
    let mut found = HashMap::new();
    for (kind, ids) in wanted {
        let Some(naming) = NAMINGS.iter().find(|n| n.kind == kind) else { continue };
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = naming.sql.replace("PERSON", PERSON).replace("{ids}", &placeholders.join(", "));
        let rows: Vec<(i64, Option<String>, i64)> = on_db!(db, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?;
        for (id, name, page_id) in rows {
            let Some(name) = name else { continue };
            let page_kind = naming.page;
            found.insert(
                (kind.to_string(), id),
                RecordName { name, page_kind: page_kind.map(str::to_string), page_id: page_kind.map(|_| page_id) },
            );
        }
    }
    Ok(found)
}

/// A name for a record that is gone, read from what the trail kept of it.
pub fn name_in(event: &AuditEvent) -> Option<String> {
    let kept = event.before_json.as_deref().or(event.after_json.as_deref())?;
    let value: serde_json::Value = serde_json::from_str(kept).ok()?;
    let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty());
    let named = ["name", "title", "code", "serial"].iter().find_map(|k| text(k)).map(str::to_string);
    named.or_else(|| Some(format!("{} {}", text("given_name")?, text("family_name")?)))
}

/// One field that an event changed: its key and its value before and after, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A value as a person reads it: text without quotes, lists joined with commas, objects
/// as `key: value` pairs; nothing for null or empty.
pub fn readable(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let text = match value {
        Value::Null => return None,
        Value::String(s) => s.trim().to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .filter_map(readable)
            .collect::<Vec<_>>()
            .join(if items.iter().any(Value::is_object) { "; " } else { ", " }),
        Value::Object(fields) => fields
            .iter()
            .filter_map(|(k, v)| readable(v).map(|v| format!("{}: {v}", k.replace('_', " "))))
            .collect::<Vec<_>>()
            .join(", "),
    };
    Some(text).filter(|t| !t.is_empty())
}

/// The fields an event changed, by field name. A creation shows what
/// was given, a deletion what was there. An edit compares the fields it was given with the
/// record before and keeps those whose value differs: an edit names only what it sets, so
/// fields it does not name are not changes, and what it names in a form the record does
/// not keep (a unit's code for its id) cannot be compared and is left out. Values that are not objects are one field,
/// "value".
pub fn changes(before: Option<&str>, after: Option<&str>) -> Vec<Change> {
    use serde_json::{Map, Value};
    let parse = |s: Option<&str>| s.and_then(|s| serde_json::from_str::<Value>(s).ok()).filter(|v| !v.is_null());
    let as_object = |v: Value| match v {
        Value::Object(m) => m,
        other => Map::from_iter([("value".to_string(), other)]),
    };
    let (before, after) = (parse(before).map(as_object), parse(after).map(as_object));
    let row = |field: &str, b: Option<&Value>, a: Option<&Value>| {
        let (b, a) = (b.and_then(readable), a.and_then(readable));
        (b != a).then(|| Change { field: field.to_string(), before: b, after: a })
    };
    match (before, after) {
        (None, None) => Vec::new(),
        (Some(b), None) => b.iter().filter_map(|(k, v)| row(k, Some(v), None)).collect(),
        (None, Some(a)) => a.iter().filter_map(|(k, v)| row(k, None, Some(v))).collect(),
        (Some(b), Some(a)) => a.iter().filter_map(|(k, v)| row(k, Some(b.get(k)?), Some(v))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_shows_only_the_fields_it_changed_and_could_compare_with_nested_values_readable() {
        let before =
            r#"{"id":3,"name":"Maths","capacity":30,"targets":[{"measure":"enrolled","value":100}],"version":2}"#;
        let after =
            r#"{"name":"Maths 2","capacity":"30","targets":[{"measure":"enrolled","value":120}],"active":true}"#;
        let got = changes(Some(before), Some(after));
        let fields: Vec<(&str, Option<&str>, Option<&str>)> =
            got.iter().map(|c| (c.field.as_str(), c.before.as_deref(), c.after.as_deref())).collect();
        assert_eq!(
            fields,
            [
                ("name", Some("Maths"), Some("Maths 2")),
                ("targets", Some("measure: enrolled, value: 100"), Some("measure: enrolled, value: 120")),
            ]
        );
    }

    #[test]
    fn a_creation_lists_what_was_given_and_a_deletion_what_was_there() {
        let created = changes(None, Some(r#"{"code":"C1","venue":null,"days":["mon","tue"]}"#));
        assert_eq!(created.len(), 2);
        assert_eq!(created[1].after.as_deref(), Some("mon, tue"), "{created:?}");
        let deleted = changes(Some(r#"{"name":"Prize"}"#), None);
        assert_eq!(deleted[0], Change { field: "name".into(), before: Some("Prize".into()), after: None });
        assert!(changes(Some("null"), None).is_empty());
        assert_eq!(changes(Some("5"), Some("7"))[0].field, "value");
    }
}
