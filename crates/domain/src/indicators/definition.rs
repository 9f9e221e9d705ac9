//! The language an indicator is defined in, so that a deployment adds its own without
//! code. A definition is a numerator, an optional denominator, a scale (100 for a
//! percentage) and the disaggregations it allows:
//!
//! ```text
//! numerator:   sum(promoted) where grade = 'P6'
//! denominator: sum(enrolled) where grade = 'P6'
//! scale:       100
//! disaggregations: sex, unit, school, group
//! ```
//!
//! An expression adds and subtracts numbers and aggregates; an aggregate is `sum(m)` or
//! `count(m)` (the records with a value of `m`) over one measure, with an optional filter:
//! comparisons of a dimension with a quoted value (`=`, `!=`, `in ('a', 'b')`) joined by
//! `and`. The measures, their dimensions and the values a dimension may take are the
//! caller's [`Catalogue`] (what the system holds); this module only reads and checks.
//!
//! A definition is checked when it is saved: it must parse; every measure must be known;
//! every filter must name a dimension its measure has and, where the catalogue lists a
//! dimension's values, one of them; every allowed disaggregation must be carried by every
//! measure used; and its denominator may not be a set that can be empty while the
//! numerator is not: no subtraction or constant (a difference can be zero), no filter on
//! an unknown value or contradicting itself, and no filter on a dimension the indicator
//! is disaggregated by (every other cell of that disaggregation would divide by nothing).
//! At evaluation, a denominator that is zero for a cell gives no value, never a division.

use crate::table::Problem;
use serde::Serialize;

/// A measure the system holds: its name and the dimensions its records carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    pub name: String,
    pub dimensions: Vec<String>,
}

/// What definitions may refer to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalogue {
    pub measures: Vec<Measure>,
    /// The values a dimension may take, where they are a closed list (`sex`: `f`, `m`).
    pub values: Vec<(String, Vec<String>)>,
}

impl Catalogue {
    pub fn measure(&self, name: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.name == name)
    }

    fn values(&self, dimension: &str) -> Option<&[String]> {
        self.values.iter().find(|(d, _)| d == dimension).map(|(_, v)| v.as_slice())
    }
}

/// How an aggregate combines a measure's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    Sum,
    Count,
}

impl Func {
    pub fn as_str(self) -> &'static str {
        match self {
            Func::Sum => "sum",
            Func::Count => "count",
        }
    }
}

/// A comparison in a filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub dimension: String,
    /// True for `!=`.
    pub negated: bool,
    /// One value for `=` and `!=`; the list of `in`.
    pub values: Vec<String>,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    Number(f64),
    Aggregate { func: Func, measure: String, filter: Vec<Condition> },
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Every aggregate, left to right.
    pub fn aggregates(&self) -> Vec<(&Func, &str, &[Condition])> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Aggregate { func, measure, filter } = e {
                out.push((func, measure.as_str(), filter.as_slice()));
            }
        });
        out
    }

    fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        if let Expr::Add(a, b) | Expr::Sub(a, b) = self {
            a.walk(f);
            b.walk(f);
        }
    }
}

/// A definition as a deployment writes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DefinitionText {
    pub numerator: String,
    pub denominator: Option<String>,
    pub scale: f64,
    pub disaggregations: Vec<String>,
}

/// A definition that parsed and passed every check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Definition {
    pub numerator: Expr,
    pub denominator: Option<Expr>,
    pub scale: f64,
    pub disaggregations: Vec<String>,
}

impl Definition {
    /// Checks that the indicator allows every disaggregation asked for (a target's, a
    /// report's): the problem names the field and the value.
    pub fn allows(&self, field: &str, wanted: &[&str]) -> Result<(), Problem> {
        match wanted.iter().find(|w| !self.disaggregations.iter().any(|d| d == *w)) {
            None => Ok(()),
            Some(w) => Err(Problem::new("indicator-disaggregation-not-allowed").in_column(field).with_value(*w).arg(
                "allowed",
                if self.disaggregations.is_empty() { "-".into() } else { self.disaggregations.join(", ") },
            )),
        }
    }
}

