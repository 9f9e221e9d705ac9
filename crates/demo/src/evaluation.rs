//! The demo's evaluation: Rwanda's schools drawn into three arms (training, training and
//! coaching, comparison) by district from the demo's seed, and the learner outcomes of
//! every Rwandan school for 2022 to 2025 (enrolment, promotion, repetition and drop-out in
//! P1 to P6; mathematics and literacy assessed in P3 and P6; by sex),
//! generated with a school level, a district level, a national trend and a known effect
//! of the programme from 2024: +1.5 points for training, +3 for training and coaching
//! (twice that in 2025). The estimate on the evaluation's page finds them back, with
//! their uncertainty; the flows and indicators of the school data read the same rows.

use opencpd_evaluation::model::{ArmInput, DrawInput, EvaluationInput, RoundInput};
use opencpd_kernel::{Actor, Db, Error, Result, on_db};

/// What the demo's evaluation holds.
#[derive(Debug, Clone, Default)]
pub struct EvaluationDemo {
    pub evaluation: String,
    pub schools: u64,
    pub outcome_rows: u64,
}

/// A deterministic draw in [0, 1) from a key (SplitMix64's finaliser).
pub(crate) fn uniform(key: u64) -> f64 {
    let mut x = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A rough standard normal draw (the sum of four uniforms, rescaled).
fn normal(key: u64) -> f64 {
    let s: f64 = (0..4).map(|i| uniform(key.wrapping_mul(4).wrapping_add(i))).sum();
    (s - 2.0) / (4.0f64 / 12.0).sqrt()
}

const YEARS: [i64; 4] = [2022, 2023, 2024, 2025];

/// The grades P1 to P6 and the subjects the demo's outcomes are in (mathematics and
/// literacy, out of 100), added through the lists' one way in (`reference::add`); those a
/// database holds already are kept as they are.
async fn lists(db: &Db, actor: &Actor) -> Result<()> {
    use opencpd_indicators::model::NewReference;
    use opencpd_indicators::store::reference::{self, Kind};
    let grades = reference::grades(db).await?;
    for (n, name) in
        ["Primary 1", "Primary 2", "Primary 3", "Primary 4", "Primary 5", "Primary 6"].into_iter().enumerate()
    {
        let code = format!("P{}", n + 1);
        let position = n as i64 + 1;
        if grades.iter().any(|g| g.code.eq_ignore_ascii_case(&code) || g.position == position) {
            continue;
        }
        let new = NewReference { code, name: name.into(), max_score: None, position: Some(position) };
        reference::add(db, actor, Kind::Grade, &new).await?;
    }
    let subjects = reference::subjects(db).await?;
    for (code, name) in [("MATH", "Mathematics"), ("LIT", "Literacy")] {
        if subjects.iter().any(|s| s.code.eq_ignore_ascii_case(code)) {
            continue;
        }
        let new = NewReference { code: code.into(), name: name.into(), max_score: Some(100.0), position: None };
        reference::add(db, actor, Kind::Subject, &new).await?;
    }
    Ok(())
}

pub async fn build(db: &Db, seed: u64, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<EvaluationDemo> {
    let actor = Actor::system();
    lists(db, &actor).await?;
    let country: Option<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT code FROM units WHERE depth = 0 AND country = 'RW' ORDER BY id LIMIT 1"
    )
    .fetch_optional(p)
    .await)?;
    let Some(country) = country else {
        return Ok(EvaluationDemo::default());
    };
    let arm = |code: &str, name: &str, comparison: bool| ArmInput {
        code: code.into(),
        name: name.into(),
        comparison,
        ratio: 1,
    };
    // Each round reads its school year's learner outcomes, and the observations collected
    // in that year.
    let round = |code: &str, name: &str, kind: &str, year: i64| RoundInput {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        year,
        term: 0,
        starts_on: format!("{year}-01-01"),
        ends_on: format!("{year}-12-31"),
        instruments: Vec::new(),
    };
    let design = EvaluationInput {
        code: "LT2-IMPACT".into(),
        name: "LT2: training and coaching against comparison schools".into(),
        unit: country,
        assignment: "randomised".into(),
        units: None,
        arms: vec![
            arm("TRAIN", "Training", false),
            arm("COACH", "Training and coaching", false),
            arm("CMP", "Comparison", true),
        ],
        rounds: vec![
            round("BL1", "Baseline 2022", "baseline", 2022),
            round("BL2", "Baseline 2023", "baseline", 2023),
            round("EL", "Endline 2025", "endline", 2025),
        ],
    };
    let e = opencpd_evaluation::store::create(db, &actor, &design).await?;
    let e = opencpd_evaluation::store::draw(
        db,
        &actor,
        e.id,
        &DrawInput { seed: Some(seed.to_string()), strata_depth: Some(2), role: None },
    )
    .await?;
    // Every primary grade for enrolment and flows; P3 and P6 are assessed.
    let grades: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT code, id FROM outcome_grades WHERE code IN ('P1', 'P2', 'P3', 'P4', 'P5', 'P6') ORDER BY position"
    )
    .fetch_all(p)
    .await)?;
    let subjects: Vec<(String, i64)> =
        on_db!(db, |p| sqlx::query_as("SELECT code, id FROM outcome_subjects WHERE code IN ('MATH', 'LIT')")
            .fetch_all(p)
            .await)?;
    let assigned: Vec<(i64, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT s.school_id, a.code, s.stratum FROM evaluation_schools s JOIN evaluation_arms a ON a.id = s.arm_id \
         WHERE s.evaluation_id = $1 ORDER BY s.school_id"
    )
    .bind(e.id)
    .fetch_all(p)
    .await)?;
    let mut rows: Vec<String> = Vec::new();
    let mut written = 0u64;
    let total = assigned.len() as u64;
    for (n, (school, arm, stratum)) in assigned.iter().enumerate() {
        let key = seed ^ (*school as u64).wrapping_mul(0x1000_0000_01B3);
        let district = stratum.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
        let school_level = 8.0 * normal(key);
        let district_level = 4.0 * normal(district ^ seed);
        for (y, year) in YEARS.iter().enumerate() {
            let effect = match (arm.as_str(), *year) {
                ("TRAIN", 2024) => 0.75,
                ("TRAIN", 2025) => 1.5,
                ("COACH", 2024) => 1.5,
                ("COACH", 2025) => 3.0,
                _ => 0.0,
            };
            for (g, (grade, grade_id)) in grades.iter().enumerate() {
                for (x, sex) in ["F", "M"].iter().enumerate() {
                    let cell = key ^ ((y as u64) << 40) ^ ((g as u64) << 48) ^ ((x as u64) << 56);
                    let enrolled = 30 + (uniform(cell) * 40.0) as i64;
                    let dropped = (enrolled as f64 * (0.02 + 0.03 * uniform(cell ^ 1))) as i64;
                    let repeating = (enrolled as f64 * (0.05 + 0.1 * uniform(cell ^ 2))) as i64;
                    let promoted = enrolled - dropped - repeating;
                    rows.push(format!(
                        "({school}, {year}, 0, {grade_id}, 0, '{sex}', 0, {enrolled}, NULL, NULL, NULL, NULL, NULL, NULL, {promoted}, {repeating}, {dropped})"
                    ));
                    if grade != "P3" && grade != "P6" {
                        continue;
                    }
                    for (j, (subject, subject_id)) in subjects.iter().enumerate() {
                        let noisy = cell ^ ((j as u64 + 3) << 20);
                        let base = if subject == "MATH" { 48.0 } else { 55.0 } - if grade == "P6" { 4.0 } else { 0.0 };
                        let trend = 1.0 * y as f64;
                        let mean = (base + trend + school_level + district_level + effect + 3.0 * normal(noisy))
                            .clamp(5.0, 98.0);
                        let assessed = enrolled - dropped - (uniform(noisy ^ 7) * 3.0) as i64;
                        // Levels around the mean: the share proficient or better grows with it.
                        let good = (mean / 100.0).powf(1.4);
                        let advanced = (assessed as f64 * good * 0.3) as i64;
                        let proficient = (assessed as f64 * good * 0.7) as i64;
                        let basic = ((assessed - advanced - proficient) as f64 * 0.6) as i64;
                        let below = assessed - advanced - proficient - basic;
                        rows.push(format!(
                            "({school}, {year}, 0, {grade_id}, {subject_id}, '{sex}', 0, NULL, {assessed}, {mean:.2}, {below}, {basic}, {proficient}, {advanced}, NULL, NULL, NULL)"
                        ));
                    }
                }
            }
        }
        if rows.len() >= 600 || n + 1 == assigned.len() {
            let sql = format!(
                "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, enrolled, assessed, \
                 mean_score, below_basic, basic, proficient, advanced, promoted, repeating, dropped_out) VALUES {}",
                rows.join(", ")
            );
            on_db!(db, |p| sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ()))?;
            written += rows.len() as u64;
            rows.clear();
            progress("learner outcomes", (n as u64 + 1).min(total));
        }
    }
    // The rows went in by plain INSERTs: the schools' totals are written again once.
    opencpd_indicators::store::rollup::refresh_all(db).await?;
    if written == 0 {
        return Err(Error::Invalid(vec![opencpd_domain::Problem::new("evaluation-no-schools").arg("unit", "RW")]));
    }
    Ok(EvaluationDemo { evaluation: e.code, schools: total, outcome_rows: written })
}
