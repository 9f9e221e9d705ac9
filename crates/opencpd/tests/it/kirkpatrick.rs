//! The small demo's programme shows every Kirkpatrick level: its satisfaction surveys,
//! pre- and post-tests and lesson observations (sent through the instruments area), and
//! the learner outcomes of its participants' schools, each level with its sample and
//! response rate, and level 1 per course, cohort and facilitator.

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
        assert!(built.surveys > 100 && built.tests > 50 && built.observations > 30, "{backend:?}: {built:?}");
        let lt2 = app.id_of("SELECT id FROM programmes WHERE code = $1", "LT2").await;
        let admin = app.api("admin").await;
        let r = admin.get(&format!("/api/v1/programmes/{lt2}/kirkpatrick")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        let f: Value = r.json().await.unwrap();
        let levels = f["levels"].as_array().unwrap();
        assert_eq!(levels.len(), 4);
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
        // Results: the learner outcomes of the participants' Rwandan schools.
        assert!((20.0..90.0).contains(&value(3)), "{backend:?}: {}", levels[3]);

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
    }
}
