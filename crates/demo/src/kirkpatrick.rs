//! The Kirkpatrick levels of the demo's programmes, through the instruments and delivery
//! areas' own functions (national-scale rows in bulk), so their funnels show every level:
//!
//! - reaction: a satisfaction survey of ours (five Likert items on a five-point scale with a
//!   "not applicable" that counts as no answer, a yes/no and a comment). The small demo's
//!   LT2 asks it after each session, answered by about three in four of those present; each
//!   cohort gets its district's education officers as facilitators, so the index reads per
//!   facilitator too. The national programme NAT-CPD asks it of one cohort in ten after
//!   its last session, answered by about three in five of those present (some 7,000
//!   answers);
//! - learning (LT2): a ten-question test taken at a cohort's start and at its end, paired per
//!   participant; some take the pre-test and not the post-test (attrition);
//! - practice (LT2): the demo's lesson-observation rubric used on the diploma's head teachers
//!   before it, half-way and at its end (not everyone each time), their practice growing;
//! - results: learner outcomes come from [`crate::evaluation`]; the school culture survey
//!   (five Likert items answered by a school's staff about their school) is answered in
//!   2024 and 2025 at every LT2 participant's school, and at one school in ten of the
//!   country for NAT-CPD (some 7,000 answers), the culture a little better the second
//!   year.
//!
//! Deterministic for a seed.

use crate::evaluation::uniform;
use chrono::{NaiveDate, TimeZone, Utc};
use opencpd_delivery::store::cohorts::{self, CohortUpdate};
use opencpd_instruments::store::{self as instruments, About, SubmissionInput};
use opencpd_kernel::{Actor, Db, Result, on_db};
use serde_json::{Value, json};

