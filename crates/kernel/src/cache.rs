//! The one kind of in-process cache: what a database holds, kept by the pool it was read
//! from, bounded in size and, where it must be, in age.
//!
//! Every cache is a `static` [`Cache`] beside the code it serves. Entries of one pool are
//! never seen through another (tests open many databases in one process; a server opens
//! one), a full cache drops its expired entries and then everything, and nothing here
//! decides whether an entry is still true: each user states why a stale entry is harmless
//! or caught (a write that checks it, a stamp in the key).
//!
//! Not here: caches of computed values that do not come from a database.

use crate::{Db, DbIdentity};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

type Entries<K, V> = HashMap<(DbIdentity, K), (Instant, V)>;

/// A bounded cache of values read from a database, by pool and key.
pub struct Cache<K, V> {
    /// What it holds, for logs.
    name: &'static str,
    most: usize,
    max_age: Option<Duration>,
    entries: OnceLock<Mutex<Entries<K, V>>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    /// A cache of at most `most` entries, each served for `max_age` at most (`None`: until
    /// removed or pushed out).
    pub const fn new(name: &'static str, most: usize, max_age: Option<Duration>) -> Cache<K, V> {
        Cache { name, most, max_age, entries: OnceLock::new() }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        // A panic while the lock was held cannot leave a map half-changed: keep serving it.
        self.entries.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fresh(&self, at: Instant) -> bool {
        self.max_age.is_none_or(|age| at.elapsed() < age)
    }

    /// The value kept for `key` read from `db`, if any and not too old.
    pub fn get(&self, db: &Db, key: &K) -> Option<V> {
        let entries = self.entries();
        let (at, value) = entries.get(&(db.identity(), key.clone()))?;
        self.fresh(*at).then(|| value.clone())
    }

    /// Keeps `value` for `key` read from `db`.
    pub fn put(&self, db: &Db, key: K, value: V) {
        let mut entries = self.entries();
        if entries.len() >= self.most {
            entries.retain(|_, (at, _)| self.max_age.is_none_or(|age| at.elapsed() < age));
            if entries.len() >= self.most {
                tracing::debug!(cache = self.name, entries = entries.len(), "cache full: emptied");
                entries.clear();
            }
        }
        entries.insert((db.identity(), key), (Instant::now(), value));
    }

    /// Forgets `key` of `db`; whether there was anything to forget.
    pub fn remove(&self, db: &Db, key: &K) -> bool {
        self.entries().remove(&(db.identity(), key.clone())).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static NUMBERS: Cache<i64, String> = Cache::new("numbers", 2, None);
    static BRIEF: Cache<i64, i64> = Cache::new("brief", 10, Some(Duration::from_millis(30)));

    #[tokio::test]
    async fn entries_are_kept_per_pool_bounded_and_aged() {
        let dir = tempfile::tempdir().unwrap();
        let one = Db::connect(&dir.path().join("1.db").to_string_lossy(), crate::IfMissing::Create).await.unwrap();
        let two = Db::connect(&dir.path().join("2.db").to_string_lossy(), crate::IfMissing::Create).await.unwrap();
        NUMBERS.put(&one, 1, "one".into());
        assert_eq!(NUMBERS.get(&one, &1).as_deref(), Some("one"));
        assert_eq!(NUMBERS.get(&one.clone(), &1).as_deref(), Some("one"), "a clone is the same pool");
        assert_eq!(NUMBERS.get(&two, &1), None, "another pool sees nothing");
        NUMBERS.put(&one, 2, "two".into());
        NUMBERS.put(&one, 3, "three".into());
        assert_eq!(NUMBERS.get(&one, &1), None, "full: emptied before the third");
        assert_eq!(NUMBERS.get(&one, &3).as_deref(), Some("three"));
        assert!(NUMBERS.remove(&one, &3));
        assert!(!NUMBERS.remove(&one, &3));
        BRIEF.put(&one, 1, 10);
        assert_eq!(BRIEF.get(&one, &1), Some(10));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(BRIEF.get(&one, &1), None, "too old");
    }
}
