//! The instrument: a form as OpenCPD keeps it once imported (stored as JSON), with its
//! questions, choice lists, translations and scoring.
//!
//! Only the importer in [`crate::xlsform`] builds a [`Form`]; what it holds has been checked
//! (names unique, references known, expressions parsed, lists present), so validation and
//! scoring do not check it again. Nothing here reads files or answers.

use crate::expr::Expr;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Text per language code (`en`, `fr`, or the form's own language names).
pub type Texts = BTreeMap<String, String>;

/// An instrument: an observation rubric, a self-assessment, a survey.
///
/// Every field but `items` has a default when read from JSON, so that a form can be written
/// by hand with only what it needs (the shared expression cases do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    #[serde(default)]
    pub form_id: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub title: String,
    /// The name of the root element of the form's instance, which absolute paths start
    /// with (`/data/x`): the settings' `name`, else `data`, as in pyxform.
    #[serde(default = "default_root")]
    pub root_name: String,
    /// The language of untagged `label`/`hint` columns (`default` when the settings do not
    /// name one, as in pyxform).
    #[serde(default = "default_language")]
    pub default_language: String,
    /// Every language the form has text in, the default first.
    #[serde(default)]
    pub languages: Vec<String>,
    pub items: Vec<Item>,
    #[serde(default)]
    pub choice_lists: BTreeMap<String, Vec<Choice>>,
    /// The lists of the `external_choices` sheet, for `select_one_external`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub external_lists: BTreeMap<String, Vec<Choice>>,
    /// The files the form names (media of labels and choices, the files of
    /// `select_*_from_file`, `pulldata()` and `csv-external`), each once, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
    /// The CSV, XML and GeoJSON attachments read into the form ([`Form::load_file`]), by file name: filled
    /// from the uploads when the form is collected, never by the XLSForm.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, crate::files::FileTable>,
    /// The choices of each `select_*_from_file` question whose file is loaded, by question.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub file_lists: BTreeMap<String, Vec<Choice>>,
    /// The settings' `add_none_option`: besides the `none` choice the import adds to each
    /// `select_multiple`'s list, a `select_multiple_from_file` gets one when its file is read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub add_none_option: bool,
    /// Where each item is, worked out on first use (see [`Plan`]); never stored.
    #[serde(skip)]
    pub(crate) plan: PlanCell,
}

fn default_root() -> String {
    "data".into()
}

fn default_language() -> String {
    "default".into()
}

/// The place a form keeps its [`Plan`]. A copy of the form starts without one (the copy may
/// be changed), and two forms compare equal whatever their cells hold.
#[derive(Default)]
pub(crate) struct PlanCell(std::sync::OnceLock<Plan>);

impl Clone for PlanCell {
    fn clone(&self) -> Self {
        PlanCell::default()
    }
}

impl PartialEq for PlanCell {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for PlanCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlanCell")
    }
}

/// What validation and scoring look up for every answer, worked out once per form: a form
/// is validated thousands of times, and name lookups in ordered maps were most of the work.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Every item by name.
    pub places: HashMap<String, Place>,
    /// The domains items score into, in the order they first appear.
    pub domains: Vec<String>,
}

/// Where an item is in its form.
#[derive(Debug)]
pub(crate) struct Place {
    /// Its position: the index in `Form::items`, then in each group or repeat on the way.
    pub path: Vec<usize>,
    /// Its position among every item, depth first (the order of the sheet).
    pub order: usize,
    /// The repeats around it, outermost first.
    pub repeats: Vec<String>,
    /// The groups and repeats around it, outermost first.
    pub ancestors: Vec<String>,
    /// Whether it is a repeat itself.
    pub repeat: bool,
    /// The index of its domain in [`Plan::domains`].
    pub domain: Option<usize>,
}

