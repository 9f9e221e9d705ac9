//! Stamps of the data a cache is kept under: one per table, renewed to a fresh random
//! value by every transaction that writes the table, in that transaction. A value computed
//! from the table under a stamp is still true while the stamp is unchanged, from this
//! process or any other reading the database; stamps are random, so two databases (or one
//! restored from a backup) never share one with what a cache kept.
//!
//! A writer calls [`renew`] with the table it wrote; a reader reads the stamps of the
//! tables it computes from with [`read`] and puts them in its cache's key. A stamp is named
//! after its table, the name both sides already use in their SQL.
//!
//! For what many tables written in many places feed (the peer reports: meetings, visits,
//! relations, action points, positions), [`audited`] is the stamp: the audit trail's last
//! event, which every audited write changes in its own transaction, with no write of its own.
//!
//! The reach stamp, of the programmes' participants, is one of them
//! (`programme_participants`, renewed by delivery's refresher), read with the others.
//!
//! Not here: what a cache keeps (its area's, in a [`crate::cache::Cache`]).

use crate::{Db, Result, Tx, on_db, on_tx};

/// Renews the stamp of `table` in the transaction that writes it: committed with the
/// write, or not at all.
pub async fn renew(tx: &mut Tx, table: &str) -> Result<()> {
    let stamp = format!("{:032x}", rand::random::<u128>());
    on_tx!(&mut *tx, |c| sqlx::query(
        "INSERT INTO data_stamps (name, stamp) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET stamp = excluded.stamp"
    )
    .bind(table)
    .bind(&stamp)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The stamps of `tables`, in their order, as one text for a cache's key (a table never
/// written since the stamps began reads as `-`).
pub async fn read(db: &Db, tables: &[&str]) -> Result<String> {
    let rows: Vec<(String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT name, stamp FROM data_stamps").fetch_all(p).await)?;
    let stamps: Vec<&str> = tables
        .iter()
        .map(|t| rows.iter().find(|(name, _)| name == t).map_or("-", |(_, stamp)| stamp.as_str()))
        .collect();
    Ok(stamps.join(" "))
}

/// The audit trail's last event: a stamp of everything OpenCPD writes with an audit event
/// (every write of a person's hand, every import), read with one look-up of its key.
pub async fn audited(db: &Db) -> Result<i64> {
    let last: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT MAX(id) FROM audit_events").fetch_one(p).await)?;
    Ok(last.unwrap_or(0))
}

/// The audit trail's last event and the stamps of `tables`, as one text for a cache's key,
/// read in one query: the stamp of what many tables written by people's hands feed, with
/// the tables whose writers write without an audit event of their own (a derived table's
/// refresher, the instruments' intake).
pub async fn audited_and(db: &Db, tables: &[&str]) -> Result<String> {
    let rows: Vec<(String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT name, stamp FROM data_stamps UNION ALL \
         SELECT '', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM audit_events"
    )
    .fetch_all(p)
    .await)?;
    let of = |t: &str| rows.iter().find(|(name, _)| name == t).map_or("-", |(_, stamp)| stamp.as_str());
    let mut stamps = vec![of("")];
    stamps.extend(tables.iter().map(|t| of(t)));
    Ok(stamps.join(" "))
}

/// The last audit event about anything but `entities`, and the stamps of `tables`, as one
/// text for a cache's key, read in one query: [`audited_and`] for a figure that the
/// records named (by the events' entity) never feed, so that their writes, however many,
/// leave it kept. The last such event is found by reading the trail back from its end,
/// which stops at the first event of another kind.
pub async fn audited_except_and(db: &Db, entities: &[&str], tables: &[&str]) -> Result<String> {
    let skipped: Vec<String> = (0..entities.len()).map(|i| format!("${}", i + 1)).collect();
    let not_in =
        if skipped.is_empty() { String::new() } else { format!(" WHERE entity NOT IN ({})", skipped.join(", ")) };
    let sql = format!(
        "SELECT name, stamp FROM data_stamps UNION ALL \
         SELECT '', CAST(COALESCE((SELECT id FROM audit_events{not_in} ORDER BY id DESC LIMIT 1), 0) AS TEXT)"
    );
    let rows: Vec<(String, String)> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for e in entities {
            q = q.bind(*e);
        }
        q.fetch_all(p).await
    })?;
    let of = |t: &str| rows.iter().find(|(name, _)| name == t).map_or("-", |(_, stamp)| stamp.as_str());
    let mut stamps = vec![of("")];
    stamps.extend(tables.iter().map(|t| of(t)));
    Ok(stamps.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stamp_changes_with_each_committed_write_of_its_table_only() {
        let dir = tempfile::tempdir().unwrap();
        let db =
            crate::Db::connect(&dir.path().join("s.db").to_string_lossy(), crate::IfMissing::Create).await.unwrap();
        db.migrate().await.unwrap();
        let first = read(&db, &["a", "b"]).await.unwrap();
        assert_eq!(first, "- -");
        let mut tx = db.begin().await.unwrap();
        renew(&mut tx, "a").await.unwrap();
        drop(tx);
        assert_eq!(read(&db, &["a", "b"]).await.unwrap(), first, "a rolled-back write renews nothing");
        let mut tx = db.begin().await.unwrap();
        renew(&mut tx, "a").await.unwrap();
        tx.commit().await.unwrap();
        let second = read(&db, &["a", "b"]).await.unwrap();
        assert_ne!(second, first);
        assert!(second.ends_with(" -"), "b untouched: {second}");
        let mut tx = db.begin().await.unwrap();
        renew(&mut tx, "a").await.unwrap();
        tx.commit().await.unwrap();
        assert_ne!(read(&db, &["a", "b"]).await.unwrap(), second, "each write a fresh stamp");
        let third = read(&db, &["a", "b"]).await.unwrap();
        assert_eq!(audited_and(&db, &["a", "b"]).await.unwrap(), format!("0 {third}"), "no event yet");
        let mut tx = db.begin().await.unwrap();
        crate::audit::record(
            &mut tx,
            &crate::Actor::system(),
            "update",
            "thing",
            "1",
            "a thing",
            None::<&()>,
            None::<&()>,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let after = audited_and(&db, &["a", "b"]).await.unwrap();
        assert_eq!(after, format!("{} {third}", audited(&db).await.unwrap()), "the last event, then the stamps");
        assert_ne!(after, format!("0 {third}"));
    }

    #[tokio::test]
    async fn a_stamp_except_some_records_ignores_their_events_only() {
        let dir = tempfile::tempdir().unwrap();
        let db =
            crate::Db::connect(&dir.path().join("s.db").to_string_lossy(), crate::IfMissing::Create).await.unwrap();
        db.migrate().await.unwrap();
        let event = |entity: &'static str| {
            let db = db.clone();
            async move {
                let mut tx = db.begin().await.unwrap();
                crate::audit::record(
                    &mut tx,
                    &crate::Actor::system(),
                    "update",
                    entity,
                    "1",
                    "x",
                    None::<&()>,
                    None::<&()>,
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        };
        assert_eq!(audited_except_and(&db, &["outcomes"], &["a"]).await.unwrap(), "0 -", "no event yet");
        event("cohort").await;
        let first = audited_except_and(&db, &["outcomes"], &["a"]).await.unwrap();
        assert_eq!(first, format!("{} -", audited(&db).await.unwrap()));
        event("outcomes").await;
        event("outcomes").await;
        assert_eq!(audited_except_and(&db, &["outcomes"], &["a"]).await.unwrap(), first, "outcomes' events skipped");
        assert_ne!(audited_and(&db, &["a"]).await.unwrap(), first, "but the whole trail moved");
        event("unit").await;
        assert_ne!(
            audited_except_and(&db, &["outcomes"], &["a"]).await.unwrap(),
            first,
            "another record's event counts"
        );
        assert_eq!(
            audited_except_and(&db, &[], &["a"]).await.unwrap(),
            audited_and(&db, &["a"]).await.unwrap(),
            "skipping nothing is the whole trail"
        );
    }
}
