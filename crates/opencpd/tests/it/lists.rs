//! Lists paged, sorted and searched on the server (`kernel::paging`), in the API and on
//! pages, on SQLite and PostgreSQL alike.

use crate::delivery::{cohort, teachers_in};
use crate::helpers::{TestApp, backends, hidden};
use serde_json::Value;

async fn get(api: &crate::helpers::Api, path: &str) -> (u16, Value) {
    let r = api.get(path).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// Opens `n` more cohorts of the demo's first course in the sector Gitega; their ids.
async fn open_cohorts(app: &TestApp, n: usize) -> Vec<i64> {
    let course = app.text("SELECT code FROM courses WHERE id = (SELECT MIN(id) FROM courses)").await;
    let admin = app.api("admin").await;
    let mut ids = Vec::new();
    for i in 0..n {
        let r = admin.post("/api/v1/cohorts").json(&cohort(&format!("LIST-{i}"), &course, "RW-10101", 30)).send().await;
        let body: Value = r.unwrap().json().await.unwrap();
        ids.push(body["id"].as_i64().unwrap_or_else(|| panic!("{body}")));
    }
    ids
}

fn strings(page: &Value, field: &str) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|x| x[field].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn schools_list_pages_sorts_searches_and_keeps_to_scope() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let admin = app.api("admin").await;
        let all = app.scalar("SELECT COUNT(*) FROM schools").await;
        assert!(all > 10, "{backend:?}: the demo has schools");

        // The first page: 50 by default (or all), with the total.
        let (status, first) = get(&admin, "/api/v1/schools").await;
        assert_eq!(status, 200, "{backend:?} {first}");
        assert_eq!(first["total"], all);
        assert_eq!(first["items"].as_array().unwrap().len() as i64, all.min(50));

        // Sorted by code both ways, pages that do not overlap and join up.
        let (_, p1) = get(&admin, "/api/v1/schools?sort=code&per_page=5").await;
        let (_, p2) = get(&admin, "/api/v1/schools?sort=code&per_page=5&page=2").await;
        let (_, ten) = get(&admin, "/api/v1/schools?sort=code&per_page=10").await;
        let joined: Vec<String> = strings(&p1, "code").into_iter().chain(strings(&p2, "code")).collect();
        assert_eq!(joined, strings(&ten, "code"), "{backend:?}");
        let mut sorted = joined.clone();
        sorted.sort();
        assert_eq!(joined, sorted, "{backend:?}: ascending by code");
        let (_, desc) = get(&admin, "/api/v1/schools?sort=code&dir=desc&per_page=1").await;
        let last_code = app.text("SELECT MAX(code) FROM schools").await;
        assert_eq!(strings(&desc, "code"), [last_code]);

        // Search by part of a name or code, whatever the case.
        let code = app.text("SELECT MIN(code) FROM schools").await;
        let (_, hit) = get(&admin, &format!("/api/v1/schools?q={}", code.to_lowercase())).await;
        assert!(strings(&hit, "code").contains(&code), "{backend:?} {hit}");
        let name = app.text("SELECT MIN(name) FROM schools").await;
        let part: String = name.chars().skip(1).take(6).collect::<String>().to_uppercase();
        let (_, hit) = get(&admin, &format!("/api/v1/schools?q={part}&per_page=200")).await;
        assert!(strings(&hit, "name").contains(&name), "{backend:?} {part} {hit}");
        assert!(hit["total"].as_i64().unwrap() < all);
        let (_, none) = get(&admin, "/api/v1/schools?q=%25_nothing_like_this").await;
        assert_eq!(none["total"], 0, "{backend:?}: % and _ are searched as written");

        // A sector officer sees only their sector's schools.
        let sector = app
            .scalar(
                "SELECT COUNT(*) FROM schools s JOIN grants g ON s.unit_path LIKE \
                 (SELECT u.path FROM units u WHERE u.id = g.unit_id) || '%' \
                 JOIN users us ON us.id = g.user_id WHERE us.username = 'seo.gitega'",
            )
            .await;
        let (_, seo) = get(&app.api("seo.gitega").await, "/api/v1/schools?per_page=200").await;
        assert_eq!(seo["total"], sector, "{backend:?}");
        assert!(sector > 0 && sector < all);
        assert_eq!(seo["items"].as_array().unwrap().len() as i64, sector);

        // Bad parameters: 422 naming each, nothing listed.
        for (query, parameter) in
            [("sort=s.id", "sort"), ("per_page=201", "per_page"), ("page=0", "page"), ("dir=up", "dir")]
        {
            let (status, body) = get(&admin, &format!("/api/v1/schools?{query}")).await;
            assert_eq!(status, 422, "{backend:?} {query}: {body}");
            assert_eq!(body["problems"][0]["column"], parameter, "{body}");
            assert!(body["problems"][0]["message"].as_str().unwrap().contains(parameter), "{body}");
        }
    }
}