/// Parses and checks a definition against what the system holds; every problem found,
/// each naming its field (`numerator`, `denominator`, `scale`, `disaggregations`).
pub fn check(text: &DefinitionText, catalogue: &Catalogue) -> Result<Definition, Vec<Problem>> {
    let mut problems = Vec::new();
    let numerator = parse(&text.numerator).map_err(|p| p.in_column("numerator"));
    let denominator = text
        .denominator
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|d| parse(d).map_err(|p| p.in_column("denominator")))
        .transpose();
    if !text.scale.is_finite() || text.scale <= 0.0 {
        problems.push(Problem::new("indicator-bad-scale").in_column("scale").with_value(text.scale.to_string()));
    }
    let mut disaggregations: Vec<String> = Vec::new();
    for d in &text.disaggregations {
        let d = d.trim().to_lowercase();
        if disaggregations.contains(&d) {
            problems.push(Problem::new("duplicate-in-list").in_column("disaggregations").with_value(&d));
        } else if !d.is_empty() {
            disaggregations.push(d);
        }
    }
    let numerator = match numerator {
        Ok(e) => Some(e),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let denominator = match denominator {
        Ok(e) => e,
        Err(p) => {
            problems.push(p);
            None
        }
    };
    for (field, expr) in [("numerator", numerator.as_ref()), ("denominator", denominator.as_ref())] {
        let Some(expr) = expr else { continue };
        for (_, measure, filter) in expr.aggregates() {
            let Some(m) = catalogue.measure(measure) else {
                let known: Vec<&str> = catalogue.measures.iter().map(|m| m.name.as_str()).collect();
                problems.push(
                    Problem::new("indicator-unknown-measure")
                        .in_column(field)
                        .with_value(measure)
                        .arg("allowed", known.join(", ")),
                );
                continue;
            };
            for c in filter {
                if !m.dimensions.contains(&c.dimension) {
                    problems.push(
                        Problem::new("indicator-unknown-dimension")
                            .in_column(field)
                            .with_value(&c.dimension)
                            .arg("measure", measure)
                            .arg("allowed", m.dimensions.join(", ")),
                    );
                }
                if let Some(values) = catalogue.values(&c.dimension)
                    && let Some(v) = c.values.iter().find(|v| !values.contains(v))
                {
                    problems.push(
                        Problem::new("indicator-unknown-value")
                            .in_column(field)
                            .with_value(v)
                            .arg("dimension", &c.dimension)
                            .arg("allowed", values.join(", ")),
                    );
                }
            }
            for d in &disaggregations {
                if !m.dimensions.contains(d) {
                    problems.push(
                        Problem::new("indicator-disaggregation-not-carried")
                            .in_column("disaggregations")
                            .with_value(d)
                            .arg("measure", measure),
                    );
                }
            }
        }
    }
    if let Some(den) = &denominator {
        problems.extend(possibly_empty(den, &disaggregations));
    }
    match numerator {
        Some(numerator) if problems.is_empty() => {
            Ok(Definition { numerator, denominator, scale: text.scale, disaggregations })
        }
        _ => {
            problems.dedup();
            Err(problems)
        }
    }
}

/// Why a denominator can be an empty set (or zero) where its numerator is not.
fn possibly_empty(den: &Expr, disaggregations: &[String]) -> Vec<Problem> {
    let refused = |reason: &str, value: String| {
        Problem::new("indicator-divides-by-empty-set").in_column("denominator").with_value(value).arg("reason", reason)
    };
    let mut out = Vec::new();
    match den {
        Expr::Number(n) => out.push(refused("constant", n.to_string())),
        Expr::Sub(..) => out.push(refused("difference", "-".into())),
        Expr::Add(a, b) => {
            out.extend(possibly_empty(a, disaggregations));
            out.extend(possibly_empty(b, disaggregations));
        }
        Expr::Aggregate { filter, .. } => {
            for (i, c) in filter.iter().enumerate() {
                if disaggregations.contains(&c.dimension) {
                    out.push(refused("disaggregated", c.dimension.clone()));
                }
                // Two conditions on one dimension that no value meets together.
                for other in &filter[i + 1..] {
                    if other.dimension == c.dimension && contradict(c, other) {
                        out.push(refused("contradiction", c.dimension.clone()));
                    }
                }
                if c.values.is_empty() {
                    out.push(refused("contradiction", c.dimension.clone()));
                }
            }
        }
    }
    out
}

