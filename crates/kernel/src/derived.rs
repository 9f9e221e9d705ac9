//! Derived data kept current by the transaction that changes what it is derived from.
//!
//! A derived table (programme participants today; indicator rollups later) is declared
//! once by its area as a `static` [`Derived`] with its refresher. A write that makes it
//! stale notes so on its transaction ([`crate::Tx::changed`], with the [`Key`] of what it
//! changed); [`crate::Tx::commit`] runs each refresher once, for all the keys noted (or
//! for everything when [`Key::All`] was noted), before the commit; a refresher may note
//! another table it makes stale, refreshed in the next round. So a derived table
//! commits together with its sources, a transaction that changes a thousand rows
//! refreshes once, and no write path can commit without refreshing.
//!
//! Not here: what any derived table holds (that is its area's).

use crate::{Result, Tx};
use std::future::Future;
use std::pin::Pin;

/// What a write changed, as its derived data's refresher reads it: a kind named by the
/// area (`"person"`, `"cohort"`…) and an id, or everything (after bulk writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    One(&'static str, i64),
    All,
}

/// The future a refresher returns.
pub type Refreshing<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// A derived table and the function that writes it again for the keys changed.
pub struct Derived {
    /// The table, for logs and errors.
    pub table: &'static str,
    /// Writes the table again inside the transaction for these keys (sorted, each once;
    /// `[Key::All]` alone when everything is stale).
    pub refresh: for<'a> fn(&'a mut Tx, &'a [Key]) -> Refreshing<'a>,
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived").field("table", &self.table).finish()
    }
}

/// The derived data a transaction has made stale so far.
#[derive(Default)]
pub(crate) struct Stale(Vec<(&'static Derived, Vec<Key>)>);

impl Stale {
    pub(crate) fn note(&mut self, derived: &'static Derived, key: Key) {
        match self.0.iter_mut().find(|(d, _)| std::ptr::eq(*d, derived)) {
            Some((_, keys)) => keys.push(key),
            None => self.0.push((derived, vec![key])),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs each refresher once with its keys, in the order the tables were first noted.
    pub(crate) async fn refresh(self, tx: &mut Tx) -> Result<()> {
        for (derived, mut keys) in self.0 {
            if keys.contains(&Key::All) {
                keys = vec![Key::All];
            } else {
                keys.sort_unstable();
                keys.dedup();
            }
            tracing::debug!(table = derived.table, keys = keys.len(), "refreshing derived data");
            (derived.refresh)(tx, &keys).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing<'a>(_: &'a mut Tx, _: &'a [Key]) -> Refreshing<'a> {
        Box::pin(async { Ok(()) })
    }

    static A: Derived = Derived { table: "a", refresh: nothing };
    static B: Derived = Derived { table: "b", refresh: nothing };

    #[test]
    fn keys_are_gathered_per_table() {
        let mut stale = Stale::default();
        stale.note(&A, Key::One("person", 2));
        stale.note(&B, Key::All);
        stale.note(&A, Key::One("person", 1));
        stale.note(&A, Key::One("person", 2));
        assert_eq!(stale.0.len(), 2);
        assert_eq!(stale.0[0].1, vec![Key::One("person", 2), Key::One("person", 1), Key::One("person", 2)]);
        assert_eq!(stale.0[1].0.table, "b");
    }

    fn count_sources<'a>(tx: &'a mut Tx, keys: &'a [Key]) -> Refreshing<'a> {
        Box::pin(async move {
            let sql =
                format!("INSERT INTO derived_rows (keys, sources) SELECT {}, COUNT(*) FROM source_rows", keys.len());
            crate::on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
            Ok(())
        })
    }

    static COUNTS: Derived = Derived { table: "derived_rows", refresh: count_sources };

    #[tokio::test]
    async fn the_refresher_runs_once_before_the_commit_and_not_at_all_on_rollback() {
        let dir = tempfile::tempdir().unwrap();
        let db =
            crate::Db::connect(&dir.path().join("k.db").to_string_lossy(), crate::IfMissing::Create).await.unwrap();
        crate::on_db!(&db, |p| sqlx::raw_sql(
            "CREATE TABLE source_rows (id INTEGER); CREATE TABLE derived_rows (keys INTEGER, sources INTEGER)"
        )
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        let derived = |db: crate::Db| async move {
            crate::on_db!(&db, |p| sqlx::query_as::<_, (i64, i64)>("SELECT keys, sources FROM derived_rows")
                .fetch_all(p)
                .await)
            .unwrap()
        };
        let mut tx = db.begin().await.unwrap();
        for id in [1, 2, 2] {
            crate::on_tx!(&mut tx, |c| sqlx::query("INSERT INTO source_rows (id) VALUES ($1)")
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))
            .unwrap();
            tx.changed(&COUNTS, Key::One("row", id));
        }
        drop(tx);
        assert!(derived(db.clone()).await.is_empty(), "a rolled-back transaction refreshes nothing");
        let mut tx = db.begin().await.unwrap();
        for id in [1, 2, 2] {
            crate::on_tx!(&mut tx, |c| sqlx::query("INSERT INTO source_rows (id) VALUES ($1)")
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))
            .unwrap();
            tx.changed(&COUNTS, Key::One("row", id));
        }
        tx.commit().await.unwrap();
        assert_eq!(derived(db.clone()).await, vec![(2, 3)], "once, with the distinct keys, after the writes");
    }
}
