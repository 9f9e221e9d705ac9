//! XLSForm import: a workbook (`.xlsx` or old `.xls`) given as bytes becomes a [`Form`].
//!
//! Reads the `survey`, `choices` and `settings` sheets and ignores the others (`help-*`,
//! `notes`, `columns`…). Real workbooks vary, so header spellings (`relevance`,
//! `bind:relevant`, `constraint message`, `bind:jr:constraintMsg`, `read only`,
//! `requiredMsg`, `label::French (fr)`, `label:english`…), stray spaces in type cells and
//! legacy types (`string`, `int`, `select one from x`, `dateTime`, `trigger`) are accepted.
//!
//! What OpenCPD cannot honour is reported, never dropped: a question type, function, path,
//! appearance, media column or setting we do not support is a [`Problem`] naming the sheet
//! and header (`survey!type`), the spreadsheet row and the value. All problems are
//! collected; a form with any problem is rejected whole. Columns that XLSForm does not
//! define (notes to the author, SurveyCTO's `publishable`…) are ignored, as pyxform does.

use crate::expr::{Dialect, Expr, ExprError, text_references};
use crate::model::{Choice, Condition, Form, Item, ItemKind, Texts};
use opencpd_domain::table::Problem;
use opencpd_transfer::{Limits, Which};
use std::collections::{BTreeMap, BTreeSet};

/// Reads an XLSForm workbook. `file_name` gives the format (by its extension) and the
/// form id when the settings sheet has none.
pub fn parse_xlsform(file_name: &str, bytes: &[u8]) -> Result<Form, Vec<Problem>> {
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !matches!(extension.as_str(), "xlsx" | "xlsm" | "xls") {
        return Err(vec![Problem::new("form-not-a-workbook").with_value(file_name)]);
    }
    if bytes.is_empty() {
        return Err(vec![Problem::new("empty-file")]);
    }
    let sheets = read_sheets(bytes).map_err(|p| vec![p])?;
    let stem = file_name.rsplit_once('.').map(|(s, _)| s).unwrap_or(file_name);
    let stem = stem.rsplit(['/', '\\']).next().unwrap_or(stem);
    Import::new(stem).run(sheets)
}

// ---------------------------------------------------------------------------------------------
// Reading the workbook

/// One sheet as text: the header row's number, the headers, and the rows below.
struct Sheet {
    name: String,
    header_row: usize,
    headers: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    fn column(&self, index: usize) -> String {
        format!("{}!{}", self.name, self.headers[index].trim())
    }
}

struct Sheets {
    survey: Option<Sheet>,
    choices: Option<Sheet>,
    settings: Option<Sheet>,
}

/// Reads the three sheets through the one bounded spreadsheet reader, within
/// [`Limits::FORM`]: the first row holding a cell is the header.
fn read_sheets(bytes: &[u8]) -> Result<Sheets, Problem> {
    let read = opencpd_transfer::read_sheets(bytes, Which::Named(&["survey", "choices", "settings"]), &Limits::FORM)
        .map_err(|p| if p.code == "not-a-table" { Problem { code: "form-unreadable", ..p } } else { p })?;
    let mut sheets = Sheets { survey: None, choices: None, settings: None };
    for sheet in read {
        let slot = match sheet.name.to_lowercase().as_str() {
            "survey" => &mut sheets.survey,
            "choices" => &mut sheets.choices,
            _ => &mut sheets.settings,
        };
        let mut rows = sheet.rows.into_iter().map(|r| (r.number, r.cells));
        let (header_row, headers) = rows.next().unwrap_or((1, Vec::new()));
        let rows = rows.filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty())).collect();
        *slot = Some(Sheet { name: sheet.name, header_row, headers, rows });
    }
    Ok(sheets)
}

// ---------------------------------------------------------------------------------------------
// Headers

/// What a header means, whatever its spelling. `Option<String>` is the language of a
/// translated column (`None`: the default language).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    Type,
    Name,
    ListName,
    Label(Option<String>),
    Hint(Option<String>),
    Required,
    RequiredMessage(Option<String>),
    Constraint,
    ConstraintMessage(Option<String>),
    Relevant,
    Calculation,
    Default,
    Appearance,
    ReadOnly,
    ChoiceFilter,
    RepeatCount,
    Parameters,
    Domain,
    MaxScore,
    Score,
    /// Images, audio, video on labels or choices: not supported.
    Media,
    /// XLSForm columns that change behaviour and that we do not support (`trigger`,
    /// `body::…`, `instance::…`, other `bind::…`).
    Unsupported,
    /// Not an XLSForm column: kept on choices, ignored on the survey.
    Other,
}

