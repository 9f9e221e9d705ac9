//! The demo's peer learning and coaching, over the demo's registry: the terms of last year
//! and this one, a PLC model, a PLC of head teachers in every sector (its sector officer
//! facilitating) with meetings, attendance and action points (older ones mostly closed,
//! some late, some overdue), and a Building Learning Foundations cascade (district advisor ›
//! national leaders of learning › local leaders of learning › head teachers) in several
//! districts, each with a district PLC of its leaders of learning, with visits, feedback
//! bands for every rubric domain in English and French, and the account `nll` of a national leader of learning who coaches in it. At national scale every school also has a PLC of its head and
//! teachers, every district a cascade: about 50,000 meetings and 100,000 visits over the
//! last year, written in batches with ids reserved up front.
//!
//! Deterministic for a seed (and the day it is built on: dates are counted back from it).

use chrono::{Datelike, Duration, NaiveDate, Utc};
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::{Actor, Db, Result, Tx, on_db};
use opencpd_peer::model::{PlcModelInput, TermInput};
use std::collections::BTreeMap;

/// What the demo holds.
#[derive(Debug, Clone, Default)]
pub struct PeerDemo {
    pub plcs: u64,
    pub meetings: u64,
    pub action_points: u64,
    pub relations: u64,
    pub visits: u64,
    pub lesson_studies: u64,
    /// The demo's coach account (a national leader of learning), when a cascade was built.
    pub accounts: Vec<crate::DemoAccount>,
}

