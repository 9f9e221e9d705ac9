//! Submission validation: answers given as JSON are checked against a [`Form`] and come out
//! typed ([`Validated`]), with the form's calculations computed, or as the full list of
//! [`Problem`]s.
//!
//! The shape of the answers (documented once, here):
//! - a JSON object from item name to value; groups are *flattened* (names are unique in a
//!   form, so a question inside a group is answered by its own name, not under the group's);
//! - a repeat is an array of objects, one per instance, in the same shape;
//! - `null`, `""` and absent mean "no answer"; a `select_multiple` is a space-separated
//!   string or an array; dates are `YYYY-MM-DD`, times `HH:MM[:SS]`, date-times ISO 8601.
//!
//! The decisions:
//! - a name the form does not have is an error, and so is an answer to a note or a
//!   calculation (the form computes those itself);
//! - an answer to a question that is not relevant is an error, not silently dropped: the
//!   client showed a question it should have hidden, or kept a stale answer;
//! - `required` is checked only where the question is relevant; constraints, ranges, choice
//!   filters and score bounds only where there is an answer;
//! - calculations are computed twice in document order (once so that every relevance can
//!   see them, once more with relevance applied); an irrelevant calculation is empty;
//! - a calculation that is `once(…)` keeps the value sent with the submission, as JavaRosa
//!   keeps the first non-empty value (`once(now())` is when the device first computed it,
//!   not when the server reads it); it is computed only when none was sent;
//! - a question with a `calculation` (an integer or a text computed from other answers) is
//!   answered like any other: the value sent is taken after its type, constraint and the
//!   other rules are checked, since the device may have let the respondent change it and
//!   nothing tells an edit from a computation. Where none was sent and the question applies,
//!   the calculation gives its value (as the device would have), if that value fits the
//!   question's type;
//! - an item with a `trigger` (a question or a `calculate`) is set by the device when one of
//!   its trigger questions changes, and keeps that value: the value sent is taken (checked
//!   like any answer; a `calculate`'s as text) and never computed again from its inputs. When
//!   none was sent and a trigger question is answered, the device would have set it, so the
//!   calculation gives it (`now()` is then when the server reads it); when no trigger is
//!   answered it stays empty, as it was never triggered.
//!
//! Problems name the item as the column (`age`, or `members[2].age` inside a repeat, 1-based)
//! and carry the offending value. Nothing here scores; see [`crate::score`].

use crate::expr::{Context, Env, Expr, Step, Value, follow_path};
use crate::model::{Choice, Condition, Form, Item, ItemKind};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use opencpd_domain::table::Problem;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// The answers of one instance (the whole submission, or one repeat instance), by name.
pub type Instance = BTreeMap<String, Answer>;

/// One typed answer. Unanswered items are absent from their [`Instance`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Text(String),
    Integer(i64),
    Decimal(f64),
    Choice(String),
    Choices(Vec<String>),
    Date(NaiveDate),
    Time(NaiveTime),
    DateTime(NaiveDateTime),
    /// The value of a `calculate`, as text (XPath string value).
    Calculated(String),
    Repeat(Vec<Instance>),
}

impl Answer {
    /// The number, for integer, decimal and range answers.
    pub fn number(&self) -> Option<f64> {
        match self {
            Answer::Integer(i) => Some(*i as f64),
            Answer::Decimal(d) => Some(*d),
            _ => None,
        }
    }
}

/// A submission that passed every check, with calculations filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validated {
    pub answers: Instance,
}

impl Validated {
    /// A top-level answer (not inside a repeat) by name.
    pub fn get(&self, name: &str) -> Option<&Answer> {
        self.answers.get(name)
    }
}

/// Checks `answers` against `form`, evaluating expressions at the moment `ctx`.
pub fn validate(form: &Form, answers: &Json, ctx: &Context) -> Result<Validated, Vec<Problem>> {
    let Some(object) = answers.as_object() else {
        return Err(vec![Problem::new("form-bad-answers").with_value(short(answers))]);
    };
    let mut check = Check { form, ctx, problems: Vec::new(), unreadable: BTreeSet::new() };
    let mut root = check.read(object, "", None);
    check.calculate(&form.items, &mut root, &mut Vec::new(), None);
    check.rules(&form.items, &mut root, &mut Vec::new(), true, "");
    if check.problems.is_empty() { Ok(Validated { answers: root }) } else { Err(check.problems) }
}

