//! DHIS2 exchange on both backends: an indicator exported as dataValueSets JSON and ADX
//! through the deployment's code mapping, and aggregate school data imported from a
//! dataValueSets file.

use opencpd_indicators::model::{NewReference, Place, Question};
use opencpd_indicators::store::{dhis2, reference};
use opencpd_kernel::import::Options;
use opencpd_kernel::{Actor, Db, Error, on_db};
use opencpd_testkit::{TestDb, backends};

/// Rwanda with district D1, its school S1, and grades P1 and P2.
async fn fixture_places(db: &Db) {
    let sql = "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES \
        (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), (2, 1, 'RW', 1, 'D1', 'One', '/1/2/'); \
        INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
        (1, 'S1', 'School one', 2, '/1/2/', 'primary', 'public');";
    on_db!(db, |p| sqlx::raw_sql(sql).execute(p).await.map(|_| ())).unwrap();
    let admin = Actor::system();
    for code in ["P1", "P2"] {
        let new = NewReference { code: code.into(), name: code.into(), max_score: None, position: None };
        reference::add(db, &admin, reference::Kind::Grade, &new).await.unwrap();
    }
}

/// [`fixture_places`] with a mapping of their codes.
async fn fixture(db: &Db) {
    fixture_places(db).await;
    let admin = Actor::system();
    for (kind, key, code) in [
        ("measure", "enrolled", "DE_ENR"),
        ("measure", "repeating", "DE_REP"),
        ("school", "S1", "OU_S1"),
        ("unit", "D1", "OU_D1"),
        ("combo", "grade:P1;sex:F", "COC_P1_F"),
        ("combo", "grade:P1;sex:M", "COC_P1_M"),
        ("combo", "sex:F", "COC_F"),
        ("combo", "sex:M", "COC_M"),
        ("indicator", "repeaters-share", "LO_REP"),
        ("dataset", "default", "DS_LO"),
        ("category", "sex", "SEX"),
        ("option", "sex:F", "FEMALE"),
        ("option", "sex:M", "MALE"),
    ] {
        dhis2::set_code(db, &admin, kind, key, code).await.unwrap();
    }
}

fn data_values(org_unit: &str) -> String {
    format!(
        r#"{{"dataValues": [
            {{"dataElement": "DE_ENR", "period": "2024", "orgUnit": "OU_S1", "categoryOptionCombo": "COC_P1_F", "value": "40"}},
            {{"dataElement": "DE_REP", "period": "2024", "orgUnit": "{org_unit}", "categoryOptionCombo": "COC_P1_F", "value": "4"}},
            {{"dataElement": "DE_ENR", "period": "2024", "orgUnit": "OU_S1", "categoryOptionCombo": "COC_P1_M", "value": "50"}},
            {{"dataElement": "DE_REP", "period": "2024", "orgUnit": "OU_S1", "categoryOptionCombo": "COC_P1_M", "value": "10"}}
        ]}}"#
    )
}

