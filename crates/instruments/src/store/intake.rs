//! Submissions that arrive together are stored together.
//!
//! After a training day, a whole district's devices sync at once. Storing each submission
//! with an `INSERT` of its own makes the database plan, run and commit one statement per
//! submission; one multi-row `INSERT` for all the submissions waiting does that work once
//! (on PostgreSQL, each row then costs less than half as much). So a new submission joins
//! a queue kept for its database; when no write of the queue is under way, a task is
//! started that writes everything queued, one statement at a time, until the queue is
//! empty. Nothing waits on a timer: a lone submission is written at once, and the
//! submissions that arrive while one statement runs go together in the next.
//!
//! Each row is still stored once and only as a whole: a statement commits every row it
//! stores or none, the unique UUID keeps a second copy out (`ON CONFLICT DO NOTHING`), and
//! a row whose instrument was retired meanwhile, whose school is no longer where the
//! submission was filed, or whose collector's credential or grants changed since they were
//! cached ([`opencpd_kernel::accounts::Vouch`]), is left out by the statement itself. The
//! caller hears back only after the commit. A statement that fails tells each of its
//! submissions to try alone, so each gets its own error.

use chrono::{DateTime, Utc};
use opencpd_kernel::{Db, DbIdentity, Result, TxConn, on_tx};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::oneshot;

/// A validated, scored submission ready to store.
#[derive(Debug)]
pub(crate) struct NewSubmission {
    pub uuid: String,
    pub instrument_id: i64,
    pub collected_by: Option<i64>,
    pub collected_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_path: String,
    pub answers_json: String,
    pub scores_json: String,
    /// Whether its form has Likert items: its score is then kept at the commit
    /// ([`super::survey_scores`]).
    pub likert: bool,
    /// The credential of an actor read before this request, checked by the insert
    /// ([`opencpd_kernel::accounts::Vouch`]).
    pub vouch: Option<opencpd_kernel::accounts::Vouch>,
}

/// What became of a queued submission.
enum Outcome {
    /// Its statement committed: the new row's id, or `None` when nothing was stored (its
    /// UUID was taken, its instrument retired, its school moved, or its vouch no longer
    /// held).
    Written(Option<i64>),
    /// Its statement failed: store it alone to learn why.
    Alone(Box<NewSubmission>),
}

type Waiting = (NewSubmission, oneshot::Sender<Outcome>);

#[derive(Default)]
struct Queue {
    writing: bool,
    waiting: Vec<Waiting>,
}

/// The most rows one statement carries (thirteen values each).
const MOST_ROWS: usize = 32;

fn queues() -> &'static Mutex<HashMap<DbIdentity, Arc<Mutex<Queue>>>> {
    static QUEUES: OnceLock<Mutex<HashMap<DbIdentity, Arc<Mutex<Queue>>>>> = OnceLock::new();
    QUEUES.get_or_init(Default::default)
}

fn queue_of(db: &Db) -> Arc<Mutex<Queue>> {
    let mut all = queues().lock().expect("submission queues");
    // Queues of databases closed since hold nothing once written; drop them now and then.
    if all.len() > 64 {
        all.retain(|_, q| q.lock().map(|q| q.writing || !q.waiting.is_empty()).unwrap_or(false));
    }
    all.entry(db.identity()).or_default().clone()
}

/// Stores `row` with whatever else is waiting; its id, or `None` when nothing was stored
/// (see [`Outcome::Written`]).
pub(crate) async fn store(db: &Db, row: NewSubmission) -> Result<Option<i64>> {
    let queue = queue_of(db);
    let (reply, outcome) = oneshot::channel();
    let start = {
        let mut q = queue.lock().expect("submission queue");
        q.waiting.push((row, reply));
        !std::mem::replace(&mut q.writing, true)
    };
    if start {
        tokio::spawn(write_queue(db.clone(), queue));
    }
    match outcome.await {
        Ok(Outcome::Written(id)) => Ok(id),
        Ok(Outcome::Alone(row)) => insert(db, std::slice::from_ref(&row)).await.map(|ids| ids.get(&row.uuid).copied()),
        // The writer stopped without an answer (it panicked): whether the row was stored
        // is not known, and the caller reads it back by UUID.
        Err(_) => Ok(None),
    }
}

/// Hands the queue on if its writer stops before emptying it (a panic): to a new writer
/// when submissions are waiting, else to the next submission.
struct Unfinished(Option<(Db, Arc<Mutex<Queue>>)>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        let Some((db, queue)) = self.0.take() else { return };
        let Ok(mut q) = queue.lock() else { return };
        if q.waiting.is_empty() {
            q.writing = false;
        } else if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            drop(q);
            runtime.spawn(write_queue(db, queue));
        }
    }
}

