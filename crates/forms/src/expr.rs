//! The expression language of XLSForm: XPath 1.0 as forms use it in `relevant`,
//! `constraint`, `required`, `calculation`, `repeat_count`, `choice_filter` and `default`,
//! with the function library of JavaRosa (ODK Collect's engine).
//!
//! [`Expr::parse`] turns text into a syntax tree or an [`ExprError`] that says where and why
//! ([`Expr::parse_all`] gives every refused function of the text); [`Expr::eval`] computes a
//! [`Value`] against answers given by an [`Env`] and a [`Context`] (the date and time of
//! evaluation are passed in: nothing here reads a clock). Curly quotes read as straight ones
//! and a bare `null` is empty, as in pyxform and JavaRosa. What needs the submission
//! (`position(..)`, `indexed-repeat`, `jr:choice-name`) or the form's files (`pulldata`) is
//! asked of the [`Env`]. `random()` and `uuid()` are the only functions that are not pure.
//! `digest()` hashes with the RustCrypto crates; an algorithm given as text that JavaRosa
//! does not know is refused when parsing.
//!
//! Paths to the form's own questions are read as JavaRosa reads them: absolute from the
//! root (`/data/grp/x`), relative to the question evaluated (`../x`, `./x`, `..`), and from
//! `current()` (the question, also in a `choice_filter`: `current()/../x`). The importer
//! checks that each names a question ([`Expr::paths`]); the [`Env`] finds it from where the
//! expression is evaluated ([`Env::path`]), in the same repeat instance as `${x}` would.
//!
//! Not here: paths into other instances (`instance('x')/root/item[…]`), axes and
//! predicates, bare names outside a choice filter, and the functions of SurveyCTO
//! (`duration`, `index`, `device-info`…). They are refused when parsing, so a form that uses
//! them is rejected at import instead of misbehaving later.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// When an expression is evaluated: `today()` and `now()` come from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub today: NaiveDate,
    pub now: NaiveDateTime,
}

/// A parsed expression, kept with the text it came from (stored as that text).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    source: String,
    ast: Ast,
}

/// Where a bare name (`cf`, `filter`) may appear: only a `choice_filter` reads the columns of
/// the choice being filtered; elsewhere a bare name is an XPath path, which is not supported.
/// A choice filter's relative paths would start from the choice (`../x`), so only its paths
/// from `current()` or the root are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Question,
    ChoiceFilter,
    /// What a stored form holds, whatever column it came from (checked at import): bare
    /// names are choice columns, and relative paths are taken.
    Stored,
}

/// The syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    Number(f64),
    Text(String),
    /// `${name}`
    Reference(String),
    /// `.`, the value of the question being checked.
    Current,
    /// A column of the choices sheet, in a `choice_filter`.
    ChoiceColumn(String),
    /// A path to a question of the form: from the root when `absolute` (the first step is
    /// the root's name), else from the question evaluated (`../x`, `current()/../x`).
    Path {
        absolute: bool,
        steps: Vec<Step>,
    },
    Negate(Box<Ast>),
    Binary(BinaryOp, Box<Ast>, Box<Ast>),
    Call(Function, Vec<Ast>),
}

/// One step of a [`Ast::Path`] (`.` steps are dropped when parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `..`
    Parent,
    /// A child element by name.
    Child(String),
}

/// The expression `source` with the names of its paths' steps changed where `rename` says:
/// it is called for each named step with whether the path is absolute, the steps before it
/// (as renamed) and its name, and gives the new name or `None` to keep it. Everything else
/// is kept as written. `None` when the expression does not parse. The import uses it to point
/// the paths of a loop's rows at the questions of each copy.
pub fn rename_path_steps(
    source: &str,
    dialect: Dialect,
    mut rename: impl FnMut(bool, &[Step], &str) -> Option<String>,
) -> Option<String> {
    let source = normalise_quotes(source);
    let toks = lex(&source).ok()?;
    let end = source.chars().count() + 1;
    let mut parser = Parser { toks: &toks, pos: 0, end, dialect, refused: Vec::new(), spans: Vec::new() };
    parser.or().ok()?;
    if parser.pos < toks.len() {
        return None;
    }
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (absolute, spans) in &parser.spans {
        let mut done: Vec<Step> = Vec::new();
        for (step, at) in spans {
            match step {
                Step::Child(name) => match rename(*absolute, &done, name) {
                    Some(new) => {
                        edits.push((*at - 1, name.chars().count(), new.clone()));
                        done.push(Step::Child(new));
                    }
                    None => done.push(step.clone()),
                },
                Step::Parent => done.push(Step::Parent),
            }
        }
    }
    let mut chars: Vec<char> = source.chars().collect();
    edits.sort_by_key(|(at, ..)| std::cmp::Reverse(*at));
    for (at, len, new) in edits {
        chars.splice(at..at + len, new.chars());
    }
    Some(chars.into_iter().collect())
}

/// A path as written back: `/data/x`, `../x`, `..`.
pub fn path_text(absolute: bool, steps: &[Step]) -> String {
    let parts: Vec<&str> = steps
        .iter()
        .map(|s| match s {
            Step::Parent => "..",
            Step::Child(name) => name.as_str(),
        })
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if parts.is_empty() {
        ".".into()
    } else if matches!(steps.first(), Some(Step::Child(_))) {
        format!("./{joined}")
    } else {
        joined
    }
}

/// Where a path leads from the question `context` whose enclosing groups and repeats are
/// `ancestors` (outermost first): the names from the root down to the element it names, or
/// `None` when it climbs above the root. An absolute path's root step is dropped unchecked.
pub fn follow_path(absolute: bool, steps: &[Step], ancestors: &[String], context: &str) -> Option<Vec<String>> {
    let (mut chain, steps) = if absolute {
        (Vec::new(), steps.get(1..).unwrap_or(&[]))
    } else {
        let mut chain = ancestors.to_vec();
        chain.push(context.to_string());
        (chain, steps)
    };
    for step in steps {
        match step {
            Step::Parent => {
                chain.pop()?;
            }
            Step::Child(name) => chain.push(name.clone()),
        }
    }
    Some(chain)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// The functions we evaluate: the XPath 1.0 core that forms use and the ODK function
/// library JavaRosa implements. Anything else is refused at parse time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Selected,
    CountSelected,
    SelectedAt,
    CountNonEmpty,
    StringLength,
    Regex,
    Contains,
    StartsWith,
    EndsWith,
    Concat,
    Substr,
    Substring,
    SubstringBefore,
    SubstringAfter,
    Translate,
    NormalizeSpace,
    If,
    Not,
    True,
    False,
    Boolean,
    BooleanFromString,
    Number,
    String,
    Int,
    Round,
    Floor,
    Ceiling,
    Abs,
    Pow,
    Log,
    Log10,
    Exp,
    Exp10,
    Sqrt,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Pi,
    Random,
    Uuid,
    Today,
    Now,
    Date,
    DateTime,
    DecimalDateTime,
    DecimalTime,
    FormatDate,
    FormatDateTime,
    Coalesce,
    Sum,
    Count,
    Min,
    Max,
    Join,
    Checklist,
    WeightedChecklist,
    Area,
    Distance,
    Once,
    IndexedRepeat,
    Position,
    Pulldata,
    ChoiceName,
    Digest,
    Randomize,
}