fn contradict(a: &Condition, b: &Condition) -> bool {
    match (a.negated, b.negated) {
        (false, false) => !a.values.iter().any(|v| b.values.contains(v)),
        (false, true) => a.values.iter().all(|v| b.values.contains(v)),
        (true, false) => b.values.iter().all(|v| a.values.contains(v)),
        (true, true) => false,
    }
}

// ---- Parsing ----

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Text(String),
    Number(f64),
    Symbol(&'static str),
}

fn parse_error(position: usize, detail: impl Into<String>) -> Problem {
    Problem::new("indicator-parse").arg("position", position + 1).arg("detail", detail.into())
}

fn tokens(input: &str) -> Result<Vec<(usize, Token)>, Problem> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut s = String::new();
            while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_') {
                s.push(chars[i].1.to_ascii_lowercase());
                i += 1;
            }
            out.push((at, Token::Ident(s)));
        } else if c.is_ascii_digit() || c == '.' {
            let mut s = String::new();
            while i < chars.len() && (chars[i].1.is_ascii_digit() || chars[i].1 == '.') {
                s.push(chars[i].1);
                i += 1;
            }
            let n: f64 = s.parse().map_err(|_| parse_error(at, format!("{s} is not a number")))?;
            out.push((at, Token::Number(n)));
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(parse_error(at, "a quoted value is not closed")),
                    Some((_, '\'')) => break,
                    Some((_, ch)) => s.push(*ch),
                }
                i += 1;
            }
            i += 1;
            out.push((at, Token::Text(s)));
        } else if c == '!' && chars.get(i + 1).map(|c| c.1) == Some('=') {
            out.push((at, Token::Symbol("!=")));
            i += 2;
        } else {
            let symbol = match c {
                '(' => "(",
                ')' => ")",
                ',' => ",",
                '=' => "=",
                '+' => "+",
                '-' => "-",
                _ => return Err(parse_error(at, format!("the character {c} is not part of the language"))),
            };
            out.push((at, Token::Symbol(symbol)));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.at).map(|(p, _)| *p).unwrap_or(self.end)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        t
    }

    fn expect(&mut self, symbol: &'static str) -> Result<(), Problem> {
        let at = self.position();
        match self.next() {
            Some(Token::Symbol(s)) if s == symbol => Ok(()),
            _ => Err(parse_error(at, format!("{symbol} was expected"))),
        }
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(s)) if s == word)
    }

    fn expr(&mut self) -> Result<Expr, Problem> {
        let mut left = self.term()?;
        loop {
            match self.peek() {
                Some(Token::Symbol("+")) => {
                    self.next();
                    left = Expr::Add(Box::new(left), Box::new(self.term()?));
                }
                Some(Token::Symbol("-")) => {
                    self.next();
                    left = Expr::Sub(Box::new(left), Box::new(self.term()?));
                }
                _ => return Ok(left),
            }
        }
    }

    fn term(&mut self) -> Result<Expr, Problem> {
        let at = self.position();
        match self.next() {
            Some(Token::Number(n)) => Ok(Expr::Number(n)),
            Some(Token::Symbol("(")) => {
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            Some(Token::Ident(name)) if name == "sum" || name == "count" => {
                let func = if name == "sum" { Func::Sum } else { Func::Count };
                self.expect("(")?;
                let at = self.position();
                let measure = match self.next() {
                    Some(Token::Ident(m)) => m,
                    _ => return Err(parse_error(at, "a measure's name was expected")),
                };
                self.expect(")")?;
                let mut filter = Vec::new();
                if self.keyword("where") {
                    self.next();
                    filter.push(self.condition()?);
                    while self.keyword("and") {
                        self.next();
                        filter.push(self.condition()?);
                    }
                }
                Ok(Expr::Aggregate { func, measure, filter })
            }
            Some(Token::Ident(name)) => {
                Err(parse_error(at, format!("{name} is not a function: use sum(measure) or count(measure)")))
            }
            _ => Err(parse_error(at, "a number, sum(…), count(…) or ( was expected")),
        }
    }

    fn condition(&mut self) -> Result<Condition, Problem> {
        let at = self.position();
        let dimension = match self.next() {
            Some(Token::Ident(d)) => d,
            _ => return Err(parse_error(at, "a dimension's name was expected")),
        };
        let at = self.position();
        match self.next() {
            Some(Token::Symbol(op @ ("=" | "!="))) => {
                let value = self.value()?;
                Ok(Condition { dimension, negated: op == "!=", values: vec![value] })
            }
            Some(Token::Ident(word)) if word == "in" => {
                self.expect("(")?;
                let mut values = vec![self.value()?];
                while self.peek() == Some(&Token::Symbol(",")) {
                    self.next();
                    values.push(self.value()?);
                }
                self.expect(")")?;
                Ok(Condition { dimension, negated: false, values })
            }
            _ => Err(parse_error(at, "=, != or in was expected")),
        }
    }

    fn value(&mut self) -> Result<String, Problem> {
        let at = self.position();
        match self.next() {
            Some(Token::Text(s)) => Ok(s),
            Some(Token::Number(n)) => Ok(n.to_string()),
            _ => Err(parse_error(at, "a quoted value was expected")),
        }
    }
}

