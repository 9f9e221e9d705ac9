//! Lists paged, sorted and searched on the server (`kernel::paging`), in the API and on
//! pages, on SQLite and PostgreSQL alike.

use opencpd_testapp::delivery::{cohort, teachers_in};
use opencpd_testapp::{TestApp, backends, hidden};
use serde_json::Value;

async fn get(api: &opencpd_testapp::Api, path: &str) -> (u16, Value) {
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

async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
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
        let app = opencpd_testapp::delivery::start(backend).await;
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
        let app = opencpd_testapp::delivery::start(backend).await;
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

/// `q` as a query parameter: every byte but letters and digits percent-encoded.
fn encoded(q: &str) -> String {
    q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect()
}

/// One API list pages, sorts by `sort` both ways, finds a row by part of each of `fields`
/// (written in another case), and refuses a bad `sort` or `per_page` naming it. Returns
/// the list's total.
async fn pages_sorts_and_searches(api: &opencpd_testapp::Api, path: &str, sort: &str, fields: &[&str]) -> i64 {
    let join = if path.contains('?') { '&' } else { '?' };
    let (status, all) = get(api, &format!("{path}{join}per_page=200&sort={sort}")).await;
    assert_eq!(status, 200, "{path}: {all}");
    let total = all["total"].as_i64().unwrap();
    assert!(total >= 2, "{path}: the demo holds at least two rows, {all}");
    assert_eq!(all["items"].as_array().unwrap().len() as i64, total.min(200), "{path}");
    let every = ids(&all);

    // One a page: page 2 follows page 1, the total is the same.
    let (_, p1) = get(api, &format!("{path}{join}per_page=1&sort={sort}")).await;
    let (_, p2) = get(api, &format!("{path}{join}per_page=1&page=2&sort={sort}")).await;
    assert_eq!((p1["total"].as_i64(), p2["total"].as_i64()), (Some(total), Some(total)), "{path}");
    assert_eq!(ids(&p1), [every[0]], "{path}");
    assert_eq!(ids(&p2), [every[1]], "{path}");
    assert_ne!(ids(&p1), ids(&p2), "{path}");

    // Descending is ascending reversed (ties broken by id the other way too).
    if total <= 200 {
        let (_, desc) = get(api, &format!("{path}{join}per_page=200&sort={sort}&dir=desc")).await;
        let mut reversed = every.clone();
        reversed.reverse();
        assert_eq!(ids(&desc), reversed, "{path}: desc by {sort}");
        assert_eq!(desc["dir"], "desc");
    }

    // Part of a field of the last row, in another case, finds it.
    let last = all["items"].as_array().unwrap().last().unwrap().clone();
    for field in fields {
        let value = last[*field].as_str().unwrap_or_else(|| panic!("{path}: {field} in {last}"));
        let part: String = value.chars().skip(1).take(5).collect();
        let part = if part.is_ascii() { part.to_uppercase() } else { part };
        let (status, hit) = get(api, &format!("{path}{join}per_page=200&q={}", encoded(&part))).await;
        assert_eq!(status, 200, "{path} {hit}");
        assert!(
            ids(&hit).contains(&last["id"].as_i64().unwrap()),
            "{path}: {field} {value:?} found by {part:?}: {hit}"
        );
        assert!(hit["total"].as_i64().unwrap() <= total);
    }
    let (_, none) = get(api, &format!("{path}{join}q=%25_nothing_like_this")).await;
    assert_eq!(none["total"], 0, "{path}");

    // Bad parameters: 422 naming each.
    for (query, parameter) in [("sort=secret", "sort"), ("per_page=201", "per_page"), ("dir=up", "dir")] {
        let (status, body) = get(api, &format!("{path}{join}{query}")).await;
        assert_eq!(status, 422, "{path}?{query}: {body}");
        assert_eq!(body["problems"][0]["column"], parameter, "{body}");
    }
    total
}

/// Every API list pages, sorts and searches the same way, within the reader's scope.
#[tokio::test]
async fn every_api_list_pages_sorts_searches_and_keeps_to_scope() {
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        opencpd_demo::evaluation::build(&app.db.db, 7, &|_, _| {}).await.expect("evaluation demo");
        let admin = app.api("admin").await;
        let seo = app.api("seo.gitega").await;
        pages_sorts_and_searches(&admin, "/api/v1/programmes", "code", &["code", "name"]).await;
        pages_sorts_and_searches(&admin, "/api/v1/courses", "title", &["code", "title"]).await;
        let tutorial =
            std::fs::read(concat!(env!("OPENCPD_SHARED_XLSFORMS"), "XLSForm_pyxform__tutorial.xls")).unwrap();
        let r = admin.post("/api/v1/instruments?filename=tutorial.xls").body(tutorial).send().await.unwrap();
        assert_eq!(r.status(), 201, "{backend:?}: a second instrument");
        pages_sorts_and_searches(&admin, "/api/v1/instruments", "title", &["code", "title"]).await;
        pages_sorts_and_searches(&admin, "/api/v1/indicators", "code", &["code", "name_en"]).await;
        pages_sorts_and_searches(&admin, "/api/v1/users", "username", &["username", "display_name"]).await;
        let (status, _) = get(&seo, "/api/v1/users").await;
        assert_eq!(status, 403, "{backend:?}: accounts are the administrators'");

        // The scoped lists: a sector officer sees fewer rows, each readable one by one.
        for (path, sort, fields) in [
            ("/api/v1/units", "code", &["code", "name"][..]),
            ("/api/v1/outreach", "title", &["title"][..]),
            ("/api/v1/resources", "school", &["school_code", "school_name"][..]),
        ] {
            let all = pages_sorts_and_searches(&admin, path, sort, fields).await;
            let (status, seen) = get(&seo, &format!("{path}?per_page=200")).await;
            assert_eq!(status, 200, "{path} {seen}");
            let seen_total = seen["total"].as_i64().unwrap();
            assert!(seen_total < all, "{backend:?} {path}: {seen_total} of {all}");
            assert_eq!(seen["items"].as_array().unwrap().len() as i64, seen_total.min(200));
        }
        let (_, units) = get(&seo, "/api/v1/units?per_page=200").await;
        for id in ids(&units) {
            let r = seo.get(&format!("/api/v1/units/{id}")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{backend:?}: listed unit {id} is readable");
        }

        // Evaluations: the demo's one, searched by code; out of a sector officer's sight
        // unless placed in their sector.
        let (status, evaluations) = get(&admin, "/api/v1/evaluations").await;
        assert_eq!(status, 200, "{evaluations}");
        let code = evaluations["items"][0]["code"].as_str().expect("the demo's evaluation").to_string();
        let (_, hit) = get(&admin, &format!("/api/v1/evaluations?q={}", encoded(&code.to_lowercase()))).await;
        assert_eq!(hit["total"], 1, "{hit}");
        let (_, seen) = get(&seo, "/api/v1/evaluations").await;
        let in_sector = app
            .scalar(
                "SELECT COUNT(*) FROM evaluations e JOIN grants g ON e.unit_path LIKE \
                 (SELECT u.path FROM units u WHERE u.id = g.unit_id) || '%' \
                 JOIN users us ON us.id = g.user_id WHERE us.username = 'seo.gitega'",
            )
            .await;
        assert_eq!(seen["total"], in_sector, "{backend:?}");
        let (status, body) = get(&admin, "/api/v1/evaluations?sort=seed").await;
        assert_eq!((status, body["problems"][0]["column"].as_str()), (422, Some("sort")), "{body}");
    }
}

/// The pages of those lists: one row a page with the count and a link to the next, the
/// search form, and a bad sort refused naming it.
#[tokio::test]
async fn list_pages_page_search_and_refuse_a_bad_sort() {
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        let web = app.browser("admin").await;
        for (path, table, total) in [
            ("/programmes", "programmes", app.scalar("SELECT COUNT(*) FROM programmes").await),
            ("/courses", "courses", app.scalar("SELECT COUNT(*) FROM courses").await),
            ("/outreach", "outreach", app.scalar("SELECT COUNT(*) FROM outreach_events").await),
            ("/instruments", "instruments", app.scalar("SELECT COUNT(*) FROM instruments").await),
            ("/users", "users", app.scalar("SELECT COUNT(*) FROM users").await),
            ("/evaluations", "evaluations", app.scalar("SELECT COUNT(*) FROM evaluations").await),
        ] {
            let html = web.get(app.url(&format!("{path}?per_page=1"))).send().await.unwrap().text().await.unwrap();
            assert!(html.contains(&format!("id=\"{table}\"")), "{backend:?} {path}");
            let body = html.split(&format!("id=\"{table}\"")).nth(1).unwrap().split("</table>").next().unwrap();
            let shown = total.min(1);
            let rows = body.split("<tbody>").nth(1).unwrap().matches("<tr").count();
            assert_eq!(rows as i64, shown.max(1), "{path}: one row, or the row saying there is none");
            assert!(html.contains(&format!("{shown}–{shown} of {total}")), "{backend:?} {path}: {total}");
            assert!(html.contains("role=\"search\"") || html.contains("name=\"q\""), "{path}: a search");
            if total > 1 {
                assert!(html.contains("rel=\"next\""), "{path}");
            }
            let r = web.get(app.url(&format!("{path}?sort=secret"))).send().await.unwrap();
            assert_eq!(r.status(), 422, "{backend:?} {path}");
            assert!(r.text().await.unwrap().contains("sort"));
        }
        // A search on a page: the demo's programme by part of its code.
        let code = app.text("SELECT MIN(code) FROM programmes").await;
        let html = web
            .get(app.url(&format!("/programmes?q={}", encoded(&code.to_lowercase()))))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(&format!(">{code}</td>")), "{backend:?}");
        let html = web.get(app.url("/programmes?q=zzqqxx")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("0–0 of 0") || html.contains("of 0"), "{backend:?}");
        // The outreach page keeps its filters in the sort and page links.
        let html = web
            .get(app.url("/outreach?kind=maths_camp&per_page=1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#x2f;", "/");
        assert!(html.contains("href=\"/outreach?kind=maths_camp&"), "{backend:?}: the filter kept");
    }
}