/// Evaluates `expr` where the form evaluates the item at `at` (`age`, or `visits[2].age`
/// inside a repeat, 1-based), on the answers read and computed as [`validate`] reads and
/// computes them (whether or not they pass its checks): `.`, relative paths and
/// `position(..)` are that item's. The field app's `evaluateAt` does the same, and the
/// shared expression cases hold both to it.
pub fn evaluate_at(form: &Form, answers: &Json, at: &str, expr: &Expr, ctx: &Context) -> Value {
    let empty = serde_json::Map::new();
    let object = answers.as_object().unwrap_or(&empty);
    let mut check = Check { form, ctx, problems: Vec::new(), unreadable: BTreeSet::new() };
    let mut root = check.read(object, "", None);
    check.calculate(&form.items, &mut root, &mut Vec::new(), None);
    check.rules(&form.items, &mut root, &mut Vec::new(), true, "");
    let mut pos = Vec::new();
    let mut rest = at;
    while let Some((head, tail)) = rest.split_once("].") {
        let Some((name, index)) = head.split_once('[') else { break };
        let index: usize = index.parse().unwrap_or(1);
        pos.push((name.to_string(), index.saturating_sub(1)));
        rest = tail;
    }
    expr.eval(&check.scope(&root, &pos, rest), ctx)
}

/// A position in the submission: the repeat instances we are inside (name, 0-based index).
type Position = Vec<(String, usize)>;

static NO_ANSWERS: Instance = BTreeMap::new();

fn instance_at<'a>(root: &'a Instance, pos: &[(String, usize)]) -> &'a Instance {
    let mut inst = root;
    for (name, i) in pos {
        inst = match inst.get(name) {
            Some(Answer::Repeat(instances)) if *i < instances.len() => &instances[*i],
            _ => return &NO_ANSWERS,
        };
    }
    inst
}

fn instance_at_mut<'a>(root: &'a mut Instance, pos: &[(String, usize)]) -> Option<&'a mut Instance> {
    let mut inst = root;
    for (name, i) in pos {
        inst = match inst.get_mut(name) {
            Some(Answer::Repeat(instances)) => instances.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(inst)
}

/// An answer as the expression language sees it.
fn answer_value(answer: Option<&Answer>) -> Value {
    match answer {
        None => Value::empty(),
        Some(Answer::Text(s) | Answer::Choice(s) | Answer::Calculated(s)) => Value::Text(s.clone()),
        Some(Answer::Integer(i)) => Value::Number(*i as f64),
        Some(Answer::Decimal(d)) => Value::Number(*d),
        Some(Answer::Choices(names)) => Value::Text(names.join(" ")),
        Some(Answer::Date(d)) => Value::Date(*d),
        Some(Answer::Time(t)) => Value::Text(t.format("%H:%M:%S").to_string()),
        Some(Answer::DateTime(dt)) => Value::DateTime(*dt),
        Some(Answer::Repeat(instances)) => {
            Value::List((1..=instances.len()).map(|i| Value::Number(i as f64)).collect())
        }
    }
}

/// What an expression sees from one place in the submission.
struct Scope<'a> {
    form: &'a Form,
    root: &'a Instance,
    pos: &'a [(String, usize)],
    current: &'a str,
    choice: Option<&'a Choice>,
    default_language: &'a str,
}

impl Scope<'_> {
    fn gather(&self, inst: &Instance, repeats: &[String], name: &str, out: &mut Vec<Value>) {
        match repeats.split_first() {
            None => match inst.get(name) {
                Some(Answer::Repeat(instances)) => {
                    out.extend((1..=instances.len()).map(|i| Value::Number(i as f64)));
                }
                answer => out.push(answer_value(answer)),
            },
            Some((first, rest)) => {
                if let Some(Answer::Repeat(instances)) = inst.get(first) {
                    for sub in instances {
                        self.gather(sub, rest, name, out);
                    }
                }
            }
        }
    }
}

