//! The rules of the registry imports: which columns each kind of file has, and how each
//! row becomes a typed record or a list of [`Problem`]s.
//!
//! Only what can be decided from the file itself is checked here (headers, types, values,
//! duplicates within the file, dates in order). What needs the database (unknown parent or
//! school code, a staff number that already exists, the importer's scope) is checked by
//! the kernel's import pipeline, which writes all rows or none.

use crate::registry::{self, Ownership, PositionRole, SchoolLevel, Sex, SubSystem};
use crate::table::{Problem, Table, TableRow};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The kinds of file the registry imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Units,
    Schools,
    People,
    Positions,
}

/// A column of an import file.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    /// The header must be present and every row must have a value.
    pub required: bool,
    /// An example value, for templates.
    pub example: &'static str,
    /// The values the column takes, when they are a fixed list (templates list them).
    pub allowed: Option<fn() -> Vec<&'static str>>,
}

const fn col(name: &'static str, required: bool, example: &'static str) -> Column {
    Column { name, required, example, allowed: None }
}

impl Column {
    /// A column every row must fill.
    pub const fn required(name: &'static str) -> Column {
        Column { name, required: true, example: "", allowed: None }
    }
    /// A column a file may leave out, or a row leave empty.
    pub const fn optional(name: &'static str) -> Column {
        Column { name, required: false, example: "", allowed: None }
    }
    /// The fixed list of values the column takes.
    pub const fn allowed(self, allowed: fn() -> Vec<&'static str>) -> Column {
        Column { allowed: Some(allowed), ..self }
    }
    /// The value a template's example row shows.
    pub const fn example(self, example: &'static str) -> Column {
        Column { example, ..self }
    }
}

const UNIT_COLUMNS: &[Column] = &[
    col("country", true, "RW"),
    col("code", true, "RW-KIG-NYA-GIT"),
    col("name", true, "Gitega"),
    col("level", true, "sector"),
    col("parent_code", false, "RW-KIG-NYA"),
];
const SCHOOL_COLUMNS: &[Column] = &[
    col("code", true, "110101"),
    col("name", true, "GS Gitega"),
    col("unit_code", true, "RW-KIG-NYA-GIT"),
    col("level", true, "primary").allowed(|| SchoolLevel::ALL.iter().map(|v| v.key()).collect()),
    col("ownership", true, "public").allowed(|| Ownership::ALL.iter().map(|v| v.key()).collect()),
    col("subsystem", false, "").allowed(|| SubSystem::ALL.iter().map(|v| v.key()).collect()),
    col("latitude", false, "-1.9536"),
    col("longitude", false, "30.0606"),
];
const PEOPLE_COLUMNS: &[Column] = &[
    col("staff_number", true, "RW0001234"),
    col("given_name", true, "Aline"),
    col("family_name", true, "Uwase"),
    col("sex", true, "F").allowed(|| Sex::ALL.iter().map(|v| v.key()).collect()),
    col("birth_year", false, "1987"),
    col("phone", false, "+250788000000"),
    col("email", false, ""),
    col("role", false, "teacher").allowed(|| PositionRole::ALL.iter().map(|v| v.key()).collect()),
    col("school_code", false, "110101"),
    col("unit_code", false, ""),
    col("start_date", false, "2024-01-08"),
];
const POSITION_COLUMNS: &[Column] = &[
    col("staff_number", true, "RW0001234"),
    col("role", true, "head_teacher").allowed(|| PositionRole::ALL.iter().map(|v| v.key()).collect()),
    col("school_code", false, "110101"),
    col("unit_code", false, ""),
    col("start_date", true, "2025-01-06"),
    col("end_date", false, ""),
];

impl ImportKind {
    pub const ALL: &'static [ImportKind] =
        &[ImportKind::Units, ImportKind::Schools, ImportKind::People, ImportKind::Positions];

    pub const fn key(self) -> &'static str {
        match self {
            ImportKind::Units => "units",
            ImportKind::Schools => "schools",
            ImportKind::People => "people",
            ImportKind::Positions => "positions",
        }
    }

    pub fn parse(input: &str) -> Result<ImportKind, Problem> {
        ImportKind::ALL.iter().copied().find(|k| k.key() == input.trim().to_lowercase()).ok_or_else(|| {
            Problem::new("bad-choice").with_value(input).arg("allowed", "units, schools, people, positions")
        })
    }

    /// The columns that name the record a row updates (`--update`): a row naming a record
    /// that exists changes it, any other row adds one.
    pub const fn identified_by(self) -> &'static [&'static str] {
        match self {
            ImportKind::Units | ImportKind::Schools => &["code"],
            ImportKind::People => &["staff_number"],
            ImportKind::Positions => &["staff_number", "role", "school_code", "unit_code", "start_date"],
        }
    }

    pub const fn columns(self) -> &'static [Column] {
        match self {
            ImportKind::Units => UNIT_COLUMNS,
            ImportKind::Schools => SCHOOL_COLUMNS,
            ImportKind::People => PEOPLE_COLUMNS,
            ImportKind::Positions => POSITION_COLUMNS,
        }
    }
}

