//! Certificates. Each has a serial number people read (`COURSE-YEAR-00001`) and a random
//! verification code that anyone may check at `/verify/{code}` without an account: the
//! answer is valid, expired or revoked, with the holder's name and the course, and a code
//! that does not exist reveals nothing else. Certificates are issued for completed
//! enrolments only (one at a time or for a whole cohort), expire when the course says so,
//! and are revoked with a reason or re-issued (the old one revoked, a new serial and code).

use super::cohorts::{cohort_for, enrolment_unchecked};
use super::optional_text;
use chrono::{Datelike, Months, NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::delivery::CertificateStatus;
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx, today};
use rand::RngExt;

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{BatchReport, Certificate, Revocation, Verification};

opencpd_kernel::from_row! {
    Certificate { id, serial, code, enrolment_id, person_id, holder, course_code, course_title, cohort_code, issued_on, expires_on, revoked_on, revoke_reason, replaces_id }
}

impl Certificate {
    /// valid, expired or revoked, on a day.
    pub fn status(&self, on: NaiveDate) -> &'static str {
        CertificateStatus::on(on, self.revoked_on.is_some(), self.expires_on).key()
    }
}

pub(crate) const CERTIFICATE_SQL: &str = "SELECT c.id, c.serial, c.code, c.enrolment_id, e.person_id, \
     p.given_name || ' ' || p.family_name AS holder, k.code AS course_code, k.title AS course_title, \
     h.code AS cohort_code, c.issued_on, c.expires_on, c.revoked_on, c.revoke_reason, c.replaces_id \
     FROM certificates c JOIN enrolments e ON e.id = c.enrolment_id JOIN people p ON p.id = e.person_id \
     JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id";

/// Letters and digits that cannot be mistaken for one another when read aloud or typed.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..12).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect()
}

async fn certificate_unchecked(db: &Db, id: i64) -> Result<Certificate> {
    let sql = format!("{CERTIFICATE_SQL} WHERE c.id = $1");
    let found: Option<Certificate> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// Checks a verification code; no account needed. Unknown codes are "not found".
pub async fn verify(db: &Db, code: &str) -> Result<Verification> {
    let code = code.trim().to_uppercase();
    if code.is_empty() || code.len() > 40 {
        return Err(Error::NotFound);
    }
    let sql = format!("{CERTIFICATE_SQL} WHERE c.code = $1");
    let found: Option<Certificate> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(&code).fetch_optional(p).await)?;
    let c = found.ok_or(Error::NotFound)?;
    Ok(Verification {
        status: c.status(today()).to_string(),
        serial: c.serial,
        holder: c.holder,
        course_title: c.course_title,
        issued_on: c.issued_on,
        expires_on: c.expires_on,
        revoked_on: c.revoked_on,
        revoke_reason: c.revoke_reason,
    })
}

/// How many certificates carry a serial of this course and year already: the next is
/// one more. Two transactions numbering the same course and year take turns (on
/// PostgreSQL a lock on the prefix until the commit; SQLite's write transactions take
/// turns anyway), so no two certificates get one serial.
async fn serials_used(tx: &mut Tx, prefix: &str) -> Result<i64> {
    if let opencpd_kernel::TxConn::Postgres(t) = &mut tx.conn {
        let key = opencpd_domain::import::key_hash(prefix) as i64;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut **t).await?;
    }
    Ok(on_tx!(&mut *tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE serial LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_one(&mut *c)
        .await)?)
}

fn serial_prefix(course_code: &str, issued: NaiveDate) -> String {
    format!("{}-{}-", course_code.to_uppercase(), issued.year())
}