/// Writes the queue, a statement at a time, until it is empty.
async fn write_queue(db: Db, queue: Arc<Mutex<Queue>>) {
    let mut unfinished = Unfinished(Some((db.clone(), queue.clone())));
    loop {
        // Let the submissions being checked right now join this statement.
        tokio::task::yield_now().await;
        let batch = {
            let mut q = queue.lock().expect("submission queue");
            if q.waiting.is_empty() {
                // Marked idle under the lock, so a submission queued from now on starts a
                // writer of its own.
                q.writing = false;
                unfinished.0 = None;
                return;
            }
            take_batch(&mut q.waiting)
        };
        let (rows, replies): (Vec<NewSubmission>, Vec<_>) = batch.into_iter().unzip();
        match insert(&db, &rows).await {
            Ok(ids) => {
                for (row, reply) in rows.iter().zip(replies) {
                    let _ = reply.send(Outcome::Written(ids.get(&row.uuid).copied()));
                }
            }
            Err(e) => {
                tracing::warn!("storing {} submissions together failed, each is tried alone: {e}", rows.len());
                for (row, reply) in rows.into_iter().zip(replies) {
                    let _ = reply.send(Outcome::Alone(Box::new(row)));
                }
            }
        }
    }
}

/// The first waiting submissions, up to [`MOST_ROWS`], with distinct UUIDs: a UUID sent
/// twice at once waits for the next statement, so that which copy was stored is never in
/// doubt.
fn take_batch(waiting: &mut Vec<Waiting>) -> Vec<Waiting> {
    let mut uuids = HashSet::new();
    let mut batch = Vec::new();
    let mut rest = Vec::new();
    for entry in waiting.drain(..) {
        if batch.len() < MOST_ROWS && uuids.insert(entry.0.uuid.clone()) {
            batch.push(entry);
        } else {
            rest.push(entry);
        }
    }
    *waiting = rest;
    batch
}

/// The columns a submission is stored with.
const COLUMNS: &str = "uuid, instrument_id, collected_by, collected_at, received_at, subject_kind, subject_id, \
                       subject_path, answers_json, scores_json";

/// Inserts `rows` (distinct UUIDs) in one statement; the ids of those stored, by UUID.
///
/// Every row is kept to the checks of [`checked`]. PostgreSQL is sent the rows as
/// one array per column, so the statement is the same whatever their number: it is
/// prepared and planned once per connection. SQLite, whose statements cost nothing to
/// plan, has them as a `VALUES` list. When any row is stored, the stamp of `submissions`
/// is renewed in the same transaction, so what was computed from the submissions before
/// (the Kirkpatrick funnel) is not served again, and those to forms with Likert items are
/// noted for their scores ([`super::survey_scores`]).
async fn insert(db: &Db, rows: &[NewSubmission]) -> Result<HashMap<String, i64>> {
    let mut tx = db.begin().await?;
    let stored = match &mut tx.conn {
        TxConn::Postgres(t) => insert_pg(&mut **t, rows).await?,
        TxConn::Sqlite(t) => insert_sqlite(&mut **t, rows).await?,
    };
    if !stored.is_empty() {
        opencpd_kernel::stamps::renew(&mut tx, "submissions").await?;
        let likert: HashSet<&str> = rows.iter().filter(|r| r.likert).map(|r| r.uuid.as_str()).collect();
        for (id, uuid) in &stored {
            if likert.contains(uuid.as_str()) {
                tx.changed(&super::survey_scores::SCORES, super::survey_scores::changed(*id));
            }
        }
    }
    tx.commit().await?;
    Ok(stored.into_iter().map(|(id, uuid)| (uuid, id)).collect())
}

async fn insert_pg<'e>(ex: impl sqlx::PgExecutor<'e>, rows: &[NewSubmission]) -> sqlx::Result<Vec<(i64, String)>> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "WITH v AS (SELECT * FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::timestamptz[], \
                 $5::timestamptz[], $6::text[], $7::int8[], $8::text[], $9::text[], $10::text[], $11::text[], \
                 $12::text[], $13::int8[]) AS v ({COLUMNS}, vouch_token, vouch_session, vouch_stamp)) {}",
            checked("$14", "$15")
        )
    });
    let column = |f: fn(&NewSubmission) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let vouches: Vec<_> = rows.iter().map(|r| r.vouch.as_ref().map(|v| v.hashes())).collect();
    sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(column(|r| &r.uuid))
        .bind(rows.iter().map(|r| r.instrument_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.collected_by).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.collected_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.received_at).collect::<Vec<_>>())
        .bind(column(|r| &r.subject_kind))
        .bind(rows.iter().map(|r| r.subject_id).collect::<Vec<_>>())
        .bind(column(|r| &r.subject_path))
        .bind(column(|r| &r.answers_json))
        .bind(column(|r| &r.scores_json))
        .bind(vouches.iter().map(|v| v.and_then(|(token, _)| token)).collect::<Vec<_>>())
        .bind(vouches.iter().map(|v| v.and_then(|(_, session)| session)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.vouch.as_ref().map(|v| v.stamp)).collect::<Vec<_>>())
        .bind(false)
        .bind("school")
        .fetch_all(ex)
        .await
}