impl Function {
    /// The function called `name`, with its least and greatest number of arguments.
    fn lookup(name: &str) -> Option<(Function, usize, usize)> {
        use Function::*;
        const MANY: usize = usize::MAX;
        Some(match name {
            "selected" => (Selected, 2, 2),
            "count-selected" => (CountSelected, 1, 1),
            "selected-at" => (SelectedAt, 2, 2),
            "count-non-empty" => (CountNonEmpty, 1, 1),
            "string-length" => (StringLength, 0, 1),
            "regex" => (Regex, 2, 2),
            "contains" => (Contains, 2, 2),
            "starts-with" => (StartsWith, 2, 2),
            "ends-with" => (EndsWith, 2, 2),
            "concat" => (Concat, 0, MANY),
            "substr" => (Substr, 2, 3),
            "substring" => (Substring, 2, 3),
            "substring-before" => (SubstringBefore, 2, 2),
            "substring-after" => (SubstringAfter, 2, 2),
            "translate" => (Translate, 3, 3),
            "normalize-space" => (NormalizeSpace, 0, 1),
            "if" => (If, 3, 3),
            "not" => (Not, 1, 1),
            "true" => (True, 0, 0),
            "false" => (False, 0, 0),
            "boolean" => (Boolean, 1, 1),
            "boolean-from-string" => (BooleanFromString, 1, 1),
            "number" => (Number, 1, 1),
            "string" => (String, 1, 1),
            "int" => (Int, 1, 1),
            "round" => (Round, 1, 2),
            "floor" => (Floor, 1, 1),
            "ceiling" => (Ceiling, 1, 1),
            "abs" => (Abs, 1, 1),
            "pow" => (Pow, 2, 2),
            "log" => (Log, 1, 1),
            "log10" => (Log10, 1, 1),
            "exp" => (Exp, 1, 1),
            "exp10" => (Exp10, 1, 1),
            "sqrt" => (Sqrt, 1, 1),
            "sin" => (Sin, 1, 1),
            "cos" => (Cos, 1, 1),
            "tan" => (Tan, 1, 1),
            "asin" => (Asin, 1, 1),
            "acos" => (Acos, 1, 1),
            "atan" => (Atan, 1, 1),
            "atan2" => (Atan2, 2, 2),
            "pi" => (Pi, 0, 0),
            "random" => (Random, 0, 0),
            "uuid" => (Uuid, 0, 1),
            "today" => (Today, 0, 0),
            "now" => (Now, 0, 0),
            "date" => (Date, 1, 1),
            "date-time" => (DateTime, 1, 1),
            "decimal-date-time" => (DecimalDateTime, 1, 1),
            "decimal-time" => (DecimalTime, 1, 1),
            "format-date" => (FormatDate, 2, 2),
            "format-date-time" => (FormatDateTime, 2, 2),
            "coalesce" => (Coalesce, 2, 2),
            "sum" => (Sum, 1, 1),
            "count" => (Count, 1, 1),
            "min" => (Min, 1, MANY),
            "max" => (Max, 1, MANY),
            "join" => (Join, 2, 2),
            "checklist" => (Checklist, 2, MANY),
            "weighted-checklist" => (WeightedChecklist, 2, MANY),
            "area" => (Area, 1, 1),
            "distance" => (Distance, 1, 1),
            "once" => (Once, 1, 1),
            "indexed-repeat" => (IndexedRepeat, 3, 7),
            "position" => (Position, 0, 0),
            "pulldata" => (Pulldata, 4, 4),
            "jr:choice-name" => (ChoiceName, 2, 2),
            "digest" => (Digest, 2, 3),
            "randomize" => (Randomize, 1, 2),
            _ => return None,
        })
    }
}

/// Why an expression was refused. `at` is the 1-based character position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprError {
    /// Not well formed: something unexpected at this character.
    Syntax { at: usize },
    /// A function we do not evaluate (`pulldata`, `indexed-repeat`, or a misspelling).
    UnsupportedFunction { at: usize, name: String },
    /// A known function called with the wrong number of arguments.
    Arity { at: usize, name: String, min: usize, max: usize },
    /// An XPath path (`/data/x`, `../x`, a bare name outside a choice filter).
    UnsupportedPath { at: usize, path: String },
    /// A `regex()` whose pattern is a constant that does not compile.
    BadPattern { at: usize, pattern: String },
    /// A `digest()` whose algorithm is a constant JavaRosa does not know.
    UnknownAlgorithm { at: usize, name: String, algorithm: String },
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExprError::Syntax { at } => write!(f, "syntax error at character {at}"),
            ExprError::UnsupportedFunction { name, .. } => write!(f, "unsupported function {name}()"),
            ExprError::Arity { name, min, max, .. } => write!(f, "{name}() takes {min} to {max} arguments"),
            ExprError::UnsupportedPath { path, .. } => write!(f, "unsupported path {path}"),
            ExprError::BadPattern { pattern, .. } => write!(f, "bad regular expression {pattern}"),
            ExprError::UnknownAlgorithm { name, algorithm, .. } => write!(f, "{name}(): unknown algorithm {algorithm}"),
        }
    }
}

impl std::error::Error for ExprError {}

impl ExprError {
    /// The 1-based character where the problem is.
    pub fn at(&self) -> usize {
        match self {
            ExprError::Syntax { at }
            | ExprError::UnsupportedFunction { at, .. }
            | ExprError::Arity { at, .. }
            | ExprError::UnsupportedPath { at, .. }
            | ExprError::BadPattern { at, .. }
            | ExprError::UnknownAlgorithm { at, .. } => *at,
        }
    }
}

/// Curly quotes (from word processors) as straight ones.
pub fn normalise_quotes(source: &str) -> std::borrow::Cow<'_, str> {
    if source.contains(['\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}']) {
        source.replace(['\u{2018}', '\u{2019}'], "'").replace(['\u{201C}', '\u{201D}'], "\"").into()
    } else {
        source.into()
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Number(f64),
    Text(String),
    Reference(String),
    Name(String),
    Dot,
    DotDot,
    Slash,
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Pipe,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Other,
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}

/// Tokens with their 1-based character positions.
fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '$' if chars.get(i + 1) == Some(&'{') => {
                let end = chars[i..].iter().position(|&c| c == '}').map(|p| p + i);
                let Some(end) = end else { return Err(ExprError::Syntax { at }) };
                let name: String = chars[i + 2..end].iter().collect();
                let name = name.trim().to_string();
                if name.is_empty() || !name.chars().all(is_name_char) {
                    return Err(ExprError::Syntax { at: at + 2 });
                }
                i = end + 1;
                Tok::Reference(name)
            }
            '\'' | '"' => {
                let end = chars[i + 1..].iter().position(|&q| q == c).map(|p| p + i + 1);
                let Some(end) = end else { return Err(ExprError::Syntax { at }) };
                let text: String = chars[i + 1..end].iter().collect();
                i = end + 1;
                Tok::Text(text)
            }
            '0'..='9' => number(&chars, &mut i),
            '.' if chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) => number(&chars, &mut i),
            '.' if chars.get(i + 1) == Some(&'.') => {
                i += 2;
                Tok::DotDot
            }
            c if is_name_start(c) => {
                let start = i;
                while i < chars.len() && is_name_char(chars[i]) {
                    i += 1;
                }
                // A name does not end with '.' or '-' followed by an operator's space: `a- 1`
                // is rare in forms; XPath itself reads `a-` as a name, and so do we.
                Tok::Name(chars[start..i].iter().collect())
            }
            _ => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let (tok, len) = match two.as_str() {
                    "!=" => (Tok::Ne, 2),
                    "<=" => (Tok::Le, 2),
                    ">=" => (Tok::Ge, 2),
                    _ => (
                        match c {
                            '.' => Tok::Dot,
                            '/' => Tok::Slash,
                            '(' => Tok::LParen,
                            ')' => Tok::RParen,
                            ',' => Tok::Comma,
                            '+' => Tok::Plus,
                            '-' => Tok::Minus,
                            '*' => Tok::Star,
                            '|' => Tok::Pipe,
                            '=' => Tok::Eq,
                            '<' => Tok::Lt,
                            '>' => Tok::Gt,
                            _ => Tok::Other,
                        },
                        1,
                    ),
                };
                if tok == Tok::Other {
                    return Err(ExprError::Syntax { at });
                }
                i += len;
                tok
            }
        };
        out.push((tok, at));
    }
    Ok(out)
}