/// What the demo's funnel holds.
#[derive(Debug, Clone, Default)]
pub struct FunnelDemo {
    /// The programme's code (none built: empty).
    pub programme: String,
    pub surveys: u64,
    pub tests: u64,
    pub observations: u64,
    /// School culture survey answers.
    pub culture: u64,
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// The session satisfaction survey as an XLSForm: its Likert items are marked with the
/// appearance `likert`, which the satisfaction index reads.
pub fn satisfaction_xlsform() -> Vec<u8> {
    let mut survey =
        vec![row(&["type", "name", "label::English (en)", "label::French (fr)", "required", "appearance"])];
    for (name, en, fr) in LIKERT_ITEMS {
        survey.push(row(&["select_one agree", name, en, fr, "yes", "likert"]));
    }
    survey.push(row(&[
        "select_one yes_no",
        "whole_session",
        "I attended the whole session",
        "J'ai assisté à toute la séance",
        "yes",
        "",
    ]));
    survey.push(row(&["text", "comment", "What would you change?", "Que changeriez-vous ?", "", "multiline"]));
    let mut choices = vec![row(&["list_name", "name", "label::English (en)", "label::French (fr)", "score"])];
    for (name, en, fr, score) in [
        ("1", "Strongly disagree", "Pas du tout d'accord", "1"),
        ("2", "Disagree", "Pas d'accord", "2"),
        ("3", "Neither agree nor disagree", "Ni d'accord ni pas d'accord", "3"),
        ("4", "Agree", "D'accord", "4"),
        ("5", "Strongly agree", "Tout à fait d'accord", "5"),
        ("na", "Not applicable", "Sans objet", ""),
    ] {
        choices.push(row(&["agree", name, en, fr, score]));
    }
    for (name, en, fr) in [("yes", "Yes", "Oui"), ("no", "No", "Non")] {
        choices.push(row(&["yes_no", name, en, fr, ""]));
    }
    let settings = vec![
        row(&["form_title", "form_id", "version", "default_language"]),
        row(&["Session satisfaction", "session_satisfaction", "2025-01", "English (en)"]),
    ];
    opencpd_transfer::write_workbook(&[("survey", survey), ("choices", choices), ("settings", settings)])
        .expect("an in-memory workbook")
}

const LIKERT_ITEMS: [(&str, &str, &str); 5] = [
    ("useful", "The content is useful for my school", "Le contenu est utile pour mon école"),
    ("clear", "The facilitator explained clearly", "Le formateur a expliqué clairement"),
    ("pace", "The pace suited me", "Le rythme me convenait"),
    ("apply", "I will apply what I learnt", "J'appliquerai ce que j'ai appris"),
    ("recommend", "I would recommend it to a colleague", "Je la recommanderais à un collègue"),
];

/// The school culture survey as an XLSForm, answered by a school's staff about their
/// school: five Likert items (marked `likert`, which level 4 of the funnel reads as it reads
/// level 1's) and the respondent's role.
pub fn school_culture_xlsform() -> Vec<u8> {
    let mut survey =
        vec![row(&["type", "name", "label::English (en)", "label::French (fr)", "required", "appearance"])];
    for (name, en, fr) in CULTURE_ITEMS {
        survey.push(row(&["select_one agree", name, en, fr, "yes", "likert"]));
    }
    survey.push(row(&["select_one role", "role", "My role in this school", "Mon rôle dans cette école", "yes", ""]));
    let mut choices = vec![row(&["list_name", "name", "label::English (en)", "label::French (fr)", "score"])];
    for (name, en, fr, score) in [
        ("1", "Strongly disagree", "Pas du tout d'accord", "1"),
        ("2", "Disagree", "Pas d'accord", "2"),
        ("3", "Neither agree nor disagree", "Ni d'accord ni pas d'accord", "3"),
        ("4", "Agree", "D'accord", "4"),
        ("5", "Strongly agree", "Tout à fait d'accord", "5"),
    ] {
        choices.push(row(&["agree", name, en, fr, score]));
    }
    for (name, en, fr) in [("teacher", "Teacher", "Enseignant(e)"), ("leader", "School leader", "Direction")] {
        choices.push(row(&["role", name, en, fr, ""]));
    }
    let settings = vec![
        row(&["form_title", "form_id", "version", "default_language"]),
        row(&["School culture survey", "school_culture", "2024-01", "English (en)"]),
    ];
    opencpd_transfer::write_workbook(&[("survey", survey), ("choices", choices), ("settings", settings)])
        .expect("an in-memory workbook")
}

const CULTURE_ITEMS: [(&str, &str, &str); 5] = [
    (
        "collaborate",
        "Teachers in this school plan and review lessons together",
        "Les enseignants de cette école préparent et analysent les leçons ensemble",
    ),
    (
        "feedback",
        "Leaders observe lessons and give useful feedback",
        "La direction observe les leçons et donne des retours utiles",
    ),
    (
        "results",
        "We discuss learners' results to decide what to teach next",
        "Nous discutons des résultats des élèves pour décider quoi enseigner ensuite",
    ),
    (
        "support",
        "I feel supported to try new ways of teaching",
        "Je me sens soutenu(e) pour essayer de nouvelles façons d'enseigner",
    ),
    ("welcome", "Parents are welcome in this school", "Les parents sont les bienvenus dans cette école"),
];

/// A satisfaction survey's answers from a respondent whose draws start at `key`, liking
/// the session `liking` on the five-point scale.
fn satisfaction_answers(key: u64, liking: f64) -> Value {
    let mut answers = serde_json::Map::new();
    for (i, (name, ..)) in LIKERT_ITEMS.iter().enumerate() {
        let ikey = key ^ ((i as u64 + 1) << 56);
        let answer = if uniform(ikey ^ 5) < 0.03 {
            "na".to_string()
        } else {
            let v = liking + 2.2 * (uniform(ikey) - 0.5) + if *name == "pace" { -0.4 } else { 0.0 };
            (v.round().clamp(1.0, 5.0) as i64).to_string()
        };
        answers.insert((*name).into(), Value::String(answer));
    }
    answers.insert("whole_session".into(), json!(if uniform(key ^ 9) < 0.9 { "yes" } else { "no" }));
    Value::Object(answers)
}

/// A school culture survey's answers from a respondent whose draws start at `key`, in a
/// school whose culture stands at `level` on the five-point scale.
fn culture_answers(key: u64, level: f64) -> Value {
    let mut answers = serde_json::Map::new();
    for (i, (name, ..)) in CULTURE_ITEMS.iter().enumerate() {
        let v = level + 1.8 * (uniform(key ^ ((i as u64 + 1) << 52)) - 0.5);
        answers.insert((*name).into(), Value::String((v.round().clamp(1.0, 5.0) as i64).to_string()));
    }
    answers.insert("role".into(), json!(if uniform(key ^ 3) < 0.12 { "leader" } else { "teacher" }));
    Value::Object(answers)
}

/// A school's culture on the five-point scale in `year` (2024 or 2025): a level of its own
/// and a little better the second year.
fn culture_level(seed: u64, school: i64, year: i32) -> f64 {
    let own = 0.9 * (uniform(seed ^ (school as u64).wrapping_mul(0x5851_F42D_4C95_7F2D)) - 0.5);
    3.3 + own + if year >= 2025 { 0.25 } else { 0.0 }
}

/// The day in `year` a school answers the culture survey: in March, by school.
fn culture_day(year: i32, school: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 3, 2 + (school % 20) as u32).expect("a day in March")
}