/// A unit to create. The parent is named by code: it exists already or comes earlier in
/// the file.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub row: usize,
    pub country: String,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchoolRow {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub unit_code: String,
    pub level: SchoolLevel,
    pub ownership: Ownership,
    pub subsystem: Option<SubSystem>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    pub row: usize,
    pub staff_number: String,
    pub given_name: String,
    pub family_name: String,
    pub sex: Sex,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The position the person holds now, when the file says so.
    pub position: Option<PositionRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PositionRow {
    pub row: usize,
    pub staff_number: String,
    pub role: PositionRole,
    pub school_code: Option<String>,
    pub unit_code: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

/// Where each expected column is in a file, after checking the header row.
pub struct Header {
    index: HashMap<&'static str, usize>,
}

/// Normalises a header cell: no byte-order mark, trimmed, lower case, spaces as `_`.
pub fn normalise_header(cell: &str) -> String {
    cell.trim_start_matches('\u{feff}').trim().to_lowercase().replace([' ', '-'], "_")
}

impl Header {
    /// Checks the header row against the kind's columns: every required column present,
    /// no unknown or repeated column.
    pub fn check(kind: ImportKind, headers: &[String]) -> Result<Header, Vec<Problem>> {
        let columns = kind.columns();
        let mut problems = Vec::new();
        let mut index = HashMap::new();
        for (i, raw) in headers.iter().enumerate() {
            let name = normalise_header(raw);
            if name.is_empty() {
                continue;
            }
            match columns.iter().find(|c| c.name == name) {
                Some(c) if index.contains_key(c.name) => {
                    problems.push(Problem::new("duplicate-column").at_row(1).in_column(raw.trim()))
                }
                Some(c) => {
                    index.insert(c.name, i);
                }
                None => problems.push(
                    Problem::new("unknown-column")
                        .at_row(1)
                        .in_column(raw.trim())
                        .arg("expected", columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")),
                ),
            }
        }
        for c in columns.iter().filter(|c| c.required) {
            if !index.contains_key(c.name) {
                problems.push(Problem::new("missing-column").at_row(1).in_column(c.name));
            }
        }
        if problems.is_empty() { Ok(Header { index }) } else { Err(problems) }
    }
}

/// One row of a file as the rules read it: its number and its cells by column name (an
/// absent column reads as empty). The import pipeline's rows implement it; so does a
/// [`TableRow`] with its [`Header`].
pub trait Cells {
    /// The row's number as a spreadsheet shows it (the header is row 1).
    fn number(&self) -> usize;
    /// The trimmed cell of `column`.
    fn cell(&self, column: &str) -> &str;
}

/// A row of a table read with the table's header.
pub struct HeaderRow<'a> {
    pub header: &'a Header,
    pub row: &'a TableRow,
}

impl Cells for HeaderRow<'_> {
    fn number(&self) -> usize {
        self.row.number
    }
    fn cell(&self, column: &str) -> &str {
        self.header.index.get(column).map(|&i| self.row.get(i)).unwrap_or("")
    }
}

/// Reads one row's cells, collecting every problem rather than stopping at the first.
pub struct RowReader<'a> {
    cells: &'a dyn Cells,
    problems: Vec<Problem>,
}

impl<'a> RowReader<'a> {
    fn new(cells: &'a dyn Cells) -> Self {
        RowReader { cells, problems: Vec::new() }
    }

    fn number(&self) -> usize {
        self.cells.number()
    }

    fn place(&self, p: Problem, column: &str) -> Problem {
        let p = p.at_row(self.number()).in_column(column);
        if p.value.is_none() {
            let value = self.cells.cell(column);
            if value.is_empty() { p } else { p.with_value(value) }
        } else {
            p
        }
    }

    /// A required value, parsed.
    fn required<T>(&mut self, column: &str, parse: impl FnOnce(&str) -> Result<T, Problem>) -> Option<T> {
        let text = self.cells.cell(column);
        if text.is_empty() {
            let p = self.place(Problem::new("required"), column);
            self.problems.push(p);
            return None;
        }
        match parse(text) {
            Ok(v) => Some(v),
            Err(p) => {
                let p = self.place(p, column);
                self.problems.push(p);
                None
            }
        }
    }