fn number(chars: &[char], i: &mut usize) -> Tok {
    let start = *i;
    while *i < chars.len() && (chars[*i].is_ascii_digit() || chars[*i] == '.') {
        *i += 1;
    }
    let text: String = chars[start..*i].iter().collect();
    text.parse().map(Tok::Number).unwrap_or(Tok::Other)
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    toks: &'a [(Tok, usize)],
    pos: usize,
    end: usize,
    dialect: Dialect,
    /// Functions refused so far (unknown, wrong arguments, bad pattern): parsing goes on so
    /// that every one in the expression is reported.
    refused: Vec<ExprError>,
    /// Every path parsed, in the order written, with where each of its steps starts (the
    /// 1-based character of its token): what [`rename_path_steps`] rewrites.
    spans: Vec<(bool, Vec<(Step, usize)>)>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map(|(_, a)| *a).unwrap_or(self.end)
    }
    fn error(&self) -> ExprError {
        ExprError::Syntax { at: self.at() }
    }
    fn expect(&mut self, tok: Tok) -> Result<(), ExprError> {
        if self.peek() == Some(&tok) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }
    /// An operator word (`and`, `or`, `div`, `mod`) in operator position.
    fn word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(n)) if n == word)
    }

    fn or(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.and()?;
        while self.word("or") {
            self.pos += 1;
            left = Ast::Binary(BinaryOp::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.equality()?;
        while self.word("and") {
            self.pos += 1;
            left = Ast::Binary(BinaryOp::And, Box::new(left), Box::new(self.equality()?));
        }
        Ok(left)
    }
    fn equality(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.relational()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Eq) => BinaryOp::Eq,
                Some(Tok::Ne) => BinaryOp::Ne,
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Ast::Binary(op, Box::new(left), Box::new(self.relational()?));
        }
    }
    fn relational(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.additive()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Lt) => BinaryOp::Lt,
                Some(Tok::Le) => BinaryOp::Le,
                Some(Tok::Gt) => BinaryOp::Gt,
                Some(Tok::Ge) => BinaryOp::Ge,
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Ast::Binary(op, Box::new(left), Box::new(self.additive()?));
        }
    }
    fn additive(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Plus) => BinaryOp::Add,
                Some(Tok::Minus) => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Ast::Binary(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }
    fn multiplicative(&mut self) -> Result<Ast, ExprError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Star) => BinaryOp::Mul,
                _ if self.word("div") => BinaryOp::Div,
                _ if self.word("mod") => BinaryOp::Mod,
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Ast::Binary(op, Box::new(left), Box::new(self.unary()?));
        }
    }
    fn unary(&mut self) -> Result<Ast, ExprError> {
        if self.peek() == Some(&Tok::Minus) {
            self.pos += 1;
            return Ok(Ast::Negate(Box::new(self.unary()?)));
        }
        let primary = self.primary()?;
        if matches!(self.peek(), Some(Tok::Slash | Tok::Pipe)) {
            return Err(ExprError::UnsupportedPath { at: self.at(), path: "/".into() });
        }
        Ok(primary)
    }
    /// The rest of a path after its start: `/name`, `/..` or `/.` steps.
    fn steps(&mut self, absolute: bool, mut spans: Vec<(Step, usize)>) -> Result<Ast, ExprError> {
        let steps_of = |spans: &[(Step, usize)]| spans.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>();
        while self.peek() == Some(&Tok::Slash) {
            self.pos += 1;
            let Some((tok, step_at)) = self.toks.get(self.pos).cloned() else { return Err(self.error()) };
            self.pos += 1;
            match tok {
                Tok::Name(name) if !name.contains(':') && self.peek() != Some(&Tok::LParen) => {
                    spans.push((Step::Child(name), step_at))
                }
                Tok::DotDot => spans.push((Step::Parent, step_at)),
                Tok::Dot => {}
                _ => {
                    return Err(ExprError::UnsupportedPath {
                        at: step_at,
                        path: path_text(absolute, &steps_of(&spans)),
                    });
                }
            }
        }
        let steps = steps_of(&spans);
        self.spans.push((absolute, spans));
        Ok(Ast::Path { absolute, steps })
    }

    fn primary(&mut self) -> Result<Ast, ExprError> {
        let Some((tok, at)) = self.toks.get(self.pos).cloned() else { return Err(self.error()) };
        self.pos += 1;
        match tok {
            Tok::Number(n) => Ok(Ast::Number(n)),
            Tok::Text(s) => Ok(Ast::Text(s)),
            Tok::Reference(name) => Ok(Ast::Reference(name)),
            Tok::Dot if self.peek() == Some(&Tok::Slash) && self.dialect == Dialect::ChoiceFilter => {
                Err(ExprError::UnsupportedPath { at, path: "./".into() })
            }
            Tok::Dot if self.peek() == Some(&Tok::Slash) => self.steps(false, Vec::new()),
            Tok::Dot => Ok(Ast::Current),
            Tok::DotDot if self.dialect == Dialect::ChoiceFilter => {
                // Relative to the choice being filtered: not a question of the form.
                Err(ExprError::UnsupportedPath { at, path: "..".into() })
            }
            Tok::DotDot => self.steps(false, vec![(Step::Parent, at)]),
            Tok::Slash => match self.toks.get(self.pos) {
                Some((Tok::Name(root), root_at)) => {
                    let (root, root_at) = (root.clone(), *root_at);
                    self.pos += 1;
                    self.steps(true, vec![(Step::Child(root), root_at)])
                }
                _ => Err(ExprError::UnsupportedPath { at, path: "/".into() }),
            },
            Tok::Name(name)
                if name == "current"
                    && self
                        .toks
                        .get(self.pos..self.pos + 2)
                        .is_some_and(|t| matches!((&t[0].0, &t[1].0), (Tok::LParen, Tok::RParen))) =>
            {
                // `current()`: the question evaluated, also inside a choice filter.
                self.pos += 2;
                if self.peek() == Some(&Tok::Slash) { self.steps(false, Vec::new()) } else { Ok(Ast::Current) }
            }
            Tok::LParen => {
                let inner = self.or()?;
                self.expect(Tok::RParen)?;
                Ok(inner)
            }
            Tok::Name(name)
                if name == "position"
                    && self.toks.get(self.pos..self.pos + 3).is_some_and(|t| {
                        matches!((&t[0].0, &t[1].0, &t[2].0), (Tok::LParen, Tok::DotDot, Tok::RParen))
                    }) =>
            {
                // `position(..)`: the number of the repeat instance being evaluated.
                self.pos += 3;
                Ok(Ast::Call(Function::Position, Vec::new()))
            }
            Tok::Name(name) if self.peek() == Some(&Tok::LParen) => {
                self.pos += 1;
                let mut args = Vec::new();
                if self.peek() != Some(&Tok::RParen) {
                    loop {
                        args.push(self.or()?);
                        if self.peek() == Some(&Tok::Comma) {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.expect(Tok::RParen)?;
                let Some((function, min, max)) = Function::lookup(&name) else {
                    self.refused.push(ExprError::UnsupportedFunction { at, name });
                    return Ok(Ast::Text(std::string::String::new()));
                };
                if args.len() < min || args.len() > max {
                    self.refused.push(ExprError::Arity { at, name, min, max });
                    return Ok(Ast::Text(std::string::String::new()));
                }
                if function == Function::Regex
                    && let Ast::Text(pattern) = &args[1]
                    && regex::Regex::new(pattern).is_err()
                {
                    self.refused.push(ExprError::BadPattern { at, pattern: pattern.clone() });
                }
                if function == Function::Digest
                    && let Ast::Text(algorithm) = &args[1]
                    && DigestAlgorithm::named(algorithm).is_none()
                {
                    self.refused.push(ExprError::UnknownAlgorithm { at, name, algorithm: algorithm.clone() });
                }
                Ok(Ast::Call(function, args))
            }
            // A bare `null` is a path to nothing: empty, as JavaRosa reads it.
            Tok::Name(name) if name == "null" => Ok(Ast::Text(std::string::String::new())),
            Tok::Name(name) => match self.dialect {
                Dialect::ChoiceFilter | Dialect::Stored if !name.contains(':') => Ok(Ast::ChoiceColumn(name)),
                _ => Err(ExprError::UnsupportedPath { at, path: name }),
            },
            _ => Err(ExprError::Syntax { at }),
        }
    }
}

impl Expr {
    /// Parses a question's expression (no bare names).
    pub fn parse(source: &str) -> Result<Expr, ExprError> {
        Expr::parse_in(source, Dialect::Question)
    }

    pub fn parse_in(source: &str, dialect: Dialect) -> Result<Expr, ExprError> {
        Expr::parse_all(source, dialect).map_err(|mut errors| errors.swap_remove(0))
    }

    /// Parses, reporting every function refused in the expression (or the one syntax
    /// error). Curly quotes are read as straight ones, as pyxform does; the source kept is
    /// the text with straight quotes.
    pub fn parse_all(source: &str, dialect: Dialect) -> Result<Expr, Vec<ExprError>> {
        let source = normalise_quotes(source);
        let toks = lex(&source).map_err(|e| vec![e])?;
        let end = source.chars().count() + 1;
        if toks.is_empty() {
            return Err(vec![ExprError::Syntax { at: 1 }]);
        }
        let mut parser = Parser { toks: &toks, pos: 0, end, dialect, refused: Vec::new(), spans: Vec::new() };
        let ast = match parser.or() {
            Ok(_) if parser.pos < toks.len() => Err(parser.error()),
            other => other,
        };
        match ast {
            Err(error) => {
                let mut errors = std::mem::take(&mut parser.refused);
                errors.push(error);
                errors.sort_by_key(ExprError::at);
                Err(errors)
            }
            Ok(_) if !parser.refused.is_empty() => Err(parser.refused),
            Ok(ast) => Ok(Expr { source: source.into_owned(), ast }),
        }
    }

    /// The text as written in the form.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn ast(&self) -> &Ast {
        &self.ast
    }

    /// The names referred to with `${name}`, in order of appearance, without repeats.
    pub fn references(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.ast, &mut |ast| {
            if let Ast::Reference(name) = ast
                && !out.contains(name)
            {
                out.push(name.clone());
            }
        });
        out
    }

    /// The files `pulldata()` reads (their names without `.csv`), where given as text.
    pub fn pulldata_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.ast, &mut |ast| {
            if let Ast::Call(Function::Pulldata, args) = ast
                && let Some(Ast::Text(file)) = args.first()
                && !out.contains(file)
            {
                out.push(file.clone());
            }
        });
        out
    }

    /// Whether the whole expression is `once(…)`: its first non-empty value is kept, so a
    /// value already given (by the device that computed it) is not computed again.
    pub fn is_once(&self) -> bool {
        matches!(self.ast, Ast::Call(Function::Once, _))
    }

    /// The columns `pulldata()` reads, as (file, column, key column), where all three are
    /// given as text (the file without `.csv`).
    pub fn pulldata_columns(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        walk(&self.ast, &mut |ast| {
            if let Ast::Call(Function::Pulldata, args) = ast
                && let [Ast::Text(file), Ast::Text(column), Ast::Text(key_column), ..] = args.as_slice()
            {
                out.push((file.clone(), column.clone(), key_column.clone()));
            }
        });
        out
    }

    /// The paths of the expression, as (absolute, steps), in order of appearance.
    pub fn paths(&self) -> Vec<(bool, Vec<Step>)> {
        let mut out = Vec::new();
        walk(&self.ast, &mut |ast| {
            if let Ast::Path { absolute, steps } = ast {
                out.push((*absolute, steps.clone()));
            }
        });
        out
    }

    /// The choice columns read by a choice filter.
    pub fn choice_columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.ast, &mut |ast| {
            if let Ast::ChoiceColumn(name) = ast
                && !out.contains(name)
            {
                out.push(name.clone());
            }
        });
        out
    }

    /// Evaluates against `env` at the moment given by `ctx`.
    pub fn eval(&self, env: &dyn Env, ctx: &Context) -> Value {
        eval(&self.ast, env, ctx)
    }

    /// Evaluates and takes the XPath boolean value.
    pub fn holds(&self, env: &dyn Env, ctx: &Context) -> bool {
        self.eval(env, ctx).truthy()
    }
}