/// Ten true-or-false statements on school leadership, scored one point each into two
/// standards: the pre- and post-test of the programme's courses.
pub fn leadership_test_xlsform() -> Vec<u8> {
    let mut survey = vec![row(&["type", "name", "label::English (en)", "label::French (fr)", "required", "domain"])];
    for (k, (en, fr, truth)) in STATEMENTS.iter().enumerate() {
        let list = if *truth { "select_one true_right" } else { "select_one false_right" };
        let domain = if k < 5 { "Leading learning" } else { "Leading teaching" };
        survey.push(row(&[list, &format!("s{}", k + 1), en, fr, "yes", domain]));
    }
    let mut choices = vec![row(&["list_name", "name", "label::English (en)", "label::French (fr)", "score"])];
    for (list, right) in [("true_right", "true"), ("false_right", "false")] {
        for (name, en, fr) in [("true", "True", "Vrai"), ("false", "False", "Faux")] {
            choices.push(row(&[list, name, en, fr, if name == right { "1" } else { "0" }]));
        }
    }
    let settings = vec![
        row(&["form_title", "form_id", "version", "default_language"]),
        row(&["School leadership test", "leadership_test", "2025-01", "English (en)"]),
    ];
    opencpd_transfer::write_workbook(&[("survey", survey), ("choices", choices), ("settings", settings)])
        .expect("an in-memory workbook")
}

const STATEMENTS: [(&str, &str, bool); 10] = [
    ("Learners' books show what they learnt", "Les cahiers des élèves montrent ce qu'ils ont appris", true),
    ("Lesson observation is for inspection only", "L'observation de classe sert seulement à l'inspection", false),
    ("Feedback works best soon after the work", "Un retour est plus utile peu après le travail", true),
    ("A school plan needs no data", "Un plan d'école n'a pas besoin de données", false),
    ("Teachers learn from each other in a PLC", "Les enseignants apprennent les uns des autres en CAP", true),
    ("Questions should have one-word answers", "Les questions doivent appeler des réponses d'un mot", false),
    ("Pair work can help every learner speak", "Le travail en binôme peut aider chaque élève à parler", true),
    ("Only the head teacher leads learning", "Seul le directeur pilote les apprentissages", false),
    ("Assessment can guide the next lesson", "L'évaluation peut orienter la leçon suivante", true),
    ("Large classes rule out group work", "Les grandes classes excluent le travail de groupe", false),
];

/// A deterministic UUID for the demo's submission `n` of kind `kind`.
fn uuid(seed: u64, kind: u32, n: u64) -> String {
    format!("{:08x}-0000-4000-8{kind:03x}-{:012x}", (seed as u32) ^ 0x1c1d, n & 0xffff_ffff_ffff)
}