/// Inserts one certificate with the serial given; reach is refreshed by the caller.
async fn insert(
    tx: &mut Tx,
    enrolment_id: i64,
    serial: &str,
    issued: NaiveDate,
    months: Option<i64>,
    replaces: Option<i64>,
) -> Result<i64> {
    let expires = months.and_then(|m| issued.checked_add_months(Months::new(m as u32)));
    Ok(on_tx!(&mut *tx, |c| sqlx::query_scalar(
        "INSERT INTO certificates (serial, code, enrolment_id, issued_on, expires_on, replaces_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(serial)
    .bind(new_code())
    .bind(enrolment_id)
    .bind(issued)
    .bind(expires)
    .bind(replaces)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await)?)
}

/// Writes one certificate for a completed enrolment, and the holder's reach.
async fn write(
    tx: &mut Tx,
    enrolment_id: i64,
    course_code: &str,
    months: Option<i64>,
    replaces: Option<i64>,
) -> Result<i64> {
    let issued = today();
    let prefix = serial_prefix(course_code, issued);
    let serial = format!("{prefix}{:05}", serials_used(tx, &prefix).await? + 1);
    let id = insert(tx, enrolment_id, &serial, issued, months, replaces).await?;
    let person: i64 = on_tx!(&mut *tx, |c| sqlx::query_scalar("SELECT person_id FROM enrolments WHERE id = $1")
        .bind(enrolment_id)
        .fetch_one(&mut *c)
        .await)?;
    tx.changed(&super::reports::PARTICIPANTS, super::reports::person_changed(person));
    Ok(id)
}

async fn course_of_enrolment(db: &Db, enrolment_id: i64) -> Result<(String, Option<i64>)> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT k.code, k.certificate_months FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id \
         JOIN courses k ON k.id = h.course_id WHERE e.id = $1"
    )
    .bind(enrolment_id)
    .fetch_one(p)
    .await)?)
}

async fn valid_certificate(db: &Db, enrolment_id: i64) -> Result<Option<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT serial FROM certificates WHERE enrolment_id = $1 AND revoked_on IS NULL"
    )
    .bind(enrolment_id)
    .fetch_optional(p)
    .await)?)
}

