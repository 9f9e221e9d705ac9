//! Delivery data for the small demo: an LT²-like school-leadership diploma in Rwanda (a
//! programme with targets, five modules mapped to the five standards, a cohort of
//! Nyarugenge's head teachers with sessions, attendance, grades and certificates) and a
//! short cluster-lead training in Cameroon, and every programme's costs by year and
//! category ([`costs`]). Built through the same store functions as everything else, as the
//! command line's operator; deterministic for a seed.

use opencpd_delivery::store::attendance::{self, Mark, MarkInput, SessionInput};
use opencpd_delivery::store::catalogue::{
    self, AssessmentInput, CourseInput, ModuleInput, ProgrammeInput, TargetInput,
};
use opencpd_delivery::store::certificates;
use opencpd_delivery::store::cohorts::{self, CohortInput, Criteria};
use opencpd_delivery::store::completion::{self, GradeInput, Score};
use opencpd_delivery::store::record::{self, Threshold};
use opencpd_kernel::{Actor, Db, Result, on_db};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct DeliverySummary {
    pub programmes: usize,
    pub courses: usize,
    pub cohorts: usize,
    pub enrolments: u64,
    pub marks: u64,
    pub certificates: u64,
    /// Programme costs recorded (a year and category each).
    pub costs: u64,
    /// Outreach events, resources with their checks, awards.
    pub outreach: crate::outreach::OutreachSummary,
}

fn s(v: &str) -> String {
    v.to_string()
}

