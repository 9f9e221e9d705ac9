//! The one kind of in-process cache: what a database holds, kept by the pool it was read
//! from, bounded in size and, where it must be, in age.
//!
//! Every cache is a `static` [`Cache`] beside the code it serves, read through
//! [`Cache::get_or_compute`]: the value kept, or computed once by the first reader while
//! those who ask for the same pool and key meanwhile wait for that one computation and share
//! its result (a single flight). An error is shared with those waiting but never kept; a
//! computation cancelled or panicking leaves nobody waiting (the next in line computes).
//! Entries of one pool are never seen through another (tests open many databases in one
//! process; a server opens one), a full cache drops its expired entries and then
//! everything, and nothing here decides whether an entry is still true: each user states
//! why a stale entry is harmless or caught (a write that checks it, a stamp in the key,
//! [`Cache::remove`] after a write, which also keeps a computation under way from being
//! kept).
//!
//! Not here: caches of computed values that do not come from a database.

use crate::{Db, DbIdentity, Error, Result};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A pool and a key.
type Slot<K> = (DbIdentity, K);

/// What a computation ended with, as those waiting for it read it.
type Outcome<V> = Option<std::result::Result<V, Error>>;

struct State<K, V> {
    entries: HashMap<Slot<K>, (Instant, V)>,
    /// The computations under way.
    flights: HashMap<Slot<K>, Flight<V>>,
    /// The number of the next computation.
    next: u64,
}

/// A computation under way.
struct Flight<V> {
    /// Its number, which no other computation of this cache has.
    id: u64,
    /// Where its outcome will be told.
    outcome: watch::Receiver<Outcome<V>>,
    /// How many readers came to wait for it.
    waiting: usize,
}

impl<K, V> Default for State<K, V> {
    fn default() -> Self {
        State { entries: HashMap::new(), flights: HashMap::new(), next: 0 }
    }
}

/// A bounded cache of values read from a database, by pool and key.
pub struct Cache<K, V> {
    /// What it holds, for logs.
    name: &'static str,
    most: usize,
    max_age: Option<Duration>,
    state: OnceLock<Mutex<State<K, V>>>,
}

/// Takes a computation out of the flights when its leader ends without telling an
/// outcome (cancelled, or panicking): those waiting then see their channel closed and ask
/// again.
struct Leading<'a, K: Eq + Hash + Clone, V: Clone> {
    cache: &'a Cache<K, V>,
    slot: Option<Slot<K>>,
    id: u64,
}