/// Forms that ask for a unit, school or person offer what exists: an input tied to a
/// datalist the pickers' script fills from the API's lists.
#[tokio::test]
async fn forms_offer_units_schools_and_people_to_choose_from() {
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        let web = app.browser("admin").await;
        let page = |path: String| {
            let web = web.clone();
            let url = app.url(&path);
            async move { web.get(url).send().await.unwrap().text().await.unwrap() }
        };
        let cohorts = page("/cohorts".into()).await;
        assert!(cohorts.contains("list=\"unit-choices\" data-source=\"/api/v1/units\""), "{backend:?}");
        assert!(cohorts.contains("<datalist id=\"unit-choices\">"));
        let outreach = page("/outreach".into()).await;
        assert!(outreach.contains("data-source=\"/api/v1/schools\""));
        assert!(outreach.contains("data-source=\"/api/v1/units\""));
        let cohort = app.scalar("SELECT MIN(id) FROM cohorts").await;
        let html = page(format!("/cohorts/{cohort}")).await;
        assert!(html.contains("data-source=\"/api/v1/people\" data-value=\"staff_number\""), "{backend:?}");
        assert!(html.contains("<script src=\"/static/picker.js\" defer></script>"));
        let script = web.get(app.url("/static/picker.js")).send().await.unwrap();
        assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");
        assert!(script.text().await.unwrap().contains("data-source"));
        // What a picker asks for, with the page's session: units by part of their name.
        let name = app.text("SELECT name FROM units WHERE code = 'RW-10101'").await;
        let r = web.get(app.url(&format!("/api/v1/units?per_page=20&q={}", encoded(&name[..4])))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let found: Value = r.json().await.unwrap();
        assert!(strings(&found, "code").contains(&"RW-10101".to_string()), "{backend:?} {found}");
    }
}

