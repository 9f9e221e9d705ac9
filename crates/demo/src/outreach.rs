//! The demo's programme year beyond courses, modelled on a teacher-training programme in
//! Rwanda: maths camps and science caravans that reach schools, an award ceremony, radio
//! broadcasts, smart classrooms and science kits delivered to schools and checked later,
//! and teacher awards. Built through the store functions, as the command line's operator.

use opencpd_delivery::store::catalogue::{self, ProgrammeInput, TargetInput};
use opencpd_kernel::{Actor, Db, Result, on_db};
use opencpd_outreach::store::awards::{self, AwardInput};
use opencpd_outreach::store::outreach::{self, OutreachInput, Participants};
use opencpd_outreach::store::resources::{self, CheckInput, ResourceInput};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What was added.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct OutreachSummary {
    pub events: usize,
    pub resources: usize,
    pub checks: usize,
    pub awards: usize,
}

/// A delivery: kind, description, quantity, date, and the checks (date, state) after.
type Delivery = (&'static str, &'static str, i64, &'static str, &'static [(&'static str, &'static str)]);

fn s(v: &str) -> String {
    v.to_string()
}

/// Adds the programme, its outreach, resources and awards; needs the small demo's registry.
pub async fn build(db: &Db, seed: u64) -> Result<OutreachSummary> {
    let actor = Actor::system();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0a1e_5c0d);
    let mut summary = OutreachSummary::default();
    catalogue::create_programme(
        db,
        &actor,
        &ProgrammeInput {
            code: s("TTP"),
            name: s("Teacher Training Programme"),
            funder: Some(s("Mastercard Foundation")),
            currency: Some(s("USD")),
            start_date: s("2020-01-01"),
            end_date: Some(s("2026-12-31")),
            pillars: vec![s("Teacher training"), s("Smart classrooms"), s("Outreach"), s("Research")],
            targets: vec![
                TargetInput {
                    label: s("Students and community members reached"),
                    measure: s("outreach_participants"),
                    value: 30_000,
                    due_date: Some(s("2026-12-31")),
                    ..Default::default()
                },
                TargetInput {
                    label: s("Girls and women reached"),
                    measure: s("outreach_participants"),
                    value: 15_000,
                    sex: Some(s("F")),
                    ..Default::default()
                },
                TargetInput {
                    label: s("Schools reached"),
                    measure: s("schools_reached"),
                    value: 200,
                    ..Default::default()
                },
            ],
            ..Default::default()
        },
    )
    .await?;
    // Schools of Rwanda's demo, in a stable order.
    let schools: Vec<String> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT s.code FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.country = 'RW' ORDER BY s.unit_path, s.code"
    )
    .fetch_all(p)
    .await
    })?;
    if schools.len() < 12 {
        return Ok(summary);
    }
    let mut crowd = |scale: i64| -> Participants {
        let mut n = |base: i64| (base * scale) / 10 + rng.random_range(0..(base / 4 + 2));
        Participants {
            learners_female: n(120),
            learners_male: n(110),
            teachers_female: n(8),
            teachers_male: n(9),
            parents_female: n(25),
            parents_male: n(15),
            officials_female: n(2),
            officials_male: n(3),
            others_female: n(4),
            others_male: n(4),
        }
    };
    let events = vec![
        OutreachInput {
            kind: s("maths_camp"),
            title: s("Holiday maths camp"),
            start_date: s("2024-08-05"),
            end_date: Some(s("2024-08-09")),
            school_code: Some(schools[0].clone()),
            participants: crowd(6),
            schools: schools[1..4].to_vec(),
            notes: Some(s("Puzzles, games and problem solving for upper primary")),
            ..Default::default()
        },
        OutreachInput {
            kind: s("science_caravan"),
            title: s("Science caravan, Nyarugenge"),
            start_date: s("2024-10-14"),
            end_date: Some(s("2024-10-18")),
            unit_code: Some(s("RW-101")),
            participants: crowd(14),
            schools: schools[2..10].to_vec(),
            notes: Some(s("Hands-on experiments brought to schools without laboratories")),
            ..Default::default()
        },
        OutreachInput {
            kind: s("community_meeting"),
            title: s("International Day of Women and Girls in Science"),
            start_date: s("2025-02-11"),
            unit_code: Some(s("RW-10101")),
            participants: crowd(9),
            schools: schools[0..3].to_vec(),
            ..Default::default()
        },
        OutreachInput {
            kind: s("award_ceremony"),
            title: s("Teacher awards ceremony"),
            start_date: s("2025-06-27"),
            unit_code: Some(s("RW-1")),
            participants: Participants {
                teachers_female: 18,
                teachers_male: 24,
                officials_female: 6,
                officials_male: 9,
                others_female: 10,
                others_male: 12,
                ..Default::default()
            },
            ..Default::default()
        },
        OutreachInput {
            kind: s("radio_broadcast"),
            title: s("Maths is everywhere: weekly radio programme"),
            start_date: s("2025-03-01"),
            end_date: Some(s("2025-06-28")),
            medium: Some(s("radio")),
            audience: Some(250_000),
            ..Default::default()
        },
        OutreachInput {
            kind: s("competition"),
            title: s("District mathematics competition"),
            start_date: s("2025-09-20"),
            school_code: Some(schools[4].clone()),
            participants: crowd(4),
            schools: schools[5..12].to_vec(),
            ..Default::default()
        },
    ];
    let mut ceremony = None;
    for mut e in events {
        e.programme_code = Some(s("TTP"));
        let created = outreach::create_event(db, &actor, &e).await?;
        if created.kind == "award_ceremony" {
            ceremony = Some(created.id);
        }
        summary.events += 1;
    }
    // Smart classrooms and science kits, with what later visits found.
    let deliveries: [Delivery; 6] = [
        (
            "smart_classroom",
            "30 tablets, projector, server",
            1,
            "2023-09-04",
            &[("2024-03-12", "in_use"), ("2025-03-10", "in_use")],
        ),
        (
            "smart_classroom",
            "30 tablets, projector, server",
            1,
            "2023-09-06",
            &[("2024-03-13", "in_use"), ("2025-03-11", "partly_in_use")],
        ),
        ("smart_classroom", "30 tablets, projector, server", 1, "2024-01-15", &[("2025-03-12", "broken")]),
        ("science_kit", "Physics and chemistry kit", 2, "2024-05-20", &[("2025-02-03", "in_use")]),
        ("science_kit", "Physics and chemistry kit", 2, "2024-05-21", &[("2025-02-04", "not_in_use")]),
        ("library_books", "Mathematics readers", 120, "2024-11-02", &[]),
    ];
    for (i, (kind, description, quantity, on, checks)) in deliveries.iter().enumerate() {
        let r = resources::create_resource(
            db,
            &actor,
            &ResourceInput {
                kind: s(kind),
                description: Some(s(description)),
                quantity: *quantity,
                school_code: schools[i * 2].clone(),
                programme_code: Some(s("TTP")),
                delivered_on: s(on),
                state: None,
                notes: None,
            },
        )
        .await?;
        summary.resources += 1;
        for (checked_on, state) in checks.iter() {
            let notes = match *state {
                "broken" => Some(s("Server does not start; reported to the supplier")),
                "not_in_use" => Some(s("No teacher trained to use it yet")),
                "partly_in_use" => Some(s("Twelve tablets out of order")),
                _ => None,
            };
            resources::add_check(
                db,
                &actor,
                r.id,
                &CheckInput {
                    checked_on: s(checked_on),
                    state: s(state),
                    notes,
                    checked_by: Some(s("Sector education officer")),
                },
            )
            .await?;
            summary.checks += 1;
        }
    }
    // Teacher awards, to teachers of Rwanda's demo.
    let teachers: Vec<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT DISTINCT x.person_id FROM positions x JOIN schools s ON s.id = x.school_id JOIN units u ON u.id = s.unit_id \
         WHERE u.country = 'RW' AND x.role = 'teacher' AND x.end_date IS NULL ORDER BY x.person_id LIMIT 6"
    )
    .fetch_all(p)
    .await
    })?;
    let categories = ["Innovative teaching", "Women in STEM teaching", "Use of ICT in class"];
    for (i, person) in teachers.iter().enumerate() {
        awards::create_award(
            db,
            &actor,
            &AwardInput {
                person_id: Some(*person),
                staff_number: None,
                name: s(if i < 3 { "Teacher award 2025" } else { "Teacher award 2024" }),
                category: Some(s(categories[i % categories.len()])),
                awarded_on: s(if i < 3 { "2025-06-27" } else { "2024-06-28" }),
                awarding_body: Some(s("Teacher Training Programme and Ministry of Education")),
                programme_code: Some(s("TTP")),
                // This year's awards were given at the ceremony.
                event_id: if i < 3 { ceremony } else { None },
                notes: None,
            },
        )
        .await?;
        summary.awards += 1;
    }
    Ok(summary)
}