fn walk(ast: &Ast, f: &mut impl FnMut(&Ast)) {
    f(ast);
    match ast {
        Ast::Negate(a) => walk(a, f),
        Ast::Binary(_, a, b) => {
            walk(a, f);
            walk(b, f);
        }
        Ast::Call(_, args) => args.iter().for_each(|a| walk(a, f)),
        _ => {}
    }
}

/// The `${name}` references in a label or hint text (labels are not expressions, but they
/// may show answers).
pub fn text_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].trim().to_string();
        if !out.contains(&name) {
            out.push(name);
        }
        rest = &after[end + 1..];
    }
    out
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Expr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let source = String::deserialize(d)?;
        // Stored forms came through the importer, which checked each in its own column.
        Expr::parse_in(&source, Dialect::Stored).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Values and evaluation

/// A value during evaluation. Unanswered questions are the empty string, as in XPath.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    /// The values of a question inside a repeat, seen from outside it (a node-set).
    List(Vec<Value>),
}

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();

impl Value {
    pub fn empty() -> Value {
        Value::Text(String::new())
    }

    /// XPath `boolean()`.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Text(s) => !s.is_empty(),
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::Bool(b) => *b,
            Value::Date(_) | Value::DateTime(_) => true,
            Value::List(items) => !items.is_empty(),
        }
    }

    /// XPath `number()`; dates count days since 1970-01-01, as in ODK.
    pub fn number(&self) -> f64 {
        match self {
            Value::Text(s) => {
                let s = s.trim();
                if let Ok(n) = s.parse::<f64>() {
                    n
                } else if let Some(d) = as_date(s) {
                    days(d)
                } else {
                    f64::NAN
                }
            }
            Value::Number(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Date(d) => days(*d),
            Value::DateTime(dt) => {
                days(dt.date())
                    + f64::from(dt.time().signed_duration_since(NaiveTime::MIN).num_seconds() as i32) / 86400.0
            }
            Value::List(items) => items.first().map(Value::number).unwrap_or(f64::NAN),
        }
    }

    /// XPath `string()`.
    pub fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Number(n) => format_number(*n),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
            Value::List(items) => items.first().map(Value::text).unwrap_or_default(),
        }
    }

    fn date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::DateTime(dt) => Some(dt.date()),
            Value::Text(s) => as_date(s.trim()),
            Value::Number(n) if n.is_finite() => EPOCH.checked_add_signed(chrono::Duration::days(n.floor() as i64)),
            _ => None,
        }
    }

    fn is_datelike(&self) -> bool {
        matches!(self, Value::Date(_) | Value::DateTime(_))
    }

    fn items(&self) -> Vec<Value> {
        match self {
            Value::List(items) => items.clone(),
            other => vec![other.clone()],
        }
    }
}

fn days(d: NaiveDate) -> f64 {
    d.signed_duration_since(EPOCH).num_days() as f64
}

fn as_date(s: &str) -> Option<NaiveDate> {
    let head = s.get(..10)?;
    let date = NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()?;
    (s.len() == 10 || s[10..].starts_with('T') || s[10..].starts_with(' ')).then_some(date)
}

/// Numbers as XPath writes them: `3`, `2.5`, `NaN`, `Infinity`.
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// What an expression can see: answers by name, the current value, a choice's columns.
pub trait Env {
    /// The value of the item `name` as seen from where the expression is evaluated; a
    /// question inside a repeat seen from outside it gives a [`Value::List`].
    fn reference(&self, name: &str) -> Value;
    /// The value of `.`.
    fn current(&self) -> Value;
    /// A column of the choice being filtered (empty outside a choice filter).
    fn choice_column(&self, _name: &str) -> Value {
        Value::empty()
    }
    /// A path ([`Ast::Path`]) from the question evaluated, or from the root.
    fn path(&self, _absolute: bool, _steps: &[Step]) -> Value {
        Value::empty()
    }
    /// `position(..)`: the 1-based number of the repeat instance evaluated in.
    fn position(&self) -> Value {
        Value::empty()
    }
    /// `indexed-repeat()`: the value of `name` in the given instances (1-based) of the
    /// given repeats, outermost first.
    fn indexed(&self, _name: &str, _at: &[(String, usize)]) -> Value {
        Value::empty()
    }
    /// `pulldata()`: the `column` of the row of the attached CSV `file` whose `key_column`
    /// is `key` (empty where the file is not at hand).
    fn pulldata(&self, _file: &str, _column: &str, _key_column: &str, _key: &str) -> Value {
        Value::empty()
    }
    /// `jr:choice-name()`: the label of choice `choice` of the select `question`.
    fn choice_name(&self, _choice: &str, _question: &str) -> Value {
        Value::empty()
    }
}