/// Parses one expression.
pub fn parse(input: &str) -> Result<Expr, Problem> {
    if input.trim().is_empty() {
        return Err(Problem::new("required"));
    }
    let mut p = Parser { tokens: tokens(input)?, at: 0, end: input.chars().count() };
    let e = p.expr()?;
    if p.at < p.tokens.len() {
        return Err(parse_error(p.position(), "the expression goes on after its end"));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        let outcome = ["sex", "grade", "school", "unit", "year", "group", "subject"];
        Catalogue {
            measures: ["enrolled", "promoted", "repeating", "proficient", "assessed"]
                .iter()
                .map(|m| Measure { name: m.to_string(), dimensions: outcome.iter().map(|d| d.to_string()).collect() })
                .chain([Measure {
                    name: "participants".into(),
                    dimensions: vec!["sex".into(), "role".into(), "unit".into()],
                }])
                .collect(),
            values: vec![("sex".into(), vec!["f".into(), "m".into()])],
        }
    }

    fn text(num: &str, den: Option<&str>, dis: &[&str]) -> DefinitionText {
        DefinitionText {
            numerator: num.into(),
            denominator: den.map(String::from),
            scale: 100.0,
            disaggregations: dis.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn a_rate_parses_and_checks() {
        let d = check(
            &text(
                "sum(promoted) where grade = 'P6' and group in ('refugee', 'host')",
                Some("sum(enrolled) where grade = 'P6'"),
                &["sex", "unit"],
            ),
            &catalogue(),
        )
        .unwrap();
        let aggs = d.numerator.aggregates();
        assert_eq!(aggs.len(), 1);
        assert_eq!(aggs[0].1, "promoted");
        assert_eq!(aggs[0].2[1].values, vec!["refugee".to_string(), "host".into()]);
        assert_eq!(d.disaggregations, vec!["sex".to_string(), "unit".into()]);
        assert!(d.allows("disaggregation", &["sex"]).is_ok());
        let p = d.allows("disaggregation", &["role"]).unwrap_err();
        assert_eq!(
            (p.code, p.column.as_deref(), p.value.as_deref()),
            ("indicator-disaggregation-not-allowed", Some("disaggregation"), Some("role"))
        );
        // Sums and differences in a numerator.
        let e = parse("sum(enrolled) - sum(repeating) + 2").unwrap();
        assert!(matches!(e, Expr::Add(..)));
    }

    #[test]
    fn parse_errors_name_the_field_and_the_position() {
        let p = check(&text("sum(enrolled", None, &[]), &catalogue()).unwrap_err();
        assert_eq!(p[0].code, "indicator-parse");
        assert_eq!(p[0].column.as_deref(), Some("numerator"));
        assert!(p[0].args.contains(&("position", "13".into())), "{:?}", p[0].args);
        let p = check(&text("sum(enrolled)", Some("avg(score)"), &[]), &catalogue()).unwrap_err();
        assert_eq!((p[0].code, p[0].column.as_deref()), ("indicator-parse", Some("denominator")));
        assert!(p[0].message("en").contains("avg is not a function"), "{}", p[0].message("en"));
        assert!(parse("sum(enrolled) where sex = 'f").is_err());
        assert!(parse("sum(enrolled) sum(promoted)").is_err());
        assert!(parse("sum(enrolled) * 2").is_err());
        assert_eq!(parse("  ").unwrap_err().code, "required");
    }

    #[test]
    fn unknown_measures_dimensions_and_values_are_named() {
        let p = check(&text("sum(enroled)", None, &[]), &catalogue()).unwrap_err();
        assert_eq!((p[0].code, p[0].value.as_deref()), ("indicator-unknown-measure", Some("enroled")));
        let p = check(&text("sum(participants) where grade = 'P1'", None, &[]), &catalogue()).unwrap_err();
        assert_eq!((p[0].code, p[0].value.as_deref()), ("indicator-unknown-dimension", Some("grade")));
        let p = check(&text("sum(enrolled) where sex = 'x'", None, &[]), &catalogue()).unwrap_err();
        assert_eq!((p[0].code, p[0].value.as_deref()), ("indicator-unknown-value", Some("x")));
        // A disaggregation one of the measures does not carry.
        let p = check(&text("sum(participants)", Some("sum(enrolled)"), &["role"]), &catalogue()).unwrap_err();
        assert_eq!(
            (p[0].code, p[0].column.as_deref(), p[0].value.as_deref()),
            ("indicator-disaggregation-not-carried", Some("disaggregations"), Some("role"))
        );
        let p = check(&DefinitionText { scale: 0.0, ..text("sum(enrolled)", None, &[]) }, &catalogue()).unwrap_err();
        assert_eq!((p[0].code, p[0].column.as_deref()), ("indicator-bad-scale", Some("scale")));
    }

    #[test]
    fn a_denominator_that_can_be_empty_is_refused() {
        let refused = |den: &str, dis: &[&str]| {
            let p = check(&text("sum(promoted)", Some(den), dis), &catalogue()).unwrap_err();
            assert_eq!((p[0].code, p[0].column.as_deref()), ("indicator-divides-by-empty-set", Some("denominator")));
            p[0].args.iter().find(|(k, _)| *k == "reason").unwrap().1.clone()
        };
        assert_eq!(refused("sum(enrolled) - sum(repeating)", &[]), "difference");
        assert_eq!(refused("0", &[]), "constant");
        assert_eq!(refused("sum(enrolled) where grade = 'P1' and grade = 'P2'", &[]), "contradiction");
        assert_eq!(refused("sum(enrolled) where grade = 'P1' and grade != 'P1'", &[]), "contradiction");
        // Girls' promotion over girls' enrolment cannot be split by sex: the boys' cell
        // would divide by an empty set.
        assert_eq!(refused("sum(enrolled) where sex = 'f'", &["sex"]), "disaggregated");
        // The same filter without that disaggregation is fine, and so is an `in` that overlaps.
        assert!(check(&text("sum(promoted)", Some("sum(enrolled) where sex = 'f'"), &["unit"]), &catalogue()).is_ok());
        assert!(
            check(
                &text("sum(promoted)", Some("sum(enrolled) where grade in ('P1', 'P2') and grade = 'P2'"), &[]),
                &catalogue()
            )
            .is_ok()
        );
    }

    #[test]
    fn every_problem_has_a_message_in_both_languages() {
        let cat = crate::i18n::catalog();
        for code in [
            "indicator-parse",
            "indicator-unknown-measure",
            "indicator-unknown-dimension",
            "indicator-unknown-value",
            "indicator-disaggregation-not-carried",
            "indicator-disaggregation-not-allowed",
            "indicator-divides-by-empty-set",
            "indicator-bad-scale",
            "duplicate-in-list",
        ] {
            for lang in ["en", "fr"] {
                assert!(cat.has(lang, &format!("problem-{code}")), "{lang}: {code}");
            }
        }
    }
}