/// Every form that names an existing record offers it to choose: a cohort's facilitators
/// (kept by a tick, one added through a picker of people), a grant's scope (units, schools
/// or people by the role chosen), a PLC's school and unit, a report's unit, the cohort
/// applied to.
#[tokio::test]
async fn pickers_choose_facilitators_scopes_places_and_cohorts_from_what_exists() {
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        let web = app.browser("admin").await;
        let page = |path: String| {
            let web = web.clone();
            let url = app.url(&path);
            async move { web.get(url).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/") }
        };
        let cohort = app.scalar("SELECT MIN(id) FROM cohorts").await;
        let html = page(format!("/cohorts/{cohort}")).await;
        assert!(
            html.contains("name=\"facilitator_add\" id=\"facilitator_add\" list=\"facilitator-choices\" data-source=\"/api/v1/people\" data-value=\"staff_number\""),
            "{backend:?}: {html}"
        );
        assert!(!html.contains("name=\"facilitators\""), "no typed list of staff numbers");
        // Two facilitators added one at a time, then one of them unticked.
        let staff = teachers_in(&app, "RW-10101", 2).await;
        let edit = |extra: Vec<(String, String)>| {
            let web = web.clone();
            let app = &app;
            async move {
                let html = web.get(app.url(&format!("/cohorts/{cohort}"))).send().await.unwrap().text().await.unwrap();
                let c: Value = app
                    .api("admin")
                    .await
                    .get(&format!("/api/v1/cohorts/{cohort}"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let mut form: Vec<(String, String)> = vec![
                    ("csrf".into(), hidden(&html, "csrf")),
                    ("version".into(), c["version"].to_string()),
                    ("name".into(), c["name"].as_str().unwrap().to_string()),
                    ("venue".into(), String::new()),
                    ("start_date".into(), c["start_date"].as_str().unwrap().to_string()),
                    ("end_date".into(), c["end_date"].as_str().unwrap().to_string()),
                    ("capacity".into(), c["capacity"].to_string()),
                    ("facilitators_shown".into(), "1".into()),
                ];
                form.extend(extra);
                let r = web.post(app.url(&format!("/cohorts/{cohort}/edit"))).form(&form).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let facilitators = || async {
            let mut names: Vec<String> = Vec::new();
            for n in &staff {
                let found = app
                    .id_of(
                        "SELECT COUNT(*) FROM cohort_facilitators f JOIN people p ON p.id = f.person_id \
                         WHERE p.staff_number = $1 AND f.cohort_id = (SELECT MIN(id) FROM cohorts)",
                        n,
                    )
                    .await;
                if found == 1 {
                    names.push(n.clone());
                }
            }
            names
        };
        assert_eq!(edit(vec![("facilitator_add".into(), staff[0].clone())]).await.0, 200, "{backend:?}");
        assert_eq!(facilitators().await, vec![staff[0].clone()], "{backend:?}");
        let first = app.id_of("SELECT id FROM people WHERE staff_number = $1", &staff[0]).await;
        let (status, html) =
            edit(vec![(format!("keep_{first}"), staff[0].clone()), ("facilitator_add".into(), staff[1].clone())]).await;
        assert_eq!(status, 200, "{backend:?}");
        assert_eq!(facilitators().await, staff, "{backend:?}: kept and added");
        assert!(html.contains(&format!("name=\"keep_{first}\" value=\"{}\" checked", staff[0])), "{backend:?}");
        let second = app.id_of("SELECT id FROM people WHERE staff_number = $1", &staff[1]).await;
        assert_eq!(edit(vec![(format!("keep_{second}"), staff[1].clone())]).await.0, 200, "{backend:?}");
        assert_eq!(facilitators().await, vec![staff[1].clone()], "{backend:?}: the unticked one removed");
        let (status, html) = edit(vec![("facilitator_add".into(), "NOBODY-9".into())]).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(
            html.contains("no person has the staff number NOBODY-9"),
            "{backend:?}: an unknown staff number is named"
        );
        assert_eq!(facilitators().await, vec![staff[1].clone()], "{backend:?}: and nothing changed");

        // A grant's scope follows the role chosen.
        let html = page("/users".into()).await;
        assert!(html.contains("data-source-by=\"grant-role\""), "{backend:?}");
        assert!(
            html.contains("<option value=\"school_leader\" data-source=\"/api/v1/schools\" data-value=\"code\""),
            "{html}"
        );
        assert!(html.contains("<option value=\"teacher\" data-source=\"/api/v1/people\" data-value=\"staff_number\""));
        assert!(html.contains("<option value=\"sector_officer\" data-source=\"/api/v1/units\" data-value=\"code\""));
        let script = page("/static/picker.js".into()).await;
        assert!(script.contains("sourceBy"), "the script reads the role's source");
        // Places and cohorts elsewhere, from the API's lists rather than lists of everything.
        let html = page("/plcs/new".into()).await;
        assert!(html.contains("name=\"school_code\" list=\"schools\" data-source=\"/api/v1/schools\""), "{html}");
        assert!(html.contains("name=\"unit_code\" list=\"units\" data-source=\"/api/v1/units\""));
        assert!(html.contains("<datalist id=\"schools\"></datalist>"), "not every school in the page");
        opencpd_demo::peer::build(&app.db.db, 7, false, &|_, _| {}).await.expect("peer demo");
        for path in ["/peer/cascade", "/peer/reports"] {
            let html = page(path.into()).await;
            assert!(
                html.contains("name=\"within\"") && html.contains("data-source=\"/api/v1/units\""),
                "{path}: {html}"
            );
        }
        let html = page("/outreach".into()).await;
        assert!(html.contains("name=\"schools\"") && html.contains("list=\"reached-choices\""), "{backend:?}");
        assert!(html.contains("data-multiple"), "the schools reached are picked one after another");
        let html = page("/apply".into()).await;
        assert!(html.contains("name=\"cohort\"") && html.contains("data-source=\"/api/v1/cohorts\""), "{html}");
        // What a grant's picker asks for when the role is a head teacher's: schools by name.
        let name = app.text("SELECT name FROM schools ORDER BY id LIMIT 1").await;
        let r = web.get(app.url(&format!("/api/v1/schools?per_page=20&q={}", encoded(&name)))).send().await.unwrap();
        let found: Value = r.json().await.unwrap();
        assert!(found["total"].as_i64().unwrap() >= 1, "{backend:?} {found}");
    }
}

/// Awards given at an outreach event: listed, sorted and exported per event, recorded with
/// the event (one the recorder reads), kept when the event is deleted.
#[tokio::test]
async fn awards_are_listed_and_exported_per_event() {
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        let admin = app.api("admin").await;
        let ceremony = app.scalar("SELECT id FROM outreach_events WHERE kind = 'award_ceremony'").await;
        let given = app.scalar("SELECT COUNT(*) FROM awards WHERE event_id IS NOT NULL").await;
        assert!(given > 0 && given < app.scalar("SELECT COUNT(*) FROM awards").await, "{backend:?}");

        let (status, list) = get(&admin, &format!("/api/v1/awards?event_id={ceremony}&per_page=200")).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["total"], given, "{backend:?}");
        for a in list["items"].as_array().unwrap() {
            assert_eq!(a["event_id"], ceremony);
            assert_eq!(a["event_title"], "Teacher awards ceremony");
        }
        let (status, sorted) = get(&admin, "/api/v1/awards?sort=event&dir=desc&per_page=1").await;
        assert_eq!(status, 200, "{sorted}");
        assert_eq!(sorted["items"][0]["event_id"], ceremony, "{backend:?}: titled rows come first descending");

        let csv = admin
            .get(&format!("/api/v1/awards/export?event_id={ceremony}&format=csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(csv.lines().count() as i64, given + 1, "{csv}");
        assert!(csv.lines().next().unwrap().ends_with("event_id,event_title"), "{csv}");
        assert!(csv.lines().nth(1).unwrap().ends_with(&format!("{ceremony},Teacher awards ceremony")), "{csv}");

        // The page: the event named, its awards only, the filter kept by the sort links.
        let web = app.browser("admin").await;
        let html =
            web.get(app.url(&format!("/awards?event_id={ceremony}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Teacher awards ceremony</a></h1>"), "{backend:?}");
        let rows = html.split("id=\"awards\"").nth(1).unwrap().matches("<tr><td data-label=").count() as i64;
        assert_eq!(rows, given);
        let links = html.replace("&amp;", "&").replace("&#x2f;", "/");
        assert!(links.contains(&format!("href=\"/awards?event_id={ceremony}&")), "links keep the event");
        let event_page = web.get(app.url(&format!("/outreach/{ceremony}"))).send().await.unwrap().text().await.unwrap();
        assert!(event_page.contains(&format!("href=\"/awards?event_id={ceremony}\"")));

        // Recorded with the event; an event that does not exist is refused naming the field.
        let person = app.scalar("SELECT MIN(id) FROM people").await;
        let award = serde_json::json!({ "person_id": person, "name": "Camp prize", "awarded_on": "2025-06-27",
                                        "event_id": ceremony });
        let (status, body) = answer(admin.post("/api/v1/awards").json(&award).send().await.unwrap()).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["event_title"], "Teacher awards ceremony");
        let mut bad = award.clone();
        bad["event_id"] = serde_json::json!(999_999);
        let (status, body) = answer(admin.post("/api/v1/awards").json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["problems"][0]["column"], "event_id");

        // Deleting the event keeps its awards, no longer tied to it.
        let r = admin.delete(&format!("/api/v1/outreach/{ceremony}")).send().await.unwrap();
        assert_eq!(r.status(), 204, "{backend:?}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM awards WHERE event_id IS NOT NULL").await, 0);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM awards WHERE name = 'Camp prize'").await, 1);
    }
}

/// Awards come from a file too, each optionally tied to the outreach event it was given at
/// (by the event's id): an event that does not exist or is not a number is a problem of its
/// row and column, and nothing is written; the event is written and exported.
#[tokio::test]
async fn awards_are_imported_with_their_event_checked_row_by_row() {
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        let admin = app.api("admin").await;
        let ceremony = app.scalar("SELECT id FROM outreach_events WHERE kind = 'award_ceremony'").await;
        let staff =
            app.text("SELECT staff_number FROM people WHERE staff_number IS NOT NULL ORDER BY id LIMIT 1").await;
        let before = app.scalar("SELECT COUNT(*) FROM awards").await;
        // The template names the column.
        let web = app.browser("admin").await;
        let template = web.get(app.url("/templates/awards")).send().await.unwrap().text().await.unwrap();
        let header = template.lines().find(|l| !l.starts_with('#')).unwrap();
        assert!(header.contains("event_id"), "{backend:?}: {template}");
        let page = web.get(app.url("/import")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("<option value=\"awards\">Awards</option>"), "{backend:?}: offered on the import page");

        let bad = format!(
            "staff_number,name,awarded_on,event_id\n{staff},Reading prize,2025-06-20,999999\n\
             {staff},Maths prize,2025-06-20,soon\nNOBODY-1,Science prize,2025-06-20,{ceremony}\n\
             {staff},Writing prize,2025-06-20,{ceremony}\n"
        );
        let r = admin.post("/api/v1/imports/awards?filename=awards.csv").body(bad).send().await.unwrap();
        let (status, report) = answer(r).await;
        assert_eq!(status, 422, "{backend:?} {report}");
        let found: Vec<(i64, String, String)> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                (p["row"].as_i64().unwrap_or(0), text("column"), text("code"))
            })
            .collect();
        for want in
            [(2, "event_id", "unknown-event"), (3, "event_id", "bad-number"), (4, "staff_number", "unknown-person")]
        {
            assert!(found.contains(&(want.0, want.1.into(), want.2.into())), "{backend:?}: {want:?} in {found:?}");
        }
        assert_eq!(found.len(), 3, "{backend:?}: the good row has no problem: {found:?}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM awards").await, before, "{backend:?}: nothing written");

        let good = format!(
            "staff_number,name,category,awarded_on,event_id,notes\n{staff},Imported reading prize,reading,2025-06-20,{ceremony},\n\
             {staff},Imported maths prize,,2025-06-21,,no event\n"
        );
        let r = admin.post("/api/v1/imports/awards?filename=awards.csv").body(good).send().await.unwrap();
        let (status, report) = answer(r).await;
        assert_eq!(status, 200, "{backend:?} {report}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM awards").await, before + 2, "{backend:?}");
        let tied = app.id_of("SELECT event_id FROM awards WHERE name = $1", "Imported reading prize").await;
        assert_eq!(tied, ceremony, "{backend:?}: the event written");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM awards WHERE name = 'Imported maths prize' AND event_id IS NULL").await,
            1
        );
        let csv = admin
            .get(&format!("/api/v1/awards/export?event_id={ceremony}&format=csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let line = csv.lines().find(|l| l.contains("Imported reading prize")).expect("exported with its event");
        assert!(line.ends_with(&format!("{ceremony},Teacher awards ceremony")), "{line}");
    }
}