#[tokio::test]
async fn people_list_pages_sorts_searches_and_keeps_to_scope() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let admin = app.api("admin").await;
        let all = app.scalar("SELECT COUNT(*) FROM people").await;
        let (status, first) = get(&admin, "/api/v1/people?per_page=200").await;
        assert_eq!(status, 200, "{backend:?} {first}");
        assert_eq!(first["total"], all);
        let families = strings(&first, "family_name");
        let mut sorted = families.clone();
        sorted.sort();
        assert_eq!(families, sorted, "{backend:?}: by family name by default");

        // Part of a family name, in another case, finds the person; so does the staff number.
        let (family, staff): (String, String) = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_as(
            "SELECT family_name, staff_number FROM people WHERE staff_number IS NOT NULL ORDER BY id LIMIT 1"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        let part: String = family.chars().skip(1).take(4).collect::<String>().to_uppercase();
        let (_, hit) = get(&admin, &format!("/api/v1/people?q={part}&per_page=200")).await;
        assert!(strings(&hit, "family_name").contains(&family), "{backend:?} {part} {hit}");
        let (_, hit) = get(&admin, &format!("/api/v1/people?q={staff}")).await;
        assert!(strings(&hit, "staff_number").contains(&staff), "{backend:?} {hit}");

        // A sector officer sees the people placed in their sector, not the others.
        let (_, seo) = get(&app.api("seo.gitega").await, "/api/v1/people?per_page=200").await;
        let seen = seo["total"].as_i64().unwrap();
        assert!(seen > 0 && seen < all, "{backend:?} {seen} of {all}");
        let id = seo["items"][0]["id"].as_i64().unwrap();
        let r = app.api("seo.gitega").await.get(&format!("/api/v1/people/{id}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}: a listed person is readable one by one");
        let (status, body) = get(&admin, "/api/v1/people?sort=password").await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["problems"][0]["column"], "sort");
    }
}

#[tokio::test]
async fn cohorts_page_shows_fifty_rows_at_most_with_links_to_the_next() {
    for backend in backends() {
        let app = crate::delivery::start(backend).await;
        open_cohorts(&app, 4).await;
        let total = app.scalar("SELECT COUNT(*) FROM cohorts").await;
        assert!(total >= 3, "{backend:?}: the demo has cohorts");
        let web = app.browser("admin").await;
        let html = web.get(app.url("/cohorts")).send().await.unwrap().text().await.unwrap();
        let rows = html.matches("<tr><td data-label=").count() as i64;
        assert_eq!(rows, total.min(50), "{backend:?}");
        assert!(html.contains(&format!("of {total}")), "{backend:?}: the count is shown");

        // Two a page: a next link that keeps the sort, and the second page follows on.
        let html = web.get(app.url("/cohorts?per_page=2&sort=code")).send().await.unwrap().text().await.unwrap();
        assert_eq!(html.matches("<tr><td data-label=").count(), 2);
        assert!(html.contains(&format!("1–2 of {total}")), "{html}");
        let next = html.split("rel=\"next\" href=\"").nth(1).expect("a next link").split('"').next().unwrap();
        let next = next.replace("&amp;", "&").replace("&#x2f;", "/");
        assert!(next.contains("page=2") && next.contains("sort=code") && next.contains("per_page=2"), "{next}");
        let second = web.get(app.url(&next)).send().await.unwrap().text().await.unwrap();
        assert!(second.contains(&format!("3–{} of {total}", total.min(4))), "{second}");
        assert!(second.contains("rel=\"prev\""));

        // A search by code; an unknown sort column is refused naming it.
        let code = app.text("SELECT MIN(code) FROM cohorts").await;
        let html = web
            .get(app.url(&format!("/cohorts?q={}", code.to_lowercase())))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(&format!(">{code}</td>")), "{backend:?}");
        let r = web.get(app.url("/cohorts?sort=secret")).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("sort"));
    }
}