/// Submits `inputs` as the system, several at a time (the instruments area stores the
/// submissions that arrive together in one statement).
async fn submit_all(db: &Db, inputs: Vec<SubmissionInput>) -> Result<u64> {
    // The demo's answers carry no files: the store is only there because a submission may.
    let files = opencpd_kernel::files::Files::dir(std::env::temp_dir().join("opencpd-demo-files"))?;
    let mut stored = 0;
    let mut inputs = inputs.into_iter().peekable();
    while inputs.peek().is_some() {
        let mut set = tokio::task::JoinSet::new();
        for input in inputs.by_ref().take(64) {
            let (db, files) = (db.clone(), files.clone());
            set.spawn(async move { instruments::submit(&db, &files, &Actor::system(), None, &input).await });
        }
        while let Some(done) = set.join_next().await {
            done.expect("a submission task")?;
            stored += 1;
        }
    }
    Ok(stored)
}

fn at(day: NaiveDate, hour: u32) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).expect("a time"))
}

/// Adds the small demo's LT2 surveys, tests, observations and school culture surveys, or
/// at national scale NAT-CPD's surveys and school culture surveys (nothing when the database
/// has neither programme).
pub async fn build(db: &Db, seed: u64) -> Result<FunnelDemo> {
    use opencpd_delivery::store::catalogue::programme_by_code;
    if let Some(programme) = programme_by_code(db, "LT2").await? {
        return small(db, seed, programme).await;
    }
    if let Some(programme) = programme_by_code(db, "NAT-CPD").await? {
        return national(db, seed, programme).await;
    }
    Ok(FunnelDemo::default())
}