/// Adds delivery data to a database that holds the small demo's registry.
pub async fn build(db: &Db, seed: u64) -> Result<DeliverySummary> {
    let actor = Actor::system();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0de1_1e7e);
    let lt2 = catalogue::create_programme(
        db,
        &actor,
        &ProgrammeInput {
            code: s("LT2"),
            name: s("Leading, Teaching and Learning Together"),
            funder: Some(s("Mastercard Foundation")),
            budget: Some(4_200_000.0),
            currency: Some(s("USD")),
            start_date: s("2023-01-01"),
            end_date: Some(s("2027-12-31")),
            pillars: vec![s("School leadership"), s("Teacher professional development"), s("System strengthening")],
            targets: vec![
                TargetInput {
                    label: s("In-service teachers trained"),
                    measure: s("completed"),
                    value: 4500,
                    due_date: Some(s("2027-12-31")),
                    roles: vec![s("teacher")],
                    ..Default::default()
                },
                TargetInput {
                    label: s("Head teachers enrolled in the diploma"),
                    measure: s("enrolled"),
                    value: 1500,
                    due_date: Some(s("2027-12-31")),
                    roles: vec![s("head_teacher")],
                    ..Default::default()
                },
                TargetInput {
                    label: s("Women school leaders certified"),
                    measure: s("certified"),
                    value: 500,
                    due_date: Some(s("2027-12-31")),
                    sex: Some(s("F")),
                    ..Default::default()
                },
            ],
        },
    )
    .await?;
    let modules = [
        ("M1", "Creating strategic direction", "SL1"),
        ("M2", "Leading learning", "SL2"),
        ("M3", "Leading teaching", "SL3"),
        ("M4", "Managing the school as an organisation", "SL4"),
        ("M5", "Community and parental involvement", "SL5"),
    ];
    let diploma = catalogue::create_course(
        db,
        &actor,
        &CourseInput {
            code: s("EL-DIP"),
            title: s("Diploma in Effective School Leadership"),
            programme_code: Some(lt2.code.clone()),
            kind: s("diploma"),
            modality: s("blended"),
            hours: 120.0,
            credits: 60.0,
            accrediting_body: Some(s("University of Rwanda – College of Education")),
            target_roles: vec![s("head_teacher"), s("deputy_head")],
            min_attendance_pct: Some(75.0),
            require_assessments_passed: Some(true),
            min_final_grade: Some(50.0),
            certificate_months: Some(60),
            prerequisites: vec![],
            modules: modules
                .iter()
                .map(|(code, title, std)| ModuleInput {
                    code: s(code),
                    title: s(title),
                    hours: 24.0,
                    standards: vec![s(std)],
                })
                .collect(),
            assessments: vec![
                AssessmentInput {
                    code: s("PORTFOLIO"),
                    title: s("Leadership portfolio"),
                    module_code: Some(s("M1")),
                    max_score: 40.0,
                    pass_score: 20.0,
                    weight: Some(2.0),
                },
                AssessmentInput {
                    code: s("PROJECT"),
                    title: s("School improvement project"),
                    module_code: Some(s("M4")),
                    max_score: 60.0,
                    pass_score: 30.0,
                    weight: Some(3.0),
                },
            ],
        },
    )
    .await?;
    let cluster = catalogue::create_course(
        db,
        &actor,
        &CourseInput {
            code: s("CL-LEAD"),
            title: s("Animateur de grappe : formation courte"),
            programme_code: Some(lt2.code.clone()),
            kind: s("short_training"),
            modality: s("face_to_face"),
            hours: 16.0,
            credits: 2.0,
            target_roles: vec![s("head_teacher"), s("cluster_lead")],
            min_attendance_pct: Some(100.0),
            require_assessments_passed: Some(false),
            modules: vec![ModuleInput {
                code: s("PLC"),
                title: s("Faciliter une communauté d'apprentissage"),
                hours: 16.0,
                standards: vec![s("SL2"), s("SL5")],
            }],
            ..Default::default()
        },
    )
    .await?;
    for (role, hours, credits) in [("head_teacher", 20.0, 5.0), ("teacher", 15.0, 0.0)] {
        record::set_threshold(
            db,
            &actor,
            &Threshold { role: s(role), hours_per_year: hours, credits_per_year: credits },
        )
        .await?;
    }

    let bertoua: Option<String> =
        on_db!(db, |p| sqlx::query_scalar("SELECT code FROM units WHERE name = $1 AND depth = 2")
            .bind("Lom-et-Djérem")
            .fetch_optional(p)
            .await)?;
    let mut cohorts_made = 0;
    let (mut enrolled, mut marks, mut certified) = (0u64, 0u64, 0u64);
    let plans = [
        (
            "EL-DIP-2025-NYA",
            "Diploma 2025 · Nyarugenge",
            &diploma.course.code,
            s("RW-10101"),
            s("RW-101"),
            "2025-02-03",
            "2025-11-28",
            40,
            8,
        ),
        (
            "CL-LEAD-2025-EST",
            "Formation des animateurs · Lom-et-Djérem",
            &cluster.course.code,
            bertoua.clone().unwrap_or_default(),
            bertoua.clone().unwrap_or_default(),
            "2025-03-10",
            "2025-03-11",
            60,
            2,
        ),
    ];
    for (code, name, course_code, venue_unit, from_unit, start, end, capacity, sessions) in plans {
        if venue_unit.is_empty() {
            continue;
        }
        let cohort = cohorts::create_cohort(
            db,
            &actor,
            &CohortInput {
                code: s(code),
                name: s(name),
                course_code: course_code.clone(),
                unit_code: venue_unit,
                venue: Some(s(if code.starts_with("EL") {
                    "Gitega sector office"
                } else {
                    "Salle des fêtes de Bertoua"
                })),
                start_date: s(start),
                end_date: s(end),
                capacity,
                facilitators: vec![],
            },
        )
        .await?;
        cohorts_made += 1;
        let report = cohorts::enrol_by_criteria(
            db,
            &actor,
            cohort.id,
            &Criteria { role: s("head_teacher"), unit_code: from_unit, ..Default::default() },
        )
        .await?;
        enrolled += report.created;
        let people = cohorts::enrolments(db, &actor, &cohort).await?;
        let first = cohort.start_date;
        for k in 0..sessions {
            let held_on = first + chrono::Duration::days(if sessions > 2 { k * 28 } else { k });
            let session = attendance::create_session(
                db,
                &actor,
                cohort.id,
                &SessionInput {
                    held_on: held_on.to_string(),
                    title: if sessions > 2 {
                        modules[(k as usize) % modules.len()].1.to_string()
                    } else {
                        format!("Jour {}", k + 1)
                    },
                    modality: None,
                    venue: None,
                    hours: if sessions > 2 { 6.0 } else { 8.0 },
                },
            )
            .await?;
            let input = MarkInput {
                marks: people
                    .iter()
                    .map(|e| {
                        let roll = rng.random_range(0..100);
                        let status = match roll {
                            0..=77 => "present",
                            78..=85 => "late",
                            86..=91 => "excused",
                            _ => "absent",
                        };
                        Mark { person_id: e.person_id, status: s(status) }
                    })
                    .collect(),
            };
            marks += attendance::mark(db, &actor, session.id, &input).await?.marked;
        }
        if code.starts_with("EL") {
            for (assessment, max) in [("PORTFOLIO", 40.0), ("PROJECT", 60.0)] {
                let grades = people
                    .iter()
                    .map(|e| Score { person_id: e.person_id, score: (rng.random_range(0.35..1.0f64) * max).round() })
                    .collect();
                completion::grade(db, &actor, cohort.id, &GradeInput { assessment_code: s(assessment), grades })
                    .await?;
            }
        }
        certified += certificates::issue_for_cohort(db, &actor, cohort.id).await?.issued;
    }
    let outreach = crate::outreach::build(db, seed).await?;
    let costs = costs(db, seed).await?;
    Ok(DeliverySummary {
        programmes: 2,
        courses: 2,
        cohorts: cohorts_made,
        enrolments: enrolled,
        marks,
        certificates: certified,
        costs,
        outreach,
    })
}

