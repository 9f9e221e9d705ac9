//! Exports of the registry, limited to what the actor may read, in the same columns the
//! imports take, so a file exported from one deployment imports into another.

use opencpd_domain::import::ImportKind;
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Result, on_db, today};

type Rows = Vec<Vec<String>>;

fn text(v: Option<String>) -> String {
    v.unwrap_or_default()
}

/// The header and rows of an export of `kind`.
pub async fn export(db: &Db, actor: &Actor, kind: ImportKind) -> Result<(Vec<&'static str>, Rows)> {
    let headers: Vec<&'static str> = kind.columns().iter().map(|c| c.name).collect();
    let rows: Rows = match kind {
        ImportKind::Units => {
            let sql = format!(
                "SELECT u.country, u.code, u.name, l.key, p.code FROM units u \
                 JOIN unit_levels l ON l.country = u.country AND l.depth = u.depth \
                 LEFT JOIN units p ON p.id = u.parent_id WHERE {} ORDER BY u.path",
                ListScope::of(actor).sql(Columns::path("u.path"))
            );
            let rows: Vec<(String, String, String, String, Option<String>)> =
                on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
            rows.into_iter().map(|(a, b, c, d, e)| vec![a, b, c, d, text(e)]).collect()
        }
        ImportKind::Schools => {
            let sql = format!(
                "SELECT s.code, s.name, u.code, s.level, s.ownership, s.subsystem, s.latitude, s.longitude \
                 FROM schools s JOIN units u ON u.id = s.unit_id WHERE {} ORDER BY s.code",
                ListScope::of(actor).sql(Columns::path("s.unit_path").school("s.id"))
            );
            #[allow(clippy::type_complexity)]
            let rows: Vec<(
                String,
                String,
                String,
                String,
                String,
                Option<String>,
                Option<f64>,
                Option<f64>,
            )> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
            rows.into_iter()
                .map(|(a, b, c, d, e, f, g, h)| {
                    vec![
                        a,
                        b,
                        c,
                        d,
                        e,
                        text(f),
                        g.map(|v| v.to_string()).unwrap_or_default(),
                        h.map(|v| v.to_string()).unwrap_or_default(),
                    ]
                })
                .collect()
        }
        ImportKind::People => {
            // Each person once, with the current position that places them (the latest).
            let sql = format!(
                "SELECT p.staff_number, p.given_name, p.family_name, p.sex, p.birth_year, p.phone, p.email, \
                 x.role, s.code, u.code, x.start_date FROM people p \
                 LEFT JOIN positions x ON x.id = (SELECT y.id FROM positions y WHERE y.person_id = p.id \
                    AND (y.end_date IS NULL OR y.end_date >= $1) ORDER BY y.start_date DESC, y.id DESC LIMIT 1) \
                 LEFT JOIN schools s ON s.id = x.school_id LEFT JOIN units u ON u.id = x.unit_id \
                 WHERE {} ORDER BY p.id",
                ListScope::of(actor).sql(Columns::path("x.path").school("x.school_id").person("p.id"))
            );
            #[allow(clippy::type_complexity)]
            let rows: Vec<(
                Option<String>,
                String,
                String,
                String,
                Option<i64>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<chrono::NaiveDate>,
            )> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(today()).fetch_all(p).await)?;
            rows.into_iter()
                .map(|(a, b, c, d, e, f, g, h, i, j, k)| {
                    vec![
                        text(a),
                        b,
                        c,
                        d,
                        e.map(|v| v.to_string()).unwrap_or_default(),
                        text(f),
                        text(g),
                        text(h),
                        text(i),
                        text(j),
                        k.map(|d| d.to_string()).unwrap_or_default(),
                    ]
                })
                .collect()
        }
        ImportKind::Positions => {
            let sql = format!(
                "SELECT p.staff_number, x.role, s.code, u.code, x.start_date, x.end_date FROM positions x \
                 JOIN people p ON p.id = x.person_id LEFT JOIN schools s ON s.id = x.school_id \
                 LEFT JOIN units u ON u.id = x.unit_id WHERE {} ORDER BY x.id",
                ListScope::of(actor).sql(Columns::path("x.path").school("x.school_id").person("x.person_id"))
            );
            #[allow(clippy::type_complexity)]
            let rows: Vec<(
                Option<String>,
                String,
                Option<String>,
                Option<String>,
                chrono::NaiveDate,
                Option<chrono::NaiveDate>,
            )> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
            rows.into_iter()
                .map(|(a, b, c, d, e, f)| {
                    vec![text(a), b, text(c), text(d), e.to_string(), f.map(|d| d.to_string()).unwrap_or_default()]
                })
                .collect()
        }
    };
    Ok((headers, rows))
}