fn compare(op: BinaryOp, a: &Value, b: &Value) -> bool {
    if let (Value::List(items), other) | (other, Value::List(items)) = (a, b) {
        // XPath: a comparison with a node-set holds when it holds for some node.
        let a_is_list = matches!(a, Value::List(_));
        return items.iter().any(|item| if a_is_list { compare(op, item, other) } else { compare(op, other, item) });
    }
    use BinaryOp::*;
    let ordering = if a.is_datelike() || b.is_datelike() {
        match (a, b) {
            (Value::DateTime(_), _) | (_, Value::DateTime(_)) => a.number().partial_cmp(&b.number()),
            _ => match (a.date(), b.date()) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => None,
            },
        }
    } else if matches!(op, Eq | Ne) {
        match (a, b) {
            (Value::Bool(_), _) | (_, Value::Bool(_)) => Some(a.truthy().cmp(&b.truthy())),
            (Value::Number(_), _) | (_, Value::Number(_)) => a.number().partial_cmp(&b.number()),
            _ => Some(a.text().cmp(&b.text())),
        }
    } else {
        let (x, y) = (a.number(), b.number());
        match (a, b) {
            // Two texts that are not numbers (times such as 08:30) compare as text.
            (Value::Text(s), Value::Text(t)) if x.is_nan() && y.is_nan() && !s.is_empty() && !t.is_empty() => {
                Some(s.cmp(t))
            }
            _ => x.partial_cmp(&y),
        }
    };
    match op {
        Eq => ordering == Some(std::cmp::Ordering::Equal),
        Ne => ordering != Some(std::cmp::Ordering::Equal),
        Lt => ordering == Some(std::cmp::Ordering::Less),
        Le => matches!(ordering, Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
        Gt => ordering == Some(std::cmp::Ordering::Greater),
        Ge => matches!(ordering, Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
        _ => unreachable!("not a comparison"),
    }
}

fn eval(ast: &Ast, env: &dyn Env, ctx: &Context) -> Value {
    use BinaryOp::*;
    match ast {
        Ast::Number(n) => Value::Number(*n),
        Ast::Text(s) => Value::Text(s.clone()),
        Ast::Reference(name) => env.reference(name),
        Ast::Current => env.current(),
        Ast::ChoiceColumn(name) => env.choice_column(name),
        Ast::Path { absolute, steps } => env.path(*absolute, steps),
        Ast::Negate(a) => Value::Number(-eval(a, env, ctx).number()),
        Ast::Binary(Or, a, b) => Value::Bool(eval(a, env, ctx).truthy() || eval(b, env, ctx).truthy()),
        Ast::Binary(And, a, b) => Value::Bool(eval(a, env, ctx).truthy() && eval(b, env, ctx).truthy()),
        Ast::Binary(op, a, b) => {
            let (x, y) = (eval(a, env, ctx), eval(b, env, ctx));
            match op {
                Eq | Ne | Lt | Le | Gt | Ge => Value::Bool(compare(*op, &x, &y)),
                Add => Value::Number(x.number() + y.number()),
                Sub => Value::Number(x.number() - y.number()),
                Mul => Value::Number(x.number() * y.number()),
                Div => Value::Number(x.number() / y.number()),
                Mod => Value::Number(x.number() % y.number()),
                Or | And => unreachable!("handled above"),
            }
        }
        Ast::Call(f, args) => call(*f, args, env, ctx),
    }
}

fn call(f: Function, args: &[Ast], env: &dyn Env, ctx: &Context) -> Value {
    use Function::*;
    let arg = |i: usize| eval(&args[i], env, ctx);
    let text = |i: usize| arg(i).text();
    let number = |i: usize| arg(i).number();
    let words = |v: Value| -> Vec<std::string::String> { v.text().split_whitespace().map(str::to_string).collect() };
    // Every value of the arguments from `from` on, node-sets opened.
    let all_from = |from: usize| -> Vec<Value> { (from..args.len()).flat_map(|i| arg(i).items()).collect() };
    match f {
        Selected => {
            let wanted = text(1);
            let wanted = wanted.trim();
            Value::Bool(words(arg(0)).iter().any(|w| w == wanted))
        }
        CountSelected => Value::Number(words(arg(0)).len() as f64),
        SelectedAt => {
            let index = number(1);
            let all = words(arg(0));
            let picked = (index.is_finite() && index >= 0.0).then(|| all.get(index as usize)).flatten();
            Value::Text(picked.cloned().unwrap_or_default())
        }
        CountNonEmpty => Value::Number(arg(0).items().iter().filter(|v| !v.text().is_empty()).count() as f64),
        StringLength => {
            let s = if args.is_empty() { env.current().text() } else { text(0) };
            Value::Number(s.chars().count() as f64)
        }
        Regex => {
            let s = text(0);
            let matched = regex::Regex::new(&text(1)).map(|re| re.is_match(&s)).unwrap_or(false);
            Value::Bool(matched)
        }
        Contains => Value::Bool(text(0).contains(&text(1))),
        StartsWith => Value::Bool(text(0).starts_with(&text(1))),
        EndsWith => Value::Bool(text(0).ends_with(&text(1))),
        Concat => Value::Text(
            args.iter()
                .map(|a| eval(a, env, ctx).items().iter().map(Value::text).collect::<std::string::String>())
                .collect(),
        ),
        Substr => {
            let s: Vec<char> = text(0).chars().collect();
            let start = number(1);
            let end = if args.len() == 3 { number(2) } else { s.len() as f64 };
            if !start.is_finite() || !end.is_finite() {
                return Value::empty();
            }
            let start = (start.max(0.0) as usize).min(s.len());
            let end = (end.max(0.0) as usize).min(s.len()).max(start);
            Value::Text(s[start..end].iter().collect())
        }
        Substring => {
            // XPath: the characters at positions p (1-based) with round(start) <= p and,
            // given a length, p < round(start) + round(length).
            let first = xpath_round(number(1));
            let last = if args.len() == 3 { first + xpath_round(number(2)) } else { f64::INFINITY };
            Value::Text(
                text(0)
                    .chars()
                    .enumerate()
                    .filter(|(i, _)| {
                        let p = (*i + 1) as f64;
                        p >= first && p < last
                    })
                    .map(|(_, c)| c)
                    .collect(),
            )
        }
        SubstringBefore => {
            let (s, t) = (text(0), text(1));
            Value::Text(s.find(&t).map(|i| s[..i].to_string()).unwrap_or_default())
        }
        SubstringAfter => {
            let (s, t) = (text(0), text(1));
            Value::Text(s.find(&t).map(|i| s[i + t.len()..].to_string()).unwrap_or_default())
        }
        Translate => {
            let (from, to): (Vec<char>, Vec<char>) = (text(1).chars().collect(), text(2).chars().collect());
            Value::Text(
                text(0)
                    .chars()
                    .filter_map(|c| match from.iter().position(|&x| x == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        NormalizeSpace => {
            let s = if args.is_empty() { env.current().text() } else { text(0) };
            Value::Text(s.split_whitespace().collect::<Vec<_>>().join(" "))
        }
        If => {
            if arg(0).truthy() {
                arg(1)
            } else {
                arg(2)
            }
        }
        Not => Value::Bool(!arg(0).truthy()),
        True => Value::Bool(true),
        False => Value::Bool(false),
        Boolean => Value::Bool(arg(0).truthy()),
        BooleanFromString => {
            let s = text(0);
            Value::Bool(s == "true" || s == "1")
        }
        Number => Value::Number(number(0)),
        String => Value::Text(text(0)),
        Int => Value::Number(number(0).trunc()),
        Round => {
            let n = number(0);
            let places = if args.len() == 2 { number(1) } else { 0.0 };
            let scale = 10f64.powi(places as i32);
            Value::Number((n * scale + 0.5).floor() / scale)
        }
        Floor => Value::Number(number(0).floor()),
        Ceiling => Value::Number(number(0).ceil()),
        Abs => Value::Number(number(0).abs()),
        Pow => {
            let x = number(0);
            Value::Number(if x == 1.0 { 1.0 } else { x.powf(number(1)) })
        }
        Log => Value::Number(number(0).ln()),
        Log10 => Value::Number(number(0).log10()),
        Exp => Value::Number(number(0).exp()),
        Exp10 => Value::Number(10f64.powf(number(0))),
        Sqrt => Value::Number(number(0).sqrt()),
        Sin => Value::Number(number(0).sin()),
        Cos => Value::Number(number(0).cos()),
        Tan => Value::Number(number(0).tan()),
        Asin => Value::Number(number(0).asin()),
        Acos => Value::Number(number(0).acos()),
        Atan => Value::Number(number(0).atan()),
        Atan2 => Value::Number(number(0).atan2(number(1))),
        Pi => Value::Number(std::f64::consts::PI),
        Random => {
            let bits = u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().expect("8 bytes"));
            Value::Number((bits >> 11) as f64 / (1u64 << 53) as f64)
        }
        Uuid => match args.first() {
            None => Value::Text(uuid::Uuid::new_v4().to_string()),
            Some(_) => {
                const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
                let length = number(0);
                let length = if length.is_finite() && length > 0.0 { (length as usize).min(1000) } else { 0 };
                let mut out = std::string::String::with_capacity(length);
                while out.len() < length {
                    for byte in uuid::Uuid::new_v4().as_bytes() {
                        if out.len() < length {
                            out.push(ALPHABET[usize::from(*byte) % ALPHABET.len()] as char);
                        }
                    }
                }
                Value::Text(out)
            }
        },
        Today => Value::Date(ctx.today),
        Now => Value::DateTime(ctx.now),
        Date => match arg(0) {
            Value::DateTime(dt) => Value::Date(dt.date()),
            v => v.date().map(Value::Date).unwrap_or(Value::empty()),
        },
        DateTime => match arg(0) {
            Value::DateTime(dt) => Value::DateTime(dt),
            Value::Date(d) => Value::DateTime(d.and_time(NaiveTime::MIN)),
            Value::Text(s) => as_datetime(s.trim()).map(Value::DateTime).unwrap_or(Value::empty()),
            v => from_days(v.number()).map(Value::DateTime).unwrap_or(Value::empty()),
        },
        DecimalDateTime => match arg(0) {
            Value::Text(s) => as_datetime(s.trim())
                .map(|dt| Value::DateTime(dt).number())
                .map(Value::Number)
                .unwrap_or(Value::Number(f64::NAN)),
            v @ (Value::Date(_) | Value::DateTime(_)) => Value::Number(v.number()),
            v => Value::Number(v.number()),
        },
        DecimalTime => Value::Number(match as_time(text(0).trim()) {
            Some(t) => f64::from(t.num_seconds_from_midnight()) / 86400.0,
            None => f64::NAN,
        }),
        FormatDate | FormatDateTime => {
            let when = match arg(0) {
                Value::DateTime(dt) => Some(dt),
                Value::Date(d) => Some(d.and_time(NaiveTime::MIN)),
                Value::Text(s) => as_datetime(s.trim()),
                v => from_days(v.number()),
            };
            match when {
                Some(dt) => Value::Text(format_date(dt, &text(1))),
                None => Value::empty(),
            }
        }
        Coalesce => {
            let first = arg(0);
            if first.text().is_empty() { arg(1) } else { first }
        }
        Sum => Value::Number(arg(0).items().iter().map(Value::number).sum()),
        Count => Value::Number(match arg(0) {
            Value::List(items) => items.len() as f64,
            v if v.text().is_empty() => 0.0,
            _ => 1.0,
        }),
        Min | Max => {
            let numbers: Vec<f64> = all_from(0).iter().map(Value::number).collect();
            if numbers.is_empty() || numbers.iter().any(|n| n.is_nan()) {
                return Value::Number(f64::NAN);
            }
            let pick = if f == Min { f64::min } else { f64::max };
            Value::Number(numbers.into_iter().reduce(pick).unwrap_or(f64::NAN))
        }
        Join => {
            let sep = text(0);
            Value::Text(arg(1).items().iter().map(Value::text).collect::<Vec<_>>().join(&sep))
        }
        Checklist => {
            let (min, max) = (number(0), number(1));
            let count = all_from(2).iter().filter(|v| v.truthy()).count() as f64;
            Value::Bool((min < 0.0 || count >= min) && (max < 0.0 || count <= max))
        }
        WeightedChecklist => {
            let (min, max) = (number(0), number(1));
            let rest = all_from(2);
            let sum: f64 = rest
                .chunks(2)
                .filter(|pair| pair[0].truthy())
                .map(|pair| pair.get(1).map(Value::number).unwrap_or(0.0))
                .sum();
            Value::Bool((min < 0.0 || sum >= min) && (max < 0.0 || sum <= max))
        }
        Area => Value::Number(geo_points(&text(0)).map(|p| area(&p)).unwrap_or(f64::NAN)),
        Distance => Value::Number(geo_points(&text(0)).map(|p| distance(&p)).unwrap_or(f64::NAN)),
        Once => arg(0),
        IndexedRepeat => {
            let Ast::Reference(name) = &args[0] else { return Value::empty() };
            let mut at = Vec::new();
            for pair in args[1..].chunks(2) {
                let (Ast::Reference(repeat), Some(index)) = (&pair[0], pair.get(1)) else { return Value::empty() };
                let index = eval(index, env, ctx).number();
                if !index.is_finite() || index < 1.0 {
                    return Value::empty();
                }
                at.push((repeat.clone(), index as usize));
            }
            env.indexed(name, &at)
        }
        Position => env.position(),
        Pulldata => env.pulldata(&text(0), &text(1), &text(2), &text(3)),
        ChoiceName => {
            let question = text(1);
            let question = question.trim();
            let question = question.strip_prefix("${").and_then(|q| q.strip_suffix('}')).unwrap_or(question);
            let question = question.rsplit('/').next().unwrap_or(question).trim();
            env.choice_name(text(0).trim(), question)
        }
        Randomize => {
            let seed = match args.len() {
                1 => i64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().expect("8 bytes")),
                _ => java_long(number(1)),
            };
            Value::List(shuffled(arg(0).items(), seed))
        }
        Digest => {
            let Some(algorithm) = DigestAlgorithm::named(&text(1)) else { return Value::empty() };
            let hash = algorithm.hash(text(0).as_bytes());
            match args.len() {
                2 => Value::Text(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, hash)),
                _ => match text(2).to_ascii_lowercase().as_str() {
                    "base64" => Value::Text(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, hash)),
                    "hex" => Value::Text(hash.iter().map(|b| format!("{b:02x}")).collect()),
                    _ => Value::empty(),
                },
            }
        }
    }
}

/// A number as Java's `(long)` makes it: truncated, and 0 for what is not finite (the seed of
/// `randomize()`).
fn java_long(n: f64) -> i64 {
    if n.is_finite() { n.trunc() as i64 } else { 0 }
}

/// `randomize()` with a seed, as JavaRosa and Enketo shuffle: the "inside-out" Fisher–Yates,
/// each index drawn from the Park–Miller generator seeded with `seed`, so ODK Collect, the
/// field app and the server put the same items in the same order.
fn shuffled(items: Vec<Value>, seed: i64) -> Vec<Value> {
    let mut random = ParkMiller::new(seed);
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let j = ((random.next_float() * (i + 1) as f64).floor() as usize).min(i);
        if j == i {
            out.push(item);
        } else {
            let moved = std::mem::replace(&mut out[j], item);
            out.push(moved);
        }
    }
    out
}