/// Delivery at national scale, for the reach benchmark: on a database holding the national
/// registry demo, every school's staff enrolled in a leadership or teaching course (and a
/// share of them in a second one), cohorts of 60 per sector, 12 to 14 sessions each with
/// attendance, completion cached as the store computes it, and certificates. About 150,000
/// enrolments and 2,000,000 attendance marks, written in bulk.
pub async fn build_national(db: &Db, seed: u64, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<DeliverySummary> {
    use chrono::{NaiveDate, Utc};
    use opencpd_kernel::bulk::{self, Cell};
    let actor = Actor::system();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5ca1e);
    let programme = catalogue::create_programme(
        db,
        &actor,
        &ProgrammeInput {
            code: s("NAT-CPD"),
            name: s("National CPD for teachers and school leaders"),
            start_date: s("2025-01-01"),
            end_date: Some(s("2027-12-31")),
            targets: vec![
                TargetInput {
                    label: s("Teachers trained"),
                    measure: s("completed"),
                    value: 90_000,
                    roles: vec![s("teacher")],
                    ..Default::default()
                },
                TargetInput {
                    label: s("School leaders enrolled"),
                    measure: s("enrolled"),
                    value: 15_000,
                    roles: vec![s("head_teacher")],
                    ..Default::default()
                },
                TargetInput {
                    label: s("Women certified"),
                    measure: s("certified"),
                    value: 40_000,
                    sex: Some(s("F")),
                    ..Default::default()
                },
            ],
            ..Default::default()
        },
    )
    .await?;
    let mut course_ids = Vec::new();
    for (code, sessions) in [("NAT-A", 14i64), ("NAT-B", 12)] {
        let c = catalogue::create_course(
            db,
            &actor,
            &CourseInput {
                code: s(code),
                title: format!("National course {code}"),
                programme_code: Some(programme.code.clone()),
                kind: s("certificate"),
                modality: s("blended"),
                hours: 40.0,
                credits: 4.0,
                min_attendance_pct: Some(80.0),
                certificate_months: Some(36),
                ..Default::default()
            },
        )
        .await?;
        course_ids.push((c.course.id, code, sessions));
    }
    type Staff = (i64, String, String, Option<i64>, String);
    let staff: Vec<Staff> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT x.person_id, p.sex, x.role, x.school_id, x.path FROM positions x JOIN people p ON p.id = x.person_id \
         WHERE x.school_id IS NOT NULL AND x.end_date IS NULL ORDER BY x.path, x.person_id"
    )
    .fetch_all(p)
    .await
    })?;
    let mut tx = db.begin().await?;
    let (mut cohort_id, mut session_id, mut enrolment_id, mut certificate_id) = (
        bulk::next_id(&mut tx, "cohorts").await? - 1,
        bulk::next_id(&mut tx, "sessions_held").await? - 1,
        bulk::next_id(&mut tx, "enrolments").await? - 1,
        bulk::next_id(&mut tx, "certificates").await? - 1,
    );
    let start = NaiveDate::from_ymd_opt(2025, 2, 3).expect("date");
    let done_on = NaiveDate::from_ymd_opt(2025, 12, 15).expect("date");
    let now = Utc::now();
    let (mut cohorts, mut sessions, mut enrolments, mut marks, mut certificates) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut n_enrolments, mut n_marks, mut n_certificates, mut n_cohorts) = (0u64, 0u64, 0u64, 0usize);
    const HEAD: &str = "INSERT INTO attendance (session_id, enrolment_id, status, marked_at, marked_by)";
    for (pass, (course_id, code, n_sessions)) in course_ids.iter().enumerate() {
        // The second course takes about 36% of the staff: 150,000 enrolments in all.
        let chosen: Vec<&Staff> =
            if pass == 0 { staff.iter().collect() } else { staff.iter().filter(|_| rng.random_bool(0.36)).collect() };
        let mut i = 0;
        while i < chosen.len() {
            // A cohort never spans two sectors.
            let path = &chosen[i].4;
            let mut j = i;
            while j < chosen.len() && j - i < 60 && chosen[j].4 == *path {
                j += 1;
            }
            cohort_id += 1;
            n_cohorts += 1;
            let unit_id: i64 = path.trim_end_matches('/').rsplit('/').next().and_then(|x| x.parse().ok()).unwrap_or(1);
            cohorts.push(vec![
                Cell::from(cohort_id),
                format!("{code}-{cohort_id}").into(),
                format!("{code} cohort {cohort_id}").into(),
                Cell::from(*course_id),
                Cell::from(unit_id),
                path.clone().into(),
                Cell::from(start),
                Cell::from(done_on),
                Cell::from(60i64),
                Cell::Timestamp(Some(now)),
            ]);
            let first_session = session_id + 1;
            for k in 0..*n_sessions {
                session_id += 1;
                sessions.push(vec![
                    Cell::from(session_id),
                    Cell::from(cohort_id),
                    Cell::from(start + chrono::Duration::days(k * 21)),
                    format!("Session {}", k + 1).into(),
                    "face_to_face".into(),
                    Cell::Text(None),
                    Cell::Real(Some(3.0)),
                ]);
            }
            for (person, sex, role, school, ppath) in &chosen[i..j] {
                enrolment_id += 1;
                let diligence: f64 = rng.random_range(0.55..1.0);
                let mut attended = 0;
                for k in 0..*n_sessions {
                    let roll: f64 = rng.random_range(0.0..1.0);
                    let status = if roll < diligence {
                        "present"
                    } else if roll < diligence + 0.03 {
                        "late"
                    } else if roll < diligence + 0.08 {
                        "excused"
                    } else {
                        "absent"
                    };
                    if status == "present" || status == "late" {
                        attended += 1;
                    }
                    marks.push(vec![
                        Cell::from(first_session + k),
                        Cell::from(enrolment_id),
                        status.into(),
                        Cell::Timestamp(Some(now)),
                        "cli".into(),
                    ]);
                }
                let pct = (attended as f64 * 1000.0 / *n_sessions as f64).round() / 10.0;
                let completed = pct >= 80.0;
                enrolments.push(vec![
                    Cell::from(enrolment_id),
                    Cell::from(cohort_id),
                    Cell::from(*person),
                    "import".into(),
                    Cell::Timestamp(Some(now)),
                    sex.clone().into(),
                    Some(role.clone()).into(),
                    Cell::from(*school),
                    ppath.clone().into(),
                    Cell::Real(Some(pct)),
                    Cell::Date(if completed { Some(done_on) } else { None }),
                ]);
                n_enrolments += 1;
                if completed && rng.random_bool(0.8) {
                    certificate_id += 1;
                    n_certificates += 1;
                    certificates.push(vec![
                        Cell::from(certificate_id),
                        format!("{code}-2025-{certificate_id:06}").into(),
                        format!("N{certificate_id:011}").into(),
                        Cell::from(enrolment_id),
                        Cell::from(done_on),
                        Cell::Timestamp(Some(now)),
                    ]);
                }
            }
            i = j;
            // Write in slices to bound memory; cohorts and sessions before what refers to them.
            if marks.len() >= 200_000 || i >= chosen.len() {
                bulk::insert(&mut tx, "INSERT INTO cohorts (id, code, name, course_id, unit_id, unit_path, start_date, end_date, capacity, created_at)", 10, std::mem::take(&mut cohorts), &|_| {}).await?;
                bulk::insert(
                    &mut tx,
                    "INSERT INTO sessions_held (id, cohort_id, held_on, title, modality, venue, hours)",
                    7,
                    std::mem::take(&mut sessions),
                    &|_| {},
                )
                .await?;
                bulk::insert(&mut tx, "INSERT INTO enrolments (id, cohort_id, person_id, source, enrolled_at, sex, role, school_id, path, attendance_pct, completed_on)", 11, std::mem::take(&mut enrolments), &|_| {}).await?;
                bulk::insert(
                    &mut tx,
                    "INSERT INTO certificates (id, serial, code, enrolment_id, issued_on, created_at)",
                    6,
                    std::mem::take(&mut certificates),
                    &|_| {},
                )
                .await?;
                n_marks += bulk::insert(&mut tx, HEAD, 5, std::mem::take(&mut marks), &|_| {}).await?;
                progress("attendance", n_marks);
            }
        }
    }
    for table in ["cohorts", "sessions_held", "enrolments", "certificates"] {
        bulk::sync_ids(&mut tx, table).await?;
    }
    tx.changed(&opencpd_delivery::store::reports::PARTICIPANTS, opencpd_kernel::derived::Key::All);
    tx.commit().await?;
    if let Db::Postgres(p) = db {
        sqlx::query("ANALYZE").execute(p).await?;
    } else if let Db::Sqlite(p) = db {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    progress("costs", 0);
    let costs = costs(db, seed).await?;
    Ok(DeliverySummary {
        programmes: 1,
        courses: course_ids.len(),
        cohorts: n_cohorts,
        enrolments: n_enrolments,
        marks: n_marks,
        certificates: n_certificates,
        costs,
        outreach: Default::default(),
    })
}