/// A deterministic draw in [0, 1) from a key (SplitMix64's finaliser).
fn uniform(key: u64) -> f64 {
    let mut x = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn below(key: u64, n: usize) -> usize {
    ((uniform(key) * n as f64) as usize).min(n.saturating_sub(1))
}

/// The first `depth + 1` units of a path, as a path (`/1/7/42/`, 1 → `/1/7/`).
fn prefix(path: &str, depth: usize) -> Option<String> {
    let ids: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    (ids.len() > depth).then(|| format!("/{}/", ids[..=depth].join("/")))
}

struct Plc {
    id: i64,
    path: String,
    school: Option<i64>,
    members: Vec<i64>,
    meetings: usize,
}

/// Rows waiting for their INSERT, written once there are enough of them.
struct Pending {
    head: &'static str,
    columns: usize,
    rows: Vec<Vec<Cell>>,
}

impl Pending {
    fn new(head: &'static str, columns: usize) -> Pending {
        Pending { head, columns, rows: Vec::new() }
    }

    async fn flush(&mut self, tx: &mut Tx) -> Result<u64> {
        let rows = std::mem::take(&mut self.rows);
        bulk::insert(tx, self.head, self.columns, rows, &|_| {}).await
    }
}

pub async fn build(db: &Db, seed: u64, national: bool, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<PeerDemo> {
    let actor = Actor::system();
    let today = opencpd_kernel::today();
    let now = Utc::now();
    // Terms of last year and this one.
    for year in [today.year() - 1, today.year()] {
        for (n, (from, to)) in [((1, 8), (4, 4)), ((4, 21), (7, 17)), ((9, 1), (12, 18))].iter().enumerate() {
            let day =
                |(m, d): (u32, u32)| NaiveDate::from_ymd_opt(year, m, d).map(|d| d.to_string()).unwrap_or_default();
            let input = TermInput { name: format!("{year} T{}", n + 1), start_on: day(*from), end_on: day(*to) };
            opencpd_peer::store::plcs::create_term(db, &actor, &input).await?;
        }
    }
    let model = opencpd_peer::store::plcs::create_model(
        db,
        &actor,
        &PlcModelInput {
            code: "PLC-CYCLE".into(),
            name: "Sector PLC cycle".into(),
            steps: ["Review action points", "Share practice", "Study a standard", "Agree actions"]
                .map(String::from)
                .to_vec(),
        },
    )
    .await?;
    on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO programmes (code, name, funder, start_date, created_at) VALUES ('BLF', 'Building Learning Foundations', \
         'FCDO', $1, $2) ON CONFLICT (code) DO NOTHING"
    )
    .bind(today - Duration::days(800))
    .bind(now)
    .execute(p)
    .await
    .map(|_| ())
    })?;
    let programme: i64 =
        on_db!(db, |p| sqlx::query_scalar("SELECT id FROM programmes WHERE code = 'BLF'").fetch_one(p).await)?;
    let standards: Vec<i64> =
        on_db!(db, |p| sqlx::query_scalar("SELECT id FROM standards ORDER BY id").fetch_all(p).await)?;

    // Who is where: head teachers by school, teachers by school, officers by unit.
    type PositionRow = (i64, String, Option<i64>, String);
    let positions: Vec<PositionRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT person_id, role, school_id, path FROM positions WHERE end_date IS NULL \
         AND role IN ('head_teacher', 'teacher', 'sector_education_officer', 'district_education_officer') \
         ORDER BY person_id, id"
    )
    .fetch_all(p)
    .await)?;
    let mut heads: BTreeMap<String, Vec<(i64, i64, String)>> = BTreeMap::new(); // sector path → (head, school, school path)
    let mut teachers: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut officers: BTreeMap<String, i64> = BTreeMap::new();
    for (person, role, school, path) in &positions {
        match (role.as_str(), school) {
            ("head_teacher", Some(s)) => {
                if let Some(sector) = prefix(path, 3) {
                    heads.entry(sector).or_default().push((*person, *s, path.clone()));
                }
            }
            ("teacher", Some(s)) => teachers.entry(*s).or_default().push(*person),
            ("sector_education_officer" | "district_education_officer", None) => {
                officers.entry(path.clone()).or_insert(*person);
            }
            _ => {}
        }
    }
    let units: Vec<(i64, String, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, path, code, name FROM units WHERE depth IN (2, 3)")
            .fetch_all(p)
            .await)?;
    let units: BTreeMap<String, (i64, String, String)> =
        units.into_iter().map(|(id, path, code, name)| (path, (id, code, name))).collect();

    let mut tx = db.begin().await?;
    let mut summary = PeerDemo::default();
    // PLCs: one of head teachers in every sector; at national scale one in every school too.
    let first_plc = bulk::next_id(&mut tx, "plcs").await?;
    let mut plc_rows = Pending::new(
        "INSERT INTO plcs (id, code, name, level, unit_id, unit_path, school_id, programme_id, model_id, meetings_per_term, created_at)",
        11,
    );
    let mut people_rows = Pending::new("INSERT INTO plc_people (plc_id, person_id, role)", 3);
    let mut plcs: Vec<Plc> = Vec::new();
    for (sector, list) in &heads {
        let Some((unit_id, code, name)) = units.get(sector) else { continue };
        if list.len() < 2 {
            continue;
        }
        let id = first_plc + plcs.len() as i64;
        plc_rows.rows.push(vec![
            id.into(),
            format!("PLC-{code}").into(),
            format!("{name} head teachers").into(),
            "sector".into(),
            (*unit_id).into(),
            sector.clone().into(),
            Cell::Int(None),
            programme.into(),
            model.id.into(),
            3i64.into(),
            Cell::Timestamp(Some(now)),
        ]);
        let facilitator = officers.get(sector);
        if let Some(f) = facilitator {
            people_rows.rows.push(vec![id.into(), (*f).into(), "facilitator".into()]);
        }
        let members: Vec<i64> = list.iter().map(|h| h.0).filter(|h| Some(h) != facilitator).collect();
        for m in &members {
            people_rows.rows.push(vec![id.into(), (*m).into(), "member".into()]);
        }
        plcs.push(Plc { id, path: sector.clone(), school: None, members, meetings: if national { 9 } else { 5 } });
    }
    if national {
        for list in heads.values() {
            for (head, school, path) in list {
                let id = first_plc + plcs.len() as i64;
                plc_rows.rows.push(vec![
                    id.into(),
                    format!("PLC-S{school}").into(),
                    format!("School PLC {school}").into(),
                    "school".into(),
                    units.get(&prefix(path, 3).unwrap_or_default()).map(|u| u.0).unwrap_or(1).into(),
                    path.clone().into(),
                    (*school).into(),
                    programme.into(),
                    model.id.into(),
                    3i64.into(),
                    Cell::Timestamp(Some(now)),
                ]);
                people_rows.rows.push(vec![id.into(), (*head).into(), "facilitator".into()]);
                let mut members = vec![*head];
                for t in teachers.get(school).into_iter().flatten().take(12) {
                    people_rows.rows.push(vec![id.into(), (*t).into(), "member".into()]);
                    members.push(*t);
                }
                plcs.push(Plc { id, path: path.clone(), school: Some(*school), members, meetings: 9 });
            }
        }
    }
    // A school PLC's unit must be the school's own: fix those read from the sector above.
    summary.plcs = plc_rows.flush(&mut tx).await?;
    people_rows.flush(&mut tx).await?;
    if national {
        opencpd_kernel::on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE plcs SET unit_id = (SELECT s.unit_id FROM schools s WHERE s.id = plcs.school_id) WHERE school_id IS NOT NULL"
        )
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    progress("PLCs", summary.plcs);

    // Meetings over the last year (national) or the last 200 days, with attendance, a topic
    // and action points.
    let span = if national { 365 } else { 200 };
    let mut meeting_id = bulk::next_id(&mut tx, "plc_meetings").await?;
    let mut point_id = bulk::next_id(&mut tx, "plc_action_points").await?;
    let mut meetings = Pending::new(
        "INSERT INTO plc_meetings (id, plc_id, held_on, place, agenda, notes, unit_path, school_id, created_at)",
        9,
    );
    let mut attendance = Pending::new("INSERT INTO plc_attendance (meeting_id, person_id, guest)", 3);
    let mut topics = Pending::new("INSERT INTO plc_meeting_standards (meeting_id, standard_id)", 2);
    let mut points = Pending::new(
        "INSERT INTO plc_action_points (id, plc_id, meeting_id, agreed_on, title, owner_id, due_on, status, closed_on, \
         unit_path, school_id, version)",
        12,
    );
    let mut changes =
        Pending::new("INSERT INTO plc_action_point_changes (action_point_id, at, actor, status, due_on, note)", 6);
    const TITLES: [&str; 6] = [
        "Observe a colleague's lesson",
        "Try group work in P3",
        "Share the reading corner idea with staff",
        "Review learners' exercise books",
        "Plan a lesson with the new standard",
        "Meet parents about attendance",
    ];
    for (n, g) in plcs.iter().enumerate() {
        if g.members.is_empty() {
            continue;
        }
        let key = seed ^ (g.id as u64).wrapping_mul(0x1000_0000_01B3);
        let step = span / g.meetings as i64;
        for m in 0..g.meetings {
            let mkey = key ^ ((m as u64 + 1) << 32);
            let held = today - Duration::days(span - step * m as i64 - below(mkey, step.max(1) as usize) as i64);
            if held > today {
                continue;
            }
            let id = meeting_id;
            meeting_id += 1;
            meetings.rows.push(vec![
                id.into(),
                g.id.into(),
                held.into(),
                Cell::Text(None),
                "Review action points; share practice; agree actions".into(),
                Cell::Text(None),
                g.path.clone().into(),
                g.school.into(),
                Cell::Timestamp(Some(now)),
            ]);
            for (i, p) in g.members.iter().enumerate() {
                if uniform(mkey ^ ((i as u64) << 8)) < 0.85 {
                    attendance.rows.push(vec![id.into(), (*p).into(), Cell::Bool(Some(false))]);
                }
            }
            if !standards.is_empty() {
                topics.rows.push(vec![id.into(), standards[below(mkey ^ 3, standards.len())].into()]);
            }
            let count = if national { 1 } else { 1 + below(mkey ^ 5, 2) };
            for k in 0..count {
                let pkey = mkey ^ ((k as u64 + 7) << 16);
                let due = held + Duration::days(14 + below(pkey, 28) as i64);
                let draw = uniform(pkey ^ 9);
                let (status, closed) = if due < today {
                    if draw < 0.55 {
                        ("done", Some((due - Duration::days(below(pkey ^ 11, 10) as i64)).max(held)))
                    } else if draw < 0.75 {
                        ("done", Some((due + Duration::days(1 + below(pkey ^ 13, 20) as i64)).min(today)))
                    } else if draw < 0.85 {
                        ("dropped", Some((due + Duration::days(1)).min(today)))
                    } else {
                        ("open", None)
                    }
                } else if draw < 0.3 {
                    ("in_progress", None)
                } else {
                    ("open", None)
                };
                let owner = g.members[below(pkey ^ 17, g.members.len())];
                points.rows.push(vec![
                    point_id.into(),
                    g.id.into(),
                    id.into(),
                    held.into(),
                    TITLES[below(pkey ^ 19, TITLES.len())].into(),
                    owner.into(),
                    due.into(),
                    status.into(),
                    closed.into(),
                    g.path.clone().into(),
                    g.school.into(),
                    1i64.into(),
                ]);
                changes.rows.push(vec![
                    point_id.into(),
                    Cell::Timestamp(Some(now)),
                    "demo".into(),
                    status.into(),
                    due.into(),
                    Cell::Text(None),
                ]);
                point_id += 1;
            }
        }
        if attendance.rows.len() > 50_000 || n + 1 == plcs.len() {
            summary.meetings += meetings.flush(&mut tx).await?;
            attendance.flush(&mut tx).await?;
            topics.flush(&mut tx).await?;
            summary.action_points += points.flush(&mut tx).await?;
            changes.flush(&mut tx).await?;
            progress("PLC meetings", summary.meetings);
        }
    }

    // The cascade, district by district: the district's officer advises its national
    // leaders of learning, who coach local leaders, who coach the other head teachers.
    let mut districts: BTreeMap<String, Vec<(i64, i64, String)>> = BTreeMap::new();
    for list in heads.values() {
        for h in list {
            if let Some(d) = prefix(&h.2, 2) {
                districts.entry(d).or_default().push(h.clone());
            }
        }
    }
    let cascades = if national { usize::MAX } else { 3 };
    let start = today - Duration::days(400);
    let mut relation_id = bulk::next_id(&mut tx, "coaching_relations").await?;
    let mut visit_id = bulk::next_id(&mut tx, "coaching_visits").await?;
    let mut relations = Pending::new(
        "INSERT INTO coaching_relations (id, programme_id, coach_id, coachee_id, start_on, end_on, coachee_path, \
         coachee_school_id, created_at)",
        9,
    );
    let mut visits = Pending::new(
        "INSERT INTO coaching_visits (id, uuid, relation_id, programme_id, coach_id, coachee_id, coachee_path, \
         coachee_school_id, visited_on, submission_id, agreed_actions, next_visit_on, created_at)",
        13,
    );
    let mut leader_positions =
        Pending::new("INSERT INTO positions (person_id, role, school_id, unit_id, path, start_date)", 6);
    let visits_each = if national { 26 } else { 3 };
    // The first cascade's first national leader of learning gets an account: (person, district).
    let mut coach_account: Option<(i64, String)> = None;
    // Each cascade's district PLC: (district path, national leaders, local leaders, advisor).
    let mut district_plcs: Vec<(String, Vec<i64>, Vec<i64>, i64)> = Vec::new();
    for (district, list) in districts.iter().filter(|(d, _)| officers.contains_key(*d)).take(cascades) {
        let advisor = officers[district];
        let Some((district_unit, ..)) = units.get(district) else { continue };
        let n_national = (list.len() / 25).max(2);
        let n_local = (list.len() / 8).max(4);
        if list.len() < n_national + n_local + 1 {
            continue;
        }
        let (nll, rest) = list.split_at(n_national);
        if coach_account.is_none() {
            let name = units.get(district).map(|u| u.2.clone()).unwrap_or_default();
            coach_account = Some((nll[0].0, name));
        }
        let (lll, others) = rest.split_at(n_local);
        district_plcs.push((
            district.clone(),
            nll.iter().map(|h| h.0).collect(),
            lll.iter().map(|h| h.0).collect(),
            advisor,
        ));
        let mut pairs: Vec<(i64, &(i64, i64, String))> = Vec::new();
        for h in nll {
            pairs.push((advisor, h));
            leader_positions.rows.push(vec![
                h.0.into(),
                "national_leader_of_learning".into(),
                Cell::Int(None),
                (*district_unit).into(),
                district.clone().into(),
                start.into(),
            ]);
        }
        for (i, h) in lll.iter().enumerate() {
            pairs.push((nll[i % nll.len()].0, h));
            let sector = prefix(&h.2, 3).unwrap_or_else(|| district.clone());
            let unit = units.get(&sector).map(|u| u.0).unwrap_or(*district_unit);
            leader_positions.rows.push(vec![
                h.0.into(),
                "local_leader_of_learning".into(),
                Cell::Int(None),
                unit.into(),
                sector.into(),
                start.into(),
            ]);
        }
        for (i, h) in others.iter().enumerate() {
            pairs.push((lll[i % lll.len()].0, h));
        }
        for (coach, (coachee, school, path)) in pairs {
            let rid = relation_id;
            relation_id += 1;
            relations.rows.push(vec![
                rid.into(),
                programme.into(),
                coach.into(),
                (*coachee).into(),
                start.into(),
                Cell::Date(None),
                path.clone().into(),
                (*school).into(),
                Cell::Timestamp(Some(now)),
            ]);
            let key = seed ^ (rid as u64).wrapping_mul(0x2545_F491_4F6C_DD1D);
            // Some coachees are not visited lately: they head their coach's plan.
            let k = visits_each - below(key, visits_each / 2 + 2).min(visits_each);
            let step = span / (k.max(1) as i64);
            for v in 0..k {
                let vkey = key ^ ((v as u64 + 1) << 24);
                let day = today - Duration::days(span - step * v as i64 - below(vkey, step.max(1) as usize) as i64);
                let day = day.min(today);
                let next = day + Duration::days(20 + below(vkey ^ 1, 40) as i64);
                let uuid = format!(
                    "{:08x}-0000-4000-8000-{:012x}",
                    (seed as u32) ^ 0x0b1f,
                    (visit_id as u64) & 0xffff_ffff_ffff
                );
                visits.rows.push(vec![
                    visit_id.into(),
                    uuid.into(),
                    rid.into(),
                    programme.into(),
                    coach.into(),
                    (*coachee).into(),
                    path.clone().into(),
                    (*school).into(),
                    day.into(),
                    Cell::Int(None),
                    "Try one new questioning technique; review learners' books together".into(),
                    next.into(),
                    Cell::Timestamp(Some(now)),
                ]);
                visit_id += 1;
            }
            if visits.rows.len() > 20_000 {
                summary.relations += relations.flush(&mut tx).await?;
                summary.visits += visits.flush(&mut tx).await?;
                progress("coaching visits", summary.visits);
            }
        }
    }
    summary.relations += relations.flush(&mut tx).await?;
    summary.visits += visits.flush(&mut tx).await?;
    leader_positions.flush(&mut tx).await?;
    progress("coaching visits", summary.visits);
    for table in ["plcs", "plc_meetings", "plc_action_points", "coaching_relations", "coaching_visits"] {
        bulk::sync_ids(&mut tx, table).await?;
    }
    tx.commit().await?;
    if let Some((person, district)) = coach_account {
        summary.accounts.extend(coach(db, person, &district).await?);
    }
    feedback_bands(db).await?;

    // A district PLC in every cascade, as BLF runs them: led by its national leaders of
    // learning, supported by the district's officer, its local leaders the members; one
    // meeting held, its action point still open (the coach account records the next one in
    // the field app).
    for (district, national_leaders, local_leaders, advisor) in &district_plcs {
        let Some((_, code, name)) = units.get(district) else { continue };
        let input = opencpd_peer::model::PlcInput {
            code: format!("PLC-D-{code}"),
            name: format!("{name} leaders of learning"),
            level: "district".into(),
            unit_code: Some(code.clone()),
            programme_code: Some("BLF".into()),
            model_code: Some(model.code.clone()),
            meetings_per_term: 2,
            facilitators: national_leaders.clone(),
            supporting_officers: vec![*advisor],
            members: local_leaders.clone(),
            ..Default::default()
        };
        let plc = opencpd_peer::store::plcs::create_plc(db, &actor, &input).await?;
        summary.plcs += 1;
        let meeting = opencpd_peer::model::MeetingInput {
            held_on: (today - Duration::days(10)).to_string(),
            agenda: Some("Review the term's visits; plan the next round".into()),
            standards: standards.first().copied().into_iter().collect(),
            attendance: national_leaders.iter().chain(local_leaders).copied().collect(),
            action_points: vec![opencpd_peer::model::ActionPointInput {
                title: "Plan the next round of school visits".into(),
                owner_id: local_leaders.first().copied(),
                due_on: (today + Duration::days(14)).to_string(),
            }],
            ..Default::default()
        };
        opencpd_peer::store::plcs::record_meeting(db, &actor, plc.id, &meeting).await?;
        summary.meetings += 1;
        summary.action_points += 1;
    }

    // A lesson study cycle in every sector PLC, through the store (a few hundred at most):
    // a teacher of a member's school teaches, other members observe, the cycle at a stage
    // drawn from the seed.
    let sector_plcs: Vec<(i64, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code FROM plcs WHERE level = 'sector' ORDER BY id")
            .fetch_all(p)
            .await)?;
    let school_of: BTreeMap<i64, i64> = heads.values().flatten().map(|(head, school, _)| (*head, *school)).collect();
    let topics = ["Fractions on a number line", "Reading for meaning", "Place value to 1,000", "Shapes around us"];
    for (n, (plc_id, code)) in sector_plcs.iter().enumerate() {
        let Some(g) = plcs.iter().find(|g| g.id == *plc_id) else { continue };
        let teacher = g
            .members
            .iter()
            .find_map(|m| teachers.get(school_of.get(m)?)?.first().copied())
            .or_else(|| g.members.first().copied());
        let input = opencpd_peer::model::LessonStudyInput {
            code: format!("LS-{code}"),
            plc_code: code.clone(),
            subject_code: Some(if n % 2 == 0 { "MATH" } else { "ENG" }.into()),
            grade: format!("P{}", 1 + n % 6),
            topic: topics[n % topics.len()].into(),
            teacher_id: teacher,
            lesson_on: Some((today - Duration::days(7 + (n % 30) as i64)).to_string()),
            observers: g.members.iter().skip(1).take(3).copied().collect(),
        };
        let study = opencpd_peer::store::lesson::create_lesson_study(db, &actor, &input).await?;
        let stages = opencpd_peer::model::LessonStudyStage::ALL;
        let stage = stages[below(seed ^ (*plc_id as u64).wrapping_mul(31), stages.len())];
        if stage != stages[0] {
            let to = opencpd_peer::model::StageInput { stage: stage.key().into(), version: study.version };
            opencpd_peer::store::lesson::set_stage(db, &actor, study.id, &to).await?;
        }
        summary.lesson_studies += 1;
    }
    progress("lesson studies", summary.lesson_studies);
    Ok(summary)
}