async fn stored(db: &Db) -> i64 {
    on_db!(db, |p| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM learner_outcomes").fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn a_data_value_set_is_imported_and_the_indicator_exported_as_json_and_adx() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        // An organisation unit not mapped: named by its value's place, nothing written.
        let report =
            dhis2::import_data_values(&t.db, &admin, data_values("OU_X").as_bytes(), Options::default()).await.unwrap();
        assert_eq!(report.problems.len(), 1);
        assert_eq!(
            (report.problems[0].column.as_deref(), report.problems[0].value.as_deref()),
            (Some("dataValues[1].orgUnit"), Some("OU_X"))
        );
        assert_eq!(stored(&t.db).await, 0);
        // Four values make two outcome rows (girls and boys of P1).
        let report = dhis2::import_data_values(&t.db, &admin, data_values("OU_S1").as_bytes(), Options::default())
            .await
            .unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.rows_written, 2);
        assert_eq!(stored(&t.db).await, 2);

        // Repeaters' share in D1 by sex: girls 4/40 = 10%, boys 10/50 = 20%.
        let q = Question { place: Place::Unit(2), year: 2024, by: vec!["sex".into()] };
        let json = dhis2::export(&t.db, &admin, "repeaters-share", &q, dhis2::Format::DataValueSets).await.unwrap();
        let doc: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        assert_eq!(
            doc["dataValues"][0],
            serde_json::json!({
                "dataElement": "LO_REP", "period": "2024", "orgUnit": "OU_D1", "categoryOptionCombo": "COC_F", "value": "10"
            })
        );
        assert_eq!(doc["dataValues"][1]["value"], "20");
        let adx = dhis2::export(&t.db, &admin, "repeaters-share", &q, dhis2::Format::Adx).await.unwrap();
        assert!(adx.body.contains("<adx xmlns=\"urn:ihe:qrph:adx:2015\""), "{}", adx.body);
        assert!(
            adx.body.contains("<group orgUnit=\"OU_D1\" period=\"2024-01-01/P1Y\" dataSet=\"DS_LO\">"),
            "{}",
            adx.body
        );
        assert!(adx.body.contains("<dataValue dataElement=\"LO_REP\" SEX=\"MALE\" value=\"20\"/>"), "{}", adx.body);
        // A district officer has no row-level rights: girls' 4 repeaters are under the
        // threshold, and boys' share would give them back from the total, so neither is sent.
        let officer = Actor {
            user_id: Some(4),
            username: "o".into(),
            display_name: "O".into(),
            language: "en".into(),
            grants: vec![opencpd_domain::Grant {
                role: opencpd_domain::AccountRole::DistrictOfficer,
                scope: opencpd_domain::Scope::Unit { unit_id: 2, path: "/1/2/".into() },
            }],
        };
        let theirs = dhis2::export(&t.db, &officer, "repeaters-share", &q, dhis2::Format::DataValueSets).await.unwrap();
        assert_eq!((theirs.values, theirs.suppressed), (0, 2), "{backend:?}: {}", theirs.body);
        let doc: serde_json::Value = serde_json::from_str(&theirs.body).unwrap();
        assert_eq!(doc["dataValues"], serde_json::json!([]), "{backend:?}");
        let Err(Error::Invalid(p)) = dhis2::export(&t.db, &officer, "repeaters-share", &q, dhis2::Format::Adx).await
        else {
            panic!("an ADX message with no value is refused");
        };
        assert_eq!((p[0].code, p[0].value.as_deref()), ("dhis2-no-values", Some("repeaters-share")));
        // Their total (14 of 90) is no small cell: it is sent.
        let whole = Question { place: Place::Unit(2), year: 2024, by: vec![] };
        let theirs = dhis2::export(&t.db, &officer, "repeaters-share", &whole, dhis2::Format::Adx).await.unwrap();
        assert_eq!((theirs.values, theirs.suppressed), (1, 0), "{backend:?}: {}", theirs.body);
        // An indicator with no code: refused, naming it.
        let Err(Error::Invalid(p)) = dhis2::export(&t.db, &admin, "dropout-share", &q, dhis2::Format::Adx).await else {
            panic!("refused");
        };
        assert_eq!((p[0].code, p[0].value.as_deref()), ("dhis2-unmapped", Some("dropout-share")));
        // The mapping is for those who set up programmes.
        let leader = Actor {
            user_id: Some(3),
            username: "l".into(),
            display_name: "L".into(),
            language: "en".into(),
            grants: vec![opencpd_domain::Grant {
                role: opencpd_domain::AccountRole::SchoolLeader,
                scope: opencpd_domain::Scope::School { school_id: 1 },
            }],
        };
        assert!(matches!(dhis2::set_code(&t.db, &leader, "unit", "D1", "X").await, Err(Error::Forbidden)));
    }
}

/// `xmllint`'s verdict on an ADX document against the ADX schema (`tests/adx.xsd`): the
/// messages it printed when it refuses it.
fn adx_refusal(body: &str) -> Option<String> {
    adx_refusal_by(body, concat!(env!("CARGO_MANIFEST_DIR"), "/tests/adx.xsd"))
}

