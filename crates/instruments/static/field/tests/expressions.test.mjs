/**
 * The expression cases shared with crates/forms (crates/forms/tests/cases/expressions.json,
 * read by its Rust tests too): the field app computes what the server computes and refuses
 * what it refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse, evaluate, ExprError, text, toText, toNumber } from '../forms.js';

const CASES = new URL('../../../../forms/tests/cases/expressions.json', import.meta.url);
const CTX = { today: '2026-03-15', now: '2026-03-15T09:30:00' };

const value = (v) => (Array.isArray(v) ? { t: 'list', v: v.map(value) } : text(v === null || v === undefined ? '' : String(v)));

test('the shared expression cases hold', () => {
  const { cases } = JSON.parse(readFileSync(CASES, 'utf8'));
  assert.ok(cases.length >= 100);
  const wrong = [];
  for (const c of cases) {
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
    const got = evaluate(ast, env, CTX);
    const tolerance = c.tolerance ?? 1e-9;
    let fits;
    if (typeof c.expected === 'boolean') fits = got.t === 'bool' && got.v === c.expected;
    else if (typeof c.expected === 'number') fits = Math.abs(toNumber(got) - c.expected) <= tolerance;
    else fits = toText(got) === c.expected;
    if (!fits) wrong.push(`${c.expression}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(got)}`);
  }
  assert.deepEqual(wrong, []);
});