/// One row of the survey sheet: a question, a note, a calculation, a group or a repeat.
///
/// Read from JSON, everything but the name and the kind may be left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub name: String,
    pub kind: ItemKind,
    /// The row of the survey sheet it came from (the header is row 1).
    #[serde(default)]
    pub row: usize,
    #[serde(default)]
    pub label: Texts,
    #[serde(default)]
    pub hint: Texts,
    #[serde(default)]
    pub required: Condition,
    #[serde(default)]
    pub required_message: Texts,
    #[serde(default)]
    pub constraint: Option<Expr>,
    #[serde(default)]
    pub constraint_message: Texts,
    #[serde(default)]
    pub relevant: Option<Expr>,
    /// For a `calculate`, its value. On a question, the value it takes whenever what the
    /// calculation reads changes (JavaRosa's `calculate` bind): see [`crate::validate`].
    #[serde(default)]
    pub calculation: Option<Expr>,
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub appearance: Option<String>,
    #[serde(default)]
    pub read_only: Condition,
    /// Which choices of the list are offered, for selects (reads the choices' columns).
    #[serde(default)]
    pub choice_filter: Option<Expr>,
    /// The professional standard or domain this item scores into (OpenCPD extension).
    #[serde(default)]
    pub domain: Option<String>,
    /// The most an integer, decimal or range answer can score (OpenCPD extension).
    #[serde(default)]
    pub max_score: Option<f64>,
    /// The `parameters` column as `key=value` pairs (`max-pixels`, `capture-accuracy`,
    /// `value`/`label` of a `select_*_from_file`…); a range's are in its kind.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// Media shown with the label: kind (`image`, `big-image`, `audio`, `video`) → file
    /// per language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub media: BTreeMap<String, Texts>,
    /// `bind::…`, `instance::…` and `body::…` columns: the attributes pyxform writes on the
    /// question's `<bind>`, its node of the primary instance and its control, keyed
    /// `bind::NAME`, `instance::NAME`, `body::NAME` with the name as written (`bind::odk:length`,
    /// `instance::odk:tag`, the legacy `compact_tag`). Kept with the form; those
    /// ODK Collect acts on are also read into what OpenCPD honours: `bind::orx:max-pixels`
    /// into the `max-pixels` parameter, `body::accuracyThreshold` and
    /// `body::unacceptableAccuracyThreshold` into `capture-accuracy` and `warning-accuracy`.
    /// (`bind::jr:constraintMsg`, `bind::jr:requiredMsg` and `bind::jr:noAppErrorString` are
    /// the message columns, read per language into the messages and [`Item::no_app_message`].)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// What to say when the app an `ex:` appearance names cannot be opened (`noAppErrorString`,
    /// `bind::jr:noAppErrorString`), per language: the field app, which can open no Android
    /// app, shows it above the answer typed by hand, as ODK Collect does when the app is missing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub no_app_message: Texts,
    /// A select with an "other" choice (`or_other`): its text is asked in `<name>_other`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub or_other: bool,
    /// The `trigger` column: the questions whose change sets this item's value (pyxform's
    /// `setvalue` on `xforms-value-changed`). When the respondent changes one of them, the
    /// item takes its `calculation`'s value at that moment (no calculation: it is emptied),
    /// and keeps it otherwise: the calculation no longer follows its inputs. A timestamp
    /// (`now()`) recorded when a question is answered is the usual use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trigger: Vec<String>,
}

impl Item {
    /// A question of the given kind with nothing else set.
    pub fn new(name: impl Into<String>, kind: ItemKind, row: usize) -> Item {
        Item {
            name: name.into(),
            kind,
            row,
            label: Texts::new(),
            hint: Texts::new(),
            required: Condition::Never,
            required_message: Texts::new(),
            constraint: None,
            constraint_message: Texts::new(),
            relevant: None,
            calculation: None,
            default: None,
            appearance: None,
            read_only: Condition::Never,
            choice_filter: None,
            domain: None,
            max_score: None,
            parameters: BTreeMap::new(),
            media: BTreeMap::new(),
            attributes: BTreeMap::new(),
            no_app_message: Texts::new(),
            or_other: false,
            trigger: Vec::new(),
        }
    }

    /// Whether ODK shows the item to the respondent (pyxform writes a control for it): not a
    /// `calculate`, `hidden` or metadata item, and not a question with a calculation or a
    /// trigger that has neither a label nor a hint (then a value kept, as a `calculate`).
    pub fn is_shown(&self) -> bool {
        match self.kind {
            ItemKind::Calculate | ItemKind::Hidden | ItemKind::Metadata { .. } => false,
            ItemKind::Group { .. } | ItemKind::Repeat { .. } => true,
            _ => {
                !((self.calculation.is_some() || !self.trigger.is_empty())
                    && self.label.is_empty()
                    && self.hint.is_empty())
            }
        }
    }