async fn small(db: &Db, seed: u64, programme: i64) -> Result<FunnelDemo> {
    let actor = Actor::system();
    let survey =
        instruments::import(db, &actor, "session-satisfaction.xlsx", &satisfaction_xlsform(), "survey").await?;
    let test = instruments::import(db, &actor, "leadership-test.xlsx", &leadership_test_xlsform(), "test").await?;
    let observation: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT id FROM instruments WHERE kind = 'observation' AND retired = $1 ORDER BY id LIMIT 1"
    )
    .bind(false)
    .fetch_one(p)
    .await)?;
    let cohort_ids: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT c.id FROM cohorts c JOIN courses co ON co.id = c.course_id WHERE co.programme_id = $1 ORDER BY c.id"
    )
    .bind(programme)
    .fetch_all(p)
    .await)?;
    let mut demo = FunnelDemo { programme: "LT2".into(), ..Default::default() };
    let mut surveys = Vec::new();
    let mut tests = Vec::new();
    let mut observations = Vec::new();
    for cohort_id in cohort_ids {
        let cohort = cohorts::cohort(db, &actor, cohort_id).await?;
        // The district's education officers facilitate (the nearest above the venue).
        // Where there are none (Cameroon's demo has no officers), a deputy head of the venue's
        // place who is not a participant.
        let officers: Vec<String> = on_db!(db, |p| sqlx::query_scalar(
            "SELECT p.staff_number FROM positions x JOIN people p ON p.id = x.person_id \
             WHERE x.role = 'district_education_officer' AND p.staff_number IS NOT NULL \
               AND substr($1, 1, length(x.path)) = x.path \
             ORDER BY length(x.path) DESC, p.id LIMIT 2"
        )
        .bind(&cohort.unit_path)
        .fetch_all(p)
        .await)?;
        let officers = if officers.is_empty() {
            on_db!(db, |p| sqlx::query_scalar(
                "SELECT p.staff_number FROM positions x JOIN people p ON p.id = x.person_id \
                 WHERE x.role = 'deputy_head' AND p.staff_number IS NOT NULL \
                   AND substr(x.path, 1, length($1)) = $1 \
                   AND x.person_id NOT IN (SELECT person_id FROM enrolments WHERE cohort_id = $2) \
                 ORDER BY p.id LIMIT 1"
            )
            .bind(&cohort.unit_path)
            .bind(cohort.id)
            .fetch_all(p)
            .await)?
        } else {
            officers
        };
        if !officers.is_empty() {
            cohorts::update_cohort(
                db,
                &actor,
                cohort.id,
                &CohortUpdate {
                    version: cohort.version,
                    name: cohort.name.clone(),
                    venue: cohort.venue.clone(),
                    start_date: cohort.start_date.to_string(),
                    end_date: cohort.end_date.to_string(),
                    capacity: cohort.capacity,
                    facilitators: Some(officers),
                },
            )
            .await?;
        }
        let ckey = seed ^ (cohort.id as u64).wrapping_mul(0x9E37_79B9);
        // How well the cohort's sessions land: a cohort effect and, per session, a little more.
        let cohort_mood = 0.6 * (uniform(ckey) - 0.5);
        let present: Vec<(i64, NaiveDate, i64)> = on_db!(db, |p| sqlx::query_as(
            "SELECT s.id, s.held_on, e.person_id FROM attendance a JOIN sessions_held s ON s.id = a.session_id \
             JOIN attendance_statuses st ON st.key = a.status JOIN enrolments e ON e.id = a.enrolment_id \
             WHERE s.cohort_id = $1 AND st.counts_present = $2 ORDER BY s.held_on, e.person_id"
        )
        .bind(cohort.id)
        .bind(true)
        .fetch_all(p)
        .await)?;
        for (n, (session, held_on, person)) in present.iter().enumerate() {
            let key = ckey ^ ((*session as u64) << 20) ^ (*person as u64).wrapping_mul(0x2545_F491_4F6C_DD1D);
            if uniform(key) > 0.74 {
                continue;
            }
            let liking = 3.9 + cohort_mood + 0.3 * (uniform(*session as u64 ^ ckey) - 0.5);
            surveys.push(SubmissionInput {
                files: Vec::new(),
                uuid: uuid(seed, 1, cohort.id as u64 * 100_000 + n as u64),
                instrument_id: survey.id,
                collected_at: at(*held_on, 16),
                subject: About { kind: "session".into(), id: *session },
                answers: satisfaction_answers(key, liking),
            });
        }
        // Pre- and post-tests: about one in twenty misses the pre-test, one in six of the
        // others the post-test.
        let people = cohorts::enrolments(db, &actor, &cohort).await?;
        let diploma = cohort.code.starts_with("EL");
        for e in &people {
            let pkey = ckey ^ (e.person_id as u64).wrapping_mul(0x1000_0000_01B3);
            let ability = 0.3 + 0.35 * uniform(pkey);
            if uniform(pkey ^ 1) < 0.05 {
                continue;
            }
            let learnt = if diploma { 0.45 } else { 0.3 } * (0.5 + uniform(pkey ^ 2));
            let takes_post = uniform(pkey ^ 3) >= 0.17;
            for (t, p, day) in
                [(0u64, ability, cohort.start_date), (1, ability + learnt * (1.0 - ability), cohort.end_date)]
            {
                if t == 1 && !takes_post {
                    continue;
                }
                let mut answers = serde_json::Map::new();
                for (k, (_, _, truth)) in STATEMENTS.iter().enumerate() {
                    let right = uniform(pkey ^ ((t + 1) << 40) ^ ((k as u64 + 1) << 48)) < p;
                    answers.insert(format!("s{}", k + 1), json!(if right == *truth { "true" } else { "false" }));
                }
                tests.push(SubmissionInput {
                    files: Vec::new(),
                    uuid: uuid(seed, 2, (e.person_id as u64) * 4 + t + (cohort.id as u64) * 10_000_000),
                    instrument_id: test.id,
                    collected_at: at(day, if t == 0 { 9 } else { 15 }),
                    subject: About { kind: "person".into(), id: e.person_id },
                    answers: Value::Object(answers),
                });
            }
            // The diploma's head teachers observed teaching before it, half-way and at its end.
            if !diploma {
                continue;
            }
            let skill = 0.8 + 1.0 * uniform(pkey ^ 4);
            let mid = cohort.start_date + (cohort.end_date - cohort.start_date) / 2;
            for (r, growth, day) in [
                (0u64, 0.0, cohort.start_date - chrono::Duration::days(14)),
                (1, 0.45, mid),
                (2, 0.9, cohort.end_date - chrono::Duration::days(7)),
            ] {
                let rkey = pkey ^ ((r + 7) << 36);
                if uniform(rkey) < 0.2 {
                    continue;
                }
                let learners = 35 + (uniform(rkey ^ 1) * 40.0) as i64;
                let subject = ["math", "english", "kinyarwanda", "science"][(uniform(rkey ^ 2) * 4.0) as usize % 4];
                let mut answers = json!({
                    "lesson_date": day.to_string(),
                    "subject": subject,
                    "learners_present": learners,
                    "girls_present": learners / 2,
                    "agreed_action": "Plan one question that makes learners explain their thinking",
                });
                for (i, item) in ["objectives_shared", "feedback", "learners_active", "questioning"].iter().enumerate()
                {
                    let level =
                        skill + growth * (0.6 + 0.8 * uniform(rkey ^ (i as u64 + 3))) + uniform(rkey ^ (i as u64 + 9))
                            - 0.5;
                    answers[*item] = json!((level.round().clamp(0.0, 3.0) as i64 + 1).to_string());
                }
                observations.push(SubmissionInput {
                    files: Vec::new(),
                    uuid: uuid(seed, 3, (e.person_id as u64) * 4 + r),
                    instrument_id: observation,
                    collected_at: at(day, 11),
                    subject: About { kind: "person".into(), id: e.person_id },
                    answers,
                });
            }
        }
    }
    // The school culture survey at every participant's school, in 2024 and 2025: up to
    // ten of its staff, about seven in ten of them answering.
    let culture = instruments::import(db, &actor, "school-culture.xlsx", &school_culture_xlsform(), "survey").await?;
    let schools: Vec<(i64, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT x.school_id, COUNT(*) FROM positions x WHERE x.end_date IS NULL AND x.school_id IN \
         (SELECT e.school_id FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id JOIN courses co ON co.id = c.course_id \
          WHERE co.programme_id = $1) GROUP BY x.school_id ORDER BY x.school_id"
    )
    .bind(programme)
    .fetch_all(p)
    .await
    })?;
    let mut answers = Vec::new();
    for (school, staff) in schools {
        for year in [2024, 2025] {
            for k in 0..staff.min(10) {
                let key =
                    seed ^ (school as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ((year as u64) << 44) ^ (k as u64);
                if uniform(key) > 0.7 {
                    continue;
                }
                answers.push(SubmissionInput {
                    files: Vec::new(),
                    uuid: uuid(seed, 4, (school as u64) * 100 + (year as u64 - 2024) * 20 + k as u64),
                    instrument_id: culture.id,
                    collected_at: at(culture_day(year, school), 10),
                    subject: About { kind: "school".into(), id: school },
                    answers: culture_answers(key, culture_level(seed, school, year)),
                });
            }
        }
    }
    demo.surveys = submit_all(db, surveys).await?;
    demo.tests = submit_all(db, tests).await?;
    demo.observations = submit_all(db, observations).await?;
    demo.culture = submit_all(db, answers).await?;
    Ok(demo)
}

