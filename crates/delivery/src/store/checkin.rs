//! QR self check-in. The facilitator's screen shows a QR code of
//! `/checkin/{session}/{code}`; the code is an HMAC of the session and the current minute
//! under a server secret (made on first use, kept in the database), so it changes every
//! [`WINDOW_SECONDS`] and cannot be guessed or carried to another session. A code is
//! accepted during its minute and the next one, only on the session's day; the participant
//! who scans is marked present through the same write as the marking page (audit event,
//! completion computed again). Lateness is not guessed: sessions have no start time, so a
//! facilitator changes a mark to "late" on the marking page.

use super::attendance::{CheckedMark, Session, enrolment_ids, session_unchecked, statuses, write_marks};
use super::cohorts::cohort_unchecked;
use super::documents::own_person;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_kernel::{Actor, Db, Error, Result, on_db, today};
use rand::RngExt;
use sha2::Sha256;

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{CheckinCode, CheckinOutcome};

/// How long one code is shown; a code is accepted for two windows.
pub const WINDOW_SECONDS: i64 = 60;
/// How far back an old code is recognised as "expired" rather than wrong.
const EXPIRED_WINDOWS: i64 = 24 * 60;
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

async fn secret(db: &Db) -> Result<Vec<u8>> {
    let fresh: String = {
        let mut rng = rand::rng();
        (0..32).map(|_| format!("{:02x}", rng.random_range(0..=255u8))).collect()
    };
    on_db!(db, |p| sqlx::query("INSERT INTO checkin_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
        .bind(&fresh)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    let stored: String =
        on_db!(db, |p| sqlx::query_scalar("SELECT secret FROM checkin_secret WHERE id = 1").fetch_one(p).await)?;
    Ok(hex::decode(stored).map_err(|e| anyhow::anyhow!("check-in secret: {e}"))?)
}

fn code_for(secret: &[u8], session_id: i64, window: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(format!("checkin/{session_id}/{window}").as_bytes());
    let digest = mac.finalize().into_bytes();
    digest.iter().take(8).map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect()
}

fn window(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(WINDOW_SECONDS)
}

fn not_today(s: &Session) -> Error {
    Problem::new("checkin-not-today").in_column("session").with_value(s.held_on.to_string()).into()
}

/// The code to show now, for those who facilitate the session's cohort, on its day.
pub async fn current_code(db: &Db, actor: &Actor, session_id: i64) -> Result<CheckinCode> {
    let s = session_unchecked(db, session_id).await?;
    let cohort = cohort_unchecked(db, s.cohort_id).await?;
    actor.require(Action::Read, &cohort.target())?;
    actor.require(Action::Facilitate, &cohort.target())?;
    if s.held_on != today() {
        return Err(not_today(&s));
    }
    let now = Utc::now();
    let w = window(now);
    let code = code_at(db, session_id, now).await?;
    let next = (w + 1) * WINDOW_SECONDS;
    Ok(CheckinCode {
        session_id,
        path: format!("/checkin/{session_id}/{code}"),
        code,
        valid_until: DateTime::from_timestamp(next + WINDOW_SECONDS - 1, 0).unwrap_or(now),
        refresh_in_seconds: (next - now.timestamp()).max(1),
    })
}

/// The code of a session at a moment (what the screen showed then).
pub async fn code_at(db: &Db, session_id: i64, at: DateTime<Utc>) -> Result<String> {
    Ok(code_for(&secret(db).await?, session_id, window(at)))
}

/// What a code is, for a session: current (this window or the one before), expired, or
/// neither (wrong, or another session's).
async fn check_code(db: &Db, s: &Session, code: &str) -> Result<()> {
    let code = code.trim().to_uppercase();
    let secret = secret(db).await?;
    let now = window(Utc::now());
    if [now, now - 1].iter().any(|w| code_for(&secret, s.id, *w) == code) {
        return Ok(());
    }
    if (2..EXPIRED_WINDOWS).any(|back| code_for(&secret, s.id, now - back) == code) {
        return Err(Problem::new("checkin-expired").in_column("code").with_value(code).into());
    }
    // Another session's current code: say which cohort it belongs to.
    let others: Vec<(i64, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT s.id, h.code FROM sessions_held s JOIN cohorts h ON h.id = s.cohort_id WHERE s.held_on = $1 AND s.id <> $2"
    )
    .bind(today())
    .bind(s.id)
    .fetch_all(p)
    .await
    })?;
    for (other, cohort) in others {
        if [now, now - 1].iter().any(|w| code_for(&secret, other, *w) == code) {
            return Err(Problem::new("checkin-other-session")
                .in_column("code")
                .with_value(code)
                .arg("cohort", cohort)
                .into());
        }
    }
    Err(Problem::new("checkin-bad-code").in_column("code").with_value(code).into())
}