/// The account of a national leader of learning, `nll`: their own record (the visits they
/// record as coach) and a mentor's reading of their school and of their coachees' schools
/// (where they observe), with the password of the other demo accounts. None when there are no demo
/// accounts to take the password from.
async fn coach(db: &Db, person: i64, district: &str) -> Result<Option<crate::DemoAccount>> {
    let found: Option<(String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT u.password_hash, p.given_name || ' ' || p.family_name FROM users u, people p \
         WHERE u.username = 'admin' AND p.id = $1"
    )
    .bind(person)
    .fetch_optional(p)
    .await)?;
    let Some((hash, name)) = found else { return Ok(None) };
    let id: i64 = on_db!(db, |p| sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, display_name, person_id, language, disabled, created_at) \
         VALUES ('nll', $1, $2, $3, 'en', $4, $5) RETURNING id"
    )
    .bind(&hash)
    .bind(&name)
    .bind(person)
    .bind(false)
    .bind(Utc::now())
    .fetch_one(p)
    .await)?;
    // A mentor of their own school and of every school where someone they coach heads.
    on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO grants (user_id, role, school_id) SELECT DISTINCT $1, 'mentor', s FROM ( \
         SELECT coachee_school_id AS s FROM coaching_relations WHERE coach_id = $2 AND coachee_school_id IS NOT NULL \
         UNION SELECT school_id AS s FROM positions WHERE person_id = $2 AND school_id IS NOT NULL AND end_date IS NULL) x"
    )
    .bind(id)
    .bind(person)
    .execute(p)
    .await
    .map(|_| ())
    })?;
    Ok(Some(crate::DemoAccount {
        username: "nll".into(),
        role: "mentor",
        scope: format!("{name}, coaching in {district}"),
    }))
}