impl Env for Scope<'_> {
    fn reference(&self, name: &str) -> Value {
        let Some(place) = self.form.plan().places.get(name) else { return Value::empty() };
        let repeats = &place.repeats;
        // Go down through the repeat instances we are in and the item is in too.
        let mut depth = 0;
        while depth < repeats.len() && depth < self.pos.len() && self.pos[depth].0 == repeats[depth] {
            depth += 1;
        }
        let inst = instance_at(self.root, &self.pos[..depth]);
        if depth == repeats.len() && !place.repeat {
            return answer_value(inst.get(name));
        }
        let mut out = Vec::new();
        self.gather(inst, &repeats[depth..], name, &mut out);
        Value::List(out)
    }
    fn current(&self) -> Value {
        self.reference(self.current)
    }
    fn path(&self, absolute: bool, steps: &[Step]) -> Value {
        let ancestors = self.form.plan().places.get(self.current).map(|p| p.ancestors.as_slice()).unwrap_or(&[]);
        match follow_path(absolute, steps, ancestors, self.current).as_deref().and_then(<[String]>::last) {
            Some(name) => self.reference(name),
            None => Value::empty(),
        }
    }
    fn position(&self) -> Value {
        self.pos.last().map(|(_, i)| Value::Number((i + 1) as f64)).unwrap_or(Value::empty())
    }
    fn indexed(&self, name: &str, at: &[(String, usize)]) -> Value {
        let Some(place) = self.form.plan().places.get(name) else { return Value::empty() };
        let pos: Vec<(String, usize)> = at.iter().map(|(r, i)| (r.clone(), i.saturating_sub(1))).collect();
        if !place.repeats.starts_with(&pos.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>()) {
            return Value::empty();
        }
        let inst = instance_at(self.root, &pos);
        if place.repeats.len() == pos.len() && !place.repeat {
            return answer_value(inst.get(name));
        }
        let mut out = Vec::new();
        self.gather(inst, &place.repeats[pos.len()..], name, &mut out);
        Value::List(out)
    }
    fn choice_name(&self, choice: &str, question: &str) -> Value {
        let choices = match self.form.item(question).map(|item| &item.kind) {
            Some(ItemKind::SelectOne { list } | ItemKind::SelectMultiple { list } | ItemKind::Rank { list }) => {
                self.form.choices(list)
            }
            Some(ItemKind::SelectExternal { list }) => {
                self.form.external_lists.get(list).map(Vec::as_slice).unwrap_or(&[])
            }
            Some(ItemKind::SelectFromFile { .. }) => self.form.file_choices(question).unwrap_or(&[]),
            _ => &[],
        };
        let label = choices
            .iter()
            .find(|c| c.name == choice)
            .and_then(|c| c.label.get(self.default_language).or_else(|| c.label.values().next()));
        Value::Text(label.cloned().unwrap_or_default())
    }
    fn pulldata(&self, file: &str, column: &str, key_column: &str, key: &str) -> Value {
        Value::Text(self.form.pulldata(file, column, key_column, key).unwrap_or_default().to_string())
    }
    fn choice_column(&self, name: &str) -> Value {
        let Some(choice) = self.choice else { return Value::empty() };
        let text = match name {
            "name" => Some(&choice.name),
            "label" => choice.label.get(self.default_language).or_else(|| choice.label.values().next()),
            _ => choice.extra.get(name),
        };
        Value::Text(text.cloned().unwrap_or_default())
    }
}

struct Check<'f> {
    form: &'f Form,
    ctx: &'f Context,
    problems: Vec<Problem>,
    /// Paths whose answer was already refused for its type: no further checks there.
    unreadable: BTreeSet<String>,
}

