/**
 * The expression cases shared with crates/forms (crates/forms/tests/cases/expressions.json,
 * read by its Rust tests too): the field app computes what the server computes and refuses
 * what it refuses, and on the cases' forms sees the same repeats, paths, choices and files
 * and takes the same answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse, evaluate, evaluateAt, validate, ExprError, text, toText, toNumber } from '../forms.js';

const CASES = new URL('../../../../forms/tests/cases/expressions.json', import.meta.url);
const CTX = { today: '2026-03-15', now: '2026-03-15T09:30:00' };

const value = (v) => (Array.isArray(v) ? { t: 'list', v: v.map(value) } : text(v === null || v === undefined ? '' : String(v)));

test('the shared expression cases hold', () => {
  const { cases, forms } = JSON.parse(readFileSync(CASES, 'utf8'));
  assert.ok(cases.length >= 100);
  const wrong = [];
  for (const c of cases) {
    const form = c.form === undefined ? undefined : forms[c.form];
    if (c.form !== undefined && !form) throw new Error(`no form ${c.form}`);
    if (c.expression === undefined) {
      const shown = JSON.stringify(c.submission);
      const r = validate(form, c.submission, CTX);
      if (r.ok && c.validated) {
        for (const [name, want] of Object.entries(c.validated)) {
          try { assert.deepEqual(r.answers[name] ?? null, want); } catch { wrong.push(`${shown}: ${name} expected ${JSON.stringify(want)}, got ${JSON.stringify(r.answers[name])}`); }
        }
      } else if (!r.ok && c.problems) {
        const got = r.problems.map((p) => [p.column ?? '', p.code]);
        if (JSON.stringify(got) !== JSON.stringify(c.problems)) wrong.push(`${shown}: expected problems ${JSON.stringify(c.problems)}, got ${JSON.stringify(got)}`);
      } else {
        wrong.push(`${shown}: ${r.ok ? 'taken' : `refused: ${JSON.stringify(r.problems)}`}`);
      }
      continue;
    }
    let ast;
    try {
      ast = parse(c.expression);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      if (c.error !== e.kind) wrong.push(`${c.expression}: refused (${e.kind})`);
      continue;
    }
    if (c.error) { wrong.push(`${c.expression}: expected a ${c.error} error`); continue; }
    const answers = c.answers ?? {};
    const env = {
      reference: (name) => (name in answers ? value(answers[name]) : text('')),
      current: () => value(c.current),
    };
    const got = form ? evaluateAt(form, c.submission, c.at, c.expression, CTX) : evaluate(ast, env, CTX);
    const tolerance = c.tolerance ?? 1e-9;
    let fits;
    if (typeof c.expected === 'boolean') fits = got.t === 'bool' && got.v === c.expected;
    else if (typeof c.expected === 'number') fits = Math.abs(toNumber(got) - c.expected) <= tolerance;
    else fits = toText(got) === c.expected;
    if (!fits) wrong.push(`${c.expression}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(got)}`);
  }
  assert.deepEqual(wrong, []);
});