/// The one currency of the demo's costs. The demo is one deployment over Rwanda and
/// Cameroon, and a deployment keeps every cost in one currency (so that costs add up and
/// the cost per participant is one figure): US dollars, in which the programmes' funders
/// report and the programmes' budgets are given, rather than Rwandan or CFA francs.
pub const COST_CURRENCY: &str = "USD";

/// The last year the demo delivers in (its cohorts run in 2025): costs are recorded for
/// the years a programme runs up to it, never for years still to come.
pub const LAST_COST_YEAR: i64 = 2025;

/// What each participant reached in a year costs, by category, in US dollars: facilitators,
/// venues and meals; transport to sessions; modules and portfolios printed; coaching visits
/// between sessions; certificates and communication. About 70 dollars a participant.
const PER_PARTICIPANT: [(&str, f64, &str); 5] = [
    ("training", 32.0, "Facilitators' fees, venues and meals"),
    ("travel", 12.0, "Participants' transport to the sessions"),
    ("materials", 9.0, "Modules and portfolios printed"),
    ("coaching", 14.0, "Coaches' visits to schools between sessions"),
    ("other", 3.0, "Certificates and communication"),
];

/// What a year of a programme without participants (preparing it, or reaching schools by
/// outreach only) costs, in US dollars.
const WITHOUT_PARTICIPANTS: [(&str, f64, &str); 4] = [
    ("training", 2400.0, "Training of trainers"),
    ("travel", 900.0, "Travel to design workshops and schools"),
    ("materials", 3200.0, "Materials written and printed"),
    ("other", 600.0, "Meetings with partners"),
];