/// One answer, typed by its item. `Ok(None)` is no answer.
pub(crate) fn parse_answer(form: &Form, item: &Item, value: &Json) -> Result<Option<Answer>, Problem> {
    let text = match value {
        Json::Null => return Ok(None),
        Json::String(s) => s.trim().to_string(),
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Array(_)
            if matches!(
                item.kind,
                ItemKind::SelectMultiple { .. } | ItemKind::SelectFromFile { multiple: true, .. }
            ) =>
        {
            String::new()
        }
        _ => return Err(Problem::new("form-bad-answer")),
    };
    if text.is_empty() && !value.is_array() {
        return Ok(None);
    }
    let choice = |list: &str, name: &str| -> Result<(), Problem> {
        let choices = form.choices(list);
        if choices.iter().any(|c| c.name == name) {
            return Ok(());
        }
        let mut allowed: Vec<&str> = choices.iter().map(|c| c.name.as_str()).take(20).collect();
        allowed.dedup();
        if choices.len() > 20 {
            allowed.push("…");
        }
        Err(Problem::new("bad-choice").arg("allowed", allowed.join(", ")))
    };
    Ok(Some(match &item.kind {
        ItemKind::Text | ItemKind::Metadata { .. } | ItemKind::Barcode | ItemKind::Hidden => match value {
            Json::String(s) => Answer::Text(s.clone()),
            _ => Answer::Text(text),
        },
        ItemKind::Geopoint | ItemKind::Geotrace | ItemKind::Geoshape => Answer::Text(geo_answer(&item.kind, &text)?),
        ItemKind::Media { .. } => {
            let bad = text.contains(['/', '\\']) || text.starts_with('.') || text.chars().count() > 255;
            if bad || text.chars().any(char::is_control) {
                return Err(Problem::new("form-bad-file-name"));
            }
            Answer::Text(text)
        }
        ItemKind::Rank { list } => {
            let mut names: Vec<String> = Vec::new();
            for name in text.split_whitespace() {
                choice(list, name).map_err(|p| p.with_value(name))?;
                if names.iter().any(|n| n == name) {
                    return Err(Problem::new("form-bad-rank").with_value(name));
                }
                names.push(name.to_string());
            }
            Answer::Choices(names)
        }
        ItemKind::SelectFromFile { multiple, .. } => {
            let answer = match value {
                _ if !multiple => Answer::Choice(text),
                Json::Array(elements) => Answer::Choices(
                    elements
                        .iter()
                        .map(|e| e.as_str().map(|s| s.trim().to_string()).unwrap_or_else(|| e.to_string()))
                        .collect(),
                ),
                _ => Answer::Choices(text.split_whitespace().map(str::to_string).collect()),
            };
            // Checked against the file's choices once the file is loaded.
            if let Some(choices) = form.file_choices(&item.name) {
                let names = match &answer {
                    Answer::Choice(one) => std::slice::from_ref(one),
                    Answer::Choices(many) => many.as_slice(),
                    _ => &[],
                };
                if let Some(bad) = names.iter().find(|n| !choices.iter().any(|c| &c.name == *n)) {
                    return Err(Problem::new("bad-choice").with_value(bad).arg(
                        "allowed",
                        choices.iter().map(|c| c.name.as_str()).take(20).collect::<Vec<_>>().join(", "),
                    ));
                }
            }
            answer
        }
        ItemKind::SelectExternal { list } => {
            if let Some(choices) = form.external_lists.get(list)
                && !choices.iter().any(|c| c.name == text)
            {
                return Err(Problem::new("bad-choice")
                    .arg("allowed", choices.iter().map(|c| c.name.as_str()).take(20).collect::<Vec<_>>().join(", ")));
            }
            Answer::Choice(text)
        }
        ItemKind::Integer => match text.parse::<i64>() {
            Ok(i) => Answer::Integer(i),
            Err(_) => return Err(Problem::new("form-bad-integer")),
        },
        ItemKind::Decimal | ItemKind::Range { .. } => match text.parse::<f64>() {
            Ok(d) if d.is_finite() => Answer::Decimal(d),
            _ => return Err(Problem::new("bad-number")),
        },
        ItemKind::Date => match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) if text.len() == 10 => Answer::Date(d),
            _ => return Err(Problem::new("bad-date")),
        },
        ItemKind::Time => Answer::Time(parse_time(&text).ok_or_else(|| Problem::new("form-bad-time"))?),
        ItemKind::DateTime => Answer::DateTime(parse_datetime(&text).ok_or_else(|| Problem::new("form-bad-datetime"))?),
        ItemKind::SelectOne { list } => {
            if matches!(value, Json::Bool(_)) {
                return Err(Problem::new("form-bad-answer"));
            }
            choice(list, &text)?;
            Answer::Choice(text)
        }
        ItemKind::SelectMultiple { list } => {
            let names: Vec<String> = match value {
                Json::Array(elements) => {
                    let mut names = Vec::new();
                    for element in elements {
                        match element {
                            Json::String(s) => names.push(s.trim().to_string()),
                            Json::Number(n) => names.push(n.to_string()),
                            _ => return Err(Problem::new("form-bad-answer")),
                        }
                    }
                    names
                }
                Json::Bool(_) => return Err(Problem::new("form-bad-answer")),
                _ => text.split_whitespace().map(str::to_string).collect(),
            };
            let mut unique: Vec<String> = Vec::new();
            for name in names.into_iter().filter(|n| !n.is_empty()) {
                choice(list, &name).map_err(|p| p.with_value(&name))?;
                if !unique.contains(&name) {
                    unique.push(name);
                }
            }
            if unique.is_empty() {
                return Ok(None);
            }
            Answer::Choices(unique)
        }
        ItemKind::Acknowledge => match value {
            Json::Bool(true) => Answer::Text("OK".into()),
            Json::Bool(false) => return Ok(None),
            _ if text.eq_ignore_ascii_case("ok") => Answer::Text("OK".into()),
            _ => return Err(Problem::new("form-bad-answer")),
        },
        ItemKind::Calculate if item.calculation.as_ref().is_some_and(Expr::is_once) || !item.trigger.is_empty() => {
            match value {
                Json::String(s) => Answer::Calculated(s.clone()),
                _ => Answer::Calculated(text),
            }
        }
        ItemKind::Note | ItemKind::Calculate => return Err(Problem::new("form-no-answer-expected")),
        ItemKind::Group { .. } | ItemKind::Repeat { .. } => return Err(Problem::new("form-bad-answer")),
    }))
}

