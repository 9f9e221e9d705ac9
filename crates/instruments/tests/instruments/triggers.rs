//! Values set by a `trigger` (ODK's `setvalue` on a question's change) as the server takes
//! them: kept as the device sent them, never computed again from their inputs, computed only
//! when a trigger question is answered and no value came; a trigger that names no question
//! the respondent sees refused at publication, by row and column.

use crate::files::{count, rows, setup, submission};
use axum::http::StatusCode;
use opencpd_testkit::backends;
use serde_json::{Value, json};

fn form(trigger: &str) -> Vec<u8> {
    opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "calculation", "trigger"],
                &["text", "teacher", "Teacher observed", "", ""],
                &["integer", "pupils", "Pupils present", "", ""],
                &["dateTime", "teacher_at", "", "now()", trigger],
                &["integer", "pupils_then", "Pupils when the teacher was named", "${pupils}", "${teacher}"],
                &["calculate", "said", "", "concat('pupils: ', ${pupils})", "${teacher}"],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["timed", "1"]])),
    ])
    .expect("workbook")
}

#[tokio::test]
async fn a_triggered_value_is_stored_as_sent_or_computed_only_when_its_trigger_is_answered() {
    for backend in backends() {
        let s = setup(backend).await;
        let a = s.api.send_bytes(&s.admin, "POST", "/api/v1/instruments?filename=timed.xlsx", form("${said}")).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
        let refused = a.json();
        assert_eq!(refused["problems"][0]["column"], "survey!trigger", "{refused}");
        assert_eq!(refused["problems"][0]["row"], 4, "{refused}");
        assert_eq!(count(&s.t.db, "instruments").await, 0, "nothing is published");

        let a = s.api.send_bytes(&s.admin, "POST", "/api/v1/instruments?filename=timed.xlsx", form("${teacher}")).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let id = a.json()["id"].as_i64().unwrap();
        let store = |answers: Value| {
            let s = &s;
            async move {
                let (status, body) = s
                    .api
                    .call(Some(&s.admin), "POST", "/api/v1/submissions", Some(submission(id, answers, json!([]))))
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                let stored: Value =
                    s.api.get(&s.admin, &format!("/api/v1/submissions/{}", body["uuid"].as_str().unwrap())).await;
                stored["answers"].clone()
            }
        };
        // The device's values, set when the teacher was named, are kept though the pupils changed since.
        let sent = json!({"teacher": "Uwase", "pupils": 41, "teacher_at": "2026-03-02T09:12:00",
                          "pupils_then": 38, "said": "pupils: 38"});
        let answers = store(sent).await;
        assert_eq!(answers["teacher_at"], "2026-03-02T09:12:00");
        assert_eq!(answers["pupils_then"], 38);
        assert_eq!(answers["said"], "pupils: 38");
        // Nobody named: nothing was ever set, and nothing is computed.
        let answers = store(json!({"pupils": 41})).await;
        assert_eq!(
            (answers.get("teacher_at"), answers.get("pupils_then"), answers.get("said")),
            (None, None, None),
            "{answers}"
        );
        // Named but nothing sent (a client that knows no triggers): computed as the device would have.
        let before = chrono::Utc::now().naive_utc();
        let answers = store(json!({"teacher": "Uwase", "pupils": 41})).await;
        assert_eq!(answers["pupils_then"], 41);
        assert_eq!(answers["said"], "pupils: 41");
        let at = chrono::NaiveDateTime::parse_from_str(answers["teacher_at"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S%.f")
            .unwrap();
        assert!(at >= before - chrono::Duration::seconds(1), "the moment the server took it: {at}");
        // A value sent is checked like any answer: nothing is stored.
        let (status, body) = s
            .api
            .call(
                Some(&s.admin),
                "POST",
                "/api/v1/submissions",
                Some(submission(id, json!({"teacher": "Uwase", "pupils_then": "many"}), json!([]))),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["problems"][0]["column"], "pupils_then");
        assert_eq!(count(&s.t.db, "submissions").await, 3);
    }
}