    /// The columns of the `audit.csv` an `audit` item's parameters make ODK Collect write,
    /// in its order: `event,node,start,end`, then `latitude,longitude,accuracy` when it
    /// tracks the location (`location-priority`, `-min-interval` and `-max-age` given),
    /// `old-value,new-value` with `track-changes=true`, `user` with `identify-user=true` and
    /// `change-reason` with `track-changes-reasons=on-form-edit`.
    pub fn audit_columns(&self) -> Vec<&'static str> {
        let p = &self.parameters;
        let yes = |key: &str| p.get(key).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let mut columns = vec!["event", "node", "start", "end"];
        if ["location-priority", "location-min-interval", "location-max-age"].iter().all(|k| p.contains_key(*k)) {
            columns.extend(["latitude", "longitude", "accuracy"]);
        }
        if yes("track-changes") {
            columns.extend(["old-value", "new-value"]);
        }
        if yes("identify-user") {
            columns.push("user");
        }
        if p.get("track-changes-reasons").is_some_and(|v| v.trim() == "on-form-edit") {
            columns.push("change-reason");
        }
        columns
    }

    /// The problems of an audit log whose first line is `header`, for this `audit` item:
    /// each column its parameters ask for and the header lacks, and each column it has that
    /// they do not ask for (`heading`), with the header expected (`expected`). The caller
    /// names the file and the question.
    pub fn audit_header_problems(&self, header: &str) -> Vec<opencpd_domain::table::Problem> {
        use opencpd_domain::table::Problem;
        let header = header.trim_start_matches('\u{feff}').trim_end_matches(['\r', '\n']);
        let found: Vec<&str> = header.split(',').map(str::trim).collect();
        let wanted = self.audit_columns();
        let expected = wanted.join(",");
        let missing = wanted.iter().filter(|c| !found.contains(c)).map(|c| ("form-audit-column-missing", *c));
        let unexpected = found.iter().filter(|c| !wanted.contains(c)).map(|c| ("form-audit-column-unexpected", *c));
        missing
            .chain(unexpected)
            .map(|(code, column)| Problem::new(code).arg("heading", column).arg("expected", &expected))
            .collect()
    }

    /// The items inside a group or repeat; none for a question.
    pub fn children(&self) -> &[Item] {
        match &self.kind {
            ItemKind::Group { items } | ItemKind::Repeat { items, .. } => items,
            _ => &[],
        }
    }

    /// Every expression of the item: relevance, calculation, constraint, required and
    /// read-only conditions, choice filter, repeat count, and a default that is one.
    pub fn expressions(&self) -> Vec<Expr> {
        let condition = |c: &Condition| match c {
            Condition::When(expr) => Some(expr.clone()),
            _ => None,
        };
        let repeat_count = match &self.kind {
            ItemKind::Repeat { repeat_count, .. } => repeat_count.clone(),
            _ => None,
        };
        [self.relevant.clone(), self.calculation.clone(), self.constraint.clone(), self.choice_filter.clone()]
            .into_iter()
            .chain([condition(&self.required), condition(&self.read_only), repeat_count])
            .chain([self.default.as_deref().and_then(|d| Expr::parse(d).ok())])
            .flatten()
            .collect()
    }
}

/// What kind of item a row is, with what that kind needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemKind {
    Text,
    Integer,
    Decimal,
    SelectOne {
        list: String,
    },
    SelectMultiple {
        list: String,
    },
    Date,
    Time,
    DateTime,
    /// Shown, never answered.
    Note,
    /// Computed from `calculation`, never answered.
    Calculate,
    /// "OK" when the respondent confirms (`acknowledge`, formerly `trigger`).
    Acknowledge,
    Range {
        start: f64,
        end: f64,
        step: f64,
    },
    /// Filled by the collecting device (start, end, today, deviceid, username…), not asked.
    Metadata {
        of: String,
    },
    /// A location: `latitude longitude [altitude [accuracy]]`.
    Geopoint,
    /// A line: two or more points separated by `;`.
    Geotrace,
    /// An area: four or more points, the last one the first.
    Geoshape,
    /// A file captured or chosen on the device, answered by its file name: `image` (also
    /// signatures, drawings and annotations, by appearance), `audio`, `video` or any `file`.
    Media {
        of: MediaKind,
    },
    /// A code read by the camera, or typed.
    Barcode,
    /// Kept with the submission, never shown (its value comes from `default`).
    Hidden,
    /// The choices of a list put in order (all of them, space separated).
    Rank {
        list: String,
    },
    /// A select whose choices are in a file attached to the form (`select_one_from_file`).
    SelectFromFile {
        file: String,
        multiple: bool,
    },
    /// A select whose choices are in the `external_choices` sheet (`select_one_external`).
    SelectExternal {
        list: String,
    },
    Group {
        items: Vec<Item>,
    },
    Repeat {
        items: Vec<Item>,
        repeat_count: Option<Expr>,
    },
}