/// The text a calculation gives a question of this kind, as JavaRosa stores it: a number
/// that is not finite is no value, and an integer question takes the whole part.
pub fn computed_text(kind: &ItemKind, value: &Value) -> Option<String> {
    let text = match kind {
        ItemKind::Integer => {
            let n = value.number();
            if !n.is_finite() {
                return None;
            }
            crate::expr::format_number(n.trunc())
        }
        ItemKind::Decimal | ItemKind::Range { .. } => {
            let n = value.number();
            if !n.is_finite() {
                return None;
            }
            crate::expr::format_number(n)
        }
        _ => value.text(),
    };
    (!text.is_empty()).then_some(text)
}

/// A location answer checked: `latitude longitude [altitude [accuracy]]` per point, points
/// separated by `;`; a line has two or more, a shape four or more and ends where it starts.
fn geo_answer(kind: &ItemKind, text: &str) -> Result<String, Problem> {
    let mut points: Vec<Vec<f64>> = Vec::new();
    for point in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let numbers: Vec<f64> = point
            .split_whitespace()
            .map(|n| n.parse::<f64>().ok().filter(|n| n.is_finite()))
            .collect::<Option<_>>()
            .ok_or_else(|| Problem::new("form-bad-geopoint"))?;
        let fits = (2..=4).contains(&numbers.len())
            && (-90.0..=90.0).contains(&numbers[0])
            && (-180.0..=180.0).contains(&numbers[1])
            && numbers.get(3).is_none_or(|accuracy| *accuracy >= 0.0);
        if !fits {
            return Err(Problem::new("form-bad-geopoint").arg("point", point));
        }
        points.push(numbers);
    }
    let closed = points.first().zip(points.last()).is_some_and(|(a, b)| a[..2] == b[..2]);
    match kind {
        ItemKind::Geopoint if points.len() != 1 => Err(Problem::new("form-bad-geopoint").arg("point", text)),
        ItemKind::Geotrace if points.len() < 2 => Err(Problem::new("form-bad-geotrace")),
        ItemKind::Geoshape if points.len() < 4 || !closed => Err(Problem::new("form-bad-geoshape")),
        _ => Ok(points
            .iter()
            .map(|p| p.iter().map(|n| crate::expr::format_number(*n)).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(";")),
    }
}

/// A JSON value as a short text for a problem.
fn short(value: &Json) -> String {
    let text = match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 { format!("{}…", text.chars().take(60).collect::<String>()) } else { text }
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    // ODK sends 10:30:00.000+02:00; the offset is dropped (times are wall-clock times).
    let cut = text.char_indices().skip(5).find(|(_, c)| matches!(c, '+' | '-' | 'Z')).map(|(i, _)| i);
    let text = &text[..cut.unwrap_or(text.len())];
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f").or_else(|_| NaiveTime::parse_from_str(text, "%H:%M")).ok()
}

fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.naive_local());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}

impl<'f> Check<'f> {
    fn scope<'a>(&'a self, root: &'a Instance, pos: &'a [(String, usize)], current: &'a str) -> Scope<'a> {
        Scope { form: self.form, root, pos, current, choice: None, default_language: &self.form.default_language }
    }

    /// Reads the JSON of one instance (the whole submission, or an instance of the repeat
    /// named `repeat`) into typed answers, and reports unknown names.
    ///
    /// The keys are taken in their (sorted) order and found by name in the form's plan, so
    /// the instance is built from sorted pairs. Problems are then put in the order of the
    /// form, unknown names last, as a reader of the form expects.
    fn read(&mut self, object: &serde_json::Map<String, Json>, prefix: &str, repeat: Option<&str>) -> Instance {
        let plan = self.form.plan();
        let first = self.problems.len();
        // For each problem from `first` on: the order of its item in the form.
        let mut orders: Vec<usize> = Vec::new();
        let mut answers: Vec<(String, Answer)> = Vec::with_capacity(object.len());
        for (key, value) in object {
            let found = plan
                .places
                .get(key.as_str())
                .filter(|place| place.repeats.last().map(String::as_str) == repeat)
                .map(|place| (place.order, self.form.item_at(&place.path)))
                .filter(|(_, item)| !matches!(item.kind, ItemKind::Group { .. }));
            let Some((order, item)) = found else {
                self.problems.push(
                    Problem::new("form-unknown-answer").in_column(format!("{prefix}{key}")).with_value(short(value)),
                );
                orders.push(usize::MAX);
                continue;
            };
            if let Some(answer) = self.read_answer(item, value, prefix) {
                answers.push((item.name.clone(), answer));
            }
            orders.resize(self.problems.len() - first, order);
        }
        if !orders.is_sorted() {
            let mut tagged: Vec<(usize, Problem)> = orders.into_iter().zip(self.problems.drain(first..)).collect();
            tagged.sort_by_key(|(order, _)| *order);
            self.problems.extend(tagged.into_iter().map(|(_, p)| p));
        }
        answers.into_iter().collect()
    }

