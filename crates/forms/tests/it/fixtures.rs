//! Workbooks written with rust_xlsxwriter, and the lesson-observation form the tests share.

use opencpd_domain::table::Problem;
use opencpd_forms::{Context, Form, parse_xlsform};
use rust_xlsxwriter::Workbook;

/// A cell: text, a number or a boolean, as Excel stores them.
#[derive(Clone, Copy)]
pub enum Cell<'a> {
    T(&'a str),
    N(f64),
    B(bool),
}

/// An .xlsx with the given sheets; each sheet is rows of text cells, the first row the header.
pub fn xlsx(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let typed: Vec<(&str, Vec<Vec<Cell>>)> = sheets
        .iter()
        .map(|(name, rows)| (*name, rows.iter().map(|r| r.iter().map(|c| Cell::T(c)).collect()).collect()))
        .collect();
    xlsx_cells(&typed)
}

pub fn xlsx_cells(sheets: &[(&str, Vec<Vec<Cell>>)]) -> Vec<u8> {
    let mut book = Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Cell::T("") => {}
                    Cell::T(t) => drop(sheet.write_string(r, c, *t).unwrap()),
                    Cell::N(n) => drop(sheet.write_number(r, c, *n).unwrap()),
                    Cell::B(b) => drop(sheet.write_boolean(r, c, *b).unwrap()),
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// A survey sheet from a header and rows, with a choices sheet and no settings.
pub fn survey_only(header: &[&str], rows: &[&[&str]]) -> Vec<u8> {
    let mut survey = vec![header.to_vec()];
    survey.extend(rows.iter().map(|r| r.to_vec()));
    xlsx(&[
        ("survey", survey),
        ("choices", vec![vec!["list_name", "name", "label"], vec!["yn", "yes", "Yes"], vec!["yn", "no", "No"]]),
    ])
}

/// The problems of a workbook that must be rejected, as (row, column, code).
pub fn rejected(bytes: &[u8]) -> Vec<(Option<usize>, Option<String>, &'static str)> {
    rejected_problems(bytes).into_iter().map(|p| (p.row, p.column, p.code)).collect()
}

pub fn rejected_problems(bytes: &[u8]) -> Vec<Problem> {
    match parse_xlsform("test.xlsx", bytes) {
        Ok(form) => panic!("expected the form to be rejected, got {} items", form.items.len()),
        Err(problems) => {
            for p in &problems {
                let en = p.message("en");
                let fr = p.message("fr");
                assert!(!en.contains("problem-") && !fr.contains("problem-"), "{} has no message", p.code);
            }
            problems
        }
    }
}

pub fn taken(bytes: &[u8]) -> Form {
    parse_xlsform("test.xlsx", bytes).unwrap_or_else(|problems| {
        panic!(
            "expected the form to be taken: {}",
            problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
        )
    })
}

pub fn at(row: usize, column: &str, code: &'static str) -> (Option<usize>, Option<String>, &'static str) {
    (Some(row), Some(column.to_string()), code)
}

/// 15 March 2026, 10:00.
pub fn ctx() -> Context {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    Context { today, now: today.and_hms_opt(10, 0, 0).unwrap() }
}

pub const SURVEY_HEADER: &[&str] = &[
    "type",
    "name",
    "label::English (en)",
    "label::French (fr)",
    "hint::English (en)",
    "hint::French (fr)",
    "required",
    "required_message::English (en)",
    "required_message::French (fr)",
    "constraint",
    "constraint_message::English (en)",
    "constraint_message::French (fr)",
    "relevant",
    "calculation",
    "default",
    "appearance",
    "read_only",
    "parameters",
    "repeat_count",
    "choice_filter",
    "domain",
    "max_score",
];

/// A survey row from (column, value) pairs; type and name first.
pub fn row<'a>(kind: &'a str, name: &'a str, cells: &[(&str, &'a str)]) -> Vec<&'a str> {
    let mut out = vec![""; SURVEY_HEADER.len()];
    out[0] = kind;
    out[1] = name;
    for (column, value) in cells {
        let i = SURVEY_HEADER.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
        out[i] = value;
    }
    out
}