/// What kind of file a [`ItemKind::Media`] question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Audio,
    Video,
    File,
}

impl MediaKind {
    pub fn parse(text: &str) -> Option<MediaKind> {
        Some(match text {
            "image" | "photo" | "signature" | "drawing" => MediaKind::Image,
            "audio" => MediaKind::Audio,
            "video" => MediaKind::Video,
            "file" | "osm" => MediaKind::File,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::File => "file",
        }
    }
}

/// `required` and `read_only`: never, always, or when an expression holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    #[default]
    Never,
    Always,
    When(Expr),
}

/// One option of a choice list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub name: String,
    #[serde(default)]
    pub label: Texts,
    /// Points for choosing it (OpenCPD extension).
    #[serde(default)]
    pub score: Option<f64>,
    /// The other columns of the choices sheet, by header (what `choice_filter` reads).
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    /// Media shown with the choice, as on items: kind → file per language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub media: BTreeMap<String, Texts>,
}

impl Form {
    /// A text of this form in `lang`: the form's default language where it has none in
    /// `lang`, else any language it has.
    pub fn text<'t>(&self, texts: &'t Texts, lang: &str) -> Option<&'t str> {
        texts
            .get(lang)
            .or_else(|| texts.get(&self.default_language))
            .or_else(|| texts.values().next())
            .map(String::as_str)
    }

    /// Every item, depth first, in the order of the sheet.
    pub fn all_items(&self) -> Vec<&Item> {
        fn collect<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
            for item in items {
                out.push(item);
                collect(item.children(), out);
            }
        }
        let mut out = Vec::new();
        collect(&self.items, &mut out);
        out
    }

    /// The item named `name`, wherever it is.
    pub fn item(&self, name: &str) -> Option<&Item> {
        self.plan().places.get(name).map(|place| self.item_at(&place.path))
    }

    /// The item at a [`Place`]'s path.
    pub(crate) fn item_at(&self, path: &[usize]) -> &Item {
        let (first, rest) = path.split_first().expect("a place has a path");
        rest.iter().fold(&self.items[*first], |item, i| &item.children()[*i])
    }

    /// Where every item is, worked out once.
    pub(crate) fn plan(&self) -> &Plan {
        self.plan.0.get_or_init(|| {
            fn walk(
                items: &[Item],
                path: &mut Vec<usize>,
                repeats: &mut Vec<String>,
                ancestors: &mut Vec<String>,
                plan: &mut Plan,
                order: &mut usize,
            ) {
                for (i, item) in items.iter().enumerate() {
                    path.push(i);
                    let domain = item.domain.as_ref().map(|d| match plan.domains.iter().position(|x| x == d) {
                        Some(at) => at,
                        None => {
                            plan.domains.push(d.clone());
                            plan.domains.len() - 1
                        }
                    });
                    let place = Place {
                        path: path.clone(),
                        order: *order,
                        repeats: repeats.clone(),
                        ancestors: ancestors.clone(),
                        repeat: matches!(item.kind, ItemKind::Repeat { .. }),
                        domain,
                    };
                    *order += 1;
                    plan.places.insert(item.name.clone(), place);
                    match &item.kind {
                        ItemKind::Group { items } => {
                            ancestors.push(item.name.clone());
                            walk(items, path, repeats, ancestors, plan, order);
                            ancestors.pop();
                        }
                        ItemKind::Repeat { items, .. } => {
                            repeats.push(item.name.clone());
                            ancestors.push(item.name.clone());
                            walk(items, path, repeats, ancestors, plan, order);
                            ancestors.pop();
                            repeats.pop();
                        }
                        _ => {}
                    }
                    path.pop();
                }
            }
            let mut plan = Plan::default();
            walk(&self.items, &mut Vec::new(), &mut Vec::new(), &mut Vec::new(), &mut plan, &mut 0);
            plan
        })
    }

    /// The choices of the list a select uses.
    pub fn choices(&self, list: &str) -> &[Choice] {
        self.choice_lists.get(list).map(Vec::as_slice).unwrap_or(&[])
    }
}