impl<K: Eq + Hash + Clone, V: Clone> Drop for Leading<'_, K, V> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            let mut state = self.cache.state();
            if state.flights.get(&slot).is_some_and(|f| f.id == self.id) {
                state.flights.remove(&slot);
            }
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    /// A cache of at most `most` entries, each served for `max_age` at most (`None`: until
    /// removed or pushed out).
    pub const fn new(name: &'static str, most: usize, max_age: Option<Duration>) -> Cache<K, V> {
        Cache { name, most, max_age, state: OnceLock::new() }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<K, V>> {
        // A panic while the lock was held cannot leave a map half-changed: keep serving it.
        self.state.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fresh(&self, at: Instant) -> bool {
        self.max_age.is_none_or(|age| at.elapsed() < age)
    }

    /// The value kept for `key` read from `db`, if any and not too old.
    #[cfg(test)]
    fn get(&self, db: &Db, key: &K) -> Option<V> {
        let state = self.state();
        let (at, value) = state.entries.get(&(db.identity(), key.clone()))?;
        self.fresh(*at).then(|| value.clone())
    }

    /// Keeps `value` under `slot`, making room first when full.
    fn keep(&self, state: &mut State<K, V>, slot: Slot<K>, value: V) {
        let entries = &mut state.entries;
        if entries.len() >= self.most {
            entries.retain(|_, (at, _)| self.max_age.is_none_or(|age| at.elapsed() < age));
            if entries.len() >= self.most {
                tracing::debug!(cache = self.name, entries = entries.len(), "cache full: emptied");
                entries.clear();
            }
        }
        entries.insert(slot, (Instant::now(), value));
    }

    /// The value kept for `key` read from `db` when there is one and it is not too old;
    /// else the outcome of the computation of it under way, waited for; else `compute`'s,
    /// run here, kept when it succeeds and told to those who asked meanwhile.
    pub async fn get_or_compute<F, Fut>(&self, db: &Db, key: K, compute: F) -> Result<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        let slot = (db.identity(), key);
        let (id, tell) = loop {
            let mut waiting = {
                let mut state = self.state();
                if let Some((at, value)) = state.entries.get(&slot)
                    && self.fresh(*at)
                {
                    return Ok(value.clone());
                }
                match state.flights.get_mut(&slot) {
                    Some(flight) => {
                        flight.waiting += 1;
                        flight.outcome.clone()
                    }
                    None => {
                        let id = state.next;
                        state.next += 1;
                        let (tell, outcome) = watch::channel(None);
                        state.flights.insert(slot.clone(), Flight { id, outcome, waiting: 0 });
                        break (id, tell);
                    }
                }
            };
            match waiting.wait_for(Option::is_some).await {
                Ok(outcome) => {
                    return match outcome.as_ref() {
                        Some(Ok(value)) => Ok(value.clone()),
                        Some(Err(e)) => Err(e.copied()),
                        None => unreachable!("waited for an outcome"),
                    };
                }
                // The computation ended without an outcome: ask again.
                Err(_) => continue,
            }
        };
        let mut leading = Leading { cache: self, slot: Some(slot), id };
        let outcome = compute().await;
        let slot = leading.slot.take().expect("the slot is taken once");
        let told = match &outcome {
            Ok(value) => Ok(value.clone()),
            Err(e) => Err(e.copied()),
        };
        {
            let mut state = self.state();
            // Removed meanwhile (a write made it stale): told to those waiting, not kept.
            if state.flights.get(&slot).is_some_and(|f| f.id == id) {
                state.flights.remove(&slot);
                if let Ok(value) = &outcome {
                    self.keep(&mut state, slot, value.clone());
                }
            }
        }
        tell.send_replace(Some(told));
        outcome
    }

    /// Forgets `key` of `db`, and keeps a computation of it under way from being kept (it
    /// may have read what a write changed); whether there was anything to forget.
    pub fn remove(&self, db: &Db, key: &K) -> bool {
        let slot = (db.identity(), key.clone());
        let mut state = self.state();
        let flying = state.flights.remove(&slot).is_some();
        state.entries.remove(&slot).is_some() || flying
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static NUMBERS: Cache<i64, String> = Cache::new("numbers", 2, None);
    static BRIEF: Cache<i64, i64> = Cache::new("brief", 10, Some(Duration::from_millis(30)));
    static SHARED: Cache<i64, i64> = Cache::new("shared", 10, None);

    async fn pool(dir: &tempfile::TempDir, name: &str) -> Db {
        Db::connect(&dir.path().join(name).to_string_lossy(), crate::IfMissing::Create).await.unwrap()
    }

    async fn kept<K: Eq + Hash + Clone, V: Clone>(cache: &Cache<K, V>, db: &Db, key: K, value: V) -> V {
        cache.get_or_compute(db, key, || async { Ok(value) }).await.unwrap()
    }

    #[tokio::test]
    async fn entries_are_kept_per_pool_bounded_and_aged() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (pool(&dir, "1.db").await, pool(&dir, "2.db").await);
        assert_eq!(kept(&NUMBERS, &one, 1, "one".into()).await, "one");
        assert_eq!(kept(&NUMBERS, &one, 1, "other".into()).await, "one", "kept: not computed again");
        assert_eq!(NUMBERS.get(&one.clone(), &1).as_deref(), Some("one"), "a clone is the same pool");
        assert_eq!(NUMBERS.get(&two, &1), None, "another pool sees nothing");
        kept(&NUMBERS, &one, 2, "two".into()).await;
        kept(&NUMBERS, &one, 3, "three".into()).await;
        assert_eq!(NUMBERS.get(&one, &1), None, "full: emptied before the third");
        assert_eq!(NUMBERS.get(&one, &3).as_deref(), Some("three"));
        assert!(NUMBERS.remove(&one, &3));
        assert!(!NUMBERS.remove(&one, &3));
        kept(&BRIEF, &one, 1, 10).await;
        assert_eq!(BRIEF.get(&one, &1), Some(10));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(BRIEF.get(&one, &1), None, "too old");
        assert_eq!(kept(&BRIEF, &one, 1, 11).await, 11, "too old: computed again");
    }

    /// Readers who arrive while a value is being computed wait for that one computation.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_readers_arriving_together_share_one_computation() {
        let dir = tempfile::tempdir().unwrap();
        let db = pool(&dir, "s.db").await;
        let runs = Arc::new(AtomicUsize::new(0));
        let (open, gate) = watch::channel(false);
        let mut readers = Vec::new();
        for _ in 0..50 {
            let (db, runs, mut gate) = (db.clone(), runs.clone(), gate.clone());
            readers.push(tokio::spawn(async move {
                SHARED
                    .get_or_compute(&db, 7, || async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        // Held until every reader has asked.
                        gate.wait_for(|open| *open).await.unwrap();
                        Ok(42)
                    })
                    .await
            }));
        }
        // Every reader has asked once the one computation is under way and the others wait.
        let slot = (db.identity(), 7);
        while SHARED.state().flights.get(&slot).is_none_or(|f| f.waiting < 49) {
            tokio::task::yield_now().await;
        }
        open.send_replace(true);
        for reader in readers {
            assert_eq!(reader.await.unwrap().unwrap(), 42);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1, "computed once for fifty readers");
        assert_eq!(SHARED.get(&db, &7), Some(42));
    }

    /// An error goes to those who waited for it, and is not kept: the next reader computes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_error_is_shared_with_those_waiting_and_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = pool(&dir, "e.db").await;
        let (open, gate) = watch::channel(false);
        let started = Arc::new(tokio::sync::Notify::new());
        let leader = {
            let (db, mut gate, started) = (db.clone(), gate.clone(), started.clone());
            tokio::spawn(async move {
                SHARED
                    .get_or_compute(&db, 8, || async move {
                        started.notify_one();
                        gate.wait_for(|open| *open).await.unwrap();
                        Err(Error::NotFound)
                    })
                    .await
            })
        };
        started.notified().await;
        let waiter = {
            let db = db.clone();
            tokio::spawn(async move { SHARED.get_or_compute(&db, 8, || async { Ok(1) }).await })
        };
        while SHARED.state().flights.get(&(db.identity(), 8)).is_none_or(|f| f.waiting < 1) {
            tokio::task::yield_now().await;
        }
        open.send_replace(true);
        assert!(matches!(leader.await.unwrap(), Err(Error::NotFound)));
        assert!(matches!(waiter.await.unwrap(), Err(Error::NotFound)), "the waiter shares the error");
        assert_eq!(SHARED.get(&db, &8), None, "an error is not kept");
        assert_eq!(SHARED.get_or_compute(&db, 8, || async { Ok(2) }).await.unwrap(), 2, "the next reader computes");
    }

    /// A computation cancelled, or panicking, leaves no one waiting: a waiter computes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_or_panicking_computation_leaves_no_one_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let db = pool(&dir, "c.db").await;
        for (key, panics) in [(9, false), (10, true)] {
            let started = Arc::new(tokio::sync::Notify::new());
            let leader = {
                let (db, started) = (db.clone(), started.clone());
                tokio::spawn(async move {
                    SHARED
                        .get_or_compute(&db, key, || async move {
                            started.notify_one();
                            if panics {
                                tokio::task::yield_now().await;
                                panic!("the computation fails");
                            }
                            std::future::pending::<Result<i64>>().await
                        })
                        .await
                })
            };
            started.notified().await;
            let waiter = {
                let db = db.clone();
                tokio::spawn(async move { SHARED.get_or_compute(&db, key, || async { Ok(3) }).await })
            };
            if !panics {
                while SHARED.state().flights.get(&(db.identity(), key)).is_none_or(|f| f.waiting < 1) {
                    tokio::task::yield_now().await;
                }
                leader.abort();
            }
            assert!(leader.await.is_err(), "cancelled or panicked");
            assert_eq!(waiter.await.unwrap().unwrap(), 3, "the waiter computed it");
            assert_eq!(SHARED.get(&db, &key), Some(3));
        }
    }

    /// A key removed while its value is being computed (a write made it stale): the value
    /// reaches those who asked before, but is not kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_computation_under_way_when_its_key_is_removed_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = pool(&dir, "r.db").await;
        let (open, gate) = watch::channel(false);
        let started = Arc::new(tokio::sync::Notify::new());
        let leader = {
            let (db, mut gate, started) = (db.clone(), gate.clone(), started.clone());
            tokio::spawn(async move {
                SHARED
                    .get_or_compute(&db, 11, || async move {
                        started.notify_one();
                        gate.wait_for(|open| *open).await.unwrap();
                        Ok(4)
                    })
                    .await
            })
        };
        started.notified().await;
        assert!(SHARED.remove(&db, &11), "a computation under way is something to forget");
        open.send_replace(true);
        assert_eq!(leader.await.unwrap().unwrap(), 4);
        assert_eq!(SHARED.get(&db, &11), None, "not kept");
        assert_eq!(SHARED.get_or_compute(&db, 11, || async { Ok(5) }).await.unwrap(), 5);
    }
}
