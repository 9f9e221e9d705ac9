//! The small demo's programme shows every Kirkpatrick level: its satisfaction surveys,
//! pre- and post-tests and lesson observations (sent through the instruments area), and
//! the learner outcomes, flows and school culture surveys of its participants' schools, each
//! level with its sample and response rate, level 1 per course, cohort and facilitator, and
//! level 3 per standard over time. The
//! national demo's programme shows levels 1 and 4 the same way (slow).

use opencpd_testapp::{TestApp, backends};
use serde_json::Value;

#[tokio::test]
async fn the_small_demo_fills_every_kirkpatrick_level_of_its_programme() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let db = &app.db.db;
        // The order `opencpd demo` builds them in.
        opencpd_demo::delivery::build(db, 7).await.expect("delivery demo");
        opencpd_demo::evaluation::build(db, 7, &|_, _| {}).await.expect("evaluation demo");
        let built = opencpd_demo::kirkpatrick::build(db, 7).await.expect("funnel demo");
        assert!(
            built.surveys > 100 && built.tests > 50 && built.observations > 30 && built.culture > 50,
            "{backend:?}: {built:?}"
        );
        let lt2 = app.id_of("SELECT id FROM programmes WHERE code = $1", "LT2").await;
        let admin = app.api("admin").await;
        let r = admin.get(&format!("/api/v1/programmes/{lt2}/kirkpatrick")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        let f: Value = r.json().await.unwrap();
        let levels = f["levels"].as_array().unwrap();
        assert_eq!(levels.len(), 6, "level 4 three times: learner outcomes, school culture, flows");
        for l in levels {
            let (n, of) = (l["n"]["value"].as_i64().unwrap(), l["of"]["value"].as_i64().unwrap());
            let rate = l["rate"].as_f64().unwrap();
            assert!(n > 0 && n <= of && rate > 0.0 && rate <= 1.0, "{backend:?}: {l}");
            assert!(l["value"].is_f64(), "{backend:?}: every level has its measure: {l}");
        }
        let value = |i: usize| levels[i]["value"].as_f64().unwrap();
        // Reaction: most agree, not all; about three in four of those present answer.
        assert!((50.0..90.0).contains(&value(0)), "{backend:?}: {}", levels[0]);
        assert!((0.6..0.9).contains(&levels[0]["rate"].as_f64().unwrap()), "{backend:?}: {}", levels[0]);
        // Learning: a real normalised gain, with attrition told.
        assert!((0.1..0.7).contains(&value(1)), "{backend:?}: {}", levels[1]);
        let detail = levels[1]["detail"].as_str().unwrap();
        assert!(detail.contains("without a post-test") && !detail.contains("; 0 without"), "{detail}");
        // Practice grows between first and latest observation.
        assert!(value(2) > 0.0, "{backend:?}: {}", levels[2]);
        // Results: the learner outcomes of the participants' Rwandan schools, and the school
        // culture of all their schools, a little better in 2025 than in 2024.
        assert!((20.0..90.0).contains(&value(3)), "{backend:?}: {}", levels[3]);
        assert!((30.0..90.0).contains(&value(4)), "{backend:?}: {}", levels[4]);
        let culture = levels[4]["detail"].as_str().unwrap();
        assert!(culture.contains("answers in 2025, +"), "{backend:?}: {culture}");
        // The schools' flows: promotion, repetition and drop-out from 2024 to 2025, with
        // the year before.
        assert!((50.0..=100.0).contains(&value(5)), "{backend:?}: {}", levels[5]);
        let flows = &f["flows"];
        assert_eq!((flows["latest"]["year"].as_i64(), flows["before"]["year"].as_i64()), (Some(2024), Some(2023)));
        assert_eq!(flows["schools"]["value"], levels[5]["n"]["value"]);
        // Practice by standard over time: the rubric's domains are standards SL2 and SL3
        // (named in English), each point with the people it rests on.
        let standards = f["practice"]["standards"].as_array().unwrap();
        let codes: Vec<&str> = standards.iter().map(|s| s["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["SL2", "SL3"], "{backend:?}");
        let periods = f["practice"]["periods"].as_array().unwrap().len();
        for s in standards {
            let points = s["points"].as_array().unwrap();
            assert_eq!(points.len(), periods);
            for p in points {
                assert_eq!(p["people"]["value"].as_i64().unwrap() > 0, p["mean"].is_f64(), "{backend:?}: {p}");
            }
        }

        // Level 1 per course, cohort and facilitator, each with its sample and rate.
        let rows = f["satisfaction"].as_array().unwrap();
        for group in ["course", "cohort", "facilitator"] {
            let of_group: Vec<&Value> = rows.iter().filter(|r| r["group"] == group).collect();
            assert!(of_group.len() >= 2, "{backend:?}: {group}: {rows:?}");
            for r in of_group {
                assert!(r["n"]["value"].as_i64().unwrap() > 0 && r["rate"].is_f64() && r["index"].is_f64(), "{r}");
            }
        }
        // The page shows the table of groups.
        let page = admin.get(&format!("/programmes/{lt2}/kirkpatrick")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"satisfaction\"") && page.contains("EL-DIP-2025-NYA"), "{backend:?}");
        let practice = &page[page.find("id=\"practice\"").expect("the practice section")..];
        assert!(
            practice.contains("aria-label=\"practice\"") && practice.contains("SL3 Leading teaching"),
            "{backend:?}"
        );
    }
}