    /// The typed answer to one item; `None` when there is none, or when it is refused (then
    /// with a problem).
    fn read_answer(&mut self, item: &'f Item, value: &Json, prefix: &str) -> Option<Answer> {
        let path = || format!("{prefix}{}", item.name);
        if let ItemKind::Repeat { .. } = &item.kind {
            return match value {
                Json::Null => None,
                Json::Array(elements) => {
                    let path = path();
                    let mut instances = Vec::new();
                    for (i, element) in elements.iter().enumerate() {
                        let inner = format!("{path}[{}].", i + 1);
                        match element.as_object() {
                            Some(object) => instances.push(self.read(object, &inner, Some(&item.name))),
                            None => {
                                let at = format!("{path}[{}]", i + 1);
                                self.problems
                                    .push(Problem::new("form-bad-repeat").in_column(&at).with_value(short(element)));
                                self.unreadable.insert(at);
                                instances.push(Instance::new());
                            }
                        }
                    }
                    (!instances.is_empty()).then_some(Answer::Repeat(instances))
                }
                other => {
                    let path = path();
                    self.problems.push(Problem::new("form-bad-repeat").in_column(&path).with_value(short(other)));
                    self.unreadable.insert(path);
                    None
                }
            };
        }
        match parse_answer(self.form, item, value) {
            Ok(answer) => answer,
            Err(problem) => {
                let path = path();
                let problem = if problem.value.is_some() { problem } else { problem.with_value(short(value)) };
                self.problems.push(problem.in_column(&path));
                self.unreadable.insert(path);
                None
            }
        }
    }

    /// Computes every calculation in document order. `relevant` is `None` in the first
    /// pass (relevance ignored), and the item's relevance in the second.
    fn calculate(&mut self, items: &'f [Item], root: &mut Instance, pos: &mut Position, relevant: Option<bool>) {
        for item in items {
            match &item.kind {
                ItemKind::Group { items } => self.calculate(items, root, pos, relevant),
                ItemKind::Repeat { items, .. } => {
                    let count = match instance_at(root, pos).get(&item.name) {
                        Some(Answer::Repeat(instances)) => instances.len(),
                        _ => 0,
                    };
                    for i in 0..count {
                        pos.push((item.name.clone(), i));
                        self.calculate(items, root, pos, relevant);
                        pos.pop();
                    }
                }
                ItemKind::Calculate => self.set_calculation(item, root, pos, relevant.unwrap_or(true)),
                _ => {}
            }
        }
    }

    fn set_calculation(&self, item: &Item, root: &mut Instance, pos: &[(String, usize)], relevant: bool) {
        let value = match (&item.calculation, relevant) {
            (_, true) if !item.trigger.is_empty() => match instance_at(root, pos).get(&item.name) {
                Some(Answer::Calculated(kept)) => Some(kept.clone()),
                _ if self.triggered(item, root, pos) => item
                    .calculation
                    .as_ref()
                    .map(|c| c.eval(&self.scope(root, pos, &item.name), self.ctx).text())
                    .filter(|text| !text.is_empty()),
                _ => None,
            },
            (Some(calculation), true)
                if calculation.is_once()
                    && let Some(Answer::Calculated(kept)) = instance_at(root, pos).get(&item.name) =>
            {
                Some(kept.clone())
            }
            (Some(calculation), true) => {
                let text = calculation.eval(&self.scope(root, pos, &item.name), self.ctx).text();
                (!text.is_empty()).then_some(text)
            }
            _ => None,
        };
        if let Some(inst) = instance_at_mut(root, pos) {
            match value {
                Some(text) => inst.insert(item.name.clone(), Answer::Calculated(text)),
                None => inst.remove(&item.name),
            };
        }
    }

    /// Whether one of the item's trigger questions is answered, seen from where the item is:
    /// the device would then have set the item's value.
    fn triggered(&self, item: &Item, root: &Instance, pos: &[(String, usize)]) -> bool {
        let scope = self.scope(root, pos, &item.name);
        item.trigger.iter().any(|name| match scope.reference(name) {
            Value::List(values) => values.iter().any(|v| !v.text().is_empty()),
            value => !value.text().is_empty(),
        })
    }