#[tokio::test]
async fn enrolment_finds_a_person_by_part_of_their_family_name() {
    for backend in backends() {
        let app = crate::delivery::start(backend).await;
        let cohort = open_cohorts(&app, 1).await[0];
        // A teacher of the sector enrolled nowhere yet.
        let mut chosen = None;
        for staff in teachers_in(&app, "RW-10101", 200).await {
            let found: Option<(i64, String)> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_as(
                "SELECT id, family_name FROM people p WHERE staff_number = $1 \
                 AND NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.person_id = p.id)"
            )
            .bind(&staff)
            .fetch_optional(p)
            .await)
            .unwrap();
            if found.is_some() {
                chosen = found;
                break;
            }
        }
        let (person, family) = chosen.expect("a teacher enrolled nowhere");
        let web = app.browser("admin").await;
        let part: String = family.chars().skip(1).take(4).collect::<String>().to_lowercase();
        let page =
            web.get(app.url(&format!("/cohorts/{cohort}?find={part}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"find-results\""), "{backend:?}: {}", &page[..page.len().min(3000)]);
        assert!(page.contains(&format!("id=\"enrol-{person}\"")), "{backend:?}: {family} found by {part}");
        let csrf = hidden(&page, "csrf");
        let before = app.scalar("SELECT COUNT(*) FROM enrolments").await;
        let r = web
            .post(app.url(&format!("/cohorts/{cohort}/enrol")))
            .form(&[("csrf", csrf), ("person_id", person.to_string())])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{backend:?} {}", r.status());
        assert_eq!(app.scalar("SELECT COUNT(*) FROM enrolments").await, before + 1, "{backend:?}");

        // Nobody matches: said so.
        let page =
            web.get(app.url(&format!("/cohorts/{cohort}?find=zzqqxx"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Nobody you may enrol matches this search."));
    }
}

/// The people and schools lists as pages: paged, sorted, searched, limited to the reader's
/// scope like the API, and a bad sort refused naming it.
#[tokio::test]
async fn people_and_schools_pages_page_search_and_keep_to_the_scope() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let web = app.browser("seo.gitega").await;
        let page = |path: String| {
            let web = web.clone();
            let url = app.url(&path);
            async move { web.get(url).send().await.unwrap().text().await.unwrap() }
        };
        let html = page("/schools?per_page=3&sort=code".into()).await;
        assert_eq!(html.matches("<tr><td data-label=").count(), 3, "{backend:?}");
        let in_gitega =
            app.scalar("SELECT COUNT(*) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.name = 'Gitega'").await;
        assert!(html.contains(&format!("1–3 of {in_gitega}")), "{backend:?}: only Gitega's schools: {html}");

        let family = app
            .text(
                "SELECT p.family_name FROM people p JOIN positions x ON x.person_id = p.id \
                 JOIN schools s ON s.id = x.school_id JOIN units u ON u.id = s.unit_id \
                 WHERE u.name = 'Gitega' ORDER BY p.id LIMIT 1",
            )
            .await;
        let html = page(format!("/people?q={}", family.to_lowercase())).await;
        assert!(html.contains(&format!(">{family}</a>")), "{backend:?}: found by family name");
        // Someone working in Cameroon is not found by their staff number; someone in
        // Gitega is.
        let staff_number = |place: &'static str| {
            let sql = match place {
                "Gitega" => {
                    "SELECT p.staff_number FROM people p JOIN positions x ON x.person_id = p.id \
                     JOIN schools s ON s.id = x.school_id JOIN units u ON u.id = s.unit_id \
                     WHERE u.name = 'Gitega' AND p.staff_number IS NOT NULL ORDER BY p.id LIMIT 1"
                }
                _ => {
                    "SELECT p.staff_number FROM people p JOIN positions x ON x.person_id = p.id \
                     JOIN schools s ON s.id = x.school_id JOIN units u ON u.id = s.unit_id \
                     WHERE u.name = 'Bertoua 1' AND p.staff_number IS NOT NULL ORDER BY p.id LIMIT 1"
                }
            };
            app.text(sql)
        };
        let inside = staff_number("Gitega").await;
        let outside = staff_number("Bertoua 1").await;
        let rows = |html: String| html.matches("<tr><td data-label=").count();
        assert_eq!(rows(page(format!("/people?q={inside}")).await), 1, "{backend:?}: {inside} in scope");
        assert_eq!(rows(page(format!("/people?q={outside}")).await), 0, "{backend:?}: {outside} out of scope");
        let r = web.get(app.url("/people?sort=password")).send().await.unwrap();
        assert_eq!(r.status(), 422);
    }
}