/// The national demo's programme NAT-CPD: its satisfaction surveys after the last session
/// of a sample of cohorts and the school culture surveys at a sample of schools fill levels
/// 1 and 4 with their sample sizes and response rates (levels 2 and 3 stay empty: the
/// national demo has no tests or observations of its participants). Slow: runs with
/// `OPENCPD_SLOW_TESTS=1`.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn the_national_demo_fills_levels_1_and_4_of_its_programme_with_their_samples() {
    use opencpd_demo::{DemoConfig, Scale};
    for backend in backends() {
        let t = opencpd_testapp::TestDb::new(backend).await;
        let db = &t.db;
        // The order `opencpd demo --scale national` builds them in.
        let config = DemoConfig { scale: Scale::National, seed: 7, password: opencpd_testapp::PASSWORD.into() };
        opencpd_demo::build(db, &config, &|_, _, _| {}).await.expect("national demo");
        opencpd_demo::delivery::build_national(db, 7, &|_, _| {}).await.expect("national delivery");
        opencpd_demo::evaluation::build(db, 7, &|_, _| {}).await.expect("evaluation demo");
        let built = opencpd_demo::kirkpatrick::build(db, 7).await.expect("funnel demo");
        assert_eq!(built.programme, "NAT-CPD");
        assert!(built.surveys > 1_000 && built.culture > 1_000, "{backend:?}: {built:?}");
        let programme =
            opencpd_delivery::store::catalogue::programme_by_code(db, "NAT-CPD").await.unwrap().expect("NAT-CPD");
        let f = opencpd_evaluation::store::kirkpatrick::funnel(db, &opencpd_kernel::Actor::system(), programme, "en")
            .await
            .unwrap();
        let levels = &f.levels;
        assert_eq!(levels.len(), 6);
        for (i, l) in [(0, &levels[0]), (3, &levels[3]), (4, &levels[4])] {
            let (n, of) = (l.n.value.unwrap(), l.of.value.unwrap());
            let rate = l.rate.unwrap();
            assert!(n > 0 && n <= of && rate > 0.0 && rate <= 1.0, "{backend:?}: level row {i}: {l:?}");
            assert!(l.value.is_some() && l.detail.is_some(), "{backend:?}: level row {i}: {l:?}");
        }
        // Reaction: the answers out of the attendances at the sessions surveyed, about three
        // in five.
        assert_eq!(levels[0].n.value, Some(built.surveys as i64), "{backend:?}: every answer counts");
        assert!((0.5..0.7).contains(&levels[0].rate.unwrap()), "{backend:?}: {:?}", levels[0]);
        assert!((50.0..90.0).contains(&levels[0].value.unwrap()), "{backend:?}: {:?}", levels[0]);
        // School culture: about one school in ten of those the participants work at.
        assert!((0.05..0.15).contains(&levels[4].rate.unwrap()), "{backend:?}: {:?}", levels[4]);
        let detail = levels[4].detail.as_deref().unwrap();
        assert!(detail.contains("answers in 2025, +"), "{backend:?}: {detail}");
        // Level 1 per course and per cohort surveyed, each with its sample and rate.
        let cohorts = f.satisfaction.iter().filter(|r| r.group == "cohort").count();
        assert!(cohorts > 100, "{backend:?}: {cohorts} cohorts surveyed");
        assert!(f.satisfaction.iter().all(|r| r.n.value.is_some_and(|n| n > 0) && r.rate.is_some()));
    }
}