/// The "minimal standard" generator of Park and Miller: state times 16807 modulo 2³¹ − 1.
struct ParkMiller(i64);

impl ParkMiller {
    const MODULUS: i64 = 2_147_483_647;

    fn new(seed: i64) -> ParkMiller {
        let state = seed % Self::MODULUS;
        ParkMiller(if state <= 0 { state + Self::MODULUS - 1 } else { state })
    }

    /// A number in [0, 1).
    fn next_float(&mut self) -> f64 {
        self.0 = self.0 * 16807 % Self::MODULUS;
        (self.0 - 1) as f64 / (Self::MODULUS - 1) as f64
    }
}

/// The algorithms of `digest()`, named as JavaRosa names them (any case).
#[derive(Debug, Clone, Copy)]
enum DigestAlgorithm {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    fn named(name: &str) -> Option<DigestAlgorithm> {
        use DigestAlgorithm::*;
        [("MD5", Md5), ("SHA-1", Sha1), ("SHA-256", Sha256), ("SHA-384", Sha384), ("SHA-512", Sha512)]
            .into_iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name.trim()))
            .map(|(_, algorithm)| algorithm)
    }

    fn hash(self, bytes: &[u8]) -> Vec<u8> {
        use sha2::Digest as _;
        match self {
            DigestAlgorithm::Md5 => md5::Md5::digest(bytes).to_vec(),
            DigestAlgorithm::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
            DigestAlgorithm::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            DigestAlgorithm::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            DigestAlgorithm::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        }
    }
}