impl Column {
    /// The spec's spelling of the header, for a column the sheet does not have.
    fn header(&self) -> &'static str {
        match self {
            Column::Type => "type",
            Column::Name => "name",
            Column::ListName => "list_name",
            Column::Label(_) => "label",
            Column::Hint(_) => "hint",
            Column::Required => "required",
            Column::RequiredMessage(_) => "required_message",
            Column::Constraint => "constraint",
            Column::ConstraintMessage(_) => "constraint_message",
            Column::Relevant => "relevant",
            Column::Calculation => "calculation",
            Column::Default => "default",
            Column::Appearance => "appearance",
            Column::ReadOnly => "read_only",
            Column::ChoiceFilter => "choice_filter",
            Column::RepeatCount => "repeat_count",
            Column::Parameters => "parameters",
            Column::Domain => "domain",
            Column::MaxScore => "max_score",
            Column::Score => "score",
            Column::Media => "media",
            Column::Unsupported | Column::Other => "",
        }
    }
}

fn classify(header: &str, choices: bool) -> Column {
    let h = header.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let (h, bound) = match h.strip_prefix("bind::").or_else(|| h.strip_prefix("bind:")) {
        Some(rest) => (rest.to_string(), true),
        None => (h, false),
    };
    let whole = match h.as_str() {
        "type" => Some(Column::Type),
        "name" => Some(Column::Name),
        "value" if choices => Some(Column::Name),
        "list_name" | "list name" => Some(Column::ListName),
        "required" => Some(Column::Required),
        "constraint" => Some(Column::Constraint),
        "relevant" | "relevance" => Some(Column::Relevant),
        "calculation" | "calculate" => Some(Column::Calculation),
        "default" => Some(Column::Default),
        "appearance" => Some(Column::Appearance),
        "read_only" | "read only" | "readonly" => Some(Column::ReadOnly),
        "choice_filter" | "choice filter" => Some(Column::ChoiceFilter),
        "repeat_count" | "repeat count" | "jr:count" => Some(Column::RepeatCount),
        "parameters" => Some(Column::Parameters),
        "domain" => Some(Column::Domain),
        "max_score" | "max score" => Some(Column::MaxScore),
        "score" if choices => Some(Column::Score),
        "jr:constraintmsg" => Some(Column::ConstraintMessage(None)),
        "jr:requiredmsg" => Some(Column::RequiredMessage(None)),
        "trigger" => Some(Column::Unsupported),
        _ => None,
    };
    if let Some(column) = whole {
        return column;
    }
    let (base, language) = match h.split_once(':') {
        Some((base, rest)) => (base.trim(), Some(rest.trim_start_matches(':').trim())),
        None => (h.as_str(), None),
    };
    let language = language.filter(|l| !l.is_empty()).map(language_key);
    match base {
        "label" => Column::Label(language),
        "hint" => Column::Hint(language),
        "constraint_message" | "constraint message" | "constraintmsg" => Column::ConstraintMessage(language),
        "required_message" | "required message" | "requiredmsg" => Column::RequiredMessage(language),
        "media" | "image" | "audio" | "video" | "big-image" => Column::Media,
        "body" | "instance" => Column::Unsupported,
        _ if bound => Column::Unsupported,
        _ => Column::Other,
    }
}

/// A language as a short key: the code in parentheses (`French (fr)` gives `fr`), a known
/// language name (`english` gives `en`), or the name itself in lower case.
pub fn language_key(raw: &str) -> String {
    let raw = raw.trim();
    if let Some(open) = raw.rfind('(')
        && raw.ends_with(')')
    {
        let code = raw[open + 1..raw.len() - 1].trim().to_lowercase();
        if !code.is_empty() {
            return code;
        }
    }
    let lower = raw.to_lowercase();
    match lower.as_str() {
        "english" | "anglais" => "en",
        "french" | "français" | "francais" => "fr",
        "spanish" | "español" | "espanol" => "es",
        "portuguese" | "português" | "portugues" => "pt",
        "kinyarwanda" => "rw",
        "swahili" | "kiswahili" => "sw",
        "chinese" => "zh",
        "arabic" => "ar",
        "german" => "de",
        _ => return lower,
    }
    .to_string()
}

/// A sheet's headers classified, with duplicates and unsupported columns reported.
struct Columns {
    by_index: Vec<Column>,
}

impl Columns {
    fn new(sheet: &Sheet, choices: bool, problems: &mut Vec<Problem>) -> Columns {
        let by_index: Vec<Column> = sheet
            .headers
            .iter()
            .map(|h| if h.trim().is_empty() { Column::Other } else { classify(h, choices) })
            .collect();
        let mut seen = BTreeSet::new();
        for (i, column) in by_index.iter().enumerate() {
            if matches!(column, Column::Other | Column::Media | Column::Unsupported) {
                continue;
            }
            if !seen.insert(column.clone()) {
                problems.push(
                    Problem::new("duplicate-column")
                        .at_row(sheet.header_row)
                        .in_column(sheet.column(i))
                        .with_value(sheet.headers[i].trim()),
                );
            }
        }
        Columns { by_index }
    }
    fn find(&self, wanted: &Column) -> Option<usize> {
        self.by_index.iter().position(|c| c == wanted)
    }
}

/// One row's cells, read by meaning.
struct Row<'a> {
    number: usize,
    cells: &'a [String],
    columns: &'a Columns,
    sheet: &'a Sheet,
}

