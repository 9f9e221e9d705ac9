//! What the data pages and the indicators' answers read, kept between the writes that
//! change it: each figure is computed once under the stamp of what it is computed from and
//! served to every reader with the same grants until the stamp changes; readers who ask
//! while it is being computed share that one computation (`opencpd_kernel::cache`).
//!
//! The stamp ([`stamp`]) is the audit trail's last event (every write of a person's hand
//! and every import records one in its own transaction: outcomes imported or entered,
//! targets, plans, indicators, the small-cell threshold, units, schools, people and
//! positions), the stamps of what is written without an event of its own (the schools'
//! totals, renewed by their refresher at the commit of any write of outcomes; the reach
//! stamp of the programmes' participants, renewed by theirs) and the schools' stamp
//! (renewed by a trigger at any write to a school, so a school moved by whatever means is
//! followed). A figure is thus never served after any of them changed, from this process
//! or another.
//!
//! A figure that reads no school's outcome data ([`Reads::Programmes`]: reach, costs per
//! participant, CPD hours, PLCs, coaching) is kept under the same stamp less what only
//! outcome data renews (its writes' audit events, named by
//! `opencpd_domain::indicators::SCHOOL_DATA_EVENTS`, and the schools' totals), so a
//! ministry importing outcome rows does not make every programme figure computed again.
//!
//! Not here: the figures themselves ([`super::dashboard`], [`super::flows`],
//! [`super::engine`]), which give their computation and what it is asked with.

use opencpd_kernel::cache::Cache;
use opencpd_kernel::{Actor, Db, Result};
use std::any::Any;
use std::future::Future;
use std::sync::Arc;

/// A figure as computed, of the type its question (the key's first part) names.
type Figure = Arc<dyn Any + Send + Sync>;

/// The question (the function and what it was asked), the reader's grants, the stamp.
type Key = (String, String, String);

/// The figures kept. A full cache is emptied (figures under an old stamp are never read
/// again, and age out within ten minutes).
static KEPT: Cache<Key, Figure> = Cache::new("school data", 4096, Some(std::time::Duration::from_secs(600)));

/// What a figure is computed from, which chooses the stamp it is kept under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Schools' outcome data, perhaps with anything else.
    SchoolData,
    /// Programmes, their participants and costs, staff, PLCs and coaching, and never a
    /// school's outcome data: kept through outcome rows written (their audit events
    /// skipped, their totals' stamp left out).
    Programmes,
}

/// The stamp of everything a figure of school data is computed from (see the module).
pub async fn stamp(db: &Db) -> Result<String> {
    stamp_of(db, Reads::SchoolData).await
}

/// The stamp of what a figure that `reads` so is computed from (see the module).
pub async fn stamp_of(db: &Db, reads: Reads) -> Result<String> {
    const PARTICIPANTS: &str = "programme_participants";
    Ok(match reads {
        Reads::SchoolData => {
            opencpd_kernel::stamps::audited_and(db, &["school_outcome_totals", "schools", PARTICIPANTS]).await?
        }
        Reads::Programmes => {
            let skipped = opencpd_domain::indicators::SCHOOL_DATA_EVENTS;
            let stamps = opencpd_kernel::stamps::audited_except_and(db, skipped, &["schools", PARTICIPANTS]).await?;
            format!("programmes {stamps}")
        }
    })
}

/// The figure `question` names for `actor`, kept under `stamp` (read by the caller with
/// [`stamp`], once for all the figures of a page), or `compute`d.
pub(crate) async fn kept<T, F>(db: &Db, actor: &Actor, stamp: &str, question: String, compute: F) -> Result<T>
where
    T: Clone + Send + Sync + 'static,
    F: Future<Output = Result<T>>,
{
    let key = (question, format!("{:?}", actor.grants), stamp.to_string());
    let figure = KEPT.get_or_compute(db, key, || async { Ok(Arc::new(compute.await?) as Figure) }).await?;
    let figure = figure.downcast_ref::<T>().ok_or_else(|| anyhow::anyhow!("school data kept as another type"))?;
    Ok(figure.clone())
}
