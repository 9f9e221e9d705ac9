/**
 * forms.js — the instruments of OpenCPD in the browser, with no DOM: the XLSForm expression
 * language and submission validation, mirroring crates/forms (src/expr.rs, src/validate.rs)
 * so that the field app refuses offline exactly what the server would refuse.
 *
 * - `parse(source, dialect)` turns an expression into a syntax tree or throws an ExprError
 *   (`kind`: syntax | unsupported-function | arity | unsupported-path | bad-pattern |
 *   unknown-algorithm, `at`
 *   the 1-based character); `evaluate(expr, env, ctx)` computes a Value.
 * - `validate(form, answers, ctx)` → `{ok: true, answers}` (typed, calculations computed,
 *   in the JSON shape of the server's `Validated`) or `{ok: false, problems: [{column, value,
 *   code, message}]}` with the server's codes and its column names (`age`, `learners[2].age`).
 * - `inspect(form, answers, ctx)` gives the UI what it needs after each change: relevance,
 *   read-only state and offered choices per path, calculations, and label interpolation;
 *   `relevant`, `computeCalculations` and `prune` are small helpers on top of it.
 *
 * The Form is the JSON serialised by crates/forms/src/model.rs (expressions are their text).
 * `ctx` is `{today: "YYYY-MM-DD", now: "YYYY-MM-DDTHH:MM:SS", language, message}`; missing
 * parts come from the device clock; `message(problem)`, when given, words a problem (the app
 * passes the server's problem-<code> messages), else the built-in English and French do. Importable from node (`node --test`) and from the browser.
 */

import { digest, algorithm as digestAlgorithm } from './digest.js';

// ---------------------------------------------------------------------------------------------
// Expression language: lexer and parser (expr.rs)

const FUNCTIONS = {
  'selected': [2, 2], 'count-selected': [1, 1], 'selected-at': [2, 2], 'count-non-empty': [1, 1],
  'string-length': [0, 1], 'regex': [2, 2], 'contains': [2, 2], 'starts-with': [2, 2],
  'ends-with': [2, 2], 'concat': [0, Infinity], 'substr': [2, 3], 'substring': [2, 3],
  'substring-before': [2, 2], 'substring-after': [2, 2], 'translate': [3, 3], 'normalize-space': [0, 1],
  'if': [3, 3], 'not': [1, 1], 'true': [0, 0], 'false': [0, 0], 'boolean': [1, 1],
  'boolean-from-string': [1, 1], 'number': [1, 1], 'string': [1, 1], 'int': [1, 1],
  'round': [1, 2], 'floor': [1, 1], 'ceiling': [1, 1], 'abs': [1, 1], 'pow': [2, 2], 'log': [1, 1],
  'log10': [1, 1], 'exp': [1, 1], 'exp10': [1, 1], 'sqrt': [1, 1], 'sin': [1, 1], 'cos': [1, 1],
  'tan': [1, 1], 'asin': [1, 1], 'acos': [1, 1], 'atan': [1, 1], 'atan2': [2, 2], 'pi': [0, 0],
  'random': [0, 0], 'uuid': [0, 1], 'today': [0, 0], 'now': [0, 0], 'date': [1, 1],
  'date-time': [1, 1], 'decimal-date-time': [1, 1], 'decimal-time': [1, 1], 'format-date': [2, 2],
  'format-date-time': [2, 2], 'coalesce': [2, 2], 'sum': [1, 1], 'count': [1, 1],
  'min': [1, Infinity], 'max': [1, Infinity], 'join': [2, 2], 'checklist': [2, Infinity],
  'weighted-checklist': [2, Infinity], 'area': [1, 1], 'distance': [1, 1], 'once': [1, 1],
  'indexed-repeat': [3, 7], 'position': [0, 0], 'pulldata': [4, 4], 'jr:choice-name': [2, 2],
  'digest': [2, 3], 'randomize': [1, 2],
};

/**
 * Why an expression was refused; `at` is the 1-based character position, and `function`,
 * `min`, `max`, `path`, `pattern` or `algorithm` say more, as expr.rs `ExprError` does.
 */
export class ExprError extends Error {
  constructor(kind, at, extra = {}) {
    super(`${kind} at character ${at}`);
    this.name = 'ExprError';
    Object.assign(this, { kind, at }, extra);
  }
}

const isWhite = (c) => /\p{White_Space}/u.test(c);
const isNameStart = (c) => c === '_' || /\p{Alphabetic}/u.test(c);
const isNameChar = (c) => /[\p{Alphabetic}\p{N}_\-.:]/u.test(c);
const isDigit = (c) => c >= '0' && c <= '9';

function lex(src) {
  const chars = [...src];
  const out = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i];
    const at = i + 1;
    if (isWhite(c)) { i += 1; continue; }
    let tok;
    if (c === '$' && chars[i + 1] === '{') {
      const end = chars.indexOf('}', i);
      if (end < 0) throw new ExprError('syntax', at);
      const name = chars.slice(i + 2, end).join('').trim();
      if (!name || ![...name].every(isNameChar)) throw new ExprError('syntax', at + 2);
      i = end + 1;
      tok = { t: 'ref', v: name };
    } else if (c === "'" || c === '"') {
      const end = chars.indexOf(c, i + 1);
      if (end < 0) throw new ExprError('syntax', at);
      tok = { t: 'text', v: chars.slice(i + 1, end).join('') };
      i = end + 1;
    } else if (isDigit(c) || (c === '.' && isDigit(chars[i + 1] ?? ''))) {
      const start = i;
      while (i < chars.length && (isDigit(chars[i]) || chars[i] === '.')) i += 1;
      const n = parseRustFloat(chars.slice(start, i).join(''));
      tok = n === null ? { t: 'other' } : { t: 'num', v: n };
    } else if (c === '.' && chars[i + 1] === '.') {
      i += 2;
      tok = { t: '..' };
    } else if (isNameStart(c)) {
      const start = i;
      while (i < chars.length && isNameChar(chars[i])) i += 1;
      tok = { t: 'name', v: chars.slice(start, i).join('') };
    } else {
      const two = c + (chars[i + 1] ?? '');
      if (two === '!=' || two === '<=' || two === '>=') {
        tok = { t: two };
        i += 2;
      } else if ('./(),+-*|=<>'.includes(c)) {
        tok = { t: c };
        i += 1;
      } else {
        throw new ExprError('syntax', at);
      }
    }
    tok.at = at;
    out.push(tok);
  }
  return out;
}

/** Compiles a regex() pattern (Rust regex syntax, close enough: `(?i)` prefix handled). */
function compilePattern(pattern) {
  let flags = 'u';
  let p = pattern;
  if (p.startsWith('(?i)')) { flags += 'i'; p = p.slice(4); }
  try { return new RegExp(p, flags); } catch { /* try without the Unicode flag */ }
  try { return new RegExp(p, flags.replace('u', '')); } catch { return null; }
}