    /// The value a question with a calculation takes when none was sent: the calculation's,
    /// typed as the question's answers are (an integer question keeps the whole part of a
    /// number, as JavaRosa casts it); nothing when it does not fit. A question with a trigger
    /// takes it only when a trigger question is answered.
    fn set_computed_answer(&self, item: &Item, root: &mut Instance, pos: &[(String, usize)]) {
        let Some(calculation) = &item.calculation else { return };
        if !item.trigger.is_empty() && !self.triggered(item, root, pos) {
            return;
        }
        let value = calculation.eval(&self.scope(root, pos, &item.name), self.ctx);
        let Some(text) = computed_text(&item.kind, &value) else { return };
        if let (Ok(Some(answer)), Some(inst)) =
            (parse_answer(self.form, item, &Json::String(text)), instance_at_mut(root, pos))
        {
            inst.insert(item.name.clone(), answer);
        }
    }

    fn holds(&self, condition: &Condition, root: &Instance, pos: &[(String, usize)], current: &str) -> bool {
        match condition {
            Condition::Never => false,
            Condition::Always => true,
            Condition::When(expr) => expr.holds(&self.scope(root, pos, current), self.ctx),
        }
    }

    fn message(&self, texts: &crate::model::Texts) -> Option<String> {
        texts.get(&self.form.default_language).or_else(|| texts.values().next()).cloned()
    }

    /// Relevance, required, constraints, ranges, choice filters and score bounds.
    fn rules(&mut self, items: &'f [Item], root: &mut Instance, pos: &mut Position, parent: bool, prefix: &str) {
        for item in items {
            let relevant =
                parent && item.relevant.as_ref().is_none_or(|e| e.holds(&self.scope(root, pos, &item.name), self.ctx));
            match &item.kind {
                ItemKind::Group { items } => {
                    self.rules(items, root, pos, relevant, prefix);
                    continue;
                }
                ItemKind::Calculate => {
                    self.set_calculation(item, root, pos, relevant);
                    continue;
                }
                ItemKind::Note => continue,
                _ => {}
            }
            let path = || format!("{prefix}{}", item.name);
            if !self.unreadable.is_empty() && self.unreadable.contains(&path()) {
                continue;
            }
            if !relevant {
                let shown = match instance_at(root, pos).get(&item.name) {
                    None => continue,
                    Some(Answer::Repeat(instances)) => format!("{} ×", instances.len()),
                    Some(other) => answer_value(Some(other)).text(),
                };
                self.problems.push(Problem::new("form-not-relevant").in_column(path()).with_value(shown));
                if let Some(inst) = instance_at_mut(root, pos) {
                    inst.remove(&item.name);
                }
                continue;
            }
            if let ItemKind::Repeat { items, repeat_count } = &item.kind {
                let count = match instance_at(root, pos).get(&item.name) {
                    Some(Answer::Repeat(instances)) => instances.len(),
                    _ => 0,
                };
                let path = path();
                if let Some(expected) = repeat_count {
                    let wanted = expected.eval(&self.scope(root, pos, &item.name), self.ctx).number();
                    if wanted.is_finite() && wanted >= 0.0 && wanted as usize != count {
                        self.problems.push(
                            Problem::new("form-repeat-count")
                                .in_column(&path)
                                .with_value(count.to_string())
                                .arg("expected", wanted as usize),
                        );
                    }
                }
                for i in 0..count {
                    if self.unreadable.contains(&format!("{path}[{}]", i + 1)) {
                        continue;
                    }
                    pos.push((item.name.clone(), i));
                    self.rules(items, root, pos, true, &format!("{path}[{}].", i + 1));
                    pos.pop();
                }
                continue;
            }
            if item.calculation.is_some() && instance_at(root, pos).get(&item.name).is_none() {
                self.set_computed_answer(item, root, pos);
            }
            let root: &Instance = root;
            let Some(answer) = instance_at(root, pos).get(&item.name) else {
                if self.holds(&item.required, root, pos, &item.name) {
                    let problem = match self.message(&item.required_message) {
                        Some(message) => Problem::new("form-required").arg("message", message),
                        None => Problem::new("required"),
                    };
                    self.problems.push(problem.in_column(path()));
                }
                continue;
            };
            // What the problems show of the answer, worked out only for a problem.
            let shown = || answer_value(Some(answer)).text();
            if let Some(constraint) = &item.constraint
                && !constraint.holds(&self.scope(root, pos, &item.name), self.ctx)
            {
                let problem = match self.message(&item.constraint_message) {
                    Some(message) => Problem::new("form-constraint-message").arg("message", message),
                    None => Problem::new("form-constraint").arg("constraint", constraint.source()),
                };
                self.problems.push(problem.in_column(path()).with_value(shown()));
            }
            if let (ItemKind::Range { start, end, step }, Some(n)) = (&item.kind, answer.number()) {
                let steps = (n - start) / step;
                if n < *start || n > *end || (steps - steps.round()).abs() > 1e-9 {
                    self.problems.push(
                        Problem::new("form-out-of-range")
                            .in_column(path())
                            .with_value(shown())
                            .arg("start", crate::expr::format_number(*start))
                            .arg("end", crate::expr::format_number(*end))
                            .arg("step", crate::expr::format_number(*step)),
                    );
                }
            }
            if let (Some(max), Some(n)) = (item.max_score, answer.number())
                && !(0.0..=max).contains(&n)
            {
                self.problems.push(
                    Problem::new("form-score-out-of-range")
                        .in_column(path())
                        .with_value(shown())
                        .arg("max", crate::expr::format_number(max)),
                );
            }
            if let (Some(filter), ItemKind::SelectOne { list } | ItemKind::SelectMultiple { list }) =
                (&item.choice_filter, &item.kind)
            {
                let names = match answer {
                    Answer::Choice(name) => vec![name.clone()],
                    Answer::Choices(names) => names.clone(),
                    _ => Vec::new(),
                };
                for name in names {
                    let offered = self.form.choices(list).iter().filter(|c| c.name == name).any(|choice| {
                        let mut scope = self.scope(root, pos, &item.name);
                        scope.choice = Some(choice);
                        filter.holds(&scope, self.ctx)
                    });
                    if !offered {
                        self.problems.push(
                            Problem::new("form-filtered-choice")
                                .in_column(path())
                                .with_value(&name)
                                .arg("filter", filter.source()),
                        );
                    }
                }
            }
        }
    }
}

