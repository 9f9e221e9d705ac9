//! School improvement plans for 2025 at four schools of Gitega (or its district), written
//! and signed off through the indicators area's own functions, each at another point of
//! the workflow:
//! the head teacher's school approved (returned once with a reason, revised, approved,
//! then its review brought up to date), one submitted, one returned, one a draft.

use opencpd_domain::access::{AccountRole, Grant, Scope};
use opencpd_domain::indicators::plan::PlanStep;
use opencpd_indicators::model::{PlanActionInput, PlanInput, PlanStepInput, PriorityInput};
use opencpd_indicators::store::plans;
use opencpd_kernel::{Actor, Db, Error, Result, on_db};

/// The year the demo's plans are for.
pub const YEAR: i64 = 2025;

/// What was built: the schools by the state their plan is in.
#[derive(Debug, Clone, Default)]
pub struct PlansDemo {
    pub approved: Vec<i64>,
    pub submitted: Vec<i64>,
    pub returned: Vec<i64>,
    pub draft: Vec<i64>,
}

fn leader(school_id: i64, username: &str, name: &str) -> Actor {
    Actor {
        user_id: None,
        username: username.into(),
        display_name: name.into(),
        language: "en".into(),
        grants: vec![Grant { role: AccountRole::SchoolLeader, scope: Scope::School { school_id } }],
    }
}

fn plan(version: Option<i64>, staff: &[i64], maths_target: f64, done: bool) -> PlanInput {
    let owner = |i: usize| staff[i % staff.len()];
    PlanInput {
        version,
        title: "Better reading and mathematics in the lower grades".into(),
        priorities: vec![
            PriorityInput {
                title: "More learners proficient in mathematics".into(),
                indicator: "proficiency-rate".into(),
                baseline_year: Some(YEAR - 1),
                target: maths_target,
                due_on: format!("{YEAR}-12-15"),
            },
            PriorityInput {
                title: "Fewer learners repeating a grade".into(),
                indicator: "repeaters-share".into(),
                baseline_year: Some(YEAR - 1),
                target: 5.0,
                due_on: format!("{}-06-30", YEAR + 1),
            },
        ],
        actions: vec![
            PlanActionInput {
                title: "Weekly lesson study on number sense".into(),
                priority: Some(1),
                owner_id: owner(0),
                due_on: format!("{YEAR}-11-30"),
                status: Some(if done { "in_progress" } else { "planned" }.into()),
                review_note: Some(if done { "Four lessons studied in term 1" } else { "" }.into()),
            },
            PlanActionInput {
                title: "Remedial reading groups after school".into(),
                priority: Some(2),
                owner_id: owner(1),
                due_on: format!("{YEAR}-10-31"),
                status: Some(if done { "done" } else { "planned" }.into()),
                review_note: None,
            },
            PlanActionInput {
                title: "Meet parents of learners at risk of repeating".into(),
                priority: Some(2),
                owner_id: owner(2),
                due_on: format!("{YEAR}-09-30"),
                status: None,
                review_note: None,
            },
        ],
    }
}

/// Builds the plans. Needs the registry's demo (Gitega's schools, their staff, the
/// `seo.gitega` and `head.gitega` accounts); reads the evaluation's outcomes for the
/// baselines when they are there.
pub async fn build(db: &Db) -> Result<PlansDemo> {
    // The head teacher's school first, then the next Gitega schools with staff.
    let head: Option<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT g.school_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'head.gitega'"
    )
    .fetch_optional(p)
    .await)?
    .flatten();
    let officer: Option<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT un.id, un.path FROM grants g JOIN users u ON u.id = g.user_id JOIN units un ON un.id = g.unit_id \
         WHERE u.username = 'seo.gitega'"
    )
    .fetch_optional(p)
    .await)?;
    let (Some(head), Some((unit_id, path))) = (head, officer) else {
        return Err(Error::Other(anyhow::anyhow!("the registry's demo (head.gitega, seo.gitega) comes first")));
    };
    let officer = Actor {
        user_id: None,
        username: "seo.gitega".into(),
        display_name: "Sector education officer, Gitega".into(),
        language: "en".into(),
        grants: vec![Grant { role: AccountRole::SectorOfficer, scope: Scope::Unit { unit_id, path: path.clone() } }],
    };
    // Gitega's schools first (the officer signs theirs off); the draft may be in the
    // district around it when the sector has few schools.
    let district = path.trim_end_matches('/').rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or(path.clone());
    let others: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT s.id FROM schools s WHERE s.unit_path LIKE $1 AND s.id <> $2 \
         AND EXISTS (SELECT 1 FROM positions x WHERE x.school_id = s.id AND x.end_date IS NULL) \
         ORDER BY CASE WHEN s.unit_path = $3 THEN 0 ELSE 1 END, s.id LIMIT 3"
    )
    .bind(format!("{district}%"))
    .bind(head)
    .bind(&path)
    .fetch_all(p)
    .await)?;
    let mut built = PlansDemo::default();
    for (n, school) in std::iter::once(head).chain(others).enumerate() {
        let staff: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
            "SELECT person_id FROM positions WHERE school_id = $1 AND end_date IS NULL ORDER BY person_id LIMIT 3"
        )
        .bind(school)
        .fetch_all(p)
        .await)?;
        if staff.is_empty() {
            continue;
        }
        let username = if school == head { "head.gitega".to_string() } else { format!("head.{school}") };
        let lead = leader(school, &username, "Head teacher");
        let step = |version: i64, reason: Option<&str>| PlanStepInput { version, reason: reason.map(str::to_string) };
        let saved = plans::save(db, &lead, school, YEAR, &plan(None, &staff, 45.0, false)).await?;
        match n {
            0 => {
                plans::step(db, &lead, school, YEAR, PlanStep::Submit, &step(saved.version, None)).await?;
                let reason = "The mathematics target is below the sector's: aim for 60% proficient.";
                plans::step(db, &officer, school, YEAR, PlanStep::Return, &step(saved.version, Some(reason))).await?;
                let revised =
                    plans::save(db, &lead, school, YEAR, &plan(Some(saved.version), &staff, 60.0, false)).await?;
                plans::step(db, &lead, school, YEAR, PlanStep::Submit, &step(revised.version, None)).await?;
                plans::step(db, &officer, school, YEAR, PlanStep::Approve, &step(revised.version, None)).await?;
                // The term's review: statuses and notes only, so it stays approved.
                plans::save(db, &lead, school, YEAR, &plan(Some(revised.version), &staff, 60.0, true)).await?;
                built.approved.push(school);
            }
            1 => {
                plans::step(db, &lead, school, YEAR, PlanStep::Submit, &step(saved.version, None)).await?;
                built.submitted.push(school);
            }
            2 => {
                plans::step(db, &lead, school, YEAR, PlanStep::Submit, &step(saved.version, None)).await?;
                let reason = "Give each action a date before the end of term 3.";
                plans::step(db, &officer, school, YEAR, PlanStep::Return, &step(saved.version, Some(reason))).await?;
                built.returned.push(school);
            }
            _ => built.draft.push(school),
        }
    }
    Ok(built)
}