class Parser {
  constructor(toks, end, dialect) { Object.assign(this, { toks, pos: 0, end, dialect, refused: [] }); }
  peek() { return this.toks[this.pos]?.t; }
  at() { return this.toks[this.pos]?.at ?? this.end; }
  word(w) { const t = this.toks[this.pos]; return t?.t === 'name' && t.v === w; }
  expect(t) { if (this.peek() !== t) throw new ExprError('syntax', this.at()); this.pos += 1; }
  chain(next, ops) {
    let left = next();
    for (;;) {
      const tok = this.toks[this.pos];
      const op = tok && (tok.t === 'name' ? ops[`w:${tok.v}`] : ops[tok.t]);
      if (!op) return left;
      this.pos += 1;
      left = { t: 'bin', op, a: left, b: next() };
    }
  }
  or() { return this.chain(() => this.and(), { 'w:or': 'or' }); }
  and() { return this.chain(() => this.equality(), { 'w:and': 'and' }); }
  equality() { return this.chain(() => this.relational(), { '=': 'eq', '!=': 'ne' }); }
  relational() { return this.chain(() => this.additive(), { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' }); }
  additive() { return this.chain(() => this.multiplicative(), { '+': 'add', '-': 'sub' }); }
  multiplicative() { return this.chain(() => this.unary(), { '*': 'mul', 'w:div': 'div', 'w:mod': 'mod' }); }
  unary() {
    if (this.peek() === '-') { this.pos += 1; return { t: 'neg', a: this.unary() }; }
    const primary = this.primary();
    if (this.peek() === '/' || this.peek() === '|') throw new ExprError('unsupported-path', this.at(), { path: '/' });
    return primary;
  }
  /** The rest of a path after its start: `/name`, `/..` or `/.` steps (expr.rs `steps`). */
  steps(absolute, steps) {
    while (this.peek() === '/') {
      this.pos += 1;
      const tok = this.toks[this.pos];
      if (!tok) throw new ExprError('syntax', this.at());
      this.pos += 1;
      if (tok.t === 'name' && !tok.v.includes(':') && this.peek() !== '(') steps.push({ t: 'child', v: tok.v });
      else if (tok.t === '..') steps.push({ t: 'parent' });
      else if (tok.t !== '.') throw new ExprError('unsupported-path', tok.at, { path: pathText(absolute, steps) });
    }
    return { t: 'path', absolute, steps };
  }
  primary() {
    const tok = this.toks[this.pos];
    if (!tok) throw new ExprError('syntax', this.at());
    this.pos += 1;
    const { at } = tok;
    switch (tok.t) {
      case 'num': return { t: 'num', v: tok.v };
      case 'text': return { t: 'text', v: tok.v };
      case 'ref': return { t: 'ref', v: tok.v };
      case '.':
        if (this.peek() === '/' && this.dialect === 'choice_filter') throw new ExprError('unsupported-path', at, { path: './' });
        return this.peek() === '/' ? this.steps(false, []) : { t: 'current' };
      case '..':
        // In a choice filter, relative to the choice being filtered: not a question.
        if (this.dialect === 'choice_filter') throw new ExprError('unsupported-path', at, { path: '..' });
        return this.steps(false, [{ t: 'parent' }]);
      case '/': {
        const root = this.toks[this.pos];
        if (root?.t !== 'name') throw new ExprError('unsupported-path', at, { path: '/' });
        this.pos += 1;
        return this.steps(true, [{ t: 'child', v: root.v }]);
      }
      case '(': { const inner = this.or(); this.expect(')'); return inner; }
      case 'name': {
        const next = this.toks.slice(this.pos, this.pos + 3).map((t) => t.t).join(' ');
        if (tok.v === 'current' && next.startsWith('( )')) {
          // current(): the question evaluated, also inside a choice filter.
          this.pos += 2;
          return this.peek() === '/' ? this.steps(false, []) : { t: 'current' };
        }
        if (tok.v === 'position' && next === '( .. )') {
          // position(..): the number of the repeat instance being evaluated.
          this.pos += 3;
          return { t: 'call', f: 'position', args: [] };
        }
        if (this.peek() !== '(' && tok.v === 'null') return { t: 'text', v: '' };
        if (this.peek() !== '(') {
          if ((this.dialect === 'choice_filter' || this.dialect === 'stored') && !tok.v.includes(':')) return { t: 'column', v: tok.v };
          throw new ExprError('unsupported-path', at, { path: tok.v });
        }
        this.pos += 1;
        const args = [];
        if (this.peek() !== ')') {
          for (;;) {
            args.push(this.or());
            if (this.peek() === ',') this.pos += 1; else break;
          }
        }
        this.expect(')');
        // A refused function is noted and parsing goes on, so every one is reported.
        const arity = Object.hasOwn(FUNCTIONS, tok.v) ? FUNCTIONS[tok.v] : null;
        if (!arity) {
          this.refused.push(new ExprError('unsupported-function', at, { function: tok.v }));
          return { t: 'text', v: '' };
        }
        const [min, max] = arity;
        if (args.length < min || args.length > max) {
          this.refused.push(new ExprError('arity', at, { function: tok.v, min, max }));
          return { t: 'text', v: '' };
        }
        if (tok.v === 'regex' && args[1].t === 'text' && !compilePattern(args[1].v)) {
          this.refused.push(new ExprError('bad-pattern', at, { pattern: args[1].v }));
        }
        if (tok.v === 'digest' && args[1].t === 'text' && !digestAlgorithm(args[1].v)) {
          this.refused.push(new ExprError('unknown-algorithm', at, { function: tok.v, algorithm: args[1].v }));
        }
        return { t: 'call', f: tok.v, args };
      }
      default: throw new ExprError('syntax', at);
    }
  }
}

/** A path as written back: `/data/x`, `../x`, `..` (expr.rs `path_text`). */
export function pathText(absolute, steps) {
  const joined = steps.map((s) => (s.t === 'parent' ? '..' : s.v)).join('/');
  if (absolute) return `/${joined}`;
  if (!steps.length) return '.';
  return steps[0].t === 'child' ? `./${joined}` : joined;
}

/**
 * Where a path leads from the question `context` inside the groups and repeats `ancestors`
 * (outermost first): the names from the root down, or null above the root (expr.rs
 * `follow_path`). An absolute path's root step is dropped unchecked.
 */
export function followPath(absolute, steps, ancestors, context) {
  const chain = absolute ? [] : [...ancestors, context];
  for (const step of absolute ? steps.slice(1) : steps) {
    if (step.t === 'parent') { if (!chain.length) return null; chain.pop(); } else chain.push(step.v);
  }
  return chain;
}

/**
 * Parses an expression. `dialect` is `question` (no bare names), `stored` (what a stored form holds) or `choice_filter` (bare
 * names read the columns of the choice being filtered). Throws an ExprError.
 */
export function parse(source, dialect = 'question') {
  const { ast, errors } = parseAll(source, dialect);
  if (errors.length) throw errors[0];
  return ast;
}

/** Curly quotes (from word processors) as straight ones, as pyxform reads them. */
export const normaliseQuotes = (source) => source.replace(/[\u2018\u2019]/gu, "'").replace(/[\u201C\u201D]/gu, '"');

/**
 * Parses and reports every refused function (or the one syntax error): `{ast, errors}`, as
 * expr.rs `Expr::parse_all`.
 */
export function parseAll(source, dialect = 'question') {
  source = normaliseQuotes(source);
  let toks;
  try { toks = lex(source); } catch (e) { return { ast: null, errors: [e] }; }
  const end = [...source].length + 1;
  if (toks.length === 0) return { ast: null, errors: [new ExprError('syntax', 1)] };
  const parser = new Parser(toks, end, dialect);
  let ast = null;
  let syntax = null;
  try {
    ast = parser.or();
    if (parser.pos < toks.length) syntax = new ExprError('syntax', parser.at());
  } catch (e) {
    if (!(e instanceof ExprError)) throw e;
    syntax = e;
  }
  if (syntax) return { ast: null, errors: [...parser.refused, syntax].sort((a, b) => a.at - b.at) };
  return { ast: parser.refused.length ? null : ast, errors: parser.refused };
}

const cache = new Map();
/**
 * A stored form expression, parsed once, in the dialect of stored forms (bare names read
 * choice columns, relative paths are taken), as in serde: the importer checked each in its
 * own column.
 */
function compiled(source) {
  let ast = cache.get(source);
  if (!ast) { ast = parse(source, 'stored'); cache.set(source, ast); }
  return ast;
}

// ---------------------------------------------------------------------------------------------
// Values (expr.rs `Value`): {t: 'text'|'num'|'bool'|'date'|'datetime'|'list', v}
// A date is days since 1970-01-01; a date-time is whole seconds since 1970-01-01T00:00:00.

const DAY = 86400;
export const text = (v) => ({ t: 'text', v });
export const num = (v) => ({ t: 'num', v });
const bool = (v) => ({ t: 'bool', v });
const EMPTY = text('');

/** Rust's `str::parse::<f64>`: null when it is not a number. */
function parseRustFloat(s) {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (!m) return null;
  if (m[2].toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

function daysFromCivil(y, m, d) {
  const t = Date.UTC(2000, m - 1, d);
  const date = new Date(t);
  date.setUTCFullYear(y);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return Math.round(date.getTime() / 1000 / DAY);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

function formatDays(days) {
  const d = new Date(days * DAY * 1000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function formatSeconds(secs) {
  const days = Math.floor(secs / DAY);
  const rest = secs - days * DAY;
  return `${formatDays(days)}T${formatTimeOfDay(rest)}`;
}

function formatTimeOfDay(secs) {
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor((secs % 3600) / 60))}:${pad(Math.floor(secs % 60))}`;
}

/** `YYYY-MM-DD` (exactly) → days, or null. */
function parseDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m ? daysFromCivil(+m[1], +m[2], +m[3]) : null;
}

/** expr.rs `as_date`: a date, or the date at the start of a date-time. */
function asDate(s) {
  if (s.length < 10) return null;
  const rest = s.slice(10);
  if (!(rest === '' || rest.startsWith('T') || rest.startsWith(' '))) return null;
  return parseDate(s.slice(0, 10));
}

/** expr.rs `format_number`: `3`, `2.5`, `NaN`, `Infinity`, never an exponent. */
export function formatNumber(n) {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n === 0 ? 0 : n);
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[2] + (m[3] ?? '');
  const exp = Number(m[4]);
  if (exp < 0) return `${m[1]}0.${'0'.repeat(-exp - 1)}${digits}`;
  return m[1] + digits + '0'.repeat(Math.max(0, exp + 1 - digits.length));
}

export function truthy(v) {
  switch (v.t) {
    case 'text': return v.v !== '';
    case 'num': return v.v !== 0 && !Number.isNaN(v.v);
    case 'bool': return v.v;
    case 'date': case 'datetime': return true;
    default: return v.v.length > 0;
  }
}

export function toNumber(v) {
  switch (v.t) {
    case 'text': {
      const s = v.v.trim();
      const n = parseRustFloat(s);
      if (n !== null) return n;
      const d = asDate(s);
      return d === null ? NaN : d;
    }
    case 'num': return v.v;
    case 'bool': return v.v ? 1 : 0;
    case 'date': return v.v;
    case 'datetime': return v.v / DAY;
    default: return v.v.length ? toNumber(v.v[0]) : NaN;
  }
}

export function toText(v) {
  switch (v.t) {
    case 'text': return v.v;
    case 'num': return formatNumber(v.v);
    case 'bool': return String(v.v);
    case 'date': return formatDays(v.v);
    case 'datetime': return formatSeconds(v.v);
    default: return v.v.length ? toText(v.v[0]) : '';
  }
}

function toDate(v) {
  switch (v.t) {
    case 'date': return v.v;
    case 'datetime': return Math.floor(v.v / DAY);
    case 'text': return asDate(v.v.trim());
    case 'num': return Number.isFinite(v.v) ? Math.floor(v.v) : null;
    default: return null;
  }
}

const items = (v) => (v.t === 'list' ? v.v : [v]);
const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);

/** expr.rs `compare`. */
function compare(op, a, b) {
  if (a.t === 'list') return a.v.some((item) => compare(op, item, b));
  if (b.t === 'list') return b.v.some((item) => compare(op, a, item));
  const datelike = (v) => v.t === 'date' || v.t === 'datetime';
  let ord = null;
  const numeric = () => {
    const x = toNumber(a);
    const y = toNumber(b);
    return Number.isNaN(x) || Number.isNaN(y) ? null : cmp(x, y);
  };
  if (datelike(a) || datelike(b)) {
    if (a.t === 'datetime' || b.t === 'datetime') ord = numeric();
    else {
      const x = toDate(a);
      const y = toDate(b);
      ord = x === null || y === null ? null : cmp(x, y);
    }
  } else if (op === 'eq' || op === 'ne') {
    if (a.t === 'bool' || b.t === 'bool') ord = cmp(truthy(a), truthy(b));
    else if (a.t === 'num' || b.t === 'num') ord = numeric();
    else ord = cmp(toText(a), toText(b));
  } else {
    const x = toNumber(a);
    const y = toNumber(b);
    if (a.t === 'text' && b.t === 'text' && Number.isNaN(x) && Number.isNaN(y) && a.v !== '' && b.v !== '') {
      ord = cmp(a.v, b.v);
    } else {
      ord = numeric();
    }
  }
  switch (op) {
    case 'eq': return ord === 0;
    case 'ne': return ord !== 0;
    case 'lt': return ord === -1;
    case 'le': return ord === -1 || ord === 0;
    case 'gt': return ord === 1;
    default: return ord === 1 || ord === 0;
  }
}

/**
 * Evaluates a syntax tree (or expression text) against an env
 * `{reference(name), current(), choiceColumn(name)}` at the moment `ctx`.
 */
export function evaluate(ast, env, ctx = {}) {
  if (typeof ast === 'string') ast = parse(ast, 'stored');
  return evalAst(ast, env, clock(ctx));
}

function evalAst(ast, env, ctx) {
  switch (ast.t) {
    case 'num': return num(ast.v);
    case 'text': return text(ast.v);
    case 'ref': return env.reference(ast.v);
    case 'current': return env.current();
    case 'column': return env.choiceColumn ? env.choiceColumn(ast.v) : EMPTY;
    case 'path': return env.path ? env.path(ast.absolute, ast.steps) : EMPTY;
    case 'neg': return num(-toNumber(evalAst(ast.a, env, ctx)));
    case 'bin': {
      if (ast.op === 'or') return bool(truthy(evalAst(ast.a, env, ctx)) || truthy(evalAst(ast.b, env, ctx)));
      if (ast.op === 'and') return bool(truthy(evalAst(ast.a, env, ctx)) && truthy(evalAst(ast.b, env, ctx)));
      const x = evalAst(ast.a, env, ctx);
      const y = evalAst(ast.b, env, ctx);
      switch (ast.op) {
        case 'add': return num(toNumber(x) + toNumber(y));
        case 'sub': return num(toNumber(x) - toNumber(y));
        case 'mul': return num(toNumber(x) * toNumber(y));
        case 'div': return num(toNumber(x) / toNumber(y));
        case 'mod': return num(toNumber(x) % toNumber(y));
        default: return bool(compare(ast.op, x, y));
      }
    }
    default: return call(ast.f, ast.args, env, ctx);
  }
}

function call(f, args, env, ctx) {
  const arg = (i) => evalAst(args[i], env, ctx);
  const str = (i) => toText(arg(i));
  const words = (v) => toText(v).split(/\s+/u).filter(Boolean);
  switch (f) {
    case 'selected': { const wanted = str(1).trim(); return bool(words(arg(0)).includes(wanted)); }
    case 'count-selected': return num(words(arg(0)).length);
    case 'count-non-empty': return num(items(arg(0)).filter((v) => toText(v) !== '').length);
    case 'selected-at': {
      const index = toNumber(arg(1));
      const all = words(arg(0));
      const picked = Number.isFinite(index) && index >= 0 ? all[Math.floor(index)] : undefined;
      return text(picked ?? '');
    }
    case 'string-length': return num([...(args.length ? str(0) : toText(env.current()))].length);
    case 'regex': { const re = compilePattern(str(1)); return bool(re ? re.test(str(0)) : false); }
    case 'contains': return bool(str(0).includes(str(1)));
    case 'starts-with': return bool(str(0).startsWith(str(1)));
    case 'ends-with': return bool(str(0).endsWith(str(1)));
    case 'concat': return text(args.map((_, i) => items(arg(i)).map(toText).join('')).join(''));
    case 'substr': {
      const s = [...str(0)];
      const start = toNumber(arg(1));
      const end = args.length === 3 ? toNumber(arg(2)) : s.length;
      if (!Number.isFinite(start) || !Number.isFinite(end)) return EMPTY;
      const from = Math.min(Math.floor(Math.max(start, 0)), s.length);
      const to = Math.max(Math.min(Math.floor(Math.max(end, 0)), s.length), from);
      return text(s.slice(from, to).join(''));
    }
    case 'substring': {
      const first = xpathRound(toNumber(arg(1)));
      const last = args.length === 3 ? first + xpathRound(toNumber(arg(2))) : Infinity;
      return text([...str(0)].filter((_, i) => i + 1 >= first && i + 1 < last).join(''));
    }
    case 'substring-before': { const s = str(0); const i = s.indexOf(str(1)); return text(i < 0 ? '' : s.slice(0, i)); }
    case 'substring-after': {
      const s = str(0);
      const t = str(1);
      const i = s.indexOf(t);
      return text(i < 0 ? '' : s.slice(i + t.length));
    }
    case 'translate': {
      const from = [...str(1)];
      const to = [...str(2)];
      return text([...str(0)].map((c) => { const i = from.indexOf(c); return i < 0 ? c : (to[i] ?? ''); }).join(''));
    }
    case 'normalize-space': return text((args.length ? str(0) : toText(env.current())).split(/\s+/u).filter(Boolean).join(' '));
    case 'if': return truthy(arg(0)) ? arg(1) : arg(2);
    case 'not': return bool(!truthy(arg(0)));
    case 'true': return bool(true);
    case 'false': return bool(false);
    case 'boolean': return bool(truthy(arg(0)));
    case 'boolean-from-string': { const s = str(0); return bool(s === 'true' || s === '1'); }
    case 'number': return num(toNumber(arg(0)));
    case 'string': return text(str(0));
    case 'int': return num(Math.trunc(toNumber(arg(0))));
    case 'round': {
      const n = toNumber(arg(0));
      const places = args.length === 2 ? toNumber(arg(1)) : 0;
      const scale = 10 ** (Number.isFinite(places) ? Math.trunc(places) : 0);
      return num(Math.floor(n * scale + 0.5) / scale);
    }
    case 'floor': return num(Math.floor(toNumber(arg(0))));
    case 'ceiling': return num(Math.ceil(toNumber(arg(0))));
    case 'abs': return num(Math.abs(toNumber(arg(0))));
    case 'pow': { const x = toNumber(arg(0)); return num(x === 1 ? 1 : x ** toNumber(arg(1))); }
    case 'log': return num(Math.log(toNumber(arg(0))));
    case 'log10': return num(Math.log10(toNumber(arg(0))));
    case 'exp': return num(Math.exp(toNumber(arg(0))));
    case 'exp10': return num(10 ** toNumber(arg(0)));
    case 'sqrt': return num(Math.sqrt(toNumber(arg(0))));
    case 'sin': return num(Math.sin(toNumber(arg(0))));
    case 'cos': return num(Math.cos(toNumber(arg(0))));
    case 'tan': return num(Math.tan(toNumber(arg(0))));
    case 'asin': return num(Math.asin(toNumber(arg(0))));
    case 'acos': return num(Math.acos(toNumber(arg(0))));
    case 'atan': return num(Math.atan(toNumber(arg(0))));
    case 'atan2': return num(Math.atan2(toNumber(arg(0)), toNumber(arg(1))));
    case 'pi': return num(Math.PI);
    case 'random': return num(Math.random());
    case 'uuid': {
      if (!args.length) return text(uuid4());
      const n = toNumber(arg(0));
      const length = Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 1000) : 0;
      const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
      const bytes = randomBytes(length);
      return text([...bytes].map((b) => alphabet[b % alphabet.length]).join(''));
    }
    case 'date-time': {
      const v = arg(0);
      if (v.t === 'datetime') return v;
      if (v.t === 'date') return { t: 'datetime', v: v.v * DAY };
      if (v.t === 'text') { const dt = asDateTime(v.v.trim()); return dt === null ? EMPTY : { t: 'datetime', v: dt }; }
      const secs = fromDays(toNumber(v));
      return secs === null ? EMPTY : { t: 'datetime', v: secs };
    }
    case 'decimal-date-time': {
      const v = arg(0);
      if (v.t === 'text') { const dt = asDateTime(v.v.trim()); return num(dt === null ? NaN : dt / DAY); }
      return num(toNumber(v));
    }
    case 'decimal-time': { const t = parseTime(str(0).trim()); return num(t ? t.secs / DAY : NaN); }
    case 'format-date': case 'format-date-time': {
      const v = arg(0);
      let secs;
      if (v.t === 'datetime') secs = v.v;
      else if (v.t === 'date') secs = v.v * DAY;
      else if (v.t === 'text') secs = asDateTime(v.v.trim());
      else secs = fromDays(toNumber(v));
      return secs === null || secs === undefined ? EMPTY : text(formatDate(secs, str(1)));
    }
    case 'checklist': {
      const [min, max] = [toNumber(arg(0)), toNumber(arg(1))];
      const count = args.slice(2).flatMap((_, i) => items(arg(i + 2))).filter(truthy).length;
      return bool((min < 0 || count >= min) && (max < 0 || count <= max));
    }
    case 'weighted-checklist': {
      const [min, max] = [toNumber(arg(0)), toNumber(arg(1))];
      const rest = args.slice(2).flatMap((_, i) => items(arg(i + 2)));
      let sum = 0;
      for (let i = 0; i < rest.length; i += 2) if (truthy(rest[i])) sum += rest[i + 1] ? toNumber(rest[i + 1]) : 0;
      return bool((min < 0 || sum >= min) && (max < 0 || sum <= max));
    }
    case 'area': { const p = geoPoints(str(0)); return num(p ? area(p) : NaN); }
    case 'distance': { const p = geoPoints(str(0)); return num(p ? distance(p) : NaN); }
    case 'once': return arg(0);
    case 'indexed-repeat': {
      if (args[0].t !== 'ref') return EMPTY;
      const at = [];
      for (let i = 1; i < args.length; i += 2) {
        if (args[i].t !== 'ref' || i + 1 >= args.length) return EMPTY;
        const index = toNumber(arg(i + 1));
        if (!Number.isFinite(index) || index < 1) return EMPTY;
        at.push([args[i].v, Math.floor(index)]);
      }
      return env.indexed ? env.indexed(args[0].v, at) : EMPTY;
    }
    case 'position': return env.position ? env.position() : EMPTY;
    case 'randomize': {
      const seed = args.length > 1 ? javaLong(toNumber(arg(1)))
        : new DataView(randomBytes(8).buffer).getBigInt64(0);
      return { t: 'list', v: shuffled(items(arg(0)), seed) };
    }
    case 'digest': return text(digest(str(0), str(1), args.length > 2 ? str(2) : 'base64'));
    case 'pulldata': return env.pulldata ? env.pulldata(str(0), str(1), str(2), str(3)) : EMPTY;
    case 'jr:choice-name': {
      let q = str(1).trim();
      if (q.startsWith('${') && q.endsWith('}')) q = q.slice(2, -1);
      q = q.split('/').pop().trim();
      return env.choiceName ? env.choiceName(str(0).trim(), q) : EMPTY;
    }
    case 'today': return { t: 'date', v: ctx.today };
    case 'now': return { t: 'datetime', v: ctx.now };
    case 'date': {
      const v = arg(0);
      if (v.t === 'datetime') return { t: 'date', v: Math.floor(v.v / DAY) };
      const d = toDate(v);
      return d === null ? EMPTY : { t: 'date', v: d };
    }
    case 'coalesce': { const first = arg(0); return toText(first) === '' ? arg(1) : first; }
    case 'sum': return num(items(arg(0)).reduce((s, v) => s + toNumber(v), 0));
    case 'count': {
      const v = arg(0);
      if (v.t === 'list') return num(v.v.length);
      return num(toText(v) === '' ? 0 : 1);
    }
    case 'min': case 'max': {
      const ns = args.flatMap((_, i) => items(arg(i))).map(toNumber);
      if (!ns.length || ns.some(Number.isNaN)) return num(NaN);
      return num(f === 'min' ? Math.min(...ns) : Math.max(...ns));
    }
    case 'join': { const sep = str(0); return text(items(arg(1)).map(toText).join(sep)); }
    default: throw new Error(`unknown function ${f}`);
  }
}

const xpathRound = (n) => Math.floor(n + 0.5);

/** A number as Java's `(long)` makes it (expr.rs `java_long`): truncated, 0 if not finite. */
function javaLong(n) {
  if (!Number.isFinite(n)) return 0n;
  const t = BigInt(Math.trunc(n));
  const max = (1n << 63n) - 1n;
  return t > max ? max : t < -max - 1n ? -max - 1n : t;
}

/**
 * The choices of a select in the order it shows them: as listed, or, with the XLSForm
 * parameter `randomize=true`, shuffled as `randomize()` shuffles (`seed` is the value of its
 * `seed=` parameter, a number or a question's answer; without one the order is random).
 */
export function choiceOrder(item, choices, seed) {
  if (String(item.parameters?.randomize ?? '').toLowerCase() !== 'true') return choices;
  const given = seed !== undefined && seed !== null && String(seed).trim() !== '';
  return shuffled(choices, given ? javaLong(toNumber(text(String(seed)))) : new DataView(randomBytes(8).buffer).getBigInt64(0));
}

/**
 * `randomize()` with a seed, as JavaRosa and Enketo shuffle (expr.rs `shuffled`): the
 * "inside-out" Fisher–Yates, each index drawn from the Park–Miller generator (state times
 * 16807 modulo 2^31 - 1; products stay below 2^53, so Numbers are exact) seeded with `seed`.
 */
function shuffled(list, seed) {
  const M = 2147483647;
  let state = Number(seed % BigInt(M));
  if (state <= 0) state += M - 1;
  const nextFloat = () => {
    state = (state * 16807) % M;
    return (state - 1) / (M - 1);
  };
  const out = [];
  list.forEach((item, i) => {
    const j = Math.min(Math.floor(nextFloat() * (i + 1)), i);
    if (j !== i) out[i] = out[j];
    out[j] = item;
  });
  return out;
}

function randomBytes(n) {
  const bytes = new Uint8Array(n);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

function uuid4() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Days (with a fraction) since 1970 as whole seconds, or null (expr.rs `from_days`). */
function fromDays(days) {
  if (!Number.isFinite(days) || Math.abs(days) > 3000000) return null;
  return Math.round(days * DAY);
}

/** A date or date-time text as seconds since 1970 (expr.rs `as_datetime`), or null. */
function asDateTime(s) {
  const d = asDate(s);
  if (d === null) return null;
  if (s.length === 10) return d * DAY;
  const t = parseTime(s.slice(11));
  return t ? d * DAY + Math.floor(t.secs) : null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** format-date()'s directives (expr.rs `format_date`). */
function formatDate(secs, format) {
  const d = new Date(secs * 1000);
  const parts = {
    Y: pad(d.getUTCFullYear(), 4), y: pad(((d.getUTCFullYear() % 100) + 100) % 100), m: pad(d.getUTCMonth() + 1),
    n: String(d.getUTCMonth() + 1), b: MONTHS[d.getUTCMonth()], d: pad(d.getUTCDate()), e: String(d.getUTCDate()),
    a: WEEKDAYS[d.getUTCDay()], H: pad(d.getUTCHours()), h: String(d.getUTCHours()), M: pad(d.getUTCMinutes()),
    S: pad(d.getUTCSeconds()), 3: pad(d.getUTCMilliseconds(), 3), '%': '%',
  };
  const chars = [...format];
  let out = '';
  for (let i = 0; i < chars.length; i += 1) {
    if (chars[i] !== '%') { out += chars[i]; continue; }
    const next = chars[i + 1];
    i += 1;
    if (next === undefined) out += '%';
    else if (Object.hasOwn(parts, next)) out += parts[next];
    else out += `%${next}`;
  }
  return out;
}

/** The (latitude, longitude) points of a location answer, or null (expr.rs `geo_points`). */
export function geoPoints(s) {
  const points = [];
  for (const point of s.split(';').map((p) => p.trim()).filter(Boolean)) {
    const parts = point.split(/\s+/u).map(parseRustFloat);
    if (parts.length < 2 || parts[0] === null || parts[1] === null) return null;
    points.push([parts[0], parts[1]]);
  }
  return points.length ? points : null;
}

const EARTH_RADIUS = 6378100;
const radians = (deg) => (deg * Math.PI) / 180;

function distance(points) {
  let total = 0;
  for (let i = 1; i < points.length; i += 1) {
    const [a, b] = [points[i - 1], points[i]];
    const [p1, p2] = [radians(a[0]), radians(b[0])];
    const dl = radians(b[1] - a[1]);
    const h = Math.sin((p2 - p1) / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
    total += 2 * EARTH_RADIUS * Math.asin(Math.sqrt(h));
  }
  return total;
}

function area(points) {
  if (points.length < 3) return 0;
  let total = 0;
  for (let i = 0; i < points.length; i += 1) {
    const [a, b] = [points[i], points[(i + 1) % points.length]];
    total += radians(b[1] - a[1]) * (2 + Math.sin(radians(a[0])) + Math.sin(radians(b[0])));
  }
  return Math.abs((total * EARTH_RADIUS * EARTH_RADIUS) / 2);
}

/**
 * The value a question starts with: its `default` as written, or, when the default reads
 * answers or calls a function (`today()`, `${other}`), computed when the form opens from the
 * answers given so far (`values`, name → text). A time question keeps a date-time's time.
 */
export function defaultValue(item, values = {}, ctx = {}) {
  const d = item.default;
  if (d === null || d === undefined) return undefined;
  if (!(d.includes('${') || d.includes('('))) return d;
  let ast;
  try { ast = parse(d); } catch { return d; }
  const env = { reference: (name) => text(values[name] ?? ''), current: () => EMPTY };
  const v = toText(evalAst(ast, env, clock(ctx)));
  return item.kind.type === 'time' && v.includes('T') ? v.slice(v.indexOf('T') + 1) : v;
}

/** The evaluation moment as numbers: `{today: days, now: seconds}`. */
function clock(ctx = {}) {
  if (typeof ctx.today === 'number' && typeof ctx.nowSeconds === 'number') return { today: ctx.today, now: ctx.nowSeconds };
  const d = new Date();
  const localNow = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = parseDate(ctx.today ?? localNow.slice(0, 10));
  const now = parseDateTime(ctx.now ?? (ctx.today ? `${ctx.today}T00:00:00` : localNow));
  return { today, now: now ? now.secs : today * DAY };
}

// ---------------------------------------------------------------------------------------------
// Answers (validate.rs): typed as {t: 'text'|'integer'|'decimal'|'choice'|'choices'|'date'|
// 'time'|'datetime'|'calculated'|'repeat', v, out}, `out` being the JSON the server returns.

function parseTime(s) {
  let cut = s.length;
  for (let i = 5; i < s.length; i += 1) if ('+-Z'.includes(s[i])) { cut = i; break; }
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(s.slice(0, cut));
  if (!m || +m[1] > 23 || +m[2] > 59 || (m[3] !== undefined && +m[3] > 60)) return null;
  const secs = +m[1] * 3600 + +m[2] * 60 + +(m[3] ?? 0);
  return { secs, out: formatTimeOfDay(secs) + fraction(m[4]) };
}

const fraction = (f) => (f && /[1-9]/.test(f) ? f.replace(/0+$/, '') : '');

function parseDateTime(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, sep, h, mi, sec, frac, offset] = m;
  if (offset !== undefined && sec === undefined) return null; // RFC 3339 needs the seconds
  if (offset === undefined && (sep === 't' || (sep === ' ' && frac !== undefined))) return null;
  const days = daysFromCivil(+y, +mo, +d);
  if (days === null || +h > 23 || +mi > 59 || +(sec ?? 0) > 59) return null;
  const secs = days * DAY + +h * 3600 + +mi * 60 + +(sec ?? 0);
  return { secs, out: formatSeconds(secs) + fraction(frac) };
}

/** serde_json's compact text of a JSON value, shortened to 60 characters. */
function short(value) {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  const chars = [...s];
  return chars.length > 60 ? `${chars.slice(0, 60).join('')}…` : s;
}

const problem = (code, args = {}) => ({ code, column: null, value: null, args });
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const choicesOf = (form, list) => form.choice_lists?.[list] ?? [];

/**
 * `pulldata(file, column, keyColumn, key)`: the `column` of the first row of the form's
 * uploaded `file.csv` (`form.files`) whose `keyColumn` is `key`; undefined when missing.
 */
export function pulldata(form, file, column, keyColumn, key) {
  const table = form.files?.[`${file}.csv`] ?? form.files?.[file];
  if (!table) return undefined;
  const at = table.columns.indexOf(column);
  const keyAt = table.columns.indexOf(keyColumn);
  if (at < 0 || keyAt < 0) return undefined;
  return table.rows.find((r) => r[keyAt] === key)?.[at];
}

/**
 * Whether a calculate is `once(…)`: its first non-empty value is kept, as JavaRosa keeps it
 * (expr.rs `Expr::is_once`). The app stores that value with the answers (`keepFirstValues`),
 * so it survives recomputation and reloads and is sent; the server takes it as sent.
 */
export function isOnce(item) {
  if (item.kind.type !== 'calculate' || !item.calculation) return false;
  const ast = compiled(item.calculation);
  return ast.t === 'call' && ast.f === 'once';
}

/** Whether the item has a `trigger`: its value is set when a trigger question changes. */
export const isTriggered = (item) => Array.isArray(item.trigger) && item.trigger.length > 0;

/**
 * Whether ODK shows the item (model.rs `Item::is_shown`): not a calculate, hidden or
 * metadata item, nor a question with a calculation or a trigger and no label or hint.
 */
export function isShown(item) {
  const type = item.kind.type;
  if (type === 'calculate' || type === 'hidden' || type === 'metadata') return false;
  if (type === 'group' || type === 'repeat') return true;
  const empty = (texts) => !texts || Object.keys(texts).length === 0;
  return !((item.calculation || isTriggered(item)) && empty(item.label) && empty(item.hint));
}

/**
 * Stores in `answers` (the raw answers, repeats as arrays of objects) the value of each
 * `once(…)` calculation that has none yet, from `calculations` (path → text, as `inspect`
 * gives them). Returns whether anything was stored.
 */
export function keepFirstValues(form, answers, calculations) {
  const index = indexItems(form.items);
  let stored = false;
  for (const [path, value] of calculations) {
    const { pos, name } = parsePath(path);
    const item = index.get(name)?.item;
    if (!item || !isOnce(item) || value === '') continue;
    let obj = answers;
    for (const [repeat, i] of pos) obj = Array.isArray(obj?.[repeat]) ? obj[repeat][i] : undefined;
    if (!isObject(obj) || (obj[name] !== undefined && obj[name] !== null && obj[name] !== '')) continue;
    obj[name] = value;
    stored = true;
  }
  return stored;
}

/** One answer typed by its item: an answer, null for no answer, or throws a problem. */
function parseAnswer(form, item, value) {
  const kind = item.kind.type;
  let s;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') s = value.trim();
  else if (typeof value === 'number') s = String(value);
  else if (typeof value === 'boolean') s = String(value);
  else if (Array.isArray(value) && kind === 'select_multiple') s = '';
  else throw problem('form-bad-answer');
  if (s === '' && !Array.isArray(value)) return null;
  const choice = (list, name) => {
    const choices = choicesOf(form, list);
    if (choices.some((c) => c.name === name)) return;
    const allowed = choices.slice(0, 20).map((c) => c.name).filter((n, i, a) => i === 0 || a[i - 1] !== n);
    if (choices.length > 20) allowed.push('…');
    throw problem('bad-choice', { allowed: allowed.join(', ') });
  };
  switch (kind) {
    case 'text': case 'metadata': case 'barcode': case 'hidden': {
      const v = typeof value === 'string' ? value : s;
      return { t: 'text', v, out: v };
    }
    case 'geopoint': case 'geotrace': case 'geoshape': {
      const v = geoAnswer(kind, s);
      return { t: 'text', v, out: v };
    }
    case 'media': {
      const bad = /[/\\]/u.test(s) || s.startsWith('.') || [...s].length > 255 || /\p{Cc}/u.test(s);
      if (bad) throw problem('form-bad-file-name');
      return { t: 'text', v: s, out: s };
    }
    case 'rank': {
      const names = [];
      for (const name of s.split(/\s+/u).filter(Boolean)) {
        try { choice(item.kind.list, name); } catch (p) { p.value = name; throw p; }
        if (names.includes(name)) { const p = problem('form-bad-rank'); p.value = name; throw p; }
        names.push(name);
      }
      return { t: 'choices', v: names, out: names };
    }
    case 'select_from_file': {
      const names = !item.kind.multiple ? [s]
        : Array.isArray(value) ? value.map((e) => (typeof e === 'string' ? e.trim() : JSON.stringify(e))) : s.split(/\s+/u).filter(Boolean);
      // Checked against the file's choices once the file is loaded (`file_lists`).
      const choices = form.file_lists?.[item.name];
      const bad = choices && names.find((n) => !choices.some((c) => c.name === n));
      if (bad !== undefined && bad !== false) {
        const p = problem('bad-choice', { allowed: choices.slice(0, 20).map((c) => c.name).join(', ') });
        p.value = bad;
        throw p;
      }
      return item.kind.multiple ? { t: 'choices', v: names, out: names } : { t: 'choice', v: s, out: s };
    }
    case 'select_external': {
      const choices = form.external_lists?.[item.kind.list];
      if (choices && !choices.some((c) => c.name === s)) {
        throw problem('bad-choice', { allowed: choices.slice(0, 20).map((c) => c.name).join(', ') });
      }
      return { t: 'choice', v: s, out: s };
    }
    case 'integer': {
      if (!/^[+-]?\d+$/.test(s)) throw problem('form-bad-integer');
      const big = BigInt(s);
      if (big > 9223372036854775807n || big < -9223372036854775808n) throw problem('form-bad-integer');
      return { t: 'integer', v: Number(big), out: Number(big) };
    }
    case 'decimal': case 'range': {
      const n = parseRustFloat(s);
      if (n === null || !Number.isFinite(n)) throw problem('bad-number');
      return { t: 'decimal', v: n, out: n };
    }
    case 'date': {
      const d = parseDate(s);
      if (d === null) throw problem('bad-date');
      return { t: 'date', v: d, out: formatDays(d) };
    }
    case 'time': {
      const time = parseTime(s);
      if (!time) throw problem('form-bad-time');
      return { t: 'time', v: time.secs, out: time.out };
    }
    case 'date_time': {
      const dt = parseDateTime(s);
      if (!dt) throw problem('form-bad-datetime');
      return { t: 'datetime', v: dt.secs, out: dt.out };
    }
    case 'select_one': {
      if (typeof value === 'boolean') throw problem('form-bad-answer');
      choice(item.kind.list, s);
      return { t: 'choice', v: s, out: s };
    }
    case 'select_multiple': {
      let names;
      if (Array.isArray(value)) {
        names = value.map((e) => {
          if (typeof e === 'string') return e.trim();
          if (typeof e === 'number') return String(e);
          throw problem('form-bad-answer');
        });
      } else if (typeof value === 'boolean') {
        throw problem('form-bad-answer');
      } else {
        names = s.split(/\s+/u);
      }
      const unique = [];
      for (const name of names.filter(Boolean)) {
        try { choice(item.kind.list, name); } catch (p) { p.value = name; throw p; }
        if (!unique.includes(name)) unique.push(name);
      }
      if (!unique.length) return null;
      return { t: 'choices', v: unique, out: unique };
    }
    case 'acknowledge':
      if (value === true) return { t: 'text', v: 'OK', out: 'OK' };
      if (value === false) return null;
      if (s.toLowerCase() === 'ok') return { t: 'text', v: 'OK', out: 'OK' };
      throw problem('form-bad-answer');
    case 'calculate':
      if (isOnce(item) || isTriggered(item)) return { t: 'calculated', v: typeof value === 'string' ? value : s, out: typeof value === 'string' ? value : s };
      throw problem('form-no-answer-expected');
    case 'note': throw problem('form-no-answer-expected');
    default: throw problem('form-bad-answer');
  }
}

/**
 * The text a calculation gives a question of this kind (validate.rs `computed_text`): a
 * number that is not finite is no value (null), and an integer question takes the whole part.
 */
export function computedText(kind, v) {
  let s;
  if (kind.type === 'integer' || kind.type === 'decimal' || kind.type === 'range') {
    const n = toNumber(v);
    if (!Number.isFinite(n)) return null;
    s = formatNumber(kind.type === 'integer' ? Math.trunc(n) : n);
  } else s = toText(v);
  return s === '' ? null : s;
}

/**
 * Questions with a calculation, as ODK Collect fills them: whenever what the calculation
 * reads changes, the question takes the calculation's value; in between, the respondent may
 * change it (unless it is read-only), and that change stays until an input changes again.
 * Like Collect, a value the respondent typed is overwritten when the inputs change: the
 * calculation is the form author's rule, the edit a correction of its current result.
 *
 * `seen` (path → the inputs' values at the last computation, kept by the caller across
 * changes) tells a change of the inputs from a change of the question itself. The first
 * time a question is seen (a new or reopened form), it is filled only when it has no value,
 * so that reopening a draft keeps what was typed. Sets the values in `answers` (raw
 * answers, repeats as arrays of objects) and returns the paths whose value changed.
 */
export function followCalculations(form, answers, seen, ctx = {}) {
  // Most forms have none: nothing to evaluate after each change then.
  const calculated = [...indexItems(form.items).values()]
    .some(({ item }) => isTriggered(item) || (item.calculation && !['calculate', 'note', 'group', 'repeat'].includes(item.kind.type)));
  if (!calculated) return [];
  const check = new Check(form, ctx);
  const root = check.run(isObject(answers) ? answers : {});
  const changed = [];
  const walk = (items, inst, object, pos, prefix) => {
    for (const item of items) {
      const type = item.kind.type;
      if (type === 'group') { walk(item.kind.items, inst, object, pos, prefix); continue; }
      if (type === 'repeat') {
        const a = inst.get(item.name);
        if (a?.t === 'repeat' && Array.isArray(object[item.name])) {
          a.v.forEach((sub, i) => isObject(object[item.name][i])
            && walk(item.kind.items, sub, object[item.name][i], [...pos, [item.name, i]], `${prefix}${item.name}[${i + 1}].`));
        }
        continue;
      }
      const path = prefix + item.name;
      if (isTriggered(item) && type !== 'note') {
        // A trigger question changed: the value is set now, and kept until one changes again.
        const scope = check.scope(root, pos, item.name);
        const key = JSON.stringify(item.trigger.map((name) => toText(scope.reference(name))));
        const before = seen.get(path);
        seen.set(path, key);
        if (before === undefined || before === key) continue;
        const computed = item.calculation ? evalAst(compiled(item.calculation), scope, check.ctx) : EMPTY;
        const value = (type === 'calculate' ? toText(computed) : computedText(item.kind, computed)) ?? '';
        const current = object[item.name];
        const empty = current === undefined || current === null || current === '';
        if ((empty && value === '') || String(current) === value) continue;
        object[item.name] = value;
        changed.push(path);
        continue;
      }
      if (!item.calculation || type === 'calculate' || type === 'note') continue;
      if (check.relevance.get(path) === false) continue;
      // The inputs: every value the calculation reads, recorded while it is evaluated.
      const scope = check.scope(root, pos, item.name);
      const inputs = [];
      const recording = {
        ...scope,
        reference: (name) => { const v = scope.reference(name); inputs.push([name, v]); return v; },
        path: (absolute, steps) => { const v = scope.path(absolute, steps); inputs.push([pathText(absolute, steps), v]); return v; },
      };
      const value = computedText(item.kind, evalAst(compiled(item.calculation), recording, check.ctx)) ?? '';
      const key = JSON.stringify(inputs);
      const before = seen.get(path);
      seen.set(path, key);
      const current = object[item.name];
      const empty = current === undefined || current === null || current === '';
      if (before === key || (before === undefined && !empty)) continue;
      if ((empty && value === '') || String(current) === value) continue;
      object[item.name] = value;
      changed.push(path);
    }
  };
  walk(form.items, root, isObject(answers) ? answers : {}, [], '');
  return changed;
}

/**
 * The repeat instance `index` (0-based) of the repeat at `path` deleted: what `seen` (as
 * `followCalculations` keeps it) knew of it is forgotten, and what it knew of the
 * instances after it moves down one, so that no instance takes another's inputs for a change.
 */
export function forgetInstance(seen, path, index) {
  const moved = [];
  for (const key of [...seen.keys()]) {
    if (!key.startsWith(`${path}[`)) continue;
    const m = /^\[(\d+)\]\./.exec(key.slice(path.length));
    if (!m) continue;
    const n = Number(m[1]);
    if (n < index + 1) continue;
    const value = seen.get(key);
    seen.delete(key);
    if (n > index + 1) moved.push([`${path}[${n - 1}].${key.slice(path.length + m[0].length)}`, value]);
  }
  for (const [key, value] of moved) seen.set(key, value);
}

/**
 * A location answer checked (validate.rs `geo_answer`): `latitude longitude [altitude
 * [accuracy]]` per point, points separated by `;`.
 */
export function geoAnswer(kind, s) {
  const points = [];
  for (const point of s.split(';').map((p) => p.trim()).filter(Boolean)) {
    const numbers = point.split(/\s+/u).map(parseRustFloat);
    if (numbers.some((n) => n === null || !Number.isFinite(n))) throw problem('form-bad-geopoint');
    const fits = numbers.length >= 2 && numbers.length <= 4 && numbers[0] >= -90 && numbers[0] <= 90
      && numbers[1] >= -180 && numbers[1] <= 180 && (numbers.length < 4 || numbers[3] >= 0);
    if (!fits) throw problem('form-bad-geopoint', { point });
    points.push(numbers);
  }
  const first = points[0];
  const last = points[points.length - 1];
  const closed = points.length > 0 && first[0] === last[0] && first[1] === last[1];
  if (kind === 'geopoint' && points.length !== 1) throw problem('form-bad-geopoint', { point: s });
  if (kind === 'geotrace' && points.length < 2) throw problem('form-bad-geotrace');
  if (kind === 'geoshape' && (points.length < 4 || !closed)) throw problem('form-bad-geoshape');
  return points.map((p) => p.map(formatNumber).join(' ')).join(';');
}

/** An answer as the expression language sees it (validate.rs `answer_value`). */
function answerValue(a) {
  if (!a) return EMPTY;
  switch (a.t) {
    case 'integer': case 'decimal': return num(a.v);
    case 'choices': return text(a.v.join(' '));
    case 'date': return { t: 'date', v: a.v };
    case 'time': return text(formatTimeOfDay(a.v));
    case 'datetime': return { t: 'datetime', v: a.v };
    case 'repeat': return { t: 'list', v: a.v.map((_, i) => num(i + 1)) };
    default: return text(a.v);
  }
}

/**
 * Where every item lives: name → {item, repeats, ancestors} (the repeats, and the groups and
 * repeats, around it, outermost first).
 */
function indexItems(items, repeats = [], index = new Map(), ancestors = []) {
  for (const item of items) {
    index.set(item.name, { item, repeats: [...repeats], ancestors: [...ancestors] });
    if (item.kind.type === 'group') indexItems(item.kind.items, repeats, index, [...ancestors, item.name]);
    if (item.kind.type === 'repeat') indexItems(item.kind.items, [...repeats, item.name], index, [...ancestors, item.name]);
  }
  return index;
}

/** The instance at a position `[[repeatName, index0], …]`, or null. */
function instanceAt(root, pos) {
  let inst = root;
  for (const [name, i] of pos) {
    const a = inst.get(name);
    if (!a || a.t !== 'repeat' || i >= a.v.length) return null;
    inst = a.v[i];
  }
  return inst;
}

/** The texts in a language: the wanted one, else the form's default, else the first. */
export function pickText(texts, form, language) {
  if (!texts) return undefined;
  if (language && texts[language] !== undefined) return texts[language];
  if (texts[form.default_language] !== undefined) return texts[form.default_language];
  const keys = Object.keys(texts).sort();
  return keys.length ? texts[keys[0]] : undefined;
}

/** Reads "learners[2].age" into a position [["learners", 1]] and the name "age". */
export function parsePath(path) {
  const pos = [];
  const re = /([^.[\]]+)\[(\d+)\]\./gy;
  let m;
  let last = 0;
  while ((m = re.exec(path))) { pos.push([m[1], Number(m[2]) - 1]); last = re.lastIndex; }
  return { pos, name: path.slice(last) };
}

class Check {
  constructor(form, ctx) {
    this.form = form;
    this.ctx = clock(ctx);
    this.language = ctx?.language;
    this.index = indexItems(form.items);
    this.problems = [];
    this.unreadable = new Set();
    this.relevance = new Map();
    this.readOnly = new Map();
    this.offered = new Map();
  }

  scope(root, pos, current, choice = null) {
    const { index, form } = this;
    const gather = (inst, repeats, name, out) => {
      if (!repeats.length) {
        const a = inst.get(name);
        if (a && a.t === 'repeat') a.v.forEach((_, i) => out.push(num(i + 1)));
        else out.push(answerValue(a));
        return;
      }
      const a = inst.get(repeats[0]);
      if (a && a.t === 'repeat') for (const sub of a.v) gather(sub, repeats.slice(1), name, out);
    };
    const reference = (name) => {
      const found = index.get(name);
      if (!found) return EMPTY;
      const { item, repeats } = found;
      let depth = 0;
      while (depth < repeats.length && depth < pos.length && pos[depth][0] === repeats[depth]) depth += 1;
      const inst = instanceAt(root, pos.slice(0, depth)) ?? new Map();
      if (depth === repeats.length && item.kind.type !== 'repeat') return answerValue(inst.get(name));
      const out = [];
      gather(inst, repeats.slice(depth), name, out);
      return { t: 'list', v: out };
    };
    return {
      reference,
      current: () => reference(current),
      path: (absolute, steps) => {
        const chain = followPath(absolute, steps, index.get(current)?.ancestors ?? [], current);
        return chain?.length ? reference(chain[chain.length - 1]) : EMPTY;
      },
      position: () => (pos.length ? num(pos[pos.length - 1][1] + 1) : EMPTY),
      indexed: (name, at) => {
        const found = index.get(name);
        if (!found) return EMPTY;
        const { item, repeats } = found;
        const zero = at.map(([r, i]) => [r, i - 1]);
        if (!zero.every(([r], i) => repeats[i] === r)) return EMPTY;
        const inst = instanceAt(root, zero) ?? new Map();
        if (repeats.length === zero.length && item.kind.type !== 'repeat') return answerValue(inst.get(name));
        const out = [];
        gather(inst, repeats.slice(zero.length), name, out);
        return { t: 'list', v: out };
      },
      choiceName: (value, question) => {
        const kind = index.get(question)?.item.kind;
        let choices = [];
        if (kind && ['select_one', 'select_multiple', 'rank'].includes(kind.type)) choices = choicesOf(form, kind.list);
        if (kind?.type === 'select_external') choices = form.external_lists?.[kind.list] ?? [];
        if (kind?.type === 'select_from_file') choices = form.file_lists?.[question] ?? [];
        const c = choices.find((x) => x.name === value);
        const label = c ? (c.label?.[form.default_language] ?? Object.values(c.label ?? {})[0]) : undefined;
        return text(label ?? '');
      },
      pulldata: (file, column, keyColumn, key) => text(pulldata(form, file, column, keyColumn, key) ?? ''),
      choiceColumn: (name) => {
        if (!choice) return EMPTY;
        let v;
        if (name === 'name') v = choice.name;
        else if (name === 'label') v = choice.label?.[form.default_language] ?? Object.values(choice.label ?? {})[0];
        else v = choice.extra?.[name];
        return text(v ?? '');
      },
    };
  }

  holds(expr, root, pos, current, choice) {
    return truthy(evalAst(compiled(expr), this.scope(root, pos, current, choice), this.ctx));
  }

  condition(cond, root, pos, current) {
    if (cond === 'always') return true;
    if (cond && typeof cond === 'object' && cond.when) return this.holds(cond.when, root, pos, current);
    return false;
  }

  push(p, column, value) {
    p.column = column;
    if (p.value === null && value !== undefined) p.value = value;
    this.problems.push(p);
  }

  read(items, object, prefix) {
    const out = new Map();
    const known = new Set();
    this.readItems(items, object, prefix, out, known);
    for (const key of Object.keys(object)) {
      if (object[key] !== undefined && !known.has(key)) {
        this.push(problem('form-unknown-answer'), prefix + key, short(object[key]));
      }
    }
    return out;
  }

  readItems(items, object, prefix, out, known) {
    for (const item of items) {
      if (item.kind.type === 'group') { this.readItems(item.kind.items, object, prefix, out, known); continue; }
      known.add(item.name);
      const path = prefix + item.name;
      if (!Object.hasOwn(object, item.name) || object[item.name] === undefined) continue;
      const value = object[item.name];
      if (item.kind.type === 'repeat') {
        if (value === null) continue;
        if (Array.isArray(value)) {
          const instances = value.map((element, i) => {
            if (isObject(element)) return this.read(item.kind.items, element, `${path}[${i + 1}].`);
            const at = `${path}[${i + 1}]`;
            this.push(problem('form-bad-repeat'), at, short(element));
            this.unreadable.add(at);
            return new Map();
          });
          if (instances.length) out.set(item.name, { t: 'repeat', v: instances });
        } else {
          this.push(problem('form-bad-repeat'), path, short(value));
          this.unreadable.add(path);
        }
        continue;
      }
      try {
        const answer = parseAnswer(this.form, item, value);
        if (answer) out.set(item.name, answer);
      } catch (p) {
        if (!p || !p.code) throw p;
        this.push(p, path, short(value));
        this.unreadable.add(path);
      }
    }
  }

  calculate(items, root, pos) {
    for (const item of items) {
      const type = item.kind.type;
      if (type === 'group') this.calculate(item.kind.items, root, pos);
      else if (type === 'repeat') {
        const a = instanceAt(root, pos)?.get(item.name);
        const count = a && a.t === 'repeat' ? a.v.length : 0;
        for (let i = 0; i < count; i += 1) this.calculate(item.kind.items, root, [...pos, [item.name, i]]);
      } else if (type === 'calculate') this.setCalculation(item, root, pos, true);
    }
  }

  /** Whether one of the item's trigger questions is answered (validate.rs `triggered`). */
  triggered(item, root, pos) {
    const scope = this.scope(root, pos, item.name);
    return item.trigger.some((name) => {
      const v = scope.reference(name);
      return v.t === 'list' ? v.v.some((x) => toText(x) !== '') : toText(v) !== '';
    });
  }

  setCalculation(item, root, pos, relevant) {
    let value = null;
    const kept = relevant && (isOnce(item) || isTriggered(item)) ? instanceAt(root, pos)?.get(item.name) : null;
    if (kept?.t === 'calculated') value = kept.v;
    else if (isTriggered(item)) {
      if (relevant && item.calculation && this.triggered(item, root, pos)) {
        const s = toText(evalAst(compiled(item.calculation), this.scope(root, pos, item.name), this.ctx));
        if (s !== '') value = s;
      }
    } else if (item.calculation && relevant) {
      const s = toText(evalAst(compiled(item.calculation), this.scope(root, pos, item.name), this.ctx));
      if (s !== '') value = s;
    }
    const inst = instanceAt(root, pos);
    if (!inst) return;
    if (value === null) inst.delete(item.name);
    else inst.set(item.name, { t: 'calculated', v: value, out: value });
  }

  message(texts) {
    return pickText(texts, this.form, this.language);
  }

  rules(items, root, pos, parent, prefix) {
    for (const item of items) {
      const relevant = parent && (!item.relevant || this.holds(item.relevant, root, pos, item.name));
      const path = prefix + item.name;
      const type = item.kind.type;
      this.relevance.set(path, relevant);
      if (type === 'group') { this.rules(item.kind.items, root, pos, relevant, prefix); continue; }
      if (type === 'calculate') { this.setCalculation(item, root, pos, relevant); continue; }
      if (type === 'note') continue;
      if (relevant && item.read_only && item.read_only !== 'never') {
        this.readOnly.set(path, this.condition(item.read_only, root, pos, item.name));
      }
      if (relevant && item.choice_filter && (type === 'select_one' || type === 'select_multiple')) {
        this.offered.set(path, choicesOf(this.form, item.kind.list)
          .filter((c) => this.holds(item.choice_filter, root, pos, item.name, c)).map((c) => c.name));
      }
      if (this.unreadable.has(path)) continue;
      const inst = instanceAt(root, pos);
      let answer = inst?.get(item.name);
      if (!relevant) {
        if (answer) {
          const shown = answer.t === 'repeat' ? `${answer.v.length} ×` : toText(answerValue(answer));
          this.push(problem('form-not-relevant'), path, shown);
          inst.delete(item.name);
        }
        continue;
      }
      if (type === 'repeat') {
        const count = answer && answer.t === 'repeat' ? answer.v.length : 0;
        if (item.kind.repeat_count) {
          const wanted = toNumber(evalAst(compiled(item.kind.repeat_count), this.scope(root, pos, item.name), this.ctx));
          if (Number.isFinite(wanted) && wanted >= 0 && Math.floor(wanted) !== count) {
            this.push(problem('form-repeat-count', { expected: String(Math.floor(wanted)) }), path, String(count));
          }
        }
        for (let i = 0; i < count; i += 1) {
          if (this.unreadable.has(`${path}[${i + 1}]`)) continue;
          this.rules(item.kind.items, root, [...pos, [item.name, i]], true, `${path}[${i + 1}].`);
        }
        continue;
      }
      if (!answer && item.calculation && inst && (!isTriggered(item) || this.triggered(item, root, pos))) {
        // A question with a calculation that was not answered takes the calculation's
        // value, as the server does (validate.rs `set_computed_answer`).
        const computed = computedText(item.kind, evalAst(compiled(item.calculation), this.scope(root, pos, item.name), this.ctx));
        if (computed !== null) {
          try { answer = parseAnswer(this.form, item, computed); } catch { answer = null; }
          if (answer) inst.set(item.name, answer);
        }
      }
      if (!answer) {
        if (this.condition(item.required, root, pos, item.name)) {
          const message = this.message(item.required_message);
          this.push(message !== undefined ? problem('form-required', { message }) : problem('required'), path);
        }
        continue;
      }
      const shown = toText(answerValue(answer));
      if (item.constraint && !this.holds(item.constraint, root, pos, item.name)) {
        const message = this.message(item.constraint_message);
        const p = message !== undefined
          ? problem('form-constraint-message', { message })
          : problem('form-constraint', { constraint: item.constraint });
        this.push(p, path, shown);
      }
      const n = answer.t === 'integer' || answer.t === 'decimal' ? answer.v : null;
      if (type === 'range' && n !== null) {
        const { start, end, step } = item.kind;
        const steps = (n - start) / step;
        if (n < start || n > end || Math.abs(steps - Math.round(steps)) > 1e-9) {
          this.push(problem('form-out-of-range', {
            start: formatNumber(start), end: formatNumber(end), step: formatNumber(step),
          }), path, shown);
        }
      }
      if (item.max_score !== null && item.max_score !== undefined && n !== null && !(n >= 0 && n <= item.max_score)) {
        this.push(problem('form-score-out-of-range', { max: formatNumber(item.max_score) }), path, shown);
      }
      if (item.choice_filter && (type === 'select_one' || type === 'select_multiple')) {
        const names = answer.t === 'choice' ? [answer.v] : answer.t === 'choices' ? answer.v : [];
        for (const name of names) {
          const offered = choicesOf(this.form, item.kind.list).filter((c) => c.name === name)
            .some((c) => this.holds(item.choice_filter, root, pos, item.name, c));
          if (!offered) this.push(problem('form-filtered-choice', { filter: item.choice_filter }), path, name);
        }
      }
    }
  }

  run(answers) {
    if (!isObject(answers)) {
      this.problems.push({ ...problem('form-bad-answers'), value: short(answers) });
      return new Map();
    }
    const root = this.read(this.form.items, answers, '');
    this.calculate(this.form.items, root, []);
    this.rules(this.form.items, root, [], true, '');
    return root;
  }
}

/** Typed answers back to the JSON the server's `Validated` serialises. */
function toJson(instance) {
  const out = {};
  for (const [name, a] of [...instance.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    out[name] = a.t === 'repeat' ? a.v.map(toJson) : a.out;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Messages (the problem-<code> texts of crates/domain/locales, English and French)

const MESSAGES = {
  en: {
    'required': 'a value is required',
    'bad-choice': '{value} is not one of: {allowed}',
    'bad-date': '{value} is not a date written YYYY-MM-DD',
    'bad-number': '{value} is not a number',
    'form-bad-answers': 'the answers must be a JSON object of names and values, not {value}',
    'form-unknown-answer': 'the form has no item with this name',
    'form-bad-repeat': 'a repeat is answered with a list of objects, not {value}',
    'form-bad-answer': '{value} is not a valid answer to this question',
    'form-bad-integer': '{value} is not a whole number',
    'form-bad-time': '{value} is not a time written HH:MM or HH:MM:SS',
    'form-bad-datetime': '{value} is not a date and time written YYYY-MM-DDTHH:MM:SS',
    'form-no-answer-expected': 'this item is shown or computed by the form and takes no answer',
    'form-not-relevant': 'this question does not apply here, so it cannot have an answer ({value})',
    'form-repeat-count': '{value} entries given, {expected} expected',
    'form-required': '{message}',
    'form-constraint': '{value} does not satisfy the condition {constraint}',
    'form-constraint-message': '{message} ({value})',
    'form-out-of-range': '{value} is not between {start} and {end} in steps of {step}',
    'form-score-out-of-range': '{value} is not a score between 0 and {max}',
    'form-filtered-choice': '{value} is not offered here (choice filter {filter})',
    'form-bad-geopoint': '{value} is not a location: a latitude (-90 to 90) and a longitude (-180 to 180) in degrees, then the altitude and the accuracy in metres if known',
    'form-bad-geotrace': '{value} is not a line: two or more locations separated by ";"',
    'form-bad-geoshape': '{value} is not an area: four or more locations separated by ";", the last one the first',
    'form-bad-file-name': '{value} is not the name of a file sent with the submission',
    'form-bad-rank': '{value} is ranked twice',
  },
  fr: {
    'required': 'une valeur est obligatoire',
    'bad-choice': "{value} n'est pas l'une des valeurs : {allowed}",
    'bad-date': "{value} n'est pas une date écrite AAAA-MM-JJ",
    'bad-number': "{value} n'est pas un nombre",
    'form-bad-answers': 'les réponses doivent être un objet JSON de noms et de valeurs, pas {value}',
    'form-unknown-answer': "le formulaire n'a aucun élément de ce nom",
    'form-bad-repeat': "une répétition se remplit avec une liste d'objets, pas {value}",
    'form-bad-answer': "{value} n'est pas une réponse valide à cette question",
    'form-bad-integer': "{value} n'est pas un nombre entier",
    'form-bad-time': "{value} n'est pas une heure écrite HH:MM ou HH:MM:SS",
    'form-bad-datetime': "{value} n'est pas une date et heure écrite AAAA-MM-JJTHH:MM:SS",
    'form-no-answer-expected': "cet élément est affiché ou calculé par le formulaire et n'attend pas de réponse",
    'form-not-relevant': 'cette question ne s\'applique pas ici et ne peut donc pas avoir de réponse ({value})',
    'form-repeat-count': '{value} entrées données, {expected} attendues',
    'form-required': '{message}',
    'form-constraint': '{value} ne respecte pas la condition {constraint}',
    'form-constraint-message': '{message} ({value})',
    'form-out-of-range': "{value} n'est pas compris entre {start} et {end} par pas de {step}",
    'form-score-out-of-range': "{value} n'est pas un score compris entre 0 et {max}",
    'form-filtered-choice': "{value} n'est pas proposé ici (filtre de choix {filter})",
    'form-bad-geopoint': "{value} n'est pas un lieu : une latitude (-90 à 90) et une longitude (-180 à 180) en degrés, puis l'altitude et la précision en mètres si elles sont connues",
    'form-bad-geotrace': "{value} n'est pas une ligne : deux lieux ou plus séparés par « ; »",
    'form-bad-geoshape': "{value} n'est pas une surface : quatre lieux ou plus séparés par « ; », le dernier égal au premier",
    'form-bad-file-name': "{value} n'est pas le nom d'un fichier envoyé avec la soumission",
    'form-bad-rank': '{value} est classé deux fois',
  },
};

/** The message of a problem `{code, column, value, args}` in `en` or `fr`. */
export function problemMessage(p, language = 'en') {
  const table = MESSAGES[language] ?? MESSAGES.en;
  const template = table[p.code] ?? MESSAGES.en[p.code] ?? p.code;
  const args = { ...(p.args ?? {}), value: p.value ?? '', column: p.column ?? '' };
  return template.replace(/\{(\w+)\}/g, (_, k) => args[k] ?? '');
}

// ---------------------------------------------------------------------------------------------
// The public API

/** Checks `answers` against `form` at the moment `ctx`, as the server does. */
export function validate(form, answers, ctx = {}) {
  const check = new Check(form, ctx);
  const root = check.run(answers);
  if (!check.problems.length) return { ok: true, answers: toJson(root) };
  const language = ctx.language === 'fr' ? 'fr' : 'en';
  return {
    ok: false,
    problems: check.problems.map((p) => ({
      column: p.column, value: p.value, code: p.code, message: ctx.message?.(p) ?? problemMessage(p, language), args: p.args,
    })),
  };
}

/**
 * Evaluates the expression `source` where the form evaluates the item at `at` (`age`, or
 * `visits[2].age`), on the answers read and computed as `validate` reads and computes them
 * (validate.rs `evaluate_at`): `.`, relative paths and `position(..)` are that item's.
 */
export function evaluateAt(form, answers, at, source, ctx = {}) {
  const check = new Check(form, ctx);
  const root = check.run(isObject(answers) ? answers : {});
  const { pos, name } = parsePath(at);
  return evalAst(parse(source), check.scope(root, pos, name), check.ctx);
}

/**
 * What the UI needs after a change: `relevant` (path → bool, for every item visited),
 * `readOnly` (path → bool), `offered` (path → choice names, for filtered selects),
 * `calculations` (path → text), `problems` (as `validate` gives them) and
 * `fill(text, path)`, which replaces `${name}` in a label with the answer seen from `path`.
 */
export function inspect(form, answers, ctx = {}) {
  const check = new Check(form, ctx);
  const root = check.run(isObject(answers) ? answers : {});
  const calculations = new Map();
  const walk = (items, inst, prefix) => {
    for (const item of items) {
      if (item.kind.type === 'group') walk(item.kind.items, inst, prefix);
      const a = inst.get(item.name);
      if (item.kind.type === 'calculate' && a) calculations.set(prefix + item.name, a.v);
      if (item.kind.type === 'repeat' && a?.t === 'repeat') {
        a.v.forEach((sub, i) => walk(item.kind.items, sub, `${prefix}${item.name}[${i + 1}].`));
      }
    }
  };
  walk(form.items, root, '');
  const language = ctx.language === 'fr' ? 'fr' : 'en';
  return {
    relevant: check.relevance,
    readOnly: check.readOnly,
    offered: check.offered,
    calculations,
    problems: check.problems.map((p) => ({
      column: p.column, value: p.value, code: p.code, message: ctx.message?.(p) ?? problemMessage(p, language), args: p.args,
    })),
    fill(template, path = '') {
      const { pos } = parsePath(path);
      const scope = check.scope(root, pos, parsePath(path).name);
      return String(template ?? '').replace(/\$\{\s*([^}]*?)\s*\}/g, (_, name) => toText(scope.reference(name)));
    },
  };
}

/**
 * Whether `item` applies, given the answers (its groups' relevance included). `path` is
 * where it is (`learners[2].age` inside a repeat; its name at the top).
 */
export function relevant(item, answers, form, ctx = {}, path = item.name) {
  return inspect(form, answers, ctx).relevant.get(path) ?? false;
}

/** The form's calculations for these answers, path → text (irrelevant ones are absent). */
export function computeCalculations(form, answers, ctx = {}) {
  return inspect(form, answers, ctx).calculations;
}

/**
 * The answers the app sends: empty answers dropped, and answers to questions that no
 * longer apply removed (repeatedly, since removing one can change another's relevance).
 */
export function prune(form, answers, ctx = {}) {
  const clean = (items, object) => {
    const out = {};
    const byName = new Map(indexItems(items).entries());
    for (const [name, value] of Object.entries(object)) {
      if (value === null || value === undefined || value === '') continue;
      const item = byName.get(name)?.item;
      if (item?.kind.type === 'repeat' && Array.isArray(value)) {
        out[name] = value.map((v) => (isObject(v) ? clean(item.kind.items, v) : v));
      } else {
        out[name] = value;
      }
    }
    return out;
  };
  let current = clean(form.items, isObject(answers) ? answers : {});
  for (let round = 0; round < 20; round += 1) {
    const { relevant: rel } = inspect(form, current, ctx);
    let removed = false;
    const drop = (object, prefix) => {
      for (const name of Object.keys(object)) {
        const path = prefix + name;
        if (rel.get(path) === false) { delete object[name]; removed = true; continue; }
        if (Array.isArray(object[name])) {
          object[name].forEach((sub, i) => isObject(sub) && drop(sub, `${path}[${i + 1}].`));
        }
      }
    };
    drop(current, '');
    if (!removed) break;
    current = JSON.parse(JSON.stringify(current));
  }
  return current;
}

/** The evaluation moment of the device, as `ctx` wants it. */
export function deviceContext(language) {
  const d = new Date();
  const today = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const now = `${today}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return { today, now, language };
}