/// Feedback bands for every rubric domain, in English and French: what a coach reads after
/// a visit with an observation.
async fn feedback_bands(db: &Db) -> Result<()> {
    use opencpd_peer::model::{BandInput, BandsInput};
    let band = |min: f64, max: f64, label: &str, feedback: &str| BandInput {
        min,
        max,
        label: label.into(),
        feedback: feedback.into(),
    };
    let sets = [
        (
            "en",
            [
                band(
                    0.0,
                    49.9,
                    "Emerging",
                    "Choose one practice of this standard and plan it into next week's lessons.",
                ),
                band(50.0, 79.9, "Developing", "Keep the practice going and ask a peer to observe it."),
                band(80.0, 100.0, "Secure", "Model this practice for colleagues at the next PLC meeting."),
            ],
        ),
        (
            "fr",
            [
                band(
                    0.0,
                    49.9,
                    "Émergent",
                    "Choisir une pratique de ce standard et la prévoir dans les leçons de la semaine prochaine.",
                ),
                band(50.0, 79.9, "En progrès", "Poursuivre la pratique et demander à un pair de l'observer."),
                band(80.0, 100.0, "Acquis", "Montrer cette pratique aux collègues à la prochaine réunion de la CAP."),
            ],
        ),
    ];
    for (lang, bands) in sets {
        let input = BandsInput { domain: "*".into(), lang: lang.into(), bands: bands.to_vec() };
        opencpd_peer::store::coaching::save_bands(db, &Actor::system(), &input).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_cut_at_a_depth() {
        assert_eq!(prefix("/1/9/2/3/", 2).as_deref(), Some("/1/9/2/"));
        assert_eq!(prefix("/1/9/2/3/", 3).as_deref(), Some("/1/9/2/3/"));
        assert_eq!(prefix("/1/9/", 3), None);
    }
}
