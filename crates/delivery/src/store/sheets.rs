//! The sign-in sheet of a session and its marks typed back: the sheet numbers the
//! participants by name; afterwards the facilitator types the row numbers per status
//! ("1-14, 16, 18-60"), sees the names, and saves them through the same marking as the
//! marking page ([`super::attendance::mark`]). A bad number or range is named and nothing
//! is saved.

use super::attendance::{self, Mark, MarkInput, Session, session};
use super::cohorts::Cohort;
use opencpd_documents::{SheetLabels, SheetPage, SheetRow};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::i18n::catalog;
use opencpd_kernel::{Actor, Db, Result, on_db};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{RowGroup, SheetLine, TypedLine, TypedMarks, TypedReport};

opencpd_kernel::from_row! {
    SheetLine { row, person_id, given_name, family_name, staff_number, school }
}

/// The participants of a session's cohort in sheet order: by family name, given name and
/// enrolment. Row numbers start at 1; the typed-back marks use the same numbers.
pub async fn sheet_lines(db: &Db, actor: &Actor, session_id: i64) -> Result<(Session, Cohort, Vec<SheetLine>)> {
    let (s, cohort) = session(db, actor, session_id).await?;
    actor.require(Action::Facilitate, &cohort.target())?;
    // person, given name, family name, staff number, school
    type Row = (i64, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(
        "SELECT e.person_id, p.given_name, p.family_name, p.staff_number, sc.name FROM enrolments e \
         JOIN people p ON p.id = e.person_id LEFT JOIN schools sc ON sc.id = e.school_id \
         WHERE e.cohort_id = $1 ORDER BY p.family_name, p.given_name, e.id"
    )
    .bind(cohort.id)
    .fetch_all(p)
    .await)?;
    let lines = rows
        .into_iter()
        .enumerate()
        .map(|(i, (person_id, given_name, family_name, staff_number, school))| SheetLine {
            row: i as i64 + 1,
            person_id,
            given_name,
            family_name,
            staff_number,
            school,
        })
        .collect();
    Ok((s, cohort, lines))
}

/// The sign-in sheet of a session, in a language.
pub async fn sheet(db: &Db, actor: &Actor, session_id: i64, lang: &str) -> Result<SheetPage> {
    let lang = opencpd_domain::i18n::resolve(lang);
    let (s, cohort, lines) = sheet_lines(db, actor, session_id).await?;
    let t = |key: &str, args: &[(&str, String)]| catalog().text(lang, key, args);
    let statuses = super::attendance::statuses(db).await?;
    let legend = statuses.iter().map(|st| st.name(lang).to_string()).collect::<Vec<_>>().join(" · ");
    let mut header = vec![
        t("sheet-course", &[("course", format!("{} — {}", cohort.course_code, cohort.course_title))]),
        t("sheet-cohort", &[("cohort", format!("{} — {}", cohort.code, cohort.name))]),
        t("sheet-session", &[("title", s.title.clone()), ("date", s.held_on.to_string())]),
    ];
    if let Some(v) = s.venue.as_ref().or(cohort.venue.as_ref()) {
        header.push(t("sheet-venue", &[("venue", v.clone())]));
    }
    Ok(SheetPage {
        header,
        rows: lines
            .into_iter()
            .map(|l| SheetRow {
                name: format!("{} {}", l.given_name, l.family_name),
                staff_number: l.staff_number.unwrap_or_default(),
                school: l.school.unwrap_or_default(),
            })
            .collect(),
        labels: SheetLabels {
            title: t("sheet-title", &[]),
            number: t("sheet-number", &[]),
            name: t("sheet-name", &[]),
            staff_number: t("sheet-staff-number", &[]),
            school: t("sheet-school", &[]),
            signature: t("sheet-signature", &[]),
            status: t("sheet-status", &[]),
            page: t("sheet-page", &[("page", "{page}".into()), ("pages", "{pages}".into())]),
            legend: t("sheet-legend", &[("statuses", legend)]),
        },
    })
}