    /// An optional value, parsed when present.
    fn optional<T>(&mut self, column: &str, parse: impl FnOnce(&str) -> Result<T, Problem>) -> Option<T> {
        let text = self.cells.cell(column);
        if text.is_empty() {
            return None;
        }
        match parse(text) {
            Ok(v) => Some(v),
            Err(p) => {
                let p = self.place(p, column);
                self.problems.push(p);
                None
            }
        }
    }

    fn text(&self, column: &str) -> &'a str {
        self.cells.cell(column)
    }

    fn fail(&mut self, column: &str, problem: Problem) {
        let p = self.place(problem, column);
        self.problems.push(p);
    }
}

/// The rules of one kind of row, with what they remember of earlier rows (keys seen).
pub trait Rule: Send {
    type Out;
    fn read(&mut self, r: &mut RowReader<'_>) -> Option<Self::Out>;

    /// Checks one row: its typed record, or every problem it has.
    fn check(&mut self, cells: &dyn Cells) -> Result<Self::Out, Vec<Problem>> {
        let mut reader = RowReader::new(cells);
        let value = self.read(&mut reader);
        match value {
            Some(v) if reader.problems.is_empty() => Ok(v),
            _ => Err(reader.problems),
        }
    }
}

/// The result of checking a file: typed rows when every row is right, else every problem.
pub type Checked<T> = Result<Vec<T>, Vec<Problem>>;

/// Checks a whole table (rules' tests, small files): the typed rows when every row is
/// right, else every problem.
fn check_rows<R: Rule>(kind: ImportKind, table: &Table, mut rule: R) -> Checked<R::Out> {
    let header = Header::check(kind, &table.headers)?;
    if table.rows.is_empty() {
        return Err(vec![Problem::new("no-rows")]);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for row in table.rows.iter().filter(|r| r.cells.iter().any(|c| !c.trim().is_empty())) {
        match rule.check(&HeaderRow { header: &header, row }) {
            Ok(v) => out.push(v),
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// How many problems a report lists before it stops looking.
pub const MAX_PROBLEMS: usize = 1000;

pub use crate::seen::{KEYS_IN_MEMORY, Seen, key_hash};

/// A key seen before in the file is a problem of `column` at the reader's row.
fn check_seen(seen: &mut Seen, reader: &mut RowReader<'_>, column: &str, key: &str) {
    if let Some(first) = seen.first(key, reader.number()) {
        reader.fail(column, Problem::new("duplicate-in-file").with_value(key).arg("first", first));
    }
}

fn year(text: &str) -> Result<i32, Problem> {
    text.parse::<i32>()
        .ok()
        .filter(|y| (1900..=2100).contains(y))
        .ok_or_else(|| Problem::new("bad-year").with_value(text))
}

fn level_key(text: &str) -> Result<String, Problem> {
    let key = text.trim().to_lowercase();
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        Ok(key)
    } else {
        Err(Problem::new("bad-code").with_value(text))
    }
}

fn country(text: &str) -> Result<String, Problem> {
    let c = text.trim().to_uppercase();
    if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(Problem::new("bad-country").with_value(text))
    }
}

/// The rules of a row of a units file.
#[derive(Default)]
pub struct UnitRule {
    seen: Seen,
}

impl Rule for UnitRule {
    type Out = UnitRow;
    fn read(&mut self, r: &mut RowReader<'_>) -> Option<UnitRow> {
        let country = r.required("country", country);
        let code = r.required("code", registry::parse_code);
        let name = r.required("name", registry::parse_name);
        let level = r.required("level", level_key);
        let parent_code = r.optional("parent_code", registry::parse_code);
        if let Some(code) = &code {
            check_seen(&mut self.seen, r, "code", code);
            if parent_code.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(code)) {
                r.fail("parent_code", Problem::new("own-parent"));
            }
        }
        Some(UnitRow { row: r.number(), country: country?, code: code?, name: name?, level: level?, parent_code })
    }
}

pub fn check_units(table: &Table) -> Checked<UnitRow> {
    check_rows(ImportKind::Units, table, UnitRule::default())
}

/// The rules of a row of a schools file.
#[derive(Default)]
pub struct SchoolRule {
    seen: Seen,
}

impl Rule for SchoolRule {
    type Out = SchoolRow;
    fn read(&mut self, r: &mut RowReader<'_>) -> Option<SchoolRow> {
        let code = r.required("code", registry::parse_code);
        if let Some(code) = &code {
            check_seen(&mut self.seen, r, "code", code);
        }
        let name = r.required("name", registry::parse_name);
        let unit_code = r.required("unit_code", registry::parse_code);
        let level = r.required("level", SchoolLevel::parse);
        let ownership = r.required("ownership", Ownership::parse);
        let subsystem = r.optional("subsystem", SubSystem::parse);
        let latitude = r.optional("latitude", |t| registry::parse_coordinate(t, 90.0));
        let longitude = r.optional("longitude", |t| registry::parse_coordinate(t, 180.0));
        if latitude.is_some() != longitude.is_some() && r.problems.is_empty() {
            let missing = if latitude.is_some() { "longitude" } else { "latitude" };
            r.fail(missing, Problem::new("both-coordinates"));
        }
        Some(SchoolRow {
            row: r.number(),
            code: code?,
            name: name?,
            unit_code: unit_code?,
            level: level?,
            ownership: ownership?,
            subsystem,
            latitude,
            longitude,
        })
    }
}

pub fn check_schools(table: &Table) -> Checked<SchoolRow> {
    check_rows(ImportKind::Schools, table, SchoolRule::default())
}

/// Reads role, school_code, unit_code and start/end dates into a position.
fn read_position(r: &mut RowReader<'_>, staff_number: Option<&String>, start_required: bool) -> Option<PositionRow> {
    let role =
        if start_required { r.required("role", PositionRole::parse) } else { r.optional("role", PositionRole::parse) };
    let school_code = r.optional("school_code", registry::parse_code);
    let unit_code = r.optional("unit_code", registry::parse_code);
    let start_date = if start_required {
        r.required("start_date", registry::parse_date)
    } else {
        r.optional("start_date", registry::parse_date)
    };
    let end_date = r.optional("end_date", registry::parse_date);
    let any_position = role.is_some() || !r.text("school_code").is_empty() || !r.text("unit_code").is_empty();
    if !start_required && !any_position {
        return None;
    }
    if !start_required && role.is_none() && r.text("role").is_empty() {
        r.fail("role", Problem::new("required"));
    }
    if !start_required && start_date.is_none() && r.text("start_date").is_empty() {
        r.fail("start_date", Problem::new("required"));
    }
    match (&school_code, &unit_code) {
        (Some(_), Some(_)) => r.fail("unit_code", Problem::new("school-or-unit")),
        (None, None) if r.text("school_code").is_empty() && r.text("unit_code").is_empty() => {
            r.fail("school_code", Problem::new("school-or-unit"))
        }
        _ => {}
    }
    if let Some(role) = role
        && role.is_school_role()
        && school_code.is_none()
        && !r.text("unit_code").is_empty()
    {
        r.fail("school_code", Problem::new("role-needs-school").arg("role", role.key()));
    }
    if let (Some(start), Some(end)) = (start_date, end_date)
        && end < start
    {
        r.fail("end_date", Problem::new("ends-before-start").arg("start", start));
    }
    Some(PositionRow {
        row: r.number(),
        staff_number: staff_number?.clone(),
        role: role?,
        school_code,
        unit_code,
        start_date: start_date?,
        end_date,
    })
}

/// The rules of a row of a people file.
#[derive(Default)]
pub struct PersonRule {
    seen: Seen,
}

impl Rule for PersonRule {
    type Out = PersonRow;
    fn read(&mut self, r: &mut RowReader<'_>) -> Option<PersonRow> {
        let staff_number = r.required("staff_number", registry::parse_code);
        if let Some(s) = &staff_number {
            check_seen(&mut self.seen, r, "staff_number", s);
        }
        let given_name = r.required("given_name", registry::parse_name);
        let family_name = r.required("family_name", registry::parse_name);
        let sex = r.required("sex", Sex::parse);
        let birth_year = r.optional("birth_year", year);
        let phone = r.optional("phone", registry::parse_phone);
        let email = r.optional("email", registry::parse_email);
        let position = read_position(r, staff_number.as_ref(), false);
        Some(PersonRow {
            row: r.number(),
            staff_number: staff_number?,
            given_name: given_name?,
            family_name: family_name?,
            sex: sex?,
            birth_year,
            phone,
            email,
            position,
        })
    }
}

pub fn check_people(table: &Table) -> Checked<PersonRow> {
    check_rows(ImportKind::People, table, PersonRule::default())
}

/// The rules of a row of a positions file.
#[derive(Default)]
pub struct PositionRule;

impl Rule for PositionRule {
    type Out = PositionRow;
    fn read(&mut self, r: &mut RowReader<'_>) -> Option<PositionRow> {
        let staff_number = r.required("staff_number", registry::parse_code);
        read_position(r, staff_number.as_ref(), true)
    }
}

pub fn check_positions(table: &Table) -> Checked<PositionRow> {
    check_rows(ImportKind::Positions, table, PositionRule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        let mut lines = text.lines();
        let headers = lines.next().unwrap().split(',').map(String::from).collect();
        let rows = lines
            .enumerate()
            .map(|(i, l)| TableRow { number: i + 2, cells: l.split(',').map(String::from).collect() })
            .collect();
        Table { headers, rows }
    }

    #[test]
    fn a_good_people_file_gives_typed_rows_with_positions() {
        let t = table(
            "\u{feff}Staff Number,given_name,family_name,sex,role,school_code,start_date\n\
             A1,Aline,Uwase,F,teacher,S1,2024-01-08\n\
             A2,Jean,Habimana,m,,,",
        );
        let rows = check_people(&t).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].sex, Sex::Female);
        let p = rows[0].position.as_ref().unwrap();
        assert_eq!((p.role, p.school_code.as_deref()), (PositionRole::Teacher, Some("S1")));
        assert!(rows[1].position.is_none());
    }

