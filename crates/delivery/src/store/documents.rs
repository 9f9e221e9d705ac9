//! Certificates on paper: their wording (templates a deployment changes, per language,
//! for the whole deployment or one course) and the filled certificate ready to be drawn
//! by `opencpd-documents`.
//!
//! Who sees a certificate's PDF: its holder, and whoever reads the cohort it was earned
//! in (as for the list of the cohort's certificates). Templates are read by everyone
//! logged in and changed by those who manage programmes.

use super::certificates::{CERTIFICATE_SQL, Certificate};
use super::{collect, fail_if_any};
use chrono::Utc;
use opencpd_documents::template::{fill, unknown_placeholders};
use opencpd_documents::{CertificatePage, Line, Style};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Scope};
use opencpd_domain::i18n::catalog;
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{CertificateTemplate, TemplateInput};

opencpd_kernel::from_row! {
    CertificateTemplate { id, course_code, lang, issuer, title, body, signatories, updated_at, updated_by }
}

/// Languages a certificate may be printed in.
pub const LANGUAGES: &[&str] = &["en", "fr"];

const TEMPLATE_SQL: &str = "SELECT t.id, k.code AS course_code, t.lang, t.issuer, t.title, t.body, t.signatories, \
     t.updated_at, t.updated_by FROM certificate_templates t LEFT JOIN courses k ON k.id = t.course_id";

/// The wording used when a deployment has stored none, from the message catalogue.
pub fn builtin_template(lang: &str) -> CertificateTemplate {
    let t = |key: &str, args: &[(&str, String)]| catalog().text(lang, key, args);
    let body = [
        t("certificate-default-certify", &[]),
        "{name}".into(),
        t("certificate-default-completed", &[]),
        "{course}".into(),
        t("certificate-default-details", &[("hours", "{hours}".into()), ("credits", "{credits}".into())]),
        t("certificate-default-programme", &[("programme", "{programme}".into())]),
    ]
    .join("\n");
    CertificateTemplate {
        id: None,
        course_code: None,
        lang: lang.into(),
        issuer: "{issuer}".into(),
        title: t("certificate-default-title", &[]),
        body,
        signatories: [
            t("certificate-default-signatory", &[]),
            t("certificate-default-signatory-issuer", &[("issuer", "{issuer}".into())]),
        ]
        .join("\n"),
        updated_at: None,
        updated_by: None,
    }
}

/// Every stored template, and the built-in wording for each language with none stored.
pub async fn templates(db: &Db, actor: &Actor) -> Result<Vec<CertificateTemplate>> {
    let _ = actor;
    let sql = format!("{TEMPLATE_SQL} ORDER BY k.code IS NOT NULL, k.code, t.lang");
    let mut stored: Vec<CertificateTemplate> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    for lang in LANGUAGES.iter().rev() {
        if !stored.iter().any(|t| t.course_code.is_none() && t.lang == *lang) {
            stored.insert(0, builtin_template(lang));
        }
    }
    Ok(stored)
}

/// The wording for a course in a language: the course's own, else the deployment's
/// default, else the built-in one.
pub async fn template_for(db: &Db, course_id: i64, lang: &str) -> Result<CertificateTemplate> {
    let sql = format!(
        "{TEMPLATE_SQL} WHERE t.lang = $1 AND (t.course_id = $2 OR t.course_id IS NULL) \
         ORDER BY t.course_id IS NULL LIMIT 1"
    );
    let found: Option<CertificateTemplate> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(lang)
        .bind(course_id)
        .fetch_optional(p)
        .await)?;
    Ok(found.unwrap_or_else(|| builtin_template(lang)))
}