/// NAT-CPD's satisfaction surveys after the last session of one cohort in ten and the
/// school culture survey at one school in ten, in bulk (the national-scale rows), with the stamp of the
/// submissions renewed and their Likert scores written in the same transaction.
async fn national(db: &Db, seed: u64, programme: i64) -> Result<FunnelDemo> {
    use opencpd_kernel::bulk::{self, Cell};
    let actor = Actor::system();
    let survey =
        instruments::import(db, &actor, "session-satisfaction.xlsx", &satisfaction_xlsform(), "survey").await?;
    let culture = instruments::import(db, &actor, "school-culture.xlsx", &school_culture_xlsform(), "survey").await?;
    let mut demo = FunnelDemo { programme: "NAT-CPD".into(), ..Default::default() };
    // (uuid, instrument, collected at, subject kind, subject, its place, answers)
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut push = |uuid: String,
                    instrument: i64,
                    when: chrono::DateTime<Utc>,
                    kind: &str,
                    id: i64,
                    path: String,
                    answers: Value| {
        rows.push(vec![
            uuid.into(),
            Cell::from(instrument),
            Cell::Timestamp(Some(when)),
            Cell::Timestamp(Some(when)),
            kind.to_string().into(),
            Cell::from(id),
            path.into(),
            answers.to_string().into(),
            "[]".to_string().into(),
        ]);
    };
    // The survey goes to one cohort in ten, after its last session; about three in five of
    // those present answer.
    let present: Vec<(i64, i64, NaiveDate, String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT s.id, s.cohort_id, s.held_on, c.unit_path, e.person_id FROM sessions_held s \
         JOIN cohorts c ON c.id = s.cohort_id JOIN courses co ON co.id = c.course_id \
         JOIN attendance a ON a.session_id = s.id JOIN attendance_statuses st ON st.key = a.status \
         JOIN enrolments e ON e.id = a.enrolment_id \
         WHERE co.programme_id = $1 AND st.counts_present = $2 \
           AND s.held_on = (SELECT MAX(x.held_on) FROM sessions_held x WHERE x.cohort_id = s.cohort_id) \
         ORDER BY s.id, e.person_id"
    )
    .bind(programme)
    .bind(true)
    .fetch_all(p)
    .await)?;
    for (session, cohort, held_on, path, person) in present {
        let ckey = seed ^ (cohort as u64).wrapping_mul(0x9E37_79B9);
        let key = ckey ^ ((session as u64) << 20) ^ (person as u64).wrapping_mul(0x2545_F491_4F6C_DD1D);
        if uniform(ckey ^ 0x5a) >= 0.1 || uniform(key) > 0.6 {
            continue;
        }
        let liking = 3.8 + 0.6 * (uniform(ckey) - 0.5);
        let id = uuid(seed, 5, ((session as u64) << 20) | (person as u64 & 0xf_ffff));
        push(id, survey.id, at(held_on, 16), "session", session, path, satisfaction_answers(key, liking));
        demo.surveys += 1;
    }
    // The school culture survey at one school in ten, in 2024 and 2025: up to ten of its
    // staff, about seven in ten of them answering.
    let schools: Vec<(i64, String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT x.school_id, s.unit_path, COUNT(*) FROM positions x JOIN schools s ON s.id = x.school_id \
         WHERE x.end_date IS NULL GROUP BY x.school_id, s.unit_path ORDER BY x.school_id"
    )
    .fetch_all(p)
    .await)?;
    for (school, path, staff) in schools {
        if uniform(seed ^ (school as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93)) >= 0.1 {
            continue;
        }
        for year in [2024, 2025] {
            for k in 0..staff.min(10) {
                let key =
                    seed ^ (school as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ((year as u64) << 44) ^ (k as u64);
                if uniform(key) > 0.7 {
                    continue;
                }
                let id = uuid(seed, 6, (school as u64) * 100 + (year as u64 - 2024) * 20 + k as u64);
                let answers = culture_answers(key, culture_level(seed, school, year));
                push(id, culture.id, at(culture_day(year, school), 10), "school", school, path.clone(), answers);
                demo.culture += 1;
            }
        }
    }
    let mut tx = db.begin().await?;
    bulk::insert(
        &mut tx,
        "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json)",
        9,
        rows,
        &|_| {},
    )
    .await?;
    opencpd_kernel::stamps::renew(&mut tx, "submissions").await?;
    // Written in bulk, not through the intake: every survey's score is written at the commit.
    tx.changed(&instruments::survey_scores::SCORES, opencpd_kernel::derived::Key::All);
    tx.commit().await?;
    Ok(demo)
}