/// Reads a submission's answers as JSON, for `#[serde(deserialize_with)]`: the same value
/// as `serde_json::Value`'s own reading, with an object's names sorted once at the end
/// rather than one at a time as they come. A 250-item form's names share their first
/// letters, and placing each in turn took a tenth of a submission's time on the server.
pub fn deserialize_answers<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
    struct Answers;
    impl<'de> serde::de::Visitor<'de> for Answers {
        type Value = Json;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("the answers, an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
            let mut pairs: Vec<(String, Json)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(pair) = map.next_entry()? {
                pairs.push(pair);
            }
            // Collecting sorts (stably, so a repeated name keeps its last value, as in
            // serde_json) and then builds the map in one pass.
            Ok(Json::Object(pairs.into_iter().collect()))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
            let mut values = Vec::new();
            while let Some(v) = seq.next_element()? {
                values.push(v);
            }
            Ok(Json::Array(values))
        }
        fn visit_unit<E>(self) -> Result<Json, E> {
            Ok(Json::Null)
        }
        fn visit_none<E>(self) -> Result<Json, E> {
            Ok(Json::Null)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
            Ok(Json::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
            Ok(Json::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
            Ok(Json::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
            Ok(Json::from(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Json, E> {
            Ok(Json::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Json, E> {
            Ok(Json::String(v))
        }
    }
    deserializer.deserialize_any(Answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_serde_json_reads_them() {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(deserialize_with = "deserialize_answers")]
            answers: Json,
        }
        for text in [
            r#"{"item_10": "2", "item_9": 1.5, "item_1": null, "item_9": -3, "visits": [{"b": 1, "a": [true]}]}"#,
            r#"[1, "x"]"#,
            r#""not an object""#,
            "null",
            "18446744073709551615",
        ] {
            let ours: Body = serde_json::from_str(&format!(r#"{{"answers": {text}}}"#)).expect(text);
            let theirs: Json = serde_json::from_str(text).expect(text);
            assert_eq!(ours.answers, theirs, "{text}");
        }
        let read: Body = serde_json::from_str(r#"{"answers": {"b": 1, "a": 2, "b": 3}}"#).expect("json");
        // The last of a repeated name wins, and the names come out sorted.
        assert_eq!(serde_json::to_string(&read.answers).expect("json"), r#"{"a":2,"b":3}"#);
    }

    #[test]
    fn times_and_datetimes_in_the_spellings_clients_send() {
        let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s);
        assert_eq!(parse_time("08:30"), t(8, 30, 0));
        assert_eq!(parse_time("08:30:15"), t(8, 30, 15));
        assert_eq!(parse_time("10:30:00.000+02:00"), t(10, 30, 0));
        assert_eq!(parse_time("10:30:00Z"), t(10, 30, 0));
        assert_eq!(parse_time("8h30"), None);
        assert_eq!(parse_time("25:00"), None);
        let dt = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap().and_hms_opt(10, 15, 0);
        assert_eq!(parse_datetime("2026-03-14T10:15:00+01:00"), dt);
        assert_eq!(parse_datetime("2026-03-14T10:15"), dt);
        assert_eq!(parse_datetime("2026-03-14 10:15:00"), dt);
        assert_eq!(parse_datetime("2026-03-14"), None);
    }
}