impl<'a> Row<'a> {
    fn get(&self, wanted: &Column) -> &'a str {
        self.columns.find(wanted).and_then(|i| self.cells.get(i)).map(|c| c.trim()).unwrap_or("")
    }
    /// The header of a column, as the author wrote it, with its sheet.
    fn column(&self, wanted: &Column) -> String {
        match self.columns.find(wanted) {
            Some(i) => self.sheet.column(i),
            None => format!("{}!{}", self.sheet.name, wanted.header()),
        }
    }
    /// Every cell of a kind of column (all languages of `label`, all media columns…).
    fn each(&self, matches: impl Fn(&Column) -> bool) -> Vec<(&'a Column, usize, &'a str)> {
        self.columns
            .by_index
            .iter()
            .enumerate()
            .filter(|(_, c)| matches(c))
            .filter_map(|(i, c)| {
                let text = self.cells.get(i).map(|s| s.trim()).unwrap_or("");
                (!text.is_empty()).then_some((c, i, text))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Types

enum RowType {
    Begin {
        repeat: bool,
    },
    End {
        repeat: bool,
    },
    Question(ItemKind),
    Range,
    /// `select_one list or_other`: the "other" option needs a text question we do not make.
    OrOther,
    Unsupported,
}

const METADATA: &[&str] =
    &["start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "caseid"];

fn parse_type(raw: &str) -> RowType {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let select = |multiple: bool, list: &str| {
        let list = list.to_string();
        RowType::Question(if multiple { ItemKind::SelectMultiple { list } } else { ItemKind::SelectOne { list } })
    };
    match lower.as_slice() {
        ["begin", "group"] | ["begin_group"] => RowType::Begin { repeat: false },
        ["begin", "repeat"] | ["begin_repeat"] => RowType::Begin { repeat: true },
        ["end", "group"] | ["end_group"] => RowType::End { repeat: false },
        ["end", "repeat"] | ["end_repeat"] => RowType::End { repeat: true },
        ["select_one" | "select1", _] => select(false, words[1]),
        ["select", "one", "from", _] | ["select", "one", _] => select(false, words[words.len() - 1]),
        ["select_multiple", _] => select(true, words[1]),
        ["select", "all", "that", "apply", "from", _] | ["select", "multiple", "from", _] => {
            select(true, words[words.len() - 1])
        }
        ["select_one" | "select_multiple", _, "or_other"] => RowType::OrOther,
        ["text" | "string"] => RowType::Question(ItemKind::Text),
        ["integer" | "int"] => RowType::Question(ItemKind::Integer),
        ["decimal"] => RowType::Question(ItemKind::Decimal),
        ["date"] => RowType::Question(ItemKind::Date),
        ["time"] => RowType::Question(ItemKind::Time),
        ["datetime"] => RowType::Question(ItemKind::DateTime),
        ["note"] => RowType::Question(ItemKind::Note),
        ["calculate"] => RowType::Question(ItemKind::Calculate),
        ["acknowledge" | "trigger"] => RowType::Question(ItemKind::Acknowledge),
        ["range"] => RowType::Range,
        [meta] => {
            let meta = meta.strip_prefix("uri:").unwrap_or(meta);
            if METADATA.contains(&meta) {
                RowType::Question(ItemKind::Metadata { of: meta.to_string() })
            } else {
                RowType::Unsupported
            }
        }
        _ => RowType::Unsupported,
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "yes" | "true" | "true()" | "1" => Some(true),
        "no" | "false" | "false()" | "0" | "" => Some(false),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The import

/// An open group or repeat while reading the survey rows.
struct Open {
    item: Item,
    repeat: bool,
    items: Vec<Item>,
}

/// A `${name}` seen somewhere, checked once every name is known.
struct Reference {
    row: usize,
    column: String,
    name: String,
    value: String,
}

struct Import {
    stem: String,
    problems: Vec<Problem>,
    references: Vec<Reference>,
    languages: Vec<String>,
    default_language: String,
    /// Names on rows refused for their type: reported once, so not "unknown" when used.
    refused_names: Vec<String>,
}

impl Import {
    fn new(stem: &str) -> Import {
        Import {
            stem: stem.to_string(),
            problems: Vec::new(),
            references: Vec::new(),
            languages: Vec::new(),
            default_language: "default".into(),
            refused_names: Vec::new(),
        }
    }

    fn run(mut self, sheets: Sheets) -> Result<Form, Vec<Problem>> {
        let settings = self.settings(sheets.settings.as_ref());
        let Some(survey) = sheets.survey else {
            return Err(vec![Problem::new("form-missing-sheet").with_value("survey")]);
        };
        let (lists, choice_columns) = match &sheets.choices {
            Some(sheet) => self.choices(sheet, settings.allow_choice_duplicates),
            None => (BTreeMap::new(), BTreeSet::new()),
        };
        let items = self.survey(&survey);
        self.check_form(&items, &lists, &choice_columns, sheets.choices.is_some());
        if items.is_empty() && self.problems.is_empty() {
            self.problems.push(Problem::new("form-no-questions").in_column(format!("{}!type", survey.name)));
        }
        let mut languages = vec![self.default_language.clone()];
        languages.extend(self.languages.iter().filter(|l| **l != self.default_language).cloned());
        let form = Form {
            form_id: settings.form_id.clone().unwrap_or_else(|| self.stem.clone()),
            version: settings.version.unwrap_or_default(),
            title: settings.title.or(settings.form_id).unwrap_or_else(|| self.stem.clone()),
            default_language: self.default_language.clone(),
            languages,
            items,
            choice_lists: lists,
            plan: Default::default(),
        };
        self.problems.extend(bad_defaults(&form, &survey));
        if self.problems.is_empty() {
            return Ok(form);
        }
        let rank = |p: &Problem| match p.column.as_deref().and_then(|c| c.split_once('!')).map(|(s, _)| s) {
            Some(s) if s.eq_ignore_ascii_case("survey") => 1,
            Some(s) if s.eq_ignore_ascii_case("choices") => 2,
            Some(_) => 3,
            None => 0,
        };
        self.problems.sort_by_key(|p| (rank(p), p.row.unwrap_or(0)));
        Err(self.problems)
    }

    fn settings(&mut self, sheet: Option<&Sheet>) -> Settings {
        let mut settings = Settings::default();
        let Some(sheet) = sheet else { return settings };
        let Some((number, cells)) = sheet.rows.first() else { return settings };
        for (i, header) in sheet.headers.iter().enumerate() {
            let value = cells.get(i).map(|c| c.trim()).unwrap_or("");
            if value.is_empty() {
                continue;
            }
            let column = sheet.column(i);
            match header.trim().to_lowercase().replace(' ', "_").as_str() {
                "form_title" | "title" => settings.title = Some(value.to_string()),
                "form_id" | "id_string" => settings.form_id = Some(value.to_string()),
                "version" => settings.version = Some(value.to_string()),
                "default_language" => self.default_language = language_key(value),
                "allow_choice_duplicates" => settings.allow_choice_duplicates = yes_no(value) == Some(true),
                // Encrypted submissions cannot be read by the server that scores them.
                "public_key" => self.problems.push(unsupported_setting(*number, column, value)),
                "add_none_option" if yes_no(value) != Some(false) => {
                    self.problems.push(unsupported_setting(*number, column, value))
                }
                _ => {}
            }
        }
        settings
    }

    fn add_language(&mut self, language: &Option<String>) -> String {
        let key = language.clone().unwrap_or_else(|| self.default_language.clone());
        if !self.languages.contains(&key) {
            self.languages.push(key.clone());
        }
        key
    }

    /// The text columns of a row (labels, hints, messages), by language, with `${}` checked.
    fn texts(&mut self, row: &Row, pick: impl Fn(&Column) -> Option<&Option<String>>) -> Texts {
        let mut texts = Texts::new();
        for (column, index, text) in row.each(|c| pick(c).is_some()) {
            let language = pick(column).cloned().flatten();
            let key = self.add_language(&language);
            for name in text_references(text) {
                self.references.push(Reference {
                    row: row.number,
                    column: row.sheet.column(index),
                    name,
                    value: text.to_string(),
                });
            }
            texts.insert(key, text.to_string());
        }
        texts
    }

    fn media(&mut self, row: &Row) {
        for (_, index, text) in row.each(|c| *c == Column::Media) {
            self.problems.push(
                Problem::new("form-unsupported-media")
                    .at_row(row.number)
                    .in_column(row.sheet.column(index))
                    .with_value(text),
            );
        }
    }

    fn expression(&mut self, row: &Row, column: &Column, dialect: Dialect) -> Option<Expr> {
        let text = row.get(column);
        if text.is_empty() {
            return None;
        }
        let column = row.column(column);
        match Expr::parse_in(text, dialect) {
            Ok(expr) => {
                for name in expr.references() {
                    self.references.push(Reference {
                        row: row.number,
                        column: column.clone(),
                        name,
                        value: text.to_string(),
                    });
                }
                Some(expr)
            }
            Err(error) => {
                self.problems.push(expression_problem(error).at_row(row.number).in_column(column).with_value(text));
                None
            }
        }
    }

    fn condition(&mut self, row: &Row, column: &Column) -> Condition {
        match yes_no(row.get(column)) {
            Some(true) => Condition::Always,
            Some(false) => Condition::Never,
            None => self.expression(row, column, Dialect::Question).map(Condition::When).unwrap_or(Condition::Never),
        }
    }

    fn choices(&mut self, sheet: &Sheet, allow_duplicates: bool) -> (BTreeMap<String, Vec<Choice>>, BTreeSet<String>) {
        let columns = Columns::new(sheet, true, &mut self.problems);
        let mut extra_headers = BTreeSet::new();
        for (i, c) in columns.by_index.iter().enumerate() {
            if *c == Column::Other && !sheet.headers[i].trim().is_empty() {
                extra_headers.insert(sheet.headers[i].trim().to_string());
            }
        }
        for wanted in [Column::ListName, Column::Name] {
            if columns.find(&wanted).is_none() {
                let header = if wanted == Column::Name { "name" } else { "list_name" };
                self.problems.push(
                    Problem::new("missing-column")
                        .at_row(sheet.header_row)
                        .in_column(format!("{}!{header}", sheet.name)),
                );
                return (BTreeMap::new(), extra_headers);
            }
        }
        let mut lists: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
        let mut first_rows: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (number, cells) in &sheet.rows {
            let row = Row { number: *number, cells, columns: &columns, sheet };
            let list = row.get(&Column::ListName);
            let name = row.get(&Column::Name);
            if list.is_empty() && name.is_empty() {
                continue;
            }
            for (wanted, value) in [(Column::ListName, list), (Column::Name, name)] {
                if value.is_empty() {
                    self.problems.push(Problem::new("required").at_row(*number).in_column(row.column(&wanted)));
                }
            }
            if list.is_empty() || name.is_empty() {
                continue;
            }
            let label = self.texts(&row, |c| if let Column::Label(l) = c { Some(l) } else { None });
            self.media(&row);
            let score_text = row.get(&Column::Score);
            let score = if score_text.is_empty() {
                None
            } else {
                match score_text.parse::<f64>() {
                    Ok(s) if s.is_finite() => Some(s),
                    _ => {
                        self.problems.push(
                            Problem::new("bad-number")
                                .at_row(*number)
                                .in_column(row.column(&Column::Score))
                                .with_value(score_text),
                        );
                        None
                    }
                }
            };
            let extra = columns
                .by_index
                .iter()
                .enumerate()
                .filter(|(i, c)| **c == Column::Other && !sheet.headers[*i].trim().is_empty())
                .map(|(i, _)| {
                    (sheet.headers[i].trim().to_string(), cells.get(i).map(|c| c.trim()).unwrap_or("").to_string())
                })
                .filter(|(_, v)| !v.is_empty())
                .collect();
            let key = (list.to_string(), name.to_string());
            if let Some(first) = first_rows.get(&key) {
                if !allow_duplicates {
                    self.problems.push(
                        Problem::new("form-duplicate-choice")
                            .at_row(*number)
                            .in_column(row.column(&Column::Name))
                            .with_value(name)
                            .arg("first", first),
                    );
                }
            } else {
                first_rows.insert(key, *number);
            }
            lists.entry(list.to_string()).or_default().push(Choice { name: name.to_string(), label, score, extra });
        }
        (lists, extra_headers)
    }

    fn survey(&mut self, sheet: &Sheet) -> Vec<Item> {
        let columns = Columns::new(sheet, false, &mut self.problems);
        for wanted in [Column::Type, Column::Name] {
            if columns.find(&wanted).is_none() {
                let header = if wanted == Column::Type { "type" } else { "name" };
                self.problems.push(
                    Problem::new("missing-column")
                        .at_row(sheet.header_row)
                        .in_column(format!("{}!{header}", sheet.name)),
                );
            }
        }
        if !self.problems.is_empty() && (columns.find(&Column::Type).is_none() || columns.find(&Column::Name).is_none())
        {
            return Vec::new();
        }
        let mut stack: Vec<Open> = Vec::new();
        let mut top: Vec<Item> = Vec::new();
        for (number, cells) in &sheet.rows {
            let row = Row { number: *number, cells, columns: &columns, sheet };
            let type_text = row.get(&Column::Type);
            let name = row.get(&Column::Name);
            if type_text.is_empty() {
                if !name.is_empty() {
                    self.problems.push(Problem::new("required").at_row(*number).in_column(row.column(&Column::Type)));
                }
                continue;
            }
            let kind = match parse_type(type_text) {
                RowType::End { repeat } => {
                    match stack.pop() {
                        Some(open) if open.repeat == repeat => {
                            let mut item = open.item;
                            item.kind = match item.kind {
                                ItemKind::Repeat { repeat_count, .. } => {
                                    ItemKind::Repeat { items: open.items, repeat_count }
                                }
                                _ => ItemKind::Group { items: open.items },
                            };
                            stack.last_mut().map(|o| &mut o.items).unwrap_or(&mut top).push(item);
                        }
                        Some(open) => {
                            self.problems.push(
                                Problem::new("form-mismatched-end")
                                    .at_row(*number)
                                    .in_column(row.column(&Column::Type))
                                    .with_value(type_text)
                                    .arg("begin", open.item.row),
                            );
                            stack.push(open);
                        }
                        None => self.problems.push(
                            Problem::new("form-unexpected-end")
                                .at_row(*number)
                                .in_column(row.column(&Column::Type))
                                .with_value(type_text),
                        ),
                    }
                    continue;
                }
                unsupported @ (RowType::Unsupported | RowType::OrOther) => {
                    let code = if matches!(unsupported, RowType::OrOther) {
                        "form-unsupported-or-other"
                    } else {
                        "form-unsupported-type"
                    };
                    self.problems.push(
                        Problem::new(code).at_row(*number).in_column(row.column(&Column::Type)).with_value(type_text),
                    );
                    self.refused_names.push(name.to_string());
                    continue;
                }
                RowType::Begin { repeat: false } => ItemKind::Group { items: Vec::new() },
                RowType::Begin { repeat: true } => ItemKind::Repeat {
                    items: Vec::new(),
                    repeat_count: self.expression(&row, &Column::RepeatCount, Dialect::Question),
                },
                RowType::Range => self.range(&row),
                RowType::Question(kind) => kind,
            };
            if name.is_empty() {
                self.problems.push(Problem::new("required").at_row(*number).in_column(row.column(&Column::Name)));
            } else if !valid_name(name) {
                self.problems.push(
                    Problem::new("form-bad-name").at_row(*number).in_column(row.column(&Column::Name)).with_value(name),
                );
            }
            let item = self.item(&row, name, kind);
            match &item.kind {
                ItemKind::Group { .. } => stack.push(Open { item, repeat: false, items: Vec::new() }),
                ItemKind::Repeat { .. } => stack.push(Open { item, repeat: true, items: Vec::new() }),
                _ => stack.last_mut().map(|o| &mut o.items).unwrap_or(&mut top).push(item),
            }
        }
        while let Some(open) = stack.pop() {
            let value = if open.repeat { "begin repeat" } else { "begin group" };
            self.problems.push(
                Problem::new("form-unclosed-group")
                    .at_row(open.item.row)
                    .in_column(format!("{}!{}", sheet.name, header_of(sheet, &columns, &Column::Type)))
                    .with_value(value)
                    .arg("name", &open.item.name),
            );
        }
        top
    }

    fn range(&mut self, row: &Row) -> ItemKind {
        let text = row.get(&Column::Parameters);
        let (mut start, mut end, mut step) = (1.0, 10.0, 1.0);
        let mut bad = false;
        for part in text.split([' ', ';', ',']).filter(|p| !p.trim().is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                bad = true;
                continue;
            };
            let Ok(value) = value.trim().parse::<f64>() else {
                bad = true;
                continue;
            };
            match key.trim().to_lowercase().as_str() {
                "start" => start = value,
                "end" => end = value,
                "step" => step = value,
                _ => bad = true,
            }
        }
        if bad || step <= 0.0 || start >= end || !step.is_finite() {
            self.problems.push(
                Problem::new("form-bad-parameters")
                    .at_row(row.number)
                    .in_column(row.column(&Column::Parameters))
                    .with_value(text),
            );
        }
        ItemKind::Range { start, end, step }
    }

    fn item(&mut self, row: &Row, name: &str, kind: ItemKind) -> Item {
        let mut item = Item::new(name, kind, row.number);
        item.label = self.texts(row, |c| if let Column::Label(l) = c { Some(l) } else { None });
        item.hint = self.texts(row, |c| if let Column::Hint(l) = c { Some(l) } else { None });
        item.required_message = self.texts(row, |c| if let Column::RequiredMessage(l) = c { Some(l) } else { None });
        item.constraint_message =
            self.texts(row, |c| if let Column::ConstraintMessage(l) = c { Some(l) } else { None });
        item.required = self.condition(row, &Column::Required);
        item.read_only = self.condition(row, &Column::ReadOnly);
        item.constraint = self.expression(row, &Column::Constraint, Dialect::Question);
        item.relevant = self.expression(row, &Column::Relevant, Dialect::Question);
        item.calculation = self.expression(row, &Column::Calculation, Dialect::Question);
        item.choice_filter = self.expression(row, &Column::ChoiceFilter, Dialect::ChoiceFilter);
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        item.default = non_empty(row.get(&Column::Default));
        item.appearance = non_empty(row.get(&Column::Appearance));
        item.domain = non_empty(row.get(&Column::Domain));
        self.media(row);
        for (_, index, text) in row.each(|c| *c == Column::Unsupported) {
            self.problems.push(
                Problem::new("form-unsupported-column")
                    .at_row(row.number)
                    .in_column(row.sheet.column(index))
                    .with_value(text),
            );
        }
        if let Some(appearance) = &item.appearance {
            let lower = appearance.to_lowercase();
            let unsupported = lower.contains("search(")
                || lower.split_whitespace().any(|w| w.starts_with("custom-") || w.starts_with("ex:"));
            if unsupported {
                self.problems.push(
                    Problem::new("form-unsupported-appearance")
                        .at_row(row.number)
                        .in_column(row.column(&Column::Appearance))
                        .with_value(appearance),
                );
            }
        }
        let max_score = row.get(&Column::MaxScore);
        if !max_score.is_empty() {
            match max_score.parse::<f64>() {
                Ok(m) if m.is_finite() && m > 0.0 => item.max_score = Some(m),
                _ => self.problems.push(
                    Problem::new("bad-number")
                        .at_row(row.number)
                        .in_column(row.column(&Column::MaxScore))
                        .with_value(max_score),
                ),
            }
        }
        self.check_columns_fit(row, &item);
        item
    }

    /// Columns that only some kinds of item may carry.
    fn check_columns_fit(&mut self, row: &Row, item: &Item) {
        let misplaced = |column: &Column| -> bool {
            let select = matches!(item.kind, ItemKind::SelectOne { .. } | ItemKind::SelectMultiple { .. });
            let numeric = matches!(item.kind, ItemKind::Integer | ItemKind::Decimal | ItemKind::Range { .. });
            match column {
                Column::Calculation => !matches!(item.kind, ItemKind::Calculate),
                Column::ChoiceFilter => !select,
                Column::RepeatCount => !matches!(item.kind, ItemKind::Repeat { .. }),
                Column::Parameters => !matches!(item.kind, ItemKind::Range { .. }),
                Column::MaxScore => !numeric,
                _ => false,
            }
        };
        for column in [Column::Calculation, Column::ChoiceFilter, Column::RepeatCount, Column::Parameters] {
            let text = row.get(&column);
            if !text.is_empty() && misplaced(&column) {
                self.problems.push(
                    Problem::new("form-unsupported-column")
                        .at_row(row.number)
                        .in_column(row.column(&column))
                        .with_value(text),
                );
            }
        }
        let max_score = row.get(&Column::MaxScore);
        if !max_score.is_empty() && misplaced(&Column::MaxScore) {
            self.problems.push(
                Problem::new("form-not-scorable")
                    .at_row(row.number)
                    .in_column(row.column(&Column::MaxScore))
                    .with_value(max_score),
            );
        }
        if matches!(item.kind, ItemKind::Calculate) && row.get(&Column::Calculation).is_empty() {
            self.problems.push(Problem::new("required").at_row(row.number).in_column(row.column(&Column::Calculation)));
        }
        if let Some(domain) = &item.domain {
            let scorable = match &item.kind {
                ItemKind::SelectOne { .. } | ItemKind::SelectMultiple { .. } | ItemKind::Range { .. } => true,
                ItemKind::Integer | ItemKind::Decimal => {
                    if item.max_score.is_none() && row.get(&Column::MaxScore).is_empty() {
                        self.problems.push(
                            Problem::new("form-missing-max-score")
                                .at_row(row.number)
                                .in_column(row.column(&Column::Domain))
                                .with_value(domain),
                        );
                    }
                    true
                }
                _ => false,
            };
            if !scorable {
                self.problems.push(
                    Problem::new("form-not-scorable")
                        .at_row(row.number)
                        .in_column(row.column(&Column::Domain))
                        .with_value(domain),
                );
            }
        }
    }

    /// Checks that need the whole form: names, references, lists, choice filters, scores.
    fn check_form(
        &mut self,
        items: &[Item],
        lists: &BTreeMap<String, Vec<Choice>>,
        choice_columns: &BTreeSet<String>,
        has_choices_sheet: bool,
    ) {
        let mut all = Vec::new();
        fn collect<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
            for item in items {
                out.push(item);
                collect(item.children(), out);
            }
        }
        collect(items, &mut all);
        let mut first: BTreeMap<&str, usize> = BTreeMap::new();
        for item in &all {
            if item.name.is_empty() {
                continue;
            }
            if let Some(row) = first.get(item.name.as_str()) {
                self.problems.push(
                    Problem::new("form-duplicate-name")
                        .at_row(item.row)
                        .in_column("survey!name")
                        .with_value(&item.name)
                        .arg("first", row),
                );
            } else {
                first.insert(&item.name, item.row);
            }
        }
        let refused = std::mem::take(&mut self.refused_names);
        for reference in std::mem::take(&mut self.references) {
            if !first.contains_key(reference.name.as_str()) && !refused.contains(&reference.name) {
                self.problems.push(
                    Problem::new("form-unknown-reference")
                        .at_row(reference.row)
                        .in_column(reference.column)
                        .with_value(reference.value)
                        .arg("name", reference.name),
                );
            }
        }
        for item in &all {
            let (ItemKind::SelectOne { list } | ItemKind::SelectMultiple { list }) = &item.kind else {
                continue;
            };
            let Some(choices) = lists.get(list) else {
                let code = if has_choices_sheet { "form-missing-choices" } else { "form-missing-sheet" };
                let problem = Problem::new(code).at_row(item.row).in_column("survey!type");
                let problem = if has_choices_sheet { problem.with_value(list) } else { problem.with_value("choices") };
                self.problems.push(problem);
                continue;
            };
            if let Some(filter) = &item.choice_filter {
                for column in filter.choice_columns() {
                    if column != "name" && column != "label" && !choice_columns.contains(&column) {
                        self.problems.push(
                            Problem::new("form-unknown-choice-column")
                                .at_row(item.row)
                                .in_column("survey!choice_filter")
                                .with_value(filter.source())
                                .arg("name", column),
                        );
                    }
                }
            }
            if let Some(domain) = &item.domain
                && choices.iter().all(|c| c.score.is_none())
            {
                self.problems.push(
                    Problem::new("form-no-scores")
                        .at_row(item.row)
                        .in_column("survey!domain")
                        .with_value(domain)
                        .arg("list", list),
                );
            }
        }
    }
}

/// Defaults that are not valid answers to their question (checked like a submission).
fn bad_defaults(form: &Form, survey: &Sheet) -> Vec<Problem> {
    let column = survey
        .headers
        .iter()
        .position(|h| classify(h, false) == Column::Default)
        .map(|i| survey.column(i))
        .unwrap_or_else(|| format!("{}!default", survey.name));
    let mut problems = Vec::new();
    for item in form.all_items() {
        let Some(default) = &item.default else { continue };
        let as_answer = serde_json::Value::String(default.clone());
        let fits = !matches!(item.kind, ItemKind::Group { .. } | ItemKind::Repeat { .. })
            && crate::validate::parse_answer(form, item, &as_answer).is_ok();
        if !fits {
            problems.push(Problem::new("form-bad-default").at_row(item.row).in_column(&column).with_value(default));
        }
    }
    problems
}

fn header_of(sheet: &Sheet, columns: &Columns, wanted: &Column) -> String {
    columns.find(wanted).map(|i| sheet.headers[i].trim().to_string()).unwrap_or_default()
}

#[derive(Default)]
struct Settings {
    title: Option<String>,
    form_id: Option<String>,
    version: Option<String>,
    allow_choice_duplicates: bool,
}

fn unsupported_setting(row: usize, column: String, value: &str) -> Problem {
    let value = if value.chars().count() > 40 {
        format!("{}…", value.chars().take(40).collect::<String>())
    } else {
        value.to_string()
    };
    Problem::new("form-unsupported-setting").at_row(row).in_column(column).with_value(value)
}

/// The problem for an expression that cannot be used (row, column and value added by the caller).
fn expression_problem(error: ExprError) -> Problem {
    match error {
        ExprError::Syntax { at } => Problem::new("form-bad-expression").arg("position", at),
        ExprError::UnsupportedFunction { name, .. } => Problem::new("form-unsupported-function").arg("function", name),
        ExprError::Arity { name, .. } => Problem::new("form-bad-arguments").arg("function", name),
        ExprError::UnsupportedPath { path, .. } => Problem::new("form-unsupported-path").arg("path", path),
        ExprError::BadPattern { pattern, .. } => Problem::new("form-bad-pattern").arg("pattern", pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_spellings_map_to_one_meaning() {
        for h in ["relevant", "relevance", "bind:relevant", "bind::relevant", "Relevance"] {
            assert_eq!(classify(h, false), Column::Relevant, "{h}");
        }
        for h in ["constraint_message", "constraint message", "bind:jr:constraintMsg"] {
            assert_eq!(classify(h, false), Column::ConstraintMessage(None), "{h}");
        }
        for h in ["read_only", "read only", "readonly", "bind:readonly"] {
            assert_eq!(classify(h, false), Column::ReadOnly, "{h}");
        }
        for h in ["required message", "requiredMsg", "required_message"] {
            assert_eq!(classify(h, false), Column::RequiredMessage(None), "{h}");
        }
        let fr = Some("fr".to_string());
        for h in ["label::French (fr)", "label:french", "label::french", "label: Français"] {
            assert_eq!(classify(h, false), Column::Label(fr.clone()), "{h}");
        }
        assert_eq!(classify("constraint message:spanish", false), Column::ConstraintMessage(Some("es".into())));
        assert_eq!(classify("media:image:spanish", false), Column::Media);
        assert_eq!(classify("image::english", false), Column::Media);
        assert_eq!(classify("value", true), Column::Name);
        assert_eq!(classify("value", false), Column::Other);
        assert_eq!(classify("tutorial notes", false), Column::Other);
        assert_eq!(classify("body::accuracyThreshold", false), Column::Unsupported);
    }

    #[test]
    fn type_cells_tolerate_spaces_and_legacy_spellings() {
        let kind = |raw: &str| match parse_type(raw) {
            RowType::Question(kind) => Some(kind),
            _ => None,
        };
        assert_eq!(kind("  select_multiple  happy_sad "), Some(ItemKind::SelectMultiple { list: "happy_sad".into() }));
        assert_eq!(kind("select one from sexes"), Some(ItemKind::SelectOne { list: "sexes".into() }));
        assert_eq!(kind("select all that apply from list"), Some(ItemKind::SelectMultiple { list: "list".into() }));
        assert_eq!(kind("string"), Some(ItemKind::Text));
        assert_eq!(kind("int"), Some(ItemKind::Integer));
        assert_eq!(kind("dateTime"), Some(ItemKind::DateTime));
        assert_eq!(kind("trigger"), Some(ItemKind::Acknowledge));
        assert_eq!(kind("uri:deviceid"), Some(ItemKind::Metadata { of: "deviceid".into() }));
        assert!(matches!(parse_type("begin  group"), RowType::Begin { repeat: false }));
        assert!(matches!(parse_type("end_repeat"), RowType::End { repeat: true }));
        assert!(matches!(parse_type("select_one occupation or_other"), RowType::OrOther));
        for raw in ["geopoint", "image", "select_one_from_file x.csv", "rank list", "calculate_here", "audio audit"] {
            assert!(matches!(parse_type(raw), RowType::Unsupported), "{raw}");
        }
    }

    #[test]
    fn languages_become_short_keys() {
        assert_eq!(language_key("French (fr)"), "fr");
        assert_eq!(language_key("english"), "en");
        assert_eq!(language_key("Kirundi"), "kirundi");
    }
}