    #[test]
    fn header_problems_are_named() {
        let t = table("staff_number,given_name,sexe\nA1,Aline,F");
        let problems = check_people(&t).unwrap_err();
        let codes: Vec<_> = problems.iter().map(|p| (p.code, p.column.clone().unwrap())).collect();
        assert!(codes.contains(&("unknown-column", "sexe".into())), "{codes:?}");
        assert!(codes.contains(&("missing-column", "family_name".into())));
        assert!(codes.contains(&("missing-column", "sex".into())));
        assert!(problems.iter().all(|p| p.row == Some(1)));
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_column_and_value() {
        let t = table(
            "staff_number,given_name,family_name,sex,birth_year\n\
             A1,Aline,Uwase,X,1987\n\
             A1,Jean,Habimana,M,87\n\
             A3,,Mukamana,F,",
        );
        let problems = check_people(&t).unwrap_err();
        let found: Vec<_> =
            problems.iter().map(|p| (p.row.unwrap(), p.column.clone().unwrap(), p.code, p.value.clone())).collect();
        assert_eq!(
            found,
            vec![
                (2, "sex".into(), "bad-choice", Some("X".into())),
                (3, "staff_number".into(), "duplicate-in-file", Some("A1".into())),
                (3, "birth_year".into(), "bad-year", Some("87".into())),
                (4, "given_name".into(), "required", None),
            ]
        );
        assert_eq!(problems[1].to_string(), "row 3, column staff_number: A1 is already on row 2 of this file");
    }

    #[test]
    fn a_position_cannot_end_before_it_starts() {
        let t = table("staff_number,role,school_code,start_date,end_date\nA1,head_teacher,S1,2025-01-06,2024-12-31");
        let p = &check_positions(&t).unwrap_err()[0];
        assert_eq!((p.row, p.column.as_deref(), p.code), (Some(2), Some("end_date"), "ends-before-start"));
    }

    #[test]
    fn a_position_needs_exactly_one_of_school_and_unit() {
        let t = table(
            "staff_number,role,school_code,unit_code,start_date\nA1,teacher,S1,U1,2025-01-06\nA2,teacher,,,2025-01-06",
        );
        let problems = check_positions(&t).unwrap_err();
        assert_eq!(problems.len(), 2);
        assert!(problems.iter().all(|p| p.code == "school-or-unit"));
    }

    #[test]
    fn a_header_only_file_is_an_error() {
        assert_eq!(check_schools(&table("code,name,unit_code,level,ownership")).unwrap_err()[0].code, "no-rows");
    }

    #[test]
    fn schools_check_choices_and_coordinates() {
        let t = table(
            "code,name,unit_code,level,ownership,latitude,longitude\n\
             S1,GS Gitega,U1,primary,public,-1.95,30.06\n\
             S2,EP Bertoua,U2,primaire,privé,4.57,\n\
             S3,Lycée,U2,university,public,,",
        );
        let problems = check_schools(&t).unwrap_err();
        let found: Vec<_> = problems.iter().map(|p| (p.row.unwrap(), p.code)).collect();
        assert_eq!(found, vec![(3, "both-coordinates"), (4, "bad-choice")]);
    }
}