async fn insert_sqlite<'e>(
    ex: impl sqlx::SqliteExecutor<'e>,
    rows: &[NewSubmission],
) -> sqlx::Result<Vec<(i64, String)>> {
    const VALUES: usize = 13;
    let mut sql = format!("WITH v ({COLUMNS}, vouch_token, vouch_session, vouch_stamp) AS (VALUES ");
    for r in 0..rows.len() {
        sql.push_str(if r > 0 { ", (" } else { "(" });
        for c in 0..VALUES {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * VALUES + c + 1));
        }
        sql.push(')');
    }
    sql.push_str(") ");
    sql.push_str(&checked(&format!("${}", rows.len() * VALUES + 1), &format!("${}", rows.len() * VALUES + 2)));
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for row in rows {
        let (token, session) = row.vouch.as_ref().map(|v| v.hashes()).unwrap_or_default();
        query = query
            .bind(&row.uuid)
            .bind(row.instrument_id)
            .bind(row.collected_by)
            .bind(row.collected_at)
            .bind(row.received_at)
            .bind(&row.subject_kind)
            .bind(row.subject_id)
            .bind(&row.subject_path)
            .bind(&row.answers_json)
            .bind(&row.scores_json)
            .bind(token)
            .bind(session)
            .bind(row.vouch.as_ref().map(|v| v.stamp));
    }
    query.bind(false).bind("school").fetch_all(ex).await
}

/// A file an answer names: the answer's file name, the question (its path), the file's
/// digest in the file store.
#[derive(Debug, Clone)]
pub(crate) struct SubmissionFile {
    pub name: String,
    pub question: String,
    pub sha256: String,
}

/// Stores one submission with the files its answers name, in one transaction: both or
/// neither. Its id, or `None` when nothing was stored (as [`store`]).
pub(crate) async fn store_with_files(db: &Db, row: NewSubmission, files: &[SubmissionFile]) -> Result<Option<i64>> {
    let mut tx = db.begin().await?;
    let stored = match &mut tx.conn {
        TxConn::Sqlite(t) => insert_sqlite(&mut **t, std::slice::from_ref(&row)).await?,
        TxConn::Postgres(t) => insert_pg(&mut **t, std::slice::from_ref(&row)).await?,
    };
    let Some((id, _)) = stored.into_iter().next() else { return Ok(None) };
    opencpd_kernel::stamps::renew(&mut tx, "submissions").await?;
    if row.likert {
        tx.changed(&super::survey_scores::SCORES, super::survey_scores::changed(id));
    }
    for file in files {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO submission_files (submission_id, name, question, sha256) VALUES ($1, $2, $3, $4)"
        )
        .bind(id)
        .bind(&file.name)
        .bind(&file.question)
        .bind(&file.sha256)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    Ok(Some(id))
}

/// The insert of the rows of `v`, each stored only while its instrument is in use, its
/// school (for a submission about a school) is where it was filed, and its vouch holds;
/// `no` and `school` name parameters bound to `false` and `"school"`.
fn checked(no: &str, school: &str) -> String {
    format!(
        "INSERT INTO submissions ({COLUMNS}) SELECT {COLUMNS} FROM v \
         WHERE EXISTS (SELECT 1 FROM instruments i WHERE i.id = v.instrument_id AND i.retired = {no}) \
         AND (v.subject_kind <> {school} OR EXISTS (SELECT 1 FROM schools s WHERE s.id = v.subject_id \
         AND s.unit_path = v.subject_path)) AND {} ON CONFLICT (uuid) DO NOTHING RETURNING id, uuid",
        opencpd_kernel::accounts::vouch_holds_sql(no)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(uuid: &str) -> Waiting {
        let row = NewSubmission {
            uuid: uuid.into(),
            instrument_id: 1,
            collected_by: None,
            collected_at: Utc::now(),
            received_at: Utc::now(),
            subject_kind: "school".into(),
            subject_id: 1,
            subject_path: "/1/".into(),
            answers_json: "{}".into(),
            scores_json: "[]".into(),
            likert: false,
            vouch: None,
        };
        (row, oneshot::channel().0)
    }

    #[test]
    fn a_statement_takes_distinct_uuids_in_arrival_order_up_to_its_size() {
        let uuids = |entries: &[Waiting]| entries.iter().map(|(r, _)| r.uuid.clone()).collect::<Vec<_>>();
        let mut queue: Vec<Waiting> = ["a", "b", "a", "c", "b"].into_iter().map(waiting).collect();
        let batch = take_batch(&mut queue);
        assert_eq!(uuids(&batch), ["a", "b", "c"]);
        assert_eq!(uuids(&queue), ["a", "b"], "the second copies wait for the next statement");

        let mut queue: Vec<Waiting> = (0..MOST_ROWS + 5).map(|i| waiting(&i.to_string())).collect();
        assert_eq!(take_batch(&mut queue).len(), MOST_ROWS);
        assert_eq!(uuids(&queue), ["32", "33", "34", "35", "36"]);
    }
}