/// What a participant who scanned may see of a session: its title and date and its
/// cohort's code (they may not read the cohort itself). Only for someone the session
/// concerns ([`concerned`]); anyone else is told it does not exist.
pub async fn session_for_checkin(db: &Db, actor: &Actor, session_id: i64) -> Result<(Session, String)> {
    let s = session_unchecked(db, session_id).await?;
    let cohort = cohort_unchecked(db, s.cohort_id).await?;
    concerned(db, actor, &cohort).await?;
    Ok((s, cohort.code))
}

/// Whether a session's check-in concerns the actor: they are enrolled in its cohort, or
/// may facilitate it. Anyone else gets the "not found" of a session that does not exist,
/// so neither its cohort, title nor date shows.
async fn concerned(db: &Db, actor: &Actor, cohort: &super::cohorts::Cohort) -> Result<()> {
    let target = cohort.target();
    if actor.require(Action::Read, &target).is_ok() && actor.require(Action::Facilitate, &target).is_ok() {
        return Ok(());
    }
    match own_person(actor) {
        Some(person) if enrolment_ids(db, cohort.id).await?.contains_key(&person) => Ok(()),
        _ => Err(Error::NotFound),
    }
}

/// Marks the person the account stands for as present in a session, from a scanned code.
/// Marking again is refused politely: the outcome says they were marked already.
pub async fn check_in(db: &Db, actor: &Actor, session_id: i64, code: &str) -> Result<CheckinOutcome> {
    let s = session_unchecked(db, session_id).await?;
    let cohort = cohort_unchecked(db, s.cohort_id).await?;
    concerned(db, actor, &cohort).await?;
    if s.held_on != today() {
        return Err(not_today(&s));
    }
    check_code(db, &s, code).await?;
    let Some(person_id) = own_person(actor) else {
        return Err(Problem::new("checkin-no-person").with_value(&actor.username).into());
    };
    let (given, family): (String, String) =
        on_db!(db, |p| sqlx::query_as("SELECT given_name, family_name FROM people WHERE id = $1")
            .bind(person_id)
            .fetch_one(p)
            .await)?;
    let name = format!("{given} {family}");
    let Some(enrolment_id) = enrolment_ids(db, cohort.id).await?.get(&person_id).copied() else {
        return Err(Problem::new("not-enrolled")
            .in_column("session")
            .with_value(name)
            .arg("cohort", &cohort.code)
            .into());
    };
    let outcome = |status: String, already: bool| CheckinOutcome {
        session_id,
        cohort_code: cohort.code.clone(),
        session_title: s.title.clone(),
        name: name.clone(),
        status,
        already,
    };
    let existing: Option<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT status FROM attendance WHERE session_id = $1 AND enrolment_id = $2"
    )
    .bind(session_id)
    .bind(enrolment_id)
    .fetch_optional(p)
    .await)?;
    if let Some(status) = existing {
        return Ok(outcome(status, true));
    }
    let known = statuses(db).await?;
    let status = known
        .iter()
        .find(|st| st.key == "present")
        .or_else(|| known.iter().find(|st| st.counts_present))
        .map(|st| st.key.clone())
        .ok_or_else(|| Error::invalid(Problem::new("checkin-no-present-status")))?;
    let mark = CheckedMark { session_id, enrolment_id, status: status.clone() };
    write_marks(db, actor, &cohort, &[mark], &format!("check-in of {name} to session {session_id} of {}", cohort.code))
        .await?;
    Ok(outcome(status, false))
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_differ_by_session_and_window() {
        let secret = b"0123456789abcdef";
        let a = super::code_for(secret, 1, 100);
        assert_eq!(a.len(), 8);
        assert_eq!(a, super::code_for(secret, 1, 100));
        assert_ne!(a, super::code_for(secret, 2, 100));
        assert_ne!(a, super::code_for(secret, 1, 101));
    }
}