/// Row numbers from "1-14, 16, 18-60" (commas, semicolons or spaces between), each from 1
/// to `max`. Problems name the column and the piece that is wrong.
pub fn parse_rows(text: &str, max: usize, column: &str) -> std::result::Result<Vec<usize>, Vec<Problem>> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let normalised = text.replace(['–', '—'], "-");
    // "3 - 7" is one range: glue the spaces around dashes first.
    let mut glued = normalised.clone();
    while glued.contains(" -") || glued.contains("- ") {
        glued = glued.replace(" -", "-").replace("- ", "-");
    }
    for token in glued.split([',', ';', ' ', '\n', '\t', '\r']).map(str::trim).filter(|t| !t.is_empty()) {
        let bad = || Problem::new("bad-row-range").in_column(column).with_value(token);
        let (from, to) = match token.split_once('-') {
            Some((a, b)) => match (a.trim().parse::<usize>(), b.trim().parse::<usize>()) {
                (Ok(a), Ok(b)) if a <= b => (a, b),
                _ => {
                    problems.push(bad());
                    continue;
                }
            },
            None => match token.parse::<usize>() {
                Ok(n) => (n, n),
                Err(_) => {
                    problems.push(bad());
                    continue;
                }
            },
        };
        if from == 0 || to > max {
            problems.push(Problem::new("row-out-of-range").in_column(column).with_value(token).arg("max", max));
            continue;
        }
        rows.extend(from..=to);
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

/// Checks typed row numbers against the session's sheet and, unless a dry run, saves the
/// marks in one request through [`attendance::mark`] (its checks and audit event).
pub async fn mark_typed(db: &Db, actor: &Actor, session_id: i64, input: &TypedMarks) -> Result<TypedReport> {
    let (_, _, lines) = sheet_lines(db, actor, session_id).await?;
    let known: Vec<String> = attendance::statuses(db).await?.into_iter().map(|s| s.key).collect();
    let allowed = known.join(", ");
    let mut problems = Vec::new();
    let mut status_of: Vec<Option<(String, String)>> = vec![None; lines.len()];
    for (i, group) in input.groups.iter().enumerate() {
        let status = group.status.trim().to_lowercase();
        if !known.contains(&status) {
            problems.push(
                Problem::new("bad-choice")
                    .in_column(format!("groups[{i}].status"))
                    .with_value(&group.status)
                    .arg("allowed", &allowed),
            );
            continue;
        }
        match parse_rows(&group.rows, lines.len(), &status) {
            Err(p) => problems.extend(p),
            Ok(rows) => {
                for r in rows {
                    match &status_of[r - 1] {
                        Some((first, _)) if *first != status => problems.push(
                            Problem::new("row-twice").in_column(&status).with_value(r.to_string()).arg("first", first),
                        ),
                        _ => status_of[r - 1] = Some((status.clone(), group.rows.clone())),
                    }
                }
            }
        }
    }
    let others = super::optional_text(&input.others).map(|s| s.to_lowercase());
    if let Some(o) = &others
        && !known.contains(o)
    {
        problems.push(Problem::new("bad-choice").in_column("others").with_value(o).arg("allowed", &allowed));
    }
    super::fail_if_any(problems)?;
    let report_lines: Vec<TypedLine> = lines
        .iter()
        .zip(&status_of)
        .map(|(l, s)| TypedLine {
            row: l.row,
            person_id: l.person_id,
            name: format!("{} {}", l.given_name, l.family_name),
            staff_number: l.staff_number.clone(),
            status: s.as_ref().map(|(st, _)| st.clone()).or_else(|| others.clone()),
        })
        .collect();
    if input.dry_run {
        return Ok(TypedReport { lines: report_lines, saved: None });
    }
    let marks: Vec<Mark> = report_lines
        .iter()
        .filter_map(|l| l.status.clone().map(|status| Mark { person_id: l.person_id, status }))
        .collect();
    if marks.is_empty() {
        return Err(Problem::new("no-rows").in_column("groups").into());
    }
    let saved = attendance::mark(db, actor, session_id, &MarkInput { marks }).await?;
    Ok(TypedReport { lines: report_lines, saved: Some(saved) })
}

#[cfg(test)]
mod tests {
    use super::parse_rows;

    #[test]
    fn ranges_and_numbers() {
        assert_eq!(parse_rows("1-3, 5;7 9 - 10", 10, "present").unwrap(), vec![1, 2, 3, 5, 7, 9, 10]);
        assert_eq!(parse_rows("", 10, "present").unwrap(), Vec::<usize>::new());
        let e = parse_rows("1-3, 12, x, 5-2, 0", 10, "late").unwrap_err();
        let values: Vec<_> = e.iter().map(|p| (p.code, p.value.clone().unwrap())).collect();
        assert_eq!(
            values,
            vec![
                ("row-out-of-range", "12".to_string()),
                ("bad-row-range", "x".to_string()),
                ("bad-row-range", "5-2".to_string()),
                ("row-out-of-range", "0".to_string())
            ]
        );
        assert!(e.iter().all(|p| p.column.as_deref() == Some("late")));
    }
}
