//! XLSForm import: a workbook (`.xlsx` or old `.xls`) given as bytes becomes a [`Form`].
//!
//! Reads the `survey`, `choices`, `settings` and `external_choices` sheets and ignores the
//! others (`help-*`, `notes`, `columns`…); a workbook with none of them has its first sheet
//! read as the survey, and a run of more than 60 empty rows ends a sheet, as in pyxform.
//! Real workbooks vary, so header spellings (`relevance`, `bind:relevant`, `constraint
//! message`, `bind:jr:constraintMsg`, `read only`, `requiredMsg`, `label::French (fr)`,
//! `media::image::fr`…), stray spaces in type cells and legacy types (`string`, `int`, `gps`,
//! `phone number`, `imei`, `select one from x`, `select one from x or specify other`, `begin
//! loop over x`, `dateTime`, `trigger`) are accepted. `or_other` adds an `other` choice (to a
//! copy of the list, `<list> or_other`) and a text question `<name>_other`; a loop becomes a
//! group per choice with its questions renamed `<loop>_<choice>_<name>`, `%(name)s`,
//! `%(label)s` and any other column of the choices (`%(column)s`) in its rows' cells the
//! choice's, inside `${…}` too (`${%(name)s_count}` reads `${pit_count}` in the copy for
//! `pit`), each copy's references checked; a `trigger` in a loop names, in each copy, that
//! copy's question when it names one of the loop's rows; a note without a
//! name is named after its row; `disabled` rows are left out. The settings' `public_key` is
//! accepted and not used: submissions reach OpenCPD by its own field app, unencrypted.
//! `add_none_option` gives each `select_multiple`'s list a "none" choice chosen alone, as
//! pyxform does; `name` is the root of absolute paths (`data` without it, or the form id).
//! A `calculation` may sit on any question, not only a `calculate`: JavaRosa's calculate
//! bind, the value following its inputs. A `trigger` (`${a}`, or `${a}, ${b}`) makes the
//! item's value set when one of those questions changes and kept otherwise (pyxform's
//! `setvalue` on `xforms-value-changed`); each must be a question the respondent sees.
//! Every path (`../x`, `/data/x`, `current()/../x`) must name an item from where it is
//! written, else it is reported at its row and column;
//! in a loop, from each copy of the row, pyxform's `<loop>/<choice>/<name>` pointed at the
//! copy's names. `bind::`, `instance::` and `body::` columns are kept under the names pyxform
//! writes (`bind::odk:length`; `compact_tag` is `instance::odk:tag`), an attribute in a
//! namespace neither XForms nor the settings' `namespaces` declare is refused (ODK Validate
//! refuses the XForm), and those ODK Collect acts on are honoured: `bind::jr:constraintMsg`
//! and `bind::jr:requiredMsg` (with a language) are the messages, `noAppErrorString` is said
//! for an `ex:` question, `bind::orx:max-pixels` and `body::accuracyThreshold` are the
//! parameters they come from. `bind::odk:length` sizes ODK Aggregate's database column and
//! limits nothing in Collect, nor here.
//!
//! What OpenCPD cannot honour is reported, never dropped: a question type, function, path,
//! appearance or setting we do not support is a [`Problem`] naming the sheet and header
//! (`survey!type`), the spreadsheet row and the value, and so is a row with a label but no
//! type. All problems are collected; a form with any problem is rejected whole. Columns that
//! XLSForm does not define (notes to the author, SurveyCTO's `publishable`…) are ignored, as
//! pyxform does.

use crate::expr::{Dialect, Expr, ExprError, Step, follow_path, path_text, rename_path_steps, text_references};
use crate::model::{Choice, Condition, Form, Item, ItemKind, MediaKind, Texts};
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
    external_choices: Option<Sheet>,
}

/// A run of more empty rows than this ends a sheet, as in pyxform: what lies below is
/// notes or leftovers, not the form.
const MAX_EMPTY_ROWS: usize = 60;

/// Reads the sheets through the one bounded spreadsheet reader, within [`Limits::FORM`]:
/// the first row holding a cell is the header. A sheet without a header is no sheet; a
/// workbook without a `survey` sheet (nor any other XLSForm sheet) has its first sheet
/// read as the survey, as pyxform does.
fn read_sheets(bytes: &[u8]) -> Result<Sheets, Problem> {
    let read_with = |which| {
        opencpd_transfer::read_sheets(bytes, which, &Limits::FORM)
            .map_err(|p| if p.code == "not-a-table" { Problem { code: "form-unreadable", ..p } } else { p })
    };
    let mut read = read_with(Which::Named(&["survey", "choices", "settings", "external_choices"]))?;
    let mut first_as_survey = false;
    if read.is_empty() {
        read = read_with(Which::First)?;
        first_as_survey = true;
    }
    let mut sheets = Sheets { survey: None, choices: None, settings: None, external_choices: None };
    for sheet in read {
        let slot = match sheet.name.to_lowercase().as_str() {
            _ if first_as_survey => &mut sheets.survey,
            "survey" => &mut sheets.survey,
            "choices" => &mut sheets.choices,
            "external_choices" => &mut sheets.external_choices,
            _ => &mut sheets.settings,
        };
        let mut rows = sheet.rows.into_iter().map(|r| (r.number, r.cells));
        let Some((header_row, headers)) = rows.next() else { continue };
        let mut kept: Vec<(usize, Vec<String>)> = Vec::new();
        let mut last = header_row;
        for (number, cells) in rows {
            if !cells.iter().any(|c| !c.trim().is_empty()) {
                continue;
            }
            if number - last - 1 > MAX_EMPTY_ROWS {
                break;
            }
            last = number;
            kept.push((number, cells));
        }
        *slot = Some(Sheet { name: sheet.name, header_row, headers, rows: kept });
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
    /// Images, audio, video on labels or choices: the kind (`image`, `big-image`, `audio`,
    /// `video`) and the language.
    Media(String, Option<String>),
    /// `bind::…`, `instance::…`, `body::…` and `compact_tag`: attributes kept with the item
    /// (see [`attribute_key`]).
    Attribute,
    /// `trigger`: the questions whose change sets the item's value (`${a}`, or `${a}, ${b}`).
    Trigger,
    /// `noAppErrorString` (`bind::jr:noAppErrorString`): what to say when an `ex:` app cannot
    /// be opened, per language.
    NoAppMessage(Option<String>),
    /// `disabled`: a row that is not part of the form.
    Disabled,
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
            Column::Media(..) => "media",
            Column::NoAppMessage(_) => "noAppErrorString",
            Column::Disabled => "disabled",
            Column::Trigger => "trigger",
            Column::Attribute | Column::Other => "",
        }
    }
}