/// Issues a certificate for a completed enrolment.
pub async fn issue(db: &Db, actor: &Actor, enrolment_id: i64) -> Result<Certificate> {
    let e = enrolment_unchecked(db, enrolment_id).await?;
    let cohort = cohort_for(db, actor, e.cohort_id, Action::ManageCohorts).await?;
    if let Some(on) = e.withdrawn_on {
        return Err(Problem::new("already-withdrawn")
            .in_column("enrolment_id")
            .with_value(format!("{} {}", e.given_name, e.family_name))
            .arg("date", on)
            .into());
    }
    if e.completed_on.is_none() {
        return Err(Problem::new("not-completed")
            .in_column("enrolment_id")
            .with_value(format!("{} {}", e.given_name, e.family_name))
            .into());
    }
    if let Some(serial) = valid_certificate(db, enrolment_id).await? {
        return Err(Error::Conflict(Problem::new("already-certified").in_column("enrolment_id").with_value(serial)));
    }
    let (course_code, months) = course_of_enrolment(db, enrolment_id).await?;
    let mut tx = db.begin().await?;
    let id = write(&mut tx, enrolment_id, &course_code, months, None).await?;
    audit::record(
        &mut tx,
        actor,
        "issue",
        "certificate",
        &id.to_string(),
        &format!("certificate for enrolment {enrolment_id} in {}", cohort.code),
        None::<&()>,
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    certificate_unchecked(db, id).await
}

/// Issues certificates to everyone in a cohort who completed, is not withdrawn and holds
/// none: serials numbered on from the course's year, reach refreshed once for the cohort,
/// all in one transaction.
pub async fn issue_for_cohort(db: &Db, actor: &Actor, cohort_id: i64) -> Result<BatchReport> {
    let cohort = cohort_for(db, actor, cohort_id, Action::ManageCohorts).await?;
    let rows: Vec<(i64, bool, bool, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT e.id, e.completed_on IS NOT NULL, e.withdrawn_on IS NOT NULL, \
         (SELECT COUNT(*) FROM certificates c WHERE c.enrolment_id = e.id AND c.revoked_on IS NULL) \
         FROM enrolments e WHERE e.cohort_id = $1 ORDER BY e.id"
    )
    .bind(cohort.id)
    .fetch_all(p)
    .await)?;
    let course = super::catalogue::course_row(db, cohort.course_id).await?;
    let mut report = BatchReport { issued: 0, already_certified: 0, not_completed: 0, withdrawn: 0 };
    let issued = today();
    let prefix = serial_prefix(&course.code, issued);
    let mut tx = db.begin().await?;
    let mut used = serials_used(&mut tx, &prefix).await?;
    for (id, completed, withdrawn, valid) in rows {
        if withdrawn {
            report.withdrawn += 1;
        } else if !completed {
            report.not_completed += 1;
        } else if valid > 0 {
            report.already_certified += 1;
        } else {
            used += 1;
            insert(&mut tx, id, &format!("{prefix}{used:05}"), issued, course.certificate_months, None).await?;
            report.issued += 1;
        }
    }
    if report.issued > 0 {
        tx.changed(&super::reports::PARTICIPANTS, super::reports::cohort_changed(cohort.id));
    }
    audit::record(
        &mut tx,
        actor,
        "issue",
        "certificate",
        &cohort.id.to_string(),
        &format!("{} certificates for {}", report.issued, cohort.code),
        None::<&()>,
        Some(&report),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

async fn certificate_for(db: &Db, actor: &Actor, id: i64) -> Result<Certificate> {
    let c = certificate_unchecked(db, id).await?;
    let e = enrolment_unchecked(db, c.enrolment_id).await?;
    cohort_for(db, actor, e.cohort_id, Action::ManageCohorts).await?;
    Ok(c)
}

/// Revokes a certificate, with the reason the verification page will show.
pub async fn revoke(db: &Db, actor: &Actor, id: i64, input: &Revocation) -> Result<Certificate> {
    let before = certificate_for(db, actor, id).await?;
    let reason = optional_text(&Some(input.reason.clone())).map(str::to_string);
    let Some(reason) = reason else {
        return Err(Problem::new("reason-required").in_column("reason").into());
    };
    if before.revoked_on.is_some() {
        return Err(Error::Conflict(Problem::new("already-revoked").with_value(&before.serial)));
    }
    let mut tx = db.begin().await?;
    set_revoked(&mut tx, id, &reason).await?;
    audit::record(
        &mut tx,
        actor,
        "revoke",
        "certificate",
        &id.to_string(),
        &format!("revoke {}", before.serial),
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    certificate_unchecked(db, id).await
}

async fn set_revoked(tx: &mut Tx, id: i64, reason: &str) -> Result<()> {
    on_tx!(&mut *tx, |c| sqlx::query("UPDATE certificates SET revoked_on = $1, revoke_reason = $2 WHERE id = $3")
        .bind(today())
        .bind(reason)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    let person: i64 = on_tx!(&mut *tx, |c| sqlx::query_scalar(
        "SELECT e.person_id FROM certificates c JOIN enrolments e ON e.id = c.enrolment_id WHERE c.id = $1"
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?;
    tx.changed(&super::reports::PARTICIPANTS, super::reports::person_changed(person));
    Ok(())
}

/// Re-issues a certificate (a lost paper, a corrected name): the old one is revoked with
/// the new serial as its reason, the new one has its own serial and code.
pub async fn reissue(db: &Db, actor: &Actor, id: i64) -> Result<Certificate> {
    let before = certificate_for(db, actor, id).await?;
    let (course_code, months) = course_of_enrolment(db, before.enrolment_id).await?;
    let mut tx = db.begin().await?;
    let new_id = write(&mut tx, before.enrolment_id, &course_code, months, Some(id)).await?;
    let serial: String = on_tx!(&mut tx, |c| sqlx::query_scalar("SELECT serial FROM certificates WHERE id = $1")
        .bind(new_id)
        .fetch_one(&mut *c)
        .await)?;
    if before.revoked_on.is_none() {
        set_revoked(&mut tx, id, &format!("re-issued as {serial}")).await?;
    }
    audit::record(
        &mut tx,
        actor,
        "reissue",
        "certificate",
        &id.to_string(),
        &format!("re-issue {} as {serial}", before.serial),
        Some(&before),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    certificate_unchecked(db, new_id).await
}

/// The certificates of a cohort's participants.
pub async fn of_cohort(db: &Db, actor: &Actor, cohort_id: i64) -> Result<Vec<Certificate>> {
    let cohort = super::cohorts::cohort(db, actor, cohort_id).await?;
    let sql = format!("{CERTIFICATE_SQL} WHERE e.cohort_id = $1 ORDER BY c.id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(cohort.id).fetch_all(p).await)?)
}

/// The certificates a person holds (the caller has checked the person is readable).
pub(crate) async fn of_person(db: &Db, person_id: i64) -> Result<Vec<Certificate>> {
    let sql = format!("{CERTIFICATE_SQL} WHERE e.person_id = $1 ORDER BY c.issued_on DESC, c.id DESC");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(person_id).fetch_all(p).await)?)
}