/// A lesson-observation rubric in English and French that uses every supported type.
pub fn observation_rows() -> Vec<Vec<&'static str>> {
    let en = "label::English (en)";
    let fr = "label::French (fr)";
    vec![
        SURVEY_HEADER.to_vec(),
        row("start", "started", &[]),
        row("today", "today", &[]),
        row(
            "text",
            "teacher",
            &[
                (en, "Teacher's name"),
                (fr, "Nom de l'enseignant"),
                ("hint::English (en)", "As on the register"),
                ("hint::French (fr)", "Comme sur le registre"),
                ("required", "yes"),
            ],
        ),
        row(
            "date",
            "observed_on",
            &[
                (en, "Date of the lesson"),
                (fr, "Date de la leçon"),
                ("required", "yes"),
                ("required_message::English (en)", "Give the date of the lesson"),
                ("required_message::French (fr)", "Indiquez la date de la leçon"),
                ("constraint", ". <= today()"),
                ("constraint_message::English (en)", "The lesson cannot be in the future"),
                ("constraint_message::French (fr)", "La leçon ne peut pas être dans le futur"),
            ],
        ),
        row("time", "start_time", &[(en, "Start time"), (fr, "Heure de début")]),
        row("datetime", "recorded_at", &[(en, "Recorded at"), (fr, "Enregistré le")]),
        row(
            "integer",
            "pupils",
            &[(en, "Pupils present"), (fr, "Élèves présents"), ("constraint", ". >= 0 and . <= 200")],
        ),
        row("decimal", "lesson_hours", &[(en, "Length in hours"), (fr, "Durée en heures"), ("constraint", ". > 0")]),
        row("begin group", "planning", &[(en, "Planning"), (fr, "Préparation"), ("relevant", "${pupils} > 0")]),
        row(
            "select_one quality",
            "plan_quality",
            &[
                (en, "Lesson plan"),
                (fr, "Fiche de préparation"),
                ("required", "yes"),
                ("domain", "Planning"),
                ("appearance", "minimal"),
            ],
        ),
        row(
            "select_multiple materials",
            "materials_used",
            &[(en, "Materials"), (fr, "Matériel"), ("domain", "Planning")],
        ),
        row(
            "text",
            "materials_other",
            &[
                (en, "Which other material?"),
                (fr, "Quel autre matériel ?"),
                ("relevant", "selected(${materials_used}, 'other')"),
                ("required", "yes"),
            ],
        ),
        row("end group", "", &[]),
        row(
            "range",
            "engagement",
            &[(en, "Engagement"), (fr, "Engagement"), ("parameters", "start=0 end=4 step=1"), ("domain", "Engagement")],
        ),
        row(
            "integer",
            "questions_asked",
            &[(en, "Open questions"), (fr, "Questions ouvertes"), ("domain", "Engagement"), ("max_score", "10")],
        ),
        row("note", "thanks", &[(en, "Thank you, ${teacher}"), (fr, "Merci, ${teacher}")]),
        row("calculate", "pupils_per_hour", &[("calculation", "round(${pupils} div ${lesson_hours}, 1)")]),
        row("acknowledge", "confirm", &[(en, "I confirm"), (fr, "Je confirme")]),
        row("integer", "learner_count", &[(en, "Learners interviewed"), (fr, "Élèves interrogés"), ("default", "2")]),
        row("begin repeat", "learners", &[(en, "Learner"), (fr, "Élève"), ("repeat_count", "${learner_count}")]),
        row("integer", "age", &[(en, "Age"), (fr, "Âge"), ("required", "yes"), ("constraint", ". >= 5 and . <= 20")]),
        row("select_one sexes", "sex", &[(en, "Sex"), (fr, "Sexe")]),
        row("calculate", "older", &[("calculation", "if(${age} >= 12, 'yes', 'no')")]),
        row("end repeat", "", &[]),
        row("calculate", "mean_age", &[("calculation", "sum(${age}) div count(${learners})")]),
        row("select_one regions", "region", &[(en, "Region"), (fr, "Région")]),
        row(
            "select_one districts",
            "district",
            &[(en, "District"), (fr, "District"), ("choice_filter", "region = ${region}")],
        ),
        row("text", "comment", &[(en, "Comment"), (fr, "Commentaire"), ("read_only", "${confirm} = 'OK'")]),
    ]
}

pub fn observation_choices() -> Vec<Vec<&'static str>> {
    let mut rows = vec![vec!["list_name", "name", "label::English (en)", "label::French (fr)", "score", "region"]];
    for r in [
        ["quality", "poor", "Poor", "Insuffisant", "0", ""],
        ["quality", "fair", "Fair", "Passable", "1", ""],
        ["quality", "good", "Good", "Bien", "2", ""],
        ["quality", "excellent", "Excellent", "Excellent", "3", ""],
        ["materials", "board", "Board", "Tableau", "1", ""],
        ["materials", "textbook", "Textbook", "Manuel", "1", ""],
        ["materials", "manipulatives", "Manipulatives", "Matériel de manipulation", "2", ""],
        ["materials", "other", "Other", "Autre", "0", ""],
        ["sexes", "f", "Female", "Féminin", "", ""],
        ["sexes", "m", "Male", "Masculin", "", ""],
        ["regions", "north", "North", "Nord", "", ""],
        ["regions", "south", "South", "Sud", "", ""],
        ["districts", "d1", "District 1", "District 1", "", "north"],
        ["districts", "d2", "District 2", "District 2", "", "north"],
        ["districts", "d3", "District 3", "District 3", "", "south"],
    ] {
        rows.push(r.to_vec());
    }
    rows
}

pub fn observation_workbook() -> Vec<u8> {
    xlsx(&[
        ("survey", observation_rows()),
        ("choices", observation_choices()),
        (
            "settings",
            vec![
                vec!["form_title", "form_id", "version", "default_language"],
                vec!["Lesson observation", "lesson_obs", "2026.1", "English (en)"],
            ],
        ),
    ])
}

pub fn observation() -> Form {
    taken(&observation_workbook())
}

/// A complete, valid submission of the observation form.
pub fn good_answers() -> serde_json::Value {
    serde_json::json!({
        "started": "2026-03-15T08:00:00.000+02:00",
        "today": "2026-03-15",
        "teacher": "Uwase Aline",
        "observed_on": "2026-03-14",
        "start_time": "08:30",
        "recorded_at": "2026-03-14T10:15:00",
        "pupils": 40,
        "lesson_hours": "0.5",
        "plan_quality": "good",
        "materials_used": "board manipulatives",
        "engagement": 3,
        "questions_asked": 7,
        "confirm": "OK",
        "learner_count": 2,
        "learners": [
            {"age": 11, "sex": "f"},
            {"age": "14", "sex": "m"}
        ],
        "region": "north",
        "district": "d2",
        "comment": ""
    })
}