fn classify(header: &str, choices: bool) -> Column {
    let h = header.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let (h, bound) = match h.strip_prefix("bind::").or_else(|| h.strip_prefix("bind:")) {
        Some(rest) => (rest.to_string(), true),
        None => (h, false),
    };
    // `jr:constraintMsg::French (fr)`: the messages of the `jr` namespace take a language.
    let h = match h.strip_prefix("jr:") {
        Some(rest) if ["constraintmsg", "requiredmsg", "noapperrorstring"].iter().any(|m| rest.starts_with(m)) => {
            rest.to_string()
        }
        _ => h,
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
        "compact_tag" => Some(Column::Attribute),
        "trigger" => Some(Column::Trigger),
        "disabled" => Some(Column::Disabled),
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
    let media = h.strip_prefix("media::").or_else(|| h.strip_prefix("media:")).unwrap_or(&h);
    let (kind, media_language) = match media.split_once(':') {
        Some((kind, rest)) => (kind.trim(), Some(rest.trim_start_matches(':').trim()).filter(|l| !l.is_empty())),
        None => (media.trim(), None),
    };
    if matches!(kind, "image" | "big-image" | "audio" | "video") {
        return Column::Media(kind.to_string(), media_language.map(language_key));
    }
    match base {
        "label" => Column::Label(language),
        "hint" => Column::Hint(language),
        "constraint_message" | "constraint message" | "constraintmsg" => Column::ConstraintMessage(language),
        "required_message" | "required message" | "requiredmsg" => Column::RequiredMessage(language),
        "noapperrorstring" | "no_app_error_string" => Column::NoAppMessage(language),
        "body" | "control" | "instance" => Column::Attribute,
        _ if bound => Column::Attribute,
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

/// The key an attribute column is kept under in [`Item::attributes`]: `bind::NAME`,
/// `instance::NAME` or `body::NAME` (`control::` is pyxform's other spelling of `body::`)
/// with the name as written, since XML names keep their case (`saveIncomplete`);
/// `compact_tag` is pyxform's alias of `instance::odk:tag`.
fn attribute_key(header: &str) -> String {
    let header = header.trim();
    let lower = header.to_lowercase();
    if lower == "compact_tag" {
        return "instance::odk:tag".into();
    }
    for (kind, spellings) in
        [("bind", &["bind::", "bind:"][..]), ("instance", &["instance::"]), ("body", &["body::", "control::"])]
    {
        for spelling in spellings {
            if lower.starts_with(spelling) {
                return format!("{kind}::{}", header[spelling.len()..].trim());
            }
        }
    }
    lower
}

/// The namespace prefixes every XForm pyxform writes declares (`xmlns:h`, `ev`, `xsd`, `jr`,
/// `orx`, `odk`): an attribute named with another prefix needs it declared in the settings'
/// `namespaces` column, or ODK Validate refuses the form.
const NAMESPACES: [&str; 6] = ["h", "ev", "xsd", "jr", "orx", "odk"];

/// The prefixes the settings' `namespaces` column declares: `oc="http://…" esri='…'`.
fn declared_namespaces(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter_map(|part| part.split_once('='))
        .map(|(prefix, _)| prefix.trim().to_string())
        .filter(|prefix| !prefix.is_empty())
        .collect()
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
            if matches!(column, Column::Other | Column::Attribute) {
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
    /// `begin loop over list`: the rows up to `end loop` asked once per choice of the list.
    BeginLoop {
        list: String,
    },
    EndLoop,
    Question(ItemKind),
    /// A select with an "other" choice and a text question to say which (`or_other`, or the
    /// legacy `or specify other`).
    OrOther(ItemKind),
    Range,
    /// `csv-external` / `xml-external`: a data file attached to the form, not a question.
    External {
        extension: &'static str,
    },
    Unsupported,
}

/// The metadata types, with their legacy spellings.
fn metadata(word: &str) -> Option<&'static str> {
    Some(match word.strip_prefix("uri:").unwrap_or(word) {
        "start" => "start",
        "end" => "end",
        "today" => "today",
        "deviceid" | "imei" => "deviceid",
        "subscriberid" => "subscriberid",
        "simserial" => "simserial",
        "phonenumber" => "phonenumber",
        "username" => "username",
        "email" => "email",
        "caseid" => "caseid",
        "audit" => "audit",
        "start-geopoint" => "start-geopoint",
        "background-audio" => "background-audio",
        "background-geopoint" => "background-geopoint",
        _ => return None,
    })
}

fn parse_type(raw: &str) -> RowType {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let kind = |multiple: bool, list: &str| {
        let list = list.to_string();
        if multiple { ItemKind::SelectMultiple { list } } else { ItemKind::SelectOne { list } }
    };
    let select = |multiple: bool, list: &str| RowType::Question(kind(multiple, list));
    let other = |multiple: bool, list: &str| RowType::OrOther(kind(multiple, list));
    let question = |kind: ItemKind| RowType::Question(kind);
    let media = |of: MediaKind| RowType::Question(ItemKind::Media { of });
    let last = words.last().copied().unwrap_or("");
    match lower.as_slice() {
        ["begin", "group"] | ["begin_group"] => RowType::Begin { repeat: false },
        ["begin", "repeat"] | ["begin_repeat"] => RowType::Begin { repeat: true },
        ["end", "group"] | ["end_group"] => RowType::End { repeat: false },
        ["end", "repeat"] | ["end_repeat"] => RowType::End { repeat: true },
        ["begin", "loop", "over", _] | ["begin_loop", "over", _] | ["begin", "loop", _] | ["begin_loop", _] => {
            RowType::BeginLoop { list: last.to_string() }
        }
        ["end", "loop"] | ["end_loop"] => RowType::EndLoop,
        ["select_one" | "select1", _, "or_other"] => other(false, words[1]),
        ["select_multiple", _, "or_other"] => other(true, words[1]),
        ["select", "one", "from", _, "or", "specify", "other"] => other(false, words[3]),
        ["select", "all", "that", "apply", "from", _, "or", "specify", "other"]
        | ["select", "multiple", "from", _, "or", "specify", "other"] => other(true, words[words.len() - 4]),
        ["select_one" | "select1", _] => select(false, words[1]),
        ["select", "one", "from", _] | ["select", "one", _] => select(false, last),
        ["select_multiple" | "select_all_that_apply", _] => select(true, words[1]),
        ["select", "all", "that", "apply", "from", _] | ["select", "multiple", "from", _] => select(true, last),
        ["select_one_from_file", _] => {
            question(ItemKind::SelectFromFile { file: words[1].to_string(), multiple: false })
        }
        ["select_multiple_from_file", _] => {
            question(ItemKind::SelectFromFile { file: words[1].to_string(), multiple: true })
        }
        ["select_one_external", _] => question(ItemKind::SelectExternal { list: words[1].to_string() }),
        ["rank", _] => question(ItemKind::Rank { list: words[1].to_string() }),
        ["text" | "string"] => question(ItemKind::Text),
        ["integer" | "int"] => question(ItemKind::Integer),
        ["decimal"] => question(ItemKind::Decimal),
        ["date"] => question(ItemKind::Date),
        ["time"] => question(ItemKind::Time),
        ["datetime"] => question(ItemKind::DateTime),
        ["note"] => question(ItemKind::Note),
        ["calculate"] => question(ItemKind::Calculate),
        ["acknowledge" | "trigger"] => question(ItemKind::Acknowledge),
        ["hidden"] => question(ItemKind::Hidden),
        ["barcode"] => question(ItemKind::Barcode),
        ["geopoint" | "gps" | "location"] => question(ItemKind::Geopoint),
        ["geotrace"] => question(ItemKind::Geotrace),
        ["geoshape"] => question(ItemKind::Geoshape),
        // `osm` names the list of its tags; the answer is the file the map editor saves.
        ["osm"] | ["osm", _] => media(MediaKind::File),
        ["range"] => RowType::Range,
        ["csv-external"] => RowType::External { extension: "csv" },
        ["xml-external"] => RowType::External { extension: "xml" },
        ["phone", "number"] => question(ItemKind::Metadata { of: "phonenumber".into() }),
        [word] => match (MediaKind::parse(word), metadata(word)) {
            (Some(of), _) => media(of),
            (None, Some(of)) => question(ItemKind::Metadata { of: of.to_string() }),
            (None, None) => RowType::Unsupported,
        },
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
    /// The list of a `begin loop over list`.
    over: Option<String>,
    /// How many paths were seen before its rows: a loop's rows have theirs checked in each
    /// copy instead (see [`Import::unroll`]).
    paths_mark: usize,
    /// How many of [`Import::loop_references`] were seen before its rows.
    references_mark: usize,
}

/// What a loop's copies need to point their paths at their own names.
struct LoopShape {
    /// The loop's name.
    name: String,
    /// The names of its list's choices (pyxform's group for each).
    choices: Vec<String>,
    /// The names its rows are written with, before renaming.
    body: BTreeSet<String>,
}

impl LoopShape {
    /// A path's step `step` taken from the element `from` (as renamed): a choice under the
    /// loop is the choice's group, a row's name under a choice's group (or a group of its
    /// copy) is that copy's name; anything else keeps its name.
    fn rename(&self, from: Option<&str>, step: &str) -> Option<String> {
        let from = from?;
        if from == self.name && self.choices.iter().any(|c| c == step) {
            return Some(format!("{}_{step}", self.name));
        }
        let prefix = self.choices.iter().map(|c| format!("{}_{c}", self.name)).find(|p| {
            from == p.as_str()
                || from
                    .strip_prefix(p.as_str())
                    .and_then(|r| r.strip_prefix('_'))
                    .is_some_and(|r| self.body.contains(r))
        })?;
        self.body.contains(step).then(|| format!("{prefix}_{step}"))
    }
}

/// One copy of a loop's rows: the prefix its names take (`<loop>_<choice>`) and the names
/// the loop's rows are written with.
struct LoopCopy<'a> {
    prefix: String,
    body: &'a BTreeSet<String>,
}

/// A path's step `step` named for a loop's copy, if it goes into one: the path is written
/// for the item at the end of `here` (its groups, outermost first, then itself), and
/// `before` are its steps so far, as renamed. `None`: the step keeps its name.
fn loop_step(loops: &[LoopShape], here: &[String], absolute: bool, before: &[Step], step: &str) -> Option<String> {
    if absolute && before.is_empty() {
        return None; // the root
    }
    let mut at: Vec<&str> = if absolute { Vec::new() } else { here.iter().map(String::as_str).collect() };
    for (i, s) in before.iter().enumerate() {
        match s {
            Step::Child(_) if absolute && i == 0 => {}
            Step::Child(name) => at.push(name),
            Step::Parent => drop(at.pop()),
        }
    }
    let from = at.last().copied();
    loops.iter().find_map(|shape| shape.rename(from, step))
}

/// An item's expressions that may hold paths, with the column they come from and how they
/// are parsed: relevance, constraint, calculation, choice filter, the `required` and
/// `read_only` conditions, a repeat's count.
fn expression_fields(item: &mut Item) -> Vec<(&'static str, Dialect, &mut Expr)> {
    fn condition(c: &mut Condition) -> Option<&mut Expr> {
        match c {
            Condition::When(expr) => Some(expr),
            _ => None,
        }
    }
    let repeat_count = match &mut item.kind {
        ItemKind::Repeat { repeat_count, .. } => repeat_count.as_mut(),
        _ => None,
    };
    [
        ("relevant", Dialect::Question, item.relevant.as_mut()),
        ("constraint", Dialect::Question, item.constraint.as_mut()),
        ("calculation", Dialect::Question, item.calculation.as_mut()),
        ("choice_filter", Dialect::ChoiceFilter, item.choice_filter.as_mut()),
        ("required", Dialect::Question, condition(&mut item.required)),
        ("read_only", Dialect::Question, condition(&mut item.read_only)),
        ("repeat_count", Dialect::Question, repeat_count),
    ]
    .into_iter()
    .filter_map(|(field, dialect, expr)| expr.map(|e| (field, dialect, e)))
    .collect()
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
    /// The files the form names, in order.
    attachments: Vec<String>,
    /// The item whose expressions are being read: where relative paths start.
    context: String,
    /// The paths seen, checked once the form's shape is known.
    paths: Vec<PathUse>,
    /// The namespace prefixes the settings declare (`namespaces`).
    namespaces: Vec<String>,
    /// The loops unrolled, whose copies paths are pointed at.
    loops: Vec<LoopShape>,
    /// The survey's columns that hold expressions, as `survey!header`: where a loop's copies
    /// report the paths of their rows.
    expression_columns: BTreeMap<&'static str, String>,
    /// The survey's `trigger` column, as `survey!header`, for problems found once the form
    /// is whole.
    trigger_column: String,
    /// Whether the row being read is inside a `begin loop`, where `%(name)s` and `%(label)s`
    /// stand for each choice's.
    in_loop: bool,
    /// The `${…}` of a loop's rows that hold `%(name)s` or `%(label)s`, as written: checked
    /// as references once per choice when the loop is unrolled.
    loop_references: Vec<Reference>,
}

/// What a loop's `%(column)s` (`%(name)s`, `%(label)s`, any other column of the choices
/// sheet) is read as in its expressions until each copy puts its choice's in its place
/// ([`Import::loop_expressions`]): `__opencpd_loop_<column>__`, a name an expression may
/// hold, inside `${…}` as well as in a text, so the row's expressions parse as pyxform's do
/// once it has substituted them.
const LOOP_MARK: &str = "__opencpd_loop_";

/// The column a loop's `%(column)s` starting `text` names, and the length of the
/// placeholder; only columns written as names are (`[A-Za-z0-9_]`, no `__`).
fn loop_key(text: &str) -> Option<(&str, usize)> {
    let key = text.strip_prefix("%(")?.split_once(")s")?.0;
    let good = !key.is_empty() && !key.contains("__") && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    good.then(|| (key, key.len() + 4))
}

/// A loop's row's text with each `%(column)s` put as the expression reads it.
fn loop_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("%(") {
        out.push_str(&rest[..at]);
        match loop_key(&rest[at..]) {
            Some((key, len)) => {
                out.push_str(&format!("{LOOP_MARK}{key}__"));
                rest = &rest[at + len..];
            }
            None => {
                out.push_str("%(");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// An expression text read with [`loop_placeholders`] put back as written.
fn loop_written(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(LOOP_MARK) {
        out.push_str(&rest[..at]);
        let after = &rest[at + LOOP_MARK.len()..];
        match after.find("__") {
            Some(end) => {
                out.push_str(&format!("%({})s", &after[..end]));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(LOOP_MARK);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` as one copy of a loop's row has it, for `choice`, as pyxform fills every cell of
/// a loop's rows: `%(name)s` the choice's name, `%(label)s` its `label` (in the text's
/// language) and `%(column)s` its value in another column of the choices sheet. A
/// placeholder naming no column of the choice is kept as written.
fn fill_loop(text: &str, choice: &Choice, label: &str) -> String {
    if !text.contains("%(") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("%(") {
        out.push_str(&rest[..at]);
        let found = rest[at..].strip_prefix("%(").and_then(|r| r.split_once(")s")).and_then(|(key, _)| {
            let value = match key {
                "name" => Some(choice.name.as_str()),
                "label" => Some(label),
                _ => choice.extra.get(key).map(String::as_str),
            };
            value.map(|v| (v, key.len() + 4))
        });
        match found {
            Some((value, len)) => {
                out.push_str(value);
                rest = &rest[at + len..];
            }
            None => {
                out.push_str("%(");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A path (`../x`, `/data/x`, `current()/../x`) seen in an expression of `context`.
struct PathUse {
    row: usize,
    column: String,
    value: String,
    context: String,
    absolute: bool,
    steps: Vec<Step>,
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
            context: String::new(),
            paths: Vec::new(),
            attachments: Vec::new(),
            namespaces: Vec::new(),
            loops: Vec::new(),
            expression_columns: BTreeMap::new(),
            trigger_column: "survey!trigger".into(),
            in_loop: false,
            loop_references: Vec::new(),
        }
    }

    fn run(mut self, sheets: Sheets) -> Result<Form, Vec<Problem>> {
        let settings = self.settings(sheets.settings.as_ref());
        let Some(survey) = sheets.survey else {
            return Err(vec![Problem::new("form-missing-sheet").with_value("survey")]);
        };
        let (mut lists, _) = match &sheets.choices {
            Some(sheet) => self.choices(sheet, settings.allow_choice_duplicates),
            None => (BTreeMap::new(), BTreeSet::new()),
        };
        let (external_lists, _) = match &sheets.external_choices {
            Some(sheet) => self.choices(sheet, true),
            None => (BTreeMap::new(), BTreeSet::new()),
        };
        let mut items = self.survey(&survey, &mut lists);
        self.point_into_loops(&mut items);
        if settings.add_none_option {
            add_none_option(&mut items, &mut lists, &self.default_language);
        }
        self.check_form(&items, &lists, &external_lists, sheets.choices.is_some());
        self.check_triggers(&items);
        let root_name = settings.root_name.clone().unwrap_or_else(|| "data".into());
        let mut roots = vec![root_name.clone()];
        roots.extend(settings.form_id.clone());
        self.check_paths(&items, &roots);
        self.problems.extend(calculation_cycles(&items, &roots));
        if items.is_empty() && self.problems.is_empty() {
            self.problems.push(Problem::new("form-no-questions").in_column(format!("{}!type", survey.name)));
        }
        let mut languages = vec![self.default_language.clone()];
        languages.extend(self.languages.iter().filter(|l| **l != self.default_language).cloned());
        let form = Form {
            form_id: settings.form_id.clone().unwrap_or_else(|| self.stem.clone()),
            root_name,
            version: settings.version.unwrap_or_default(),
            title: settings.title.or(settings.form_id).unwrap_or_else(|| self.stem.clone()),
            default_language: self.default_language.clone(),
            languages,
            items,
            choice_lists: lists,
            external_lists,
            attachments: std::mem::take(&mut self.attachments),
            files: Default::default(),
            file_lists: Default::default(),
            add_none_option: settings.add_none_option,
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
        let Some((_, cells)) = sheet.rows.first() else { return settings };
        for (i, header) in sheet.headers.iter().enumerate() {
            let value = cells.get(i).map(|c| c.trim()).unwrap_or("");
            if value.is_empty() {
                continue;
            }
            match header.trim().to_lowercase().replace(' ', "_").as_str() {
                "form_title" | "title" => settings.title = Some(value.to_string()),
                "form_id" | "id_string" => settings.form_id = Some(value.to_string()),
                "version" => settings.version = Some(value.to_string()),
                "default_language" => self.default_language = language_key(value),
                "allow_choice_duplicates" => settings.allow_choice_duplicates = yes_no(value) == Some(true),
                "add_none_option" => settings.add_none_option = yes_no(value) == Some(true),
                "name" => settings.root_name = Some(value.to_string()),
                "namespaces" => self.namespaces = declared_namespaces(value),
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
                let reference =
                    Reference { row: row.number, column: row.sheet.column(index), name, value: text.to_string() };
                if self.in_loop && reference.name.contains("%(") {
                    self.loop_references.push(reference);
                } else {
                    self.references.push(reference);
                }
            }
            texts.insert(key, text.to_string());
        }
        texts
    }

    /// The media columns of a row (kind → file per language); the files become attachments.
    fn media(&mut self, row: &Row) -> BTreeMap<String, Texts> {
        let mut media: BTreeMap<String, Texts> = BTreeMap::new();
        for (column, _, text) in row.each(|c| matches!(c, Column::Media(..))) {
            let Column::Media(kind, language) = column else { continue };
            let key = self.add_language(language);
            self.attach(text);
            media.entry(kind.clone()).or_default().insert(key, text.to_string());
        }
        media
    }

    fn attach(&mut self, file: &str) {
        if !self.attachments.iter().any(|a| a == file) {
            self.attachments.push(file.to_string());
        }
    }

    fn expression(&mut self, row: &Row, column: &Column, dialect: Dialect) -> Option<Expr> {
        let text = row.get(column);
        if text.is_empty() {
            return None;
        }
        let column = row.column(column);
        let read = if self.in_loop { loop_placeholders(text) } else { text.to_string() };
        match Expr::parse_all(&read, dialect) {
            Ok(expr) => {
                for (absolute, steps) in expr.paths() {
                    self.paths.push(PathUse {
                        row: row.number,
                        column: column.clone(),
                        value: text.to_string(),
                        context: self.context.clone(),
                        absolute,
                        steps,
                    });
                }
                for file in expr.pulldata_files() {
                    self.attach(&format!("{file}.csv"));
                }
                for name in expr.references() {
                    let written = loop_written(&name);
                    let reference =
                        Reference { row: row.number, column: column.clone(), name: written, value: text.to_string() };
                    if written_in_loop(&name) {
                        self.loop_references.push(reference);
                    } else {
                        self.references.push(reference);
                    }
                }
                Some(expr)
            }
            Err(errors) => {
                for error in errors {
                    self.problems
                        .push(expression_problem(error).at_row(row.number).in_column(&column).with_value(text));
                }
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
            let media = self.media(&row);
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
            lists.entry(list.to_string()).or_default().push(Choice {
                name: name.to_string(),
                label,
                score,
                extra,
                media,
            });
        }
        (lists, extra_headers)
    }

    fn survey(&mut self, sheet: &Sheet, lists: &mut BTreeMap<String, Vec<Choice>>) -> Vec<Item> {
        let columns = Columns::new(sheet, false, &mut self.problems);
        self.check_namespaces(sheet, &columns);
        for (field, column) in [
            ("relevant", Column::Relevant),
            ("constraint", Column::Constraint),
            ("calculation", Column::Calculation),
            ("choice_filter", Column::ChoiceFilter),
            ("required", Column::Required),
            ("read_only", Column::ReadOnly),
            ("repeat_count", Column::RepeatCount),
        ] {
            if let Some(index) = columns.find(&column) {
                self.expression_columns.insert(field, sheet.column(index));
            }
        }
        if let Some(index) = columns.find(&Column::Trigger) {
            self.trigger_column = sheet.column(index);
        }
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
        // Inside a disabled group or loop: how deep.
        let mut disabled = 0usize;
        for (number, cells) in &sheet.rows {
            let row = Row { number: *number, cells, columns: &columns, sheet };
            let type_text = row.get(&Column::Type);
            let name = row.get(&Column::Name);
            self.in_loop = stack.iter().any(|o| o.over.is_some());
            if disabled > 0 || yes_no(row.get(&Column::Disabled)) == Some(true) {
                // A disabled row is not part of the form; nor is what a disabled group holds.
                match parse_type(type_text) {
                    RowType::Begin { .. } | RowType::BeginLoop { .. } => disabled += 1,
                    RowType::End { .. } | RowType::EndLoop => disabled = disabled.saturating_sub(1),
                    _ => {}
                }
                continue;
            }
            if type_text.is_empty() {
                let label = row.each(|c| matches!(c, Column::Label(_))).first().map(|(_, _, text)| *text);
                if !name.is_empty() || label.is_some() {
                    let problem = Problem::new("required").at_row(*number).in_column(row.column(&Column::Type));
                    self.problems.push(problem.with_value(if name.is_empty() { label.unwrap_or("") } else { name }));
                }
                continue;
            }
            let mut or_other = false;
            let mut over = None;
            let kind = match parse_type(type_text) {
                end @ (RowType::End { .. } | RowType::EndLoop) => {
                    let (repeat, looped) = match end {
                        RowType::End { repeat } => (repeat, false),
                        _ => (false, true),
                    };
                    match stack.pop() {
                        Some(open) if open.repeat == repeat && open.over.is_some() == looped => {
                            let mut item = open.item;
                            item.kind = match (item.kind, &open.over) {
                                (ItemKind::Repeat { repeat_count, .. }, _) => {
                                    ItemKind::Repeat { items: open.items, repeat_count }
                                }
                                (_, Some(list)) => {
                                    self.paths.truncate(open.paths_mark);
                                    let written = self.loop_references.split_off(open.references_mark);
                                    self.in_loop = stack.iter().any(|o| o.over.is_some());
                                    let items = self.unroll(&item.name, item.row, list, &open.items, lists, written);
                                    ItemKind::Group { items }
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
                RowType::Unsupported => {
                    self.problems.push(
                        Problem::new("form-unsupported-type")
                            .at_row(*number)
                            .in_column(row.column(&Column::Type))
                            .with_value(type_text),
                    );
                    self.refused_names.push(name.to_string());
                    continue;
                }
                RowType::External { extension } => {
                    if name.is_empty() {
                        self.problems
                            .push(Problem::new("required").at_row(*number).in_column(row.column(&Column::Name)));
                    } else {
                        self.attach(&format!("{name}.{extension}"));
                    }
                    continue;
                }
                RowType::Begin { repeat: false } => ItemKind::Group { items: Vec::new() },
                RowType::Begin { repeat: true } => {
                    self.context = name.to_string();
                    ItemKind::Repeat {
                        items: Vec::new(),
                        repeat_count: self.expression(&row, &Column::RepeatCount, Dialect::Question),
                    }
                }
                RowType::BeginLoop { list } => {
                    over = Some(list);
                    ItemKind::Group { items: Vec::new() }
                }
                RowType::Range => self.range(&row),
                RowType::Question(kind) => kind,
                RowType::OrOther(kind) => {
                    or_other = true;
                    with_other(kind, lists, &self.default_language)
                }
            };
            if let ItemKind::SelectFromFile { file, .. } = &kind {
                self.attach(&file.clone());
            }
            let generated;
            let name = if name.is_empty() && matches!(kind, ItemKind::Note) {
                // pyxform names a note without a name after its row.
                generated = format!("generated_note_name_{number}");
                generated.as_str()
            } else {
                name
            };
            if name.is_empty() {
                self.problems.push(Problem::new("required").at_row(*number).in_column(row.column(&Column::Name)));
            } else if !valid_name(name) {
                self.problems.push(
                    Problem::new("form-bad-name").at_row(*number).in_column(row.column(&Column::Name)).with_value(name),
                );
            }
            let mut item = self.item(&row, name, kind);
            item.or_other = or_other;
            match &item.kind {
                ItemKind::Group { .. } => {
                    let (paths_mark, references_mark) = (self.paths.len(), self.loop_references.len());
                    stack.push(Open { item, repeat: false, items: Vec::new(), over, paths_mark, references_mark })
                }
                ItemKind::Repeat { .. } => {
                    let (paths_mark, references_mark) = (self.paths.len(), self.loop_references.len());
                    stack.push(Open { item, repeat: true, items: Vec::new(), over: None, paths_mark, references_mark })
                }
                _ => {
                    let other = or_other.then(|| self.other_text(&item));
                    let items = stack.last_mut().map(|o| &mut o.items).unwrap_or(&mut top);
                    items.push(item);
                    items.extend(other);
                }
            }
        }
        while let Some(open) = stack.pop() {
            let value = match (open.repeat, &open.over) {
                (true, _) => "begin repeat",
                (false, Some(_)) => "begin loop",
                (false, None) => "begin group",
            };
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

    /// The text question of a select with an "other" choice: `<name>_other`, asked when
    /// "other" is chosen.
    fn other_text(&mut self, select: &Item) -> Item {
        let mut item = Item::new(format!("{}_other", select.name), ItemKind::Text, select.row);
        item.label.insert(self.default_language.clone(), "Specify other.".into());
        let relevant = format!("selected(${{{}}}, 'other')", select.name);
        item.relevant = Expr::parse(&relevant).ok();
        item
    }

    /// The rows of `begin loop over list`, once per choice of the list: a group per choice
    /// (`<loop>_<choice>`) holding the rows renamed `<loop>_<choice>_<name>`, with
    /// `%(label)s` and `%(name)s` in their texts and expressions replaced by the choice's, as
    /// pyxform does in every cell of a loop's rows; each copy's paths are checked from the
    /// copy, like every path, once [`Import::point_into_loops`] has pointed them at its names.
    fn unroll(
        &mut self,
        name: &str,
        row: usize,
        list: &str,
        items: &[Item],
        lists: &BTreeMap<String, Vec<Choice>>,
        written: Vec<Reference>,
    ) -> Vec<Item> {
        let Some(choices) = lists.get(list) else {
            self.problems
                .push(Problem::new("form-missing-choices").at_row(row).in_column("survey!type").with_value(list));
            return Vec::new();
        };
        fn rename(item: &Item, prefix: &str, choice: &Choice) -> Item {
            let mut item = item.clone();
            item.name = format!("{prefix}_{}", item.name);
            for texts in [&mut item.label, &mut item.hint] {
                for (language, text) in texts.iter_mut() {
                    let label = choice.label.get(language).or_else(|| choice.label.values().next());
                    *text = fill_loop(text, choice, label.map(String::as_str).unwrap_or(&choice.name));
                }
            }
            item.kind = match item.kind {
                ItemKind::Group { items } => {
                    ItemKind::Group { items: items.iter().map(|i| rename(i, prefix, choice)).collect() }
                }
                ItemKind::Repeat { items, repeat_count } => {
                    ItemKind::Repeat { items: items.iter().map(|i| rename(i, prefix, choice)).collect(), repeat_count }
                }
                other => other,
            };
            item
        }
        let mut body = BTreeSet::new();
        fn names(items: &[Item], out: &mut BTreeSet<String>) {
            for item in items {
                out.insert(item.name.clone());
                names(item.children(), out);
            }
        }
        names(items, &mut body);
        self.loops.push(LoopShape {
            name: name.to_string(),
            choices: choices.iter().map(|c| c.name.clone()).collect(),
            body: body.clone(),
        });
        // The `${…}` written with `%(name)s` or `%(label)s`, as each copy reads them.
        for choice in choices.iter().filter(|choice| choice.name != "none") {
            let label = self.choice_label(choice);
            for reference in &written {
                let name = fill_loop(&reference.name, choice, &label);
                let value = fill_loop(&reference.value, choice, &label);
                let expanded = Reference { row: reference.row, column: reference.column.clone(), name, value };
                if expanded.name.contains("%(") && self.in_loop {
                    self.loop_references.push(expanded);
                } else {
                    self.references.push(expanded);
                }
            }
        }
        // pyxform asks no copy for a choice named `none` (the choice `add_none_option` adds).
        choices
            .iter()
            .filter(|choice| choice.name != "none")
            .map(|choice| {
                let prefix = format!("{name}_{}", choice.name);
                let mut group = Item::new(&prefix, ItemKind::Group { items: Vec::new() }, row);
                group.label = choice.label.clone();
                let mut copies: Vec<Item> = items.iter().map(|i| rename(i, &prefix, choice)).collect();
                let copy = LoopCopy { prefix: prefix.clone(), body: &body };
                for item in &mut copies {
                    self.loop_expressions(item, choice, &copy);
                }
                group.kind = ItemKind::Group { items: copies };
                group
            })
            .collect()
    }

    /// The expressions of one copy of a loop's row (and of the rows it holds), for `choice`:
    /// `%(name)s` and `%(label)s` replaced, parsed again, and their paths noted for
    /// [`Import::check_paths`] from the copy.
    fn loop_expressions(&mut self, item: &mut Item, choice: &Choice, copy: &LoopCopy) {
        let label = self.choice_label(choice);
        let (row, name) = (item.row, item.name.clone());
        for (field, dialect, expr) in expression_fields(item) {
            let text = fill_loop(&loop_written(expr.source()), choice, &label);
            let column = self.expression_columns.get(field).cloned().unwrap_or_else(|| format!("survey!{field}"));
            match Expr::parse_all(&text, dialect) {
                Ok(parsed) => {
                    for (absolute, steps) in parsed.paths() {
                        let value = text.clone();
                        let (column, context) = (column.clone(), name.clone());
                        self.paths.push(PathUse { row, column, value, context, absolute, steps });
                    }
                    *expr = parsed;
                }
                Err(errors) => {
                    for error in errors {
                        let problem = expression_problem(error).at_row(row).in_column(&column).with_value(&text);
                        if !self.problems.contains(&problem) {
                            self.problems.push(problem);
                        }
                    }
                }
            }
        }
        if let Some(default) = &item.default
            && default.contains("%(")
        {
            item.default = Some(fill_loop(default, choice, &label));
        }
        self.loop_trigger(item, choice, copy);
        if let ItemKind::Group { items } | ItemKind::Repeat { items, .. } = &mut item.kind {
            for child in items {
                self.loop_expressions(child, choice, copy);
            }
        }
    }

    /// The trigger of one copy of a loop's row, for `choice`: each name with the choice's
    /// `%(name)s`, `%(label)s` and other columns put in, and a name of the loop's rows
    /// pointed at the same copy's question (`${number}` in the copy for `pit` is
    /// `loop_pit_number`). Checked as references once the outermost loop is unrolled: a
    /// name that is no question's is reported at the row and the `trigger` column.
    fn loop_trigger(&mut self, item: &mut Item, choice: &Choice, copy: &LoopCopy) {
        if item.trigger.is_empty() {
            return;
        }
        let label = self.choice_label(choice);
        let mut names: Vec<String> = Vec::new();
        for name in &item.trigger {
            let filled = fill_loop(name, choice, &label);
            let name = if copy.body.contains(&filled) { format!("{}_{filled}", copy.prefix) } else { filled };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        item.trigger = names;
        if self.in_loop {
            return; // an outer loop's copies point and check them
        }
        let value = item.trigger.iter().map(|n| format!("${{{n}}}")).collect::<Vec<_>>().join(", ");
        for name in &item.trigger {
            let reference = Reference {
                row: item.row,
                column: self.trigger_column.clone(),
                name: name.clone(),
                value: value.clone(),
            };
            self.references.push(reference);
        }
    }

    /// What `%(label)s` is in a loop's expressions for `choice`: its label in the form's
    /// default language (else any), or its name.
    fn choice_label(&self, choice: &Choice) -> String {
        choice
            .label
            .get(&self.default_language)
            .or_else(|| choice.label.values().next())
            .cloned()
            .unwrap_or_else(|| choice.name.clone())
    }

    /// Points every path that goes into a loop at OpenCPD's copies: pyxform names a loop's
    /// group per choice after the choice and keeps its rows' names (`/data/loop/pit/number`,
    /// `../number` from inside the loop), OpenCPD names them `loop_pit` and
    /// `loop_pit_number`. The expressions of every item are rewritten so (the field app and
    /// the server then find the copies), and so are the paths noted for
    /// [`Import::check_paths`]; a path that leads nowhere keeps its steps.
    fn point_into_loops(&mut self, items: &mut [Item]) {
        if self.loops.is_empty() {
            return;
        }
        let ancestors = chains(items);
        let loops = std::mem::take(&mut self.loops);
        let here = |context: &str| -> Vec<String> {
            let mut here = ancestors.get(context).cloned().unwrap_or_default();
            here.push(context.to_string());
            here
        };
        fn walk(items: &mut [Item], loops: &[LoopShape], here: &dyn Fn(&str) -> Vec<String>) {
            for item in items {
                let chain = here(&item.name);
                for (_, dialect, expr) in expression_fields(item) {
                    let renamed = rename_path_steps(expr.source(), dialect, |absolute, before, step| {
                        loop_step(loops, &chain, absolute, before, step)
                    });
                    if let Some(text) = renamed
                        && text != expr.source()
                        && let Ok(parsed) = Expr::parse_all(&text, dialect)
                    {
                        *expr = parsed;
                    }
                }
                if let ItemKind::Group { items } | ItemKind::Repeat { items, .. } = &mut item.kind {
                    walk(items, loops, here);
                }
            }
        }
        walk(items, &loops, &here);
        for path in &mut self.paths {
            let chain = here(&path.context);
            let mut done: Vec<Step> = Vec::new();
            for step in &path.steps {
                let renamed = match step {
                    Step::Child(name) => Step::Child(
                        loop_step(&loops, &chain, path.absolute, &done, name).unwrap_or_else(|| name.clone()),
                    ),
                    Step::Parent => Step::Parent,
                };
                done.push(renamed);
            }
            path.steps = done;
        }
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
        self.context = name.to_string();
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
        item.default = non_empty(row.get(&Column::Default)).map(|d| spreadsheet_default(&item.kind, d));
        item.appearance = non_empty(row.get(&Column::Appearance));
        item.domain = non_empty(row.get(&Column::Domain));
        item.media = self.media(row);
        item.no_app_message = self.texts(row, |c| if let Column::NoAppMessage(l) = c { Some(l) } else { None });
        for (_, index, text) in row.each(|c| *c == Column::Attribute) {
            let header = attribute_key(&row.sheet.headers[index]);
            for name in text_references(text) {
                let reference =
                    Reference { row: row.number, column: row.sheet.column(index), name, value: text.to_string() };
                if self.in_loop && reference.name.contains("%(") {
                    self.loop_references.push(reference);
                } else {
                    self.references.push(reference);
                }
            }
            item.attributes.insert(header, text.to_string());
        }
        item.trigger = self.trigger(row);
        if !matches!(item.kind, ItemKind::Range { .. }) {
            item.parameters = parameters(row.get(&Column::Parameters));
        }
        self.attribute_parameters(row, &mut item);
        if matches!(&item.kind, ItemKind::Metadata { of } if of == "audit") {
            self.audit_parameters(row, &item);
        }
        // `ex:` (an Android app filling the answer) falls back to typing it, as ODK Collect
        // does when the app is missing; SurveyCTO's plug-ins and `search()` have no fallback.
        if let Some(appearance) = &item.appearance {
            let lower = appearance.to_lowercase();
            let unsupported = lower.contains("search(") || lower.split_whitespace().any(|w| w.starts_with("custom-"));
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

    /// The `trigger` cell: one or more `${name}` separated by commas, as pyxform takes it
    /// (stray and doubled commas are allowed); anything else is reported at its row and
    /// column. Each name is checked as a reference once the form is whole, and must be a
    /// question ODK shows ([`Import::check_triggers`]).
    fn trigger(&mut self, row: &Row) -> Vec<String> {
        let text = row.get(&Column::Trigger);
        let mut names = Vec::new();
        let mut bad = false;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.strip_prefix("${").and_then(|p| p.strip_suffix('}')).map(str::trim) {
                Some(name) if valid_name(name) || (self.in_loop && valid_name(&loop_placeholders(name))) => {
                    if !names.iter().any(|n| n == name) {
                        names.push(name.to_string());
                    }
                }
                _ => bad = true,
            }
        }
        let column = row.column(&Column::Trigger);
        if bad {
            self.problems.push(Problem::new("form-bad-trigger").at_row(row.number).in_column(column).with_value(text));
            return Vec::new();
        }
        if self.in_loop {
            return names; // each copy's, checked once the loop is unrolled (`Import::loop_trigger`)
        }
        for name in &names {
            self.references.push(Reference {
                row: row.number,
                column: column.clone(),
                name: name.clone(),
                value: text.to_string(),
            });
        }
        names
    }

    /// The parameters of an `audit` item, checked as pyxform checks them: `track-changes`
    /// and `identify-user` are `true` or `false`, `track-changes-reasons` is
    /// `on-form-edit`; location tracking takes
    /// `location-priority` (`no-power`, `low-power`, `balanced`, `high-accuracy`),
    /// `location-min-interval` and `location-max-age` (whole seconds, the age at least the
    /// interval), all three or none. Each problem names the row and the `parameters` column.
    fn audit_parameters(&mut self, row: &Row, item: &Item) {
        let column = row.column(&Column::Parameters);
        let text = row.get(&Column::Parameters);
        let p = &item.parameters;
        let mut problems = Vec::new();
        let mut bad = |parameter: &str, allowed: &str, given: &str| {
            problems.push(
                Problem::new("form-audit-bad-parameter")
                    .arg("parameter", parameter)
                    .arg("allowed", allowed)
                    .arg("given", given),
            );
        };
        for key in ["track-changes", "identify-user"] {
            if let Some(v) = p.get(key)
                && !matches!(v.to_lowercase().as_str(), "true" | "false")
            {
                bad(key, "true, false", v);
            }
        }
        if let Some(v) = p.get("track-changes-reasons")
            && v != "on-form-edit"
        {
            bad("track-changes-reasons", "on-form-edit", v);
        }
        if let Some(v) = p.get("location-priority")
            && !matches!(v.as_str(), "no-power" | "low-power" | "balanced" | "high-accuracy")
        {
            bad("location-priority", "no-power, low-power, balanced, high-accuracy", v);
        }
        let seconds = |key: &str| p.get(key).map(|v| (v, v.parse::<u64>().ok()));
        let (min, max) = (seconds("location-min-interval"), seconds("location-max-age"));
        for (key, given) in [("location-min-interval", &min), ("location-max-age", &max)] {
            if let Some((v, None)) = given {
                bad(key, "0, 1, 2…", v);
            }
        }
        let given = ["location-priority", "location-min-interval", "location-max-age"].map(|k| p.contains_key(k));
        if given.iter().any(|g| *g) && !given.iter().all(|g| *g) {
            problems.push(Problem::new("form-audit-location-incomplete"));
        }
        if let (Some((_, Some(min))), Some((_, Some(max)))) = (min, max)
            && max < min
        {
            problems.push(Problem::new("form-audit-max-age").arg("min", min).arg("max", max));
        }
        for problem in problems {
            self.problems.push(problem.at_row(row.number).in_column(&column).with_value(text));
        }
    }

    /// The attribute columns ODK Collect acts on, read into the parameters OpenCPD honours
    /// (pyxform writes those parameters as these very attributes): an image's
    /// `bind::orx:max-pixels` is its `max-pixels`, a location's `body::accuracyThreshold` and
    /// `body::unacceptableAccuracyThreshold` its `capture-accuracy` and `warning-accuracy`.
    /// The `parameters` column wins where both are given. A value that is not a positive
    /// number is reported at its row and column.
    fn attribute_parameters(&mut self, row: &Row, item: &mut Item) {
        let location = matches!(item.kind, ItemKind::Geopoint | ItemKind::Geotrace | ItemKind::Geoshape);
        let image = matches!(item.kind, ItemKind::Media { of: MediaKind::Image });
        let read = [
            ("bind::orx:max-pixels", "max-pixels", image, true),
            ("body::accuracythreshold", "capture-accuracy", location, false),
            ("body::unacceptableaccuracythreshold", "warning-accuracy", location, false),
        ];
        for (_, index, text) in row.each(|c| *c == Column::Attribute) {
            let key = attribute_key(&row.sheet.headers[index]).to_lowercase();
            let Some((_, parameter, fits, whole)) = read.iter().find(|(k, ..)| *k == key) else { continue };
            if !fits {
                continue;
            }
            let good = match text.parse::<f64>() {
                Ok(n) => n.is_finite() && n > 0.0 && (!whole || n.fract() == 0.0),
                Err(_) => false,
            };
            if !good {
                self.problems.push(
                    Problem::new("form-bad-attribute")
                        .at_row(row.number)
                        .in_column(row.sheet.column(index))
                        .with_value(text),
                );
                continue;
            }
            let value =
                if *whole { format!("{}", text.parse::<f64>().unwrap_or_default() as u64) } else { text.to_string() };
            item.parameters.entry(parameter.to_string()).or_insert(value);
        }
    }

    /// Attribute columns named with a namespace prefix no XForm of this form declares
    /// ([`NAMESPACES`], and the settings' `namespaces`), each reported once, at the first row
    /// that gives it a value (an empty column writes no attribute).
    fn check_namespaces(&mut self, sheet: &Sheet, columns: &Columns) {
        for (index, column) in columns.by_index.iter().enumerate() {
            if *column != Column::Attribute {
                continue;
            }
            let key = attribute_key(&sheet.headers[index]);
            let Some((_, name)) = key.split_once("::") else { continue };
            let Some((prefix, _)) = name.split_once(':') else { continue };
            if NAMESPACES.contains(&prefix) || self.namespaces.iter().any(|n| n == prefix) {
                continue;
            }
            let first = sheet.rows.iter().find_map(|(number, cells)| {
                cells.get(index).map(|c| c.trim()).filter(|c| !c.is_empty()).map(|c| (*number, c))
            });
            if let Some((number, value)) = first {
                self.problems.push(
                    Problem::new("form-unknown-namespace")
                        .at_row(number)
                        .in_column(sheet.column(index))
                        .with_value(value)
                        .arg("prefix", prefix),
                );
            }
        }
    }

    /// Columns that only some kinds of item may carry.
    fn check_columns_fit(&mut self, row: &Row, item: &Item) {
        let misplaced = |column: &Column| -> bool {
            let select = matches!(
                item.kind,
                ItemKind::SelectOne { .. }
                    | ItemKind::SelectMultiple { .. }
                    | ItemKind::SelectExternal { .. }
                    | ItemKind::SelectFromFile { .. }
                    | ItemKind::Rank { .. }
            );
            let numeric = matches!(item.kind, ItemKind::Integer | ItemKind::Decimal | ItemKind::Range { .. });
            match column {
                // On a question, JavaRosa's `calculate` bind: the value follows its inputs.
                Column::Calculation => matches!(item.kind, ItemKind::Group { .. } | ItemKind::Repeat { .. }),
                Column::ChoiceFilter => !select,
                Column::RepeatCount => !matches!(item.kind, ItemKind::Repeat { .. }),
                Column::Parameters => matches!(item.kind, ItemKind::Group { .. } | ItemKind::Repeat { .. }),
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

    /// Every path names an item of the form, from where it is written: a path that leads
    /// nowhere, or from another root than the form's, is reported at its row and column.
    fn check_paths(&mut self, items: &[Item], roots: &[String]) {
        let ancestors = chains(items);
        for path in std::mem::take(&mut self.paths) {
            // Rows refused for their own reasons.
            let Some(above) = ancestors.get(&path.context) else { continue };
            if path_target(&ancestors, roots, above, &path.context, path.absolute, &path.steps).is_none() {
                let problem = Problem::new("form-unknown-path")
                    .at_row(path.row)
                    .in_column(path.column)
                    .with_value(path.value)
                    .arg("path", path_text(path.absolute, &path.steps))
                    .arg("root", &roots[0]);
                // A loop's row is checked in each copy: reported once.
                if !self.problems.contains(&problem) {
                    self.problems.push(problem);
                }
            }
        }
    }

    /// Every trigger names a question the respondent sees, as pyxform requires: a
    /// `calculate`, a `hidden` or metadata item, a question computed or triggered without a
    /// label or hint, a group or a repeat has no control whose change could be heard. (A
    /// name that is no item's is an unknown reference, reported by [`Import::check_form`].)
    fn check_triggers(&mut self, items: &[Item]) {
        let mut all: BTreeMap<&str, &Item> = BTreeMap::new();
        fn collect<'a>(items: &'a [Item], out: &mut BTreeMap<&'a str, &'a Item>) {
            for item in items {
                out.entry(item.name.as_str()).or_insert(item);
                collect(item.children(), out);
            }
        }
        collect(items, &mut all);
        for item in all.values() {
            for name in &item.trigger {
                let Some(target) = all.get(name.as_str()) else { continue };
                if target.is_shown() && !matches!(target.kind, ItemKind::Group { .. } | ItemKind::Repeat { .. }) {
                    continue;
                }
                self.problems.push(
                    Problem::new("form-trigger-not-shown")
                        .at_row(item.row)
                        .in_column(&self.trigger_column)
                        .with_value(item.trigger.iter().map(|n| format!("${{{n}}}")).collect::<Vec<_>>().join(", "))
                        .arg("name", name)
                        .arg("question", &item.name),
                );
            }
        }
    }

    /// Checks that need the whole form: names, references, lists, choice filters, scores.
    fn check_form(
        &mut self,
        items: &[Item],
        lists: &BTreeMap<String, Vec<Choice>>,
        external_lists: &BTreeMap<String, Vec<Choice>>,
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
                let problem = Problem::new("form-unknown-reference")
                    .at_row(reference.row)
                    .in_column(reference.column)
                    .with_value(reference.value)
                    .arg("name", reference.name);
                // A loop's row is checked in each copy: reported once.
                if !self.problems.contains(&problem) {
                    self.problems.push(problem);
                }
            }
        }
        for item in &all {
            let (ItemKind::SelectOne { list } | ItemKind::SelectMultiple { list } | ItemKind::Rank { list }) =
                &item.kind
            else {
                if let ItemKind::SelectExternal { list } = &item.kind
                    && !external_lists.contains_key(list)
                    && !lists.contains_key(list)
                {
                    self.problems.push(
                        Problem::new("form-missing-choices").at_row(item.row).in_column("survey!type").with_value(list),
                    );
                }
                continue;
            };
            let Some(choices) = lists.get(list) else {
                let code = if has_choices_sheet { "form-missing-choices" } else { "form-missing-sheet" };
                let problem = Problem::new(code).at_row(item.row).in_column("survey!type");
                let problem = if has_choices_sheet { problem.with_value(list) } else { problem.with_value("choices") };
                self.problems.push(problem);
                continue;
            };
            // A choice filter may read a column the choices do not have: JavaRosa reads it
            // as empty, and so do we.
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

/// Whether a name read in a loop's expression holds a `%(column)s`.
fn written_in_loop(name: &str) -> bool {
    name.contains(LOOP_MARK)
}

/// Every item's enclosing groups and repeats, outermost first, by name.
fn chains(items: &[Item]) -> BTreeMap<String, Vec<String>> {
    fn walk(items: &[Item], above: &mut Vec<String>, out: &mut BTreeMap<String, Vec<String>>) {
        for item in items {
            out.entry(item.name.clone()).or_insert_with(|| above.clone());
            above.push(item.name.clone());
            walk(item.children(), above, out);
            above.pop();
        }
    }
    let mut out = BTreeMap::new();
    walk(items, &mut Vec::new(), &mut out);
    out
}

/// The item a path names, written for the item `context` (inside `above`), or `None` when
/// it leads nowhere or starts from another root than the form's.
fn path_target(
    ancestors: &BTreeMap<String, Vec<String>>,
    roots: &[String],
    above: &[String],
    context: &str,
    absolute: bool,
    steps: &[Step],
) -> Option<String> {
    if absolute && !matches!(steps.first(), Some(Step::Child(root)) if roots.contains(root)) {
        return None;
    }
    let chain = follow_path(absolute, steps, above, context)?;
    let (name, rest) = chain.split_last()?;
    ancestors.get(name).is_some_and(|a| a == rest).then(|| name.clone())
}

/// Calculations that depend on themselves, through others or directly, by `${name}` or by a
/// path (`../x`, `/data/x`, `current()/../x`): each is reported at its row, with the names of
/// the loop.
fn calculation_cycles(items: &[Item], roots: &[String]) -> Vec<Problem> {
    let ancestors = chains(items);
    let mut all = Vec::new();
    fn collect<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
        for item in items {
            out.push(item);
            collect(item.children(), out);
        }
    }
    collect(items, &mut all);
    let graph: BTreeMap<&str, (usize, &Expr, Vec<String>)> = all
        .iter()
        .filter_map(|item| {
            let calculation = item.calculation.as_ref()?;
            let mut reads = calculation.references();
            if let Some(above) = ancestors.get(&item.name) {
                for (absolute, steps) in calculation.paths() {
                    if let Some(name) = path_target(&ancestors, roots, above, &item.name, absolute, &steps)
                        && !reads.contains(&name)
                    {
                        reads.push(name);
                    }
                }
            }
            Some((item.name.as_str(), (item.row, calculation, reads)))
        })
        .collect();
    let mut problems = Vec::new();
    for (name, (row, calculation, _)) in &graph {
        // The path from `name` back to itself, if there is one (depth first).
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(name, vec![name])];
        let mut seen = BTreeSet::new();
        let mut found = None;
        while let Some((at, path)) = stack.pop() {
            let Some((_, _, references)) = graph.get(at) else { continue };
            for next in references {
                if next == name {
                    found = Some(path.clone());
                    break;
                }
                if graph.contains_key(next.as_str()) && seen.insert(next.as_str()) {
                    let mut longer = path.clone();
                    longer.push(next.as_str());
                    stack.push((next.as_str(), longer));
                }
            }
            if found.is_some() {
                break;
            }
        }
        if let Some(mut path) = found {
            path.push(name);
            problems.push(
                Problem::new("form-calculation-cycle")
                    .at_row(*row)
                    .in_column("survey!calculation")
                    .with_value(calculation.source())
                    .arg("names", path.join(" → ")),
            );
        }
    }
    problems.sort_by_key(|p| p.row);
    problems
}

/// A default typed as a spreadsheet date or time comes as a date-time: a time is on Excel's
/// day zero (1899-12-31), a date at midnight. Keeps the part the question takes.
fn spreadsheet_default(kind: &ItemKind, default: String) -> String {
    match (kind, default.split_once('T')) {
        (ItemKind::Time, Some((day, time))) if day.len() == 10 => time.to_string(),
        (ItemKind::Date, Some((day, "00:00:00"))) => day.to_string(),
        _ => default,
    }
}

/// The `parameters` column: `key=value` pairs separated by spaces, commas or semicolons.
fn parameters(text: &str) -> BTreeMap<String, String> {
    text.split([' ', ';', ','])
        .filter_map(|part| part.split_once('='))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// A select with "other" among its choices: its list, copied as `<list> or_other` with an
/// `other` choice at the end (the list itself may serve selects without one).
fn with_other(kind: ItemKind, lists: &mut BTreeMap<String, Vec<Choice>>, language: &str) -> ItemKind {
    let (ItemKind::SelectOne { list } | ItemKind::SelectMultiple { list }) = &kind else { return kind };
    let Some(choices) = lists.get(list) else { return kind };
    let named = format!("{list} or_other");
    if !lists.contains_key(&named) {
        let mut choices = choices.clone();
        let label = Texts::from([(language.to_string(), "Other".to_string())]);
        choices.push(Choice {
            name: "other".into(),
            label,
            score: None,
            extra: BTreeMap::new(),
            media: BTreeMap::new(),
        });
        lists.insert(named.clone(), choices);
    }
    match kind {
        ItemKind::SelectOne { .. } => ItemKind::SelectOne { list: named },
        _ => ItemKind::SelectMultiple { list: named },
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
        let answerable = !matches!(item.kind, ItemKind::Group { .. } | ItemKind::Repeat { .. });
        // A default that reads answers or calls a function is computed when the form opens.
        let dynamic = (default.contains("${") || default.contains('(')) && Expr::parse(default).is_ok();
        let fits = answerable && (dynamic || crate::validate::parse_answer(form, item, &as_answer).is_ok());
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
    add_none_option: bool,
    /// The `name` setting: the root element of the instance.
    root_name: Option<String>,
}

/// The `add_none_option` setting, as pyxform applies it: every `select_multiple`'s list
/// gets a `none` choice labelled "None" (unless it has one), and the question a constraint
/// that "none" is chosen alone, joined to its own constraint with `and` as pyxform writes it.
/// The choice is in the list itself, so the field app, the server's checks and the exports
/// all see it. A `select_multiple_from_file` gets the constraint here and its choice when
/// its file is read ([`Form::load_file`], from [`Form::add_none_option`]).
fn add_none_option(items: &mut [Item], lists: &mut BTreeMap<String, Vec<Choice>>, language: &str) {
    const ALONE: &str = "(.='none' or not(selected(., 'none')))";
    for item in items {
        match &mut item.kind {
            ItemKind::Group { items } | ItemKind::Repeat { items, .. } => add_none_option(items, lists, language),
            ItemKind::SelectMultiple { .. } | ItemKind::SelectFromFile { multiple: true, .. } => {
                if let ItemKind::SelectMultiple { list } = &item.kind
                    && let Some(choices) = lists.get_mut(list.as_str())
                    && !choices.iter().any(|c| c.name == "none")
                {
                    choices.push(none_choice(language));
                }
                let text = match &item.constraint {
                    Some(own) => format!("{} and {ALONE}", own.source()),
                    None => ALONE.to_string(),
                };
                item.constraint = Expr::parse(&text).ok().or(item.constraint.take());
            }
            _ => {}
        }
    }
}

/// The choice `add_none_option` adds: `none`, labelled "None" in the form's default language.
pub(crate) fn none_choice(language: &str) -> Choice {
    Choice {
        name: "none".into(),
        label: Texts::from([(language.to_string(), "None".to_string())]),
        score: None,
        extra: BTreeMap::new(),
        media: BTreeMap::new(),
    }
}

/// The problem for an expression that cannot be used (row, column and value added by the caller).
fn expression_problem(error: ExprError) -> Problem {
    match error {
        ExprError::Syntax { at } => Problem::new("form-bad-expression").arg("position", at),
        ExprError::UnsupportedFunction { name, .. } => Problem::new("form-unsupported-function").arg("function", name),
        ExprError::Arity { name, .. } => Problem::new("form-bad-arguments").arg("function", name),
        ExprError::UnsupportedPath { path, .. } => Problem::new("form-unsupported-path").arg("path", path),
        ExprError::BadPattern { pattern, .. } => Problem::new("form-bad-pattern").arg("pattern", pattern),
        ExprError::UnknownAlgorithm { name, algorithm, .. } => {
            Problem::new("form-unknown-algorithm").arg("function", name).arg("algorithm", algorithm)
        }
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
        assert_eq!(classify("media:image:spanish", false), Column::Media("image".into(), Some("es".into())));
        assert_eq!(classify("image::english", false), Column::Media("image".into(), Some("en".into())));
        assert_eq!(classify("media::audio::chinese", false), Column::Media("audio".into(), Some("zh".into())));
        assert_eq!(classify("big-image", false), Column::Media("big-image".into(), None));
        assert_eq!(classify("value", true), Column::Name);
        assert_eq!(classify("value", false), Column::Other);
        assert_eq!(classify("tutorial notes", false), Column::Other);
        assert_eq!(classify("body::accuracyThreshold", false), Column::Attribute);
        assert_eq!(classify("instance::testAttribute", false), Column::Attribute);
        assert_eq!(classify("disabled", false), Column::Disabled);
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
        assert!(matches!(parse_type("select_one occupation or_other"), RowType::OrOther(_)));
        assert!(matches!(parse_type("select one from sexes or specify other"), RowType::OrOther(_)));
        assert!(matches!(parse_type("begin loop over toilet_type"), RowType::BeginLoop { .. }));
        assert!(matches!(parse_type("end loop"), RowType::EndLoop));
        assert_eq!(kind("gps"), Some(ItemKind::Geopoint));
        assert_eq!(kind("image"), Some(ItemKind::Media { of: MediaKind::Image }));
        assert_eq!(kind("osm c1"), Some(ItemKind::Media { of: MediaKind::File }));
        assert_eq!(kind("phone number"), Some(ItemKind::Metadata { of: "phonenumber".into() }));
        assert_eq!(kind("imei"), Some(ItemKind::Metadata { of: "deviceid".into() }));
        assert_eq!(
            kind("select_one_from_file x.csv"),
            Some(ItemKind::SelectFromFile { file: "x.csv".into(), multiple: false })
        );
        assert_eq!(kind("rank list"), Some(ItemKind::Rank { list: "list".into() }));
        for raw in ["calculate_here", "audio audit", "comments", "include"] {
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