/// `xmllint`'s verdict on an ADX document against the schema in the file `schema`.
fn adx_refusal_by(body: &str, schema: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.adx.xml");
    std::fs::write(&file, body).unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", schema])
        .arg(&file)
        .output()
        .expect("xmllint (Debian's libxml2-utils) runs");
    (!out.status.success()).then(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The schema of a deployment's ADX messages, made from its mapping as the ADX profile
/// makes one from a data structure definition: each code list (organisation units, data
/// elements, data sets, and each category's options) an enumeration, the places and data
/// elements required on their elements, each category an optional attribute of a value
/// named by its code and taking only its options' codes.
async fn adx_schema_of_mapping(db: &Db) -> String {
    use std::collections::BTreeMap;
    let codes: Vec<(String, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT kind, key, code FROM dhis2_codes ORDER BY kind, key").fetch_all(p).await)
            .unwrap();
    let of = |kinds: &[&str]| -> Vec<String> {
        codes.iter().filter(|(k, _, _)| kinds.contains(&k.as_str())).map(|(_, _, c)| c.clone()).collect()
    };
    let enumeration = |name: &str, values: &[String]| {
        let items: String = values.iter().map(|v| format!("<xs:enumeration value=\"{v}\"/>")).collect();
        format!(
            "<xs:simpleType name=\"{name}\"><xs:restriction base=\"xs:token\">{items}</xs:restriction></xs:simpleType>\n"
        )
    };
    let mut types = enumeration("orgUnit_Type", &of(&["school", "unit"]));
    types.push_str(&enumeration("dataElement_Type", &of(&["indicator", "measure"])));
    types.push_str(&enumeration("dataSet_Type", &of(&["dataset"])));
    // Each category's options, under the category's code.
    let mut options: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, key, code) in codes.iter().filter(|(k, _, _)| k == "option") {
        let dimension = key.split(':').next().unwrap_or_default();
        if let Some((_, _, category)) = codes.iter().find(|(k, d, _)| k == "category" && d == dimension) {
            options.entry(category.clone()).or_default().push(code.clone());
        }
    }
    let mut categories = String::new();
    for (category, values) in &options {
        types.push_str(&enumeration(&format!("{category}_Type"), values));
        categories.push_str(&format!("<xs:attribute name=\"{category}\" type=\"{category}_Type\" use=\"optional\"/>"));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns=\"urn:ihe:qrph:adx:2015\" \
         targetNamespace=\"urn:ihe:qrph:adx:2015\" elementFormDefault=\"qualified\">\n{types}\
         <xs:simpleType name=\"periodType\"><xs:restriction base=\"xs:token\">\
         <xs:pattern value=\"[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])/P[0-9]+[DWMY]\"/></xs:restriction></xs:simpleType>\n\
         <xs:complexType name=\"DataValueType\"><xs:sequence minOccurs=\"0\"><xs:element name=\"annotation\"/></xs:sequence>\
         <xs:attribute name=\"dataElement\" use=\"required\" type=\"dataElement_Type\"/>\
         <xs:attribute name=\"value\" use=\"required\" type=\"xs:decimal\"/>{categories}\
         <xs:anyAttribute processContents=\"skip\"/></xs:complexType>\n\
         <xs:complexType name=\"groupType\"><xs:sequence maxOccurs=\"unbounded\">\
         <xs:element name=\"dataValue\" type=\"DataValueType\"/></xs:sequence>\
         <xs:attribute name=\"orgUnit\" use=\"required\" type=\"orgUnit_Type\"/>\
         <xs:attribute name=\"period\" use=\"required\" type=\"periodType\"/>\
         <xs:attribute name=\"dataSet\" use=\"required\" type=\"dataSet_Type\"/>\
         <xs:anyAttribute processContents=\"skip\"/></xs:complexType>\n\
         <xs:complexType name=\"adxType\"><xs:sequence maxOccurs=\"unbounded\">\
         <xs:element name=\"group\" type=\"groupType\"/></xs:sequence>\
         <xs:attribute name=\"exported\" use=\"required\" type=\"xs:dateTime\"/>\
         <xs:anyAttribute processContents=\"skip\"/></xs:complexType>\n\
         <xs:element name=\"adx\" type=\"adxType\"/>\n</xs:schema>\n"
    )
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1 (xmllint)")]
async fn the_adx_export_is_valid_against_the_adx_schema() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let report = dhis2::import_data_values(&t.db, &admin, data_values("OU_S1").as_bytes(), Options::default())
            .await
            .unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        for by in [vec![], vec!["sex".to_string()]] {
            let q = Question { place: Place::Unit(2), year: 2024, by };
            let adx = dhis2::export(&t.db, &admin, "repeaters-share", &q, dhis2::Format::Adx).await.unwrap();
            assert_eq!(adx_refusal(&adx.body), None, "{backend:?}: {}", adx.body);
            // The schema is not a formality: the same document with a DHIS2 period, or a
            // value that is not a number, is refused.
            let dhis2_period = adx.body.replace("2024-01-01/P1Y", "2024");
            assert!(adx_refusal(&dhis2_period).is_some_and(|e| e.contains("period")), "{dhis2_period}");
            let text = adx.body.replacen("value=\"", "value=\"about ", 1);
            assert!(adx_refusal(&text).is_some_and(|e| e.contains("value")), "{text}");
            // The deployment's own schema, made from its mapping: the export passes; a place,
            // a data element or a category option it does not map is refused.
            let dir = tempfile::tempdir().unwrap();
            let schema = dir.path().join("deployment.adx.xsd");
            std::fs::write(&schema, adx_schema_of_mapping(&t.db).await).unwrap();
            let schema = schema.to_str().unwrap();
            assert_eq!(adx_refusal_by(&adx.body, schema), None, "{backend:?}: {}", adx.body);
            let elsewhere = adx.body.replace("orgUnit=\"OU_D1\"", "orgUnit=\"OU_ELSEWHERE\"");
            assert_ne!(elsewhere, adx.body, "the district's code is written");
            assert!(adx_refusal_by(&elsewhere, schema).is_some_and(|e| e.contains("orgUnit")), "{elsewhere}");
            let element = adx.body.replace("dataElement=\"LO_REP\"", "dataElement=\"LO_OTHER\"");
            assert!(adx_refusal_by(&element, schema).is_some_and(|e| e.contains("dataElement")), "{element}");
            if adx.body.contains("SEX=\"FEMALE\"") {
                let option = adx.body.replace("SEX=\"FEMALE\"", "SEX=\"GIRLS\"");
                assert!(adx_refusal_by(&option, schema).is_some_and(|e| e.contains("SEX")), "{option}");
            }
        }
        // Split by sex, the categories are written as the mapping names them.
        let q = Question { place: Place::Unit(2), year: 2024, by: vec!["sex".into()] };
        let adx = dhis2::export(&t.db, &admin, "repeaters-share", &q, dhis2::Format::Adx).await.unwrap();
        assert!(adx.body.contains("SEX=\"FEMALE\"") && adx.body.contains("SEX=\"MALE\""), "{}", adx.body);
    }
}

/// The exchange over HTTP, as a deployment uses it: the mapping uploaded as a file through
/// the one import route (a bad file named row by row, nothing written) and one code set by
/// itself; DHIS2 data values imported as JSON and as DHIS2's CSV (an unmapped code named,
/// nothing written); an indicator the deployment defines, checked when saved; and that
/// indicator exported for DHIS2 in both formats.
#[tokio::test]
async fn a_deployment_maps_its_codes_imports_dhis2_data_defines_an_indicator_and_exports_it_over_http() {
    use axum::http::StatusCode;
    use opencpd_domain::AccountRole;
    use serde_json::json;
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture_places(db).await;
        let api = opencpd_testkit::api::Api::new(db, &[&opencpd_indicators::web::AREA]);
        let admin = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        let officer = opencpd_testkit::api::token(db, "officer", AccountRole::DistrictOfficer, Some("D1")).await;
        let codes = |db: &Db| {
            let db = db.clone();
            async move {
                on_db!(&db, |p| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM dhis2_codes").fetch_one(p).await)
                    .unwrap()
            }
        };

        // The mapping as a file: an unknown kind and a key twice, each named; nothing written.
        let bad = "kind,key,code\nschool,S1,OU_S1\nschoool,D1,OU_D1\nschool,S1,OU_S1B\n";
        let answer = api.send_bytes(&admin, "POST", "/api/v1/imports/dhis2-codes?filename=codes.csv", bad.into()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text());
        let problems: Vec<(i64, String)> = answer.json()["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["row"].as_i64().unwrap(), p["column"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(problems, vec![(3, "kind".to_string()), (4, "key".to_string())]);
        assert_eq!(codes(db).await, 0, "{backend:?}: nothing written");
        let file = "kind,key,code\nmeasure,enrolled,DE_ENR\nmeasure,repeating,DE_REP\nschool,S1,OU_S1\n\
                    unit,D1,OU_D1\ncombo,grade:P1;sex:F,COC_P1_F\ncombo,grade:P1;sex:M,COC_P1_M\n\
                    combo,sex:F,COC_F\ncombo,sex:M,COC_M\ndataset,default,DS_LO\ncategory,sex,SEX\n\
                    option,sex:F,FEMALE\noption,sex:M,MALE\n";
        let answer =
            api.send_bytes(&officer, "POST", "/api/v1/imports/dhis2-codes?filename=codes.csv", file.into()).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "the mapping is the deployment's");
        let answer =
            api.send_bytes(&admin, "POST", "/api/v1/imports/dhis2-codes?filename=codes.csv", file.into()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_eq!(answer.json()["created"], 12);
        // One code by itself: a kind that is none is named; an officer may not.
        let (status, body) = api
            .call(Some(&admin), "PUT", "/api/v1/dhis2/codes", Some(json!({"kind": "area", "key": "x", "code": "y"})))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["problems"][0]["column"], "kind", "{body}");
        let one = json!({"kind": "indicator", "key": "girls-repeating", "code": "LO_REP_F"});
        let (status, _) = api.call(Some(&officer), "PUT", "/api/v1/dhis2/codes", Some(one.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = api.call(Some(&admin), "PUT", "/api/v1/dhis2/codes", Some(one.clone())).await;
        assert_eq!((status, &body), (StatusCode::OK, &one));
        let listed: Vec<opencpd_indicators::model::Dhis2Code> = api.get(&admin, "/api/v1/dhis2/codes").await;
        assert_eq!(listed.len(), 13);
        assert!(listed.iter().any(|c| c.kind == "school" && c.key == "S1" && c.code == "OU_S1"));

        // Data values from DHIS2: its CSV with a school not mapped, named by row and
        // column, nothing written; then as JSON, two outcome rows.
        let csv = "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n\
                   DE_ENR,2024,OU_S1,COC_P1_F,,40\nDE_REP,2024,OU_NOWHERE,COC_P1_F,,4\n";
        let answer = api.send_bytes(&admin, "POST", "/api/v1/imports/dhis2-data?filename=values.csv", csv.into()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text());
        let p = &answer.json()["problems"][0];
        assert_eq!((p["row"].as_i64(), p["column"].as_str()), (Some(3), Some("orgunit")), "{p}");
        assert_eq!(stored(db).await, 0);
        let answer = api
            .send_bytes(&admin, "POST", "/api/v1/imports/dhis2-data?filename=values.json", data_values("OU_S1").into())
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_eq!(stored(db).await, 2);
        // A JSON file is not a table: a table kind refuses it by its format.
        let answer = api
            .send_bytes(&admin, "POST", "/api/v1/imports/outcomes?filename=values.json", data_values("OU_S1").into())
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer.json()["problems"][0]["code"], "unsupported-format");

        // An indicator the deployment defines: a definition that does not parse is named;
        // an officer may not add one; the good one is saved and answers.
        let mut input = json!({"code": "girls-repeating", "name_en": "Girls repeating (%)",
            "name_fr": "Filles redoublantes (%)", "numerator": "sum(repeating) where sex = 'F'",
            "denominator": "sum(enrolled) where sex = 'F'", "scale": 100, "disaggregations": ["unit", "grade"],
            "kirkpatrick_level": 4});
        let mut broken = input.clone();
        broken["numerator"] = json!("sum(repeating");
        let (status, body) = api.call(Some(&admin), "POST", "/api/v1/indicators", Some(broken)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["problems"][0]["column"], "numerator", "{body}");
        let (status, _) = api.call(Some(&officer), "POST", "/api/v1/indicators", Some(input.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = api.call(Some(&admin), "POST", "/api/v1/indicators", Some(input.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["code"], "girls-repeating");
        input["name_en"] = json!("Again");
        let (status, _) = api.call(Some(&admin), "POST", "/api/v1/indicators", Some(input)).await;
        assert_eq!(status, StatusCode::CONFLICT, "a code is defined once");

        // Exported for DHIS2: 4 of 40 girls is 10%; as ADX, with the ISO period.
        let question = json!({"place": {"kind": "unit", "id": 2}, "year": 2024, "by": []});
        let answer =
            api.send(Some(&admin), "POST", "/api/v1/indicators/girls-repeating/dhis2", Some(question.clone())).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_eq!(
            answer.json()["dataValues"][0],
            json!({"dataElement": "LO_REP_F", "period": "2024", "orgUnit": "OU_D1", "value": "10"})
        );
        let answer = api
            .send(Some(&admin), "POST", "/api/v1/indicators/girls-repeating/dhis2?format=adx", Some(question.clone()))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert!(answer.text().contains("period=\"2024-01-01/P1Y\""), "{}", answer.text());
        let answer =
            api.send(Some(&admin), "POST", "/api/v1/indicators/girls-repeating/dhis2?format=pdf", Some(question)).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer.json()["problems"][0]["column"], "format");
    }
}