/// Stores the wording for the deployment or a course, in one language. Every field is
/// checked for unknown placeholders, each named with its field.
pub async fn set_template(db: &Db, actor: &Actor, input: &TemplateInput) -> Result<CertificateTemplate> {
    super::may(actor, Action::ManageProgrammes)?;
    let mut problems = Vec::new();
    let lang = collect(&mut problems, "lang", super::choice(&input.lang, LANGUAGES));
    let fields = [
        ("issuer", &input.issuer, 200),
        ("title", &input.title, 200),
        ("body", &input.body, 4000),
        ("signatories", &input.signatories, 1000),
    ];
    for (column, text, max) in fields {
        // The one-line fields hold what names may hold (their length is checked below).
        if matches!(column, "issuer" | "title")
            && let Err(p) = opencpd_domain::registry::parse_name(text)
            && !matches!(p.code, "required" | "too-long")
        {
            problems.push(p.in_column(column));
        }
        if text.chars().count() > max {
            problems.push(Problem::new("too-long").in_column(column).arg("max", max));
        }
        for unknown in unknown_placeholders(text) {
            problems.push(
                Problem::new("unknown-placeholder")
                    .in_column(column)
                    .with_value(unknown)
                    .arg("allowed", opencpd_documents::template::PLACEHOLDERS.join(", ")),
            );
        }
    }
    for (column, text) in [("title", &input.title), ("body", &input.body)] {
        if text.trim().is_empty() {
            problems.push(Problem::new("required").in_column(column));
        }
    }
    let course_id = match super::optional_text(&input.course_code) {
        None => None,
        Some(code) => {
            let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM courses WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await)?;
            if id.is_none() {
                problems.push(Problem::new("unknown-course").in_column("course_code").with_value(code));
            }
            id
        }
    };
    fail_if_any(problems)?;
    let lang = lang.expect("checked");
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM certificate_templates WHERE lang = $1 AND COALESCE(course_id, 0) = $2"
    )
    .bind(lang)
    .bind(course_id.unwrap_or(0))
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO certificate_templates (course_id, lang, issuer, title, body, signatories, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(course_id)
    .bind(lang)
    .bind(input.issuer.trim())
    .bind(input.title.trim())
    .bind(input.body.trim_end())
    .bind(input.signatories.trim())
    .bind(Utc::now())
    .bind(&actor.username)
    .fetch_one(&mut *c)
    .await
    })?;
    let which = super::optional_text(&input.course_code).unwrap_or("default");
    audit::record(
        &mut tx,
        actor,
        "update",
        "certificate_template",
        &id.to_string(),
        &format!("certificate wording {which} ({lang})"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    let sql = format!("{TEMPLATE_SQL} WHERE t.id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_one(p).await)?)
}

/// The person an account stands for (a teacher's own account), if any.
pub fn own_person(actor: &Actor) -> Option<i64> {
    actor.grants.iter().find_map(|g| match g.scope {
        Scope::Own { person_id } => Some(person_id),
        _ => None,
    })
}

/// A certificate its holder or a reader of its cohort may see.
pub async fn certificate(db: &Db, actor: &Actor, id: i64) -> Result<Certificate> {
    let sql = format!("{CERTIFICATE_SQL} WHERE c.id = $1");
    let found: Option<Certificate> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let c = found.ok_or(Error::NotFound)?;
    if own_person(actor) != Some(c.person_id) {
        let cohort_id: i64 = on_db!(db, |p| sqlx::query_scalar("SELECT cohort_id FROM enrolments WHERE id = $1")
            .bind(c.enrolment_id)
            .fetch_one(p)
            .await)?;
        super::cohorts::cohort(db, actor, cohort_id).await?;
    }
    Ok(c)
}

/// The public verification address of a code.
pub fn verification_url(base_url: &str, code: &str) -> String {
    format!("{}/verify/{code}", base_url.trim_end_matches('/'))
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.1}") }
}

/// What a certificate says, filled from its template (course and language).
pub async fn certificate_page(db: &Db, c: &Certificate, lang: &str, base_url: &str) -> Result<CertificatePage> {
    let lang = opencpd_domain::i18n::resolve(lang);
    // course, hours, credits, accrediting body, programme
    type Row = (i64, f64, f64, Option<String>, Option<String>);
    let (course_id, hours, credits, body, programme): Row = on_db!(db, |p| sqlx::query_as(
        "SELECT k.id, k.hours, k.credits, k.accrediting_body, g.name FROM courses k \
             LEFT JOIN programmes g ON g.id = k.programme_id WHERE k.code = $1"
    )
    .bind(&c.course_code)
    .fetch_one(p)
    .await)?;
    let template = template_for(db, course_id, lang).await?;
    let issuer = body.clone().or(programme.clone()).unwrap_or_else(|| "OpenCPD".into());
    let expires = c.expires_on.map(|d| d.to_string()).unwrap_or_default();
    let value = |key: &str| -> Option<String> {
        Some(match key {
            "name" => c.holder.clone(),
            "course" => c.course_title.clone(),
            "hours" => number(hours),
            "credits" => number(credits),
            "issued" => c.issued_on.to_string(),
            "expires" => expires.clone(),
            "serial" => c.serial.clone(),
            "programme" => programme.clone().unwrap_or_default(),
            "issuer" => issuer.clone(),
            "cohort" => c.cohort_code.clone(),
            _ => return None,
        })
    };
    let body: Vec<Line> = template
        .body
        .lines()
        .filter(|l| {
            // A line about the programme is left out when the course has none.
            !(l.contains("{programme}") && programme.is_none())
        })
        .map(|l| {
            let style = match l.trim() {
                "{name}" => Style::Large,
                "{course}" => Style::Strong,
                _ => Style::Normal,
            };
            Line { text: fill(l, &value), style }
        })
        .collect();
    let t = |key: &str, args: &[(&str, String)]| catalog().text(lang, key, args);
    let mut dates = t("certificate-issued-on", &[("issued", c.issued_on.to_string())]);
    if let Some(e) = c.expires_on {
        dates = format!("{dates} · {}", t("certificate-expires", &[("expires", e.to_string())]));
    }
    let url = verification_url(base_url, &c.code);
    Ok(CertificatePage {
        issuer: fill(&template.issuer, &value),
        title: fill(&template.title, &value),
        body,
        signatories: template.signatories.lines().map(|l| fill(l, &value)).collect(),
        footer: vec![
            t("certificate-serial", &[("serial", c.serial.clone())]),
            dates,
            t("certificate-code", &[("code", c.code.clone())]),
        ],
        qr_caption: t("certificate-qr-caption", &[("url", url.clone())]),
        qr_payload: url,
    })
}

/// The certificates of a cohort that are not revoked, for printing them all.
pub async fn printable_of_cohort(db: &Db, actor: &Actor, cohort_id: i64) -> Result<Vec<Certificate>> {
    let all = super::certificates::of_cohort(db, actor, cohort_id).await?;
    Ok(all.into_iter().filter(|c| c.revoked_on.is_none()).collect())
}