/// XPath `round()`: halves go up.
fn xpath_round(n: f64) -> f64 {
    (n + 0.5).floor()
}

/// Days since 1970-01-01 (with a fraction) as a date-time.
fn from_days(days: f64) -> Option<NaiveDateTime> {
    if !days.is_finite() || days.abs() > 3_000_000.0 {
        return None;
    }
    let seconds = (days * 86400.0).round() as i64;
    EPOCH.and_time(NaiveTime::MIN).checked_add_signed(chrono::Duration::seconds(seconds))
}

/// A date or date-time text as a date-time (an offset is dropped: wall-clock time).
fn as_datetime(s: &str) -> Option<NaiveDateTime> {
    let date = as_date(s)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN));
    }
    as_time(&rest[1..]).map(|t| date.and_time(t))
}

/// `HH:MM[:SS[.fff]]`, an offset or `Z` after it dropped.
fn as_time(s: &str) -> Option<NaiveTime> {
    let cut = s.char_indices().skip(5).find(|(_, c)| matches!(c, '+' | '-' | 'Z')).map(|(i, _)| i);
    let s = &s[..cut.unwrap_or(s.len())];
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M")).ok()
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `format-date()`'s directives: `%Y %y %m %n %b %d %e %a %H %h %M %S %3 %%`; anything
/// else is copied.
fn format_date(dt: NaiveDateTime, format: &str) -> std::string::String {
    use chrono::{Datelike, Timelike};
    let mut out = std::string::String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", dt.year())),
            Some('y') => out.push_str(&format!("{:02}", dt.year().rem_euclid(100))),
            Some('m') => out.push_str(&format!("{:02}", dt.month())),
            Some('n') => out.push_str(&dt.month().to_string()),
            Some('b') => out.push_str(MONTHS[dt.month0() as usize]),
            Some('d') => out.push_str(&format!("{:02}", dt.day())),
            Some('e') => out.push_str(&dt.day().to_string()),
            Some('a') => out.push_str(DAYS[dt.weekday().num_days_from_monday() as usize]),
            Some('H') => out.push_str(&format!("{:02}", dt.hour())),
            Some('h') => out.push_str(&dt.hour().to_string()),
            Some('M') => out.push_str(&format!("{:02}", dt.minute())),
            Some('S') => out.push_str(&format!("{:02}", dt.second())),
            Some('3') => out.push_str(&format!("{:03}", dt.and_utc().timestamp_subsec_millis())),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// The points of a geopoint, geotrace or geoshape answer: (latitude, longitude) in degrees.
pub fn geo_points(text: &str) -> Option<Vec<(f64, f64)>> {
    let mut points = Vec::new();
    for point in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = point.split_whitespace().map(|p| p.parse::<f64>());
        let (Some(Ok(lat)), Some(Ok(lon))) = (parts.next(), parts.next()) else { return None };
        points.push((lat, lon));
    }
    (!points.is_empty()).then_some(points)
}

/// The radius JavaRosa takes for the Earth, in metres.
const EARTH_RADIUS: f64 = 6_378_100.0;

/// The length of a line of points along great circles, in metres.
fn distance(points: &[(f64, f64)]) -> f64 {
    points
        .windows(2)
        .map(|pair| {
            let (a, b) = (pair[0], pair[1]);
            let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
            let dp = p2 - p1;
            let dl = (b.1 - a.1).to_radians();
            let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
            2.0 * EARTH_RADIUS * h.sqrt().asin()
        })
        .sum()
}

/// The area of a closed shape of points on the sphere, in square metres.
fn area(points: &[(f64, f64)]) -> f64 {
    if points.len() < 3 {
        return 0.0;
    }
    let mut total = 0.0;
    for i in 0..points.len() {
        let (a, b) = (points[i], points[(i + 1) % points.len()]);
        total += (b.1 - a.1).to_radians() * (2.0 + a.0.to_radians().sin() + b.0.to_radians().sin());
    }
    (total * EARTH_RADIUS * EARTH_RADIUS / 2.0).abs()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn only_the_steps_of_paths_are_renamed_with_what_came_before_them() {
        let mut seen = Vec::new();
        let renamed = rename_path_steps(
            "../a + /data/g/a + ${a} + string-length('../a') + current()/../a",
            Dialect::Question,
            |absolute, before, name| {
                seen.push((absolute, path_text(absolute, before), name.to_string()));
                (name == "a").then(|| "copy_of_a".to_string())
            },
        );
        assert_eq!(
            renamed.as_deref(),
            Some("../copy_of_a + /data/g/copy_of_a + ${a} + string-length('../a') + current()/../copy_of_a")
        );
        assert_eq!(
            seen,
            [
                (false, "..".to_string(), "a".to_string()),
                (true, "/".to_string(), "data".to_string()),
                (true, "/data".to_string(), "g".to_string()),
                (true, "/data/g".to_string(), "a".to_string()),
                (false, "..".to_string(), "a".to_string()),
            ]
        );
        assert_eq!(rename_path_steps("../a +", Dialect::Question, |_, _, _| None), None, "no parse, no rewrite");
    }

    struct Answers {
        values: BTreeMap<&'static str, Value>,
        current: Value,
    }

    impl Env for Answers {
        fn reference(&self, name: &str) -> Value {
            self.values.get(name).cloned().unwrap_or(Value::empty())
        }
        fn current(&self) -> Value {
            self.current.clone()
        }
    }

    fn ctx() -> Context {
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        Context { today, now: today.and_hms_opt(9, 30, 0).unwrap() }
    }

    fn check(src: &str, current: Value, values: &[(&'static str, Value)]) -> Value {
        let env = Answers { values: values.iter().cloned().collect(), current };
        Expr::parse(src).unwrap_or_else(|e| panic!("{src}: {e}")).eval(&env, &ctx())
    }

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn arithmetic_follows_precedence_and_xpath_operators() {
        assert_eq!(check("1 + 2 * 3", t(""), &[]), Value::Number(7.0));
        assert_eq!(check("(1 + 2) * 3", t(""), &[]), Value::Number(9.0));
        assert_eq!(check("7 div 2", t(""), &[]), Value::Number(3.5));
        assert_eq!(check("7 mod 4", t(""), &[]), Value::Number(3.0));
        assert_eq!(check("-2 - -3", t(""), &[]), Value::Number(1.0));
        assert_eq!(check("${a}*${b}", t(""), &[("a", t("4")), ("b", t("2.5"))]), Value::Number(10.0));
    }

    #[test]
    fn comparisons_are_numeric_when_one_side_is_a_number() {
        assert_eq!(check("${c}=1", t(""), &[("c", t("1"))]), Value::Bool(true));
        assert_eq!(check("${c}='no'", t(""), &[("c", t("no"))]), Value::Bool(true));
        assert_eq!(check(". >= 5 and . <= 10", t("07"), &[]), Value::Bool(true));
        assert_eq!(check(". > 5", t(""), &[]), Value::Bool(false), "empty is not a number");
        assert_eq!(check("${x} = ''", t(""), &[]), Value::Bool(true));
        assert_eq!(check("${x} != ''", t(""), &[("x", t("a"))]), Value::Bool(true));
        assert_eq!(check(". < '12:00'", t("08:30"), &[]), Value::Bool(true), "times compare as text");
    }

    #[test]
    fn dates_compare_with_today_from_the_context() {
        assert_eq!(check(". >= today()", t("2026-03-15"), &[]), Value::Bool(true));
        assert_eq!(check(". >= today()", t("2026-03-14"), &[]), Value::Bool(false));
        assert_eq!(check("today() - date('2026-03-01')", t(""), &[]), Value::Number(14.0));
        assert_eq!(check("date(today() + 1)", t(""), &[]), Value::Date(NaiveDate::from_ymd_opt(2026, 3, 16).unwrap()));
        assert_eq!(check("now() > today()", t(""), &[]), Value::Bool(true));
    }

    #[test]
    fn select_functions_read_space_separated_choices() {
        let v = [("s", t("a c"))];
        assert_eq!(check("selected(${s}, 'c')", t(""), &v), Value::Bool(true));
        assert_eq!(check("selected(${s}, 'b')", t(""), &v), Value::Bool(false));
        assert_eq!(check("count-selected(${s})", t(""), &v), Value::Number(2.0));
        assert_eq!(check("selected-at(${s}, 1)", t(""), &v), t("c"));
        assert_eq!(check("not(selected(., 'yes') and selected (., 'no'))", t("yes no"), &[]), Value::Bool(false));
    }

    #[test]
    fn text_functions() {
        assert_eq!(check("string-length(.)", t("héllo"), &[]), Value::Number(5.0));
        assert_eq!(check("string-length()", t("abc"), &[]), Value::Number(3.0));
        assert_eq!(check("regex(., '^[0-9]{3}$')", t("123"), &[]), Value::Bool(true));
        assert_eq!(check("regex(., '^[0-9]{3}$')", t("12a"), &[]), Value::Bool(false));
        assert_eq!(check("concat('a', \"b\", 1)", t(""), &[]), t("ab1"));
        assert_eq!(check("contains('abc', 'b') and starts-with('abc', 'a')", t(""), &[]), Value::Bool(true));
        assert_eq!(check("coalesce(${x}, 'none')", t(""), &[]), t("none"));
        assert_eq!(check("if(${x} = '', 'empty', 'full')", t(""), &[]), t("empty"));
    }

    #[test]
    fn numeric_functions() {
        assert_eq!(check("round(2.345, 2)", t(""), &[]), Value::Number(2.35));
        assert_eq!(check("round(2.5)", t(""), &[]), Value::Number(3.0));
        assert_eq!(check("int(-2.7)", t(""), &[]), Value::Number(-2.0));
        assert!(check("number('x')", t(""), &[]).number().is_nan());
        let list = Value::List(vec![t("2"), t("3"), t("5")]);
        assert_eq!(check("sum(${a})", t(""), &[("a", list.clone())]), Value::Number(10.0));
        assert_eq!(check("count(${a})", t(""), &[("a", list.clone())]), Value::Number(3.0));
        assert_eq!(check("max(${a})", t(""), &[("a", list.clone())]), Value::Number(5.0));
        assert_eq!(check("join('-', ${a})", t(""), &[("a", list)]), t("2-3-5"));
        assert_eq!(check("true() and not(false())", t(""), &[]), Value::Bool(true));
    }

    #[test]
    fn syntax_errors_say_where() {
        assert_eq!(Expr::parse("1 +"), Err(ExprError::Syntax { at: 4 }));
        assert_eq!(Expr::parse("(1 + 2"), Err(ExprError::Syntax { at: 7 }));
        assert_eq!(Expr::parse(". > 'abc"), Err(ExprError::Syntax { at: 5 }));
        assert_eq!(Expr::parse("${x} ${y}"), Err(ExprError::Syntax { at: 6 }));
        assert_eq!(Expr::parse("${x} # 2"), Err(ExprError::Syntax { at: 6 }));
        assert_eq!(Expr::parse(""), Err(ExprError::Syntax { at: 1 }));
        assert_eq!(Expr::parse("${}"), Err(ExprError::Syntax { at: 3 }));
    }

    #[test]
    fn unsupported_functions_and_paths_are_refused_by_name() {
        assert_eq!(
            Expr::parse("device-info('phone')"),
            Err(ExprError::UnsupportedFunction { at: 1, name: "device-info".into() })
        );
        assert_eq!(
            Expr::parse_all("duration() + 1 + plug-in(${a}) + pulldata('f', 'c')", Dialect::Question),
            Err(vec![
                ExprError::UnsupportedFunction { at: 1, name: "duration".into() },
                ExprError::UnsupportedFunction { at: 18, name: "plug-in".into() },
                ExprError::Arity { at: 34, name: "pulldata".into(), min: 4, max: 4 },
            ]),
            "every refused function of a cell is reported"
        );
        for supported in [
            "pulldata('hh', 'name', 'id', ${id})",
            "1 + indexed-repeat(${a}, ${r}, 1)",
            "jr:choice-name(${a}, '${a}')",
            "position(..) = 1",
            "once(now())",
            "null = ''",
        ] {
            assert!(Expr::parse(supported).is_ok(), "{supported}");
        }
        assert_eq!(Expr::parse("\u{201C}a\u{201D} = \u{2018}a\u{2019}").unwrap().source(), "\"a\" = 'a'");
        let path = |absolute, steps: &[&str]| {
            let steps = steps
                .iter()
                .map(|s| if *s == ".." { Step::Parent } else { Step::Child(s.to_string()) })
                .collect::<Vec<_>>();
            (absolute, steps)
        };
        assert_eq!(Expr::parse("/data/grp/x = 1").unwrap().paths(), [path(true, &["data", "grp", "x"])]);
        assert_eq!(Expr::parse("../x = 1").unwrap().paths(), [path(false, &["..", "x"])]);
        assert_eq!(
            Expr::parse("current()/../x + ./y").unwrap().paths(),
            [path(false, &["..", "x"]), path(false, &["y"])]
        );
        assert_eq!(
            Expr::parse("current() = .").unwrap().ast(),
            &Ast::Binary(BinaryOp::Eq, Box::new(Ast::Current), Box::new(Ast::Current))
        );
        assert_eq!(Expr::parse("/ = 1"), Err(ExprError::UnsupportedPath { at: 1, path: "/".into() }));
        assert_eq!(Expr::parse("../x/y(1)"), Err(ExprError::UnsupportedPath { at: 6, path: "../x".into() }));
        assert_eq!(Expr::parse("${x}/y"), Err(ExprError::UnsupportedPath { at: 5, path: "/".into() }));
        assert_eq!(
            Expr::parse_in("../x = name", Dialect::ChoiceFilter),
            Err(ExprError::UnsupportedPath { at: 1, path: "..".into() })
        );
        assert!(Expr::parse_in("current()/../x = name", Dialect::ChoiceFilter).is_ok());
        assert!(Expr::parse_in("./x = name", Dialect::ChoiceFilter).is_err(), "a child of the choice");
        let chain = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (absolute, steps) = path(false, &["..", "..", "y"]);
        assert_eq!(follow_path(absolute, &steps, &chain(&["r", "g"]), "x"), Some(chain(&["r", "y"])));
        assert_eq!(follow_path(absolute, &steps, &[], "x"), None);
        let (absolute, steps) = path(true, &["data", "r", "x"]);
        assert_eq!(follow_path(absolute, &steps, &[], "q"), Some(chain(&["r", "x"])));
        assert_eq!(path_text(false, &[Step::Parent, Step::Child("x".into())]), "../x");
        assert_eq!(Expr::parse("cf = 1"), Err(ExprError::UnsupportedPath { at: 1, path: "cf".into() }));
        assert!(Expr::parse_in("${state} = cf", Dialect::ChoiceFilter).is_ok());
        assert_eq!(
            Expr::parse("selected(${a})"),
            Err(ExprError::Arity { at: 1, name: "selected".into(), min: 2, max: 2 })
        );
        assert!(matches!(Expr::parse("regex(., '[a-')"), Err(ExprError::BadPattern { .. })));
        let unknown = Expr::parse("1 + digest(., 'SHA-3')").unwrap_err();
        assert_eq!(unknown, ExprError::UnknownAlgorithm { at: 5, name: "digest".into(), algorithm: "SHA-3".into() });
        assert_eq!(unknown.to_string(), "digest(): unknown algorithm SHA-3");
    }

    #[test]
    fn the_columns_pulldata_reads_are_listed_where_given_as_text() {
        let expr =
            Expr::parse("pulldata('hh', 'name', 'id', ${id}) + pulldata('hh', ${c}, 'id', 1) + once(1)").unwrap();
        assert_eq!(expr.pulldata_columns(), [("hh".to_string(), "name".to_string(), "id".to_string())]);
        assert!(!expr.is_once());
        assert!(Expr::parse("once(now())").unwrap().is_once());
    }

    #[test]
    fn references_are_listed_once_in_order() {
        let e = Expr::parse("${b} > 1 and ${a} < ${b}").unwrap();
        assert_eq!(e.references(), vec!["b", "a"]);
        assert_eq!(text_references("Hello ${name}, ${ age }!"), vec!["name", "age"]);
    }

    #[test]
    fn expressions_round_trip_through_json_as_their_text() {
        let e = Expr::parse(". >= 1").unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, "\". >= 1\"");
        let back: Expr = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
    }
}