/// Records every programme's costs, through the store's own function as a person at the
/// page would: for each year it runs up to [`LAST_COST_YEAR`], by category, in
/// [`COST_CURRENCY`]. A year with participants reached costs about 70 dollars for each,
/// varied by up to 15%; a year without costs a fixed amount for preparation. A handful of
/// rows per programme, so the national demo is not slower for them. Deterministic for a
/// seed; returns how many costs were recorded.
pub async fn costs(db: &Db, seed: u64) -> Result<u64> {
    use chrono::{Datelike, NaiveDate};
    use opencpd_delivery::store::costs::{self, ProgrammeCostInput};
    let actor = Actor::system();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xc057);
    let programmes: Vec<(i64, String, NaiveDate, Option<NaiveDate>)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, start_date, end_date FROM programmes ORDER BY code")
            .fetch_all(p)
            .await)?;
    let mut recorded = 0;
    for (id, code, start, end) in programmes {
        let last = end.map_or(LAST_COST_YEAR, |e| i64::from(e.year()).min(LAST_COST_YEAR));
        for year in i64::from(start.year())..=last {
            // Those reached in the year, as the engine counts them: enrolled in a cohort of
            // the programme running at some time in it.
            let (first_day, last_day) = (format!("{year}-01-01"), format!("{year}-12-31"));
            let reached: i64 = on_db!(db, |p| sqlx::query_scalar(
                "SELECT COUNT(DISTINCT e.person_id) FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id \
                 JOIN courses k ON k.id = h.course_id WHERE k.programme_id = $1 \
                 AND CAST(h.start_date AS TEXT) <= $2 AND CAST(h.end_date AS TEXT) >= $3"
            )
            .bind(id)
            .bind(&last_day)
            .bind(&first_day)
            .fetch_one(p)
            .await)?;
            let lines: Vec<(&str, f64, &str)> = if reached > 0 {
                PER_PARTICIPANT.iter().map(|&(c, rate, note)| (c, rate * reached as f64, note)).collect()
            } else {
                WITHOUT_PARTICIPANTS.to_vec()
            };
            for (category, amount, note) in lines {
                let amount = (amount * rng.random_range(0.85..1.15f64)).round();
                costs::create(
                    db,
                    &actor,
                    &ProgrammeCostInput {
                        programme_code: code.clone(),
                        year,
                        category: s(category),
                        amount,
                        currency: Some(s(COST_CURRENCY)),
                        note: Some(s(note)),
                        version: None,
                    },
                )
                .await?;
                recorded += 1;
            }
        }
    }
    Ok(recorded)
}
