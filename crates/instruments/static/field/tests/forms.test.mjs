/**
 * Tests of forms.js (run with `node --test crates/instruments/static/field/tests/`): the expression
 * language and validation, on hand-written forms in the exact serde shape of crates/forms
 * (src/model.rs). The cases mirror crates/forms' own tests (src/expr.rs, tests/it/validation.rs)
 * so that the field app and the server agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parse, parseAll, evaluate, ExprError, text, num, toText, toNumber, validate, inspect, relevant,
  computeCalculations, prune, formatNumber, parsePath, defaultValue, keepFirstValues, choiceOrder, followCalculations,
  forgetInstance, isShown,
} from '../forms.js';

const CTX = { today: '2026-03-15', now: '2026-03-15T09:30:00' };

/** Evaluates `src` with `.` = current and ${name} from `values` (JS strings/arrays → values). */
function check(src, current = '', values = {}) {
  const wrap = (v) => (Array.isArray(v) ? { t: 'list', v: v.map(wrap) } : typeof v === 'number' ? num(v) : text(v));
  const env = {
    reference: (name) => (name in values ? wrap(values[name]) : text('')),
    current: () => wrap(current),
  };
  return evaluate(parse(src), env, CTX);
}
const val = (src, current, values) => {
  const v = check(src, current, values);
  return v.t === 'bool' ? v.v : v.t === 'num' ? v.v : toText(v);
};

test('arithmetic follows precedence and the XPath operators', () => {
  assert.equal(val('1 + 2 * 3'), 7);
  assert.equal(val('(1 + 2) * 3'), 9);
  assert.equal(val('7 div 2'), 3.5);
  assert.equal(val('7 mod 4'), 3);
  assert.equal(val('-2 - -3'), 1);
  assert.equal(val('${a}*${b}', '', { a: '4', b: '2.5' }), 10);
  assert.ok(Number.isNaN(val('${x} + 1')), 'an empty answer is not a number');
  assert.equal(val('1 div 0'), Infinity);
});

test('comparisons are numeric when one side is a number, text otherwise', () => {
  assert.equal(val('${c}=1', '', { c: '1' }), true);
  assert.equal(val("${c}='no'", '', { c: 'no' }), true);
  assert.equal(val('. >= 5 and . <= 10', '07'), true);
  assert.equal(val('. > 5', ''), false, 'empty is not a number');
  assert.equal(val("${x} = ''"), true);
  assert.equal(val("${x} != ''", '', { x: 'a' }), true);
  assert.equal(val(". < '12:00'", '08:30'), true, 'times compare as text');
  assert.equal(val('. = 1', 'abc'), false);
  assert.equal(val('. != 1', 'abc'), true, 'NaN is unequal to everything');
  assert.equal(val('true() = 1'), true);
  assert.equal(val('1 < 2 = true()'), true, 'relational binds tighter than equality');
  assert.equal(val('${r} = 3', '', { r: ['1', '3'] }), true, 'a node-set compares by any member');
  assert.equal(val('1 or 0 and 0'), true, 'and binds tighter than or');
});

test('dates compare with today from the context and count days since 1970', () => {
  assert.equal(val('. >= today()', '2026-03-15'), true);
  assert.equal(val('. >= today()', '2026-03-14'), false);
  assert.equal(val("today() - date('2026-03-01')"), 14);
  assert.equal(val('date(today() + 1)'), '2026-03-16');
  assert.equal(val('now() > today()'), true);
  assert.equal(val("number('1970-01-11')"), 10);
  assert.equal(val("date('2026-02-30')"), '', 'not a date: empty');
  assert.equal(val('string(now())'), '2026-03-15T09:30:00');
  assert.equal(val("date('2026-03-14T23:00:00') < today()"), true);
});

test('select functions read space-separated choices', () => {
  const v = { s: 'a c' };
  assert.equal(val("selected(${s}, 'c')", '', v), true);
  assert.equal(val("selected(${s}, 'b')", '', v), false);
  assert.equal(val("selected(${s}, ' c ')", '', v), true, 'the wanted name is trimmed');
  assert.equal(val('count-selected(${s})', '', v), 2);
  assert.equal(val('selected-at(${s}, 1)', '', v), 'c');
  assert.equal(val('selected-at(${s}, 5)', '', v), '');
  assert.equal(val("not(selected(., 'yes') and selected (., 'no'))", 'yes no'), false);
});

test('text functions', () => {
  assert.equal(val('string-length(.)', 'héllo'), 5);
  assert.equal(val('string-length()', 'abc'), 3);
  assert.equal(val("regex(., '^[0-9]{3}$')", '123'), true);
  assert.equal(val("regex(., '^[0-9]{3}$')", '12a'), false);
  assert.equal(val("regex(., '[0-9]')", 'ab3'), true, 'regex() searches, unanchored');
  assert.equal(val('concat(\'a\', "b", 1)'), 'ab1');
  assert.equal(val("contains('abc', 'b') and starts-with('abc', 'a') and ends-with('abc', 'c')"), true);
  assert.equal(val("substr('abcdef', 1, 3)"), 'bc');
  assert.equal(val("substr('abcdef', 4)"), 'ef');
  assert.equal(val("coalesce(${x}, 'none')"), 'none');
  assert.equal(val("if(${x} = '', 'empty', 'full')"), 'empty');
  assert.equal(val('string(0.1 + 0.2)'), '0.30000000000000004');
  assert.equal(val('string(1 div 3 * 0.000001)'), '0.0000003333333333333333', 'never an exponent');
});

test('numeric functions', () => {
  assert.equal(val('round(2.345, 2)'), 2.35);
  assert.equal(val('round(2.5)'), 3);
  assert.equal(val('round(-2.5)'), -2, 'half rounds up, as floor(x + 0.5)');
  assert.equal(val('int(-2.7)'), -2);
  assert.equal(val('floor(-2.5) + ceiling(2.1) + abs(-1) + pow(2, 3)'), -3 + 3 + 1 + 8);
  assert.ok(Number.isNaN(val("number('x')")));
  const list = { a: ['2', '3', '5'] };
  assert.equal(val('sum(${a})', '', list), 10);
  assert.equal(val('count(${a})', '', list), 3);
  assert.equal(val('count(${x})'), 0);
  assert.equal(val('max(${a})', '', list), 5);
  assert.equal(val('min(${a}, 1)', '', list), 1);
  assert.ok(Number.isNaN(val("max(${a}, 'x')", '', list)));
  assert.equal(val("join('-', ${a})", '', list), '2-3-5');
  assert.equal(val('true() and not(false())'), true);
  assert.equal(formatNumber(3), '3');
  assert.equal(formatNumber(-0), '0');
  assert.equal(formatNumber(1e21), '1000000000000000000000');
  assert.equal(formatNumber(NaN), 'NaN');
});

test('syntax errors say where, as the server does', () => {
  const at = (src) => {
    try { parse(src); } catch (e) { assert.ok(e instanceof ExprError); return [e.kind, e.at]; }
    assert.fail(`${src} parsed`);
  };
  assert.deepEqual(at('1 +'), ['syntax', 4]);
  assert.deepEqual(at('(1 + 2'), ['syntax', 7]);
  assert.deepEqual(at(". > 'abc"), ['syntax', 5]);
  assert.deepEqual(at('${x} ${y}'), ['syntax', 6]);
  assert.deepEqual(at('${x} # 2'), ['syntax', 6]);
  assert.deepEqual(at(''), ['syntax', 1]);
  assert.deepEqual(at('${}'), ['syntax', 3]);
  assert.deepEqual(at('1 == 2'), ['syntax', 4]);
});

test('unsupported functions and paths are refused by name', () => {
  const pick = (f) => { try { f(); } catch (e) { return { kind: e.kind, at: e.at, function: e.function, algorithm: e.algorithm }; } return null; };
  const err = (src, dialect) => {
    try { parse(src, dialect); } catch (e) { return { kind: e.kind, at: e.at, name: e.function, path: e.path }; }
    return null;
  };
  assert.deepEqual(err("device-info('phone')"), { kind: 'unsupported-function', at: 1, name: 'device-info', path: undefined });
  assert.equal(err('1 + duration()').at, 5);
  for (const taken of ["pulldata('hh', 'name', 'id', ${id})", '1 + indexed-repeat(${a}, ${r}, 1)', "jr:choice-name(${a}, '${a}')", 'position(..) = 1', 'null = 1']) {
    assert.equal(err(taken), null, taken);
  }
  const all = parseAll("duration() + 1 + plug-in(${a}) + pulldata('f', 'c')");
  assert.deepEqual(all.errors.map((e) => [e.kind, e.at, e.function]), [
    ['unsupported-function', 1, 'duration'], ['unsupported-function', 18, 'plug-in'], ['arity', 34, 'pulldata'],
  ], 'every refused function of a cell, as expr.rs parse_all');
  assert.deepEqual(err('/ = 1'), { kind: 'unsupported-path', at: 1, name: undefined, path: '/' });
  for (const taken of ['/data/grp/x = 1', '../x = 1', 'current()/../x + ./y', 'current() = .']) assert.equal(err(taken), null, taken);
  assert.deepEqual(err('../x/y(1)'), { kind: 'unsupported-path', at: 6, name: undefined, path: '../x' });
  assert.equal(err('../x = name', 'choice_filter').path, '..', 'in a choice filter, relative to the choice');
  assert.equal(err('current()/../x = name', 'choice_filter'), null);
  assert.equal(err('./x = name', 'choice_filter').path, './', 'a child of the choice');
  assert.equal(err('cf = 1').path, 'cf');
  assert.equal(err('${state} = cf', 'choice_filter'), null);
  assert.equal(err('selected(${a})').kind, 'arity');
  assert.equal(err("regex(., '[a-')").kind, 'bad-pattern');
  assert.deepEqual(pick(() => parse("1 + digest(., 'SHA-3')")), { kind: 'unknown-algorithm', at: 5, function: 'digest', algorithm: 'SHA-3' });
  assert.equal(err('toString(1)').kind, 'unsupported-function');
});

// ---------------------------------------------------------------------------------------------
// Forms in the serde shape of crates/forms

/** An item with every field serde writes, as model.rs `Item::new`, then `extra` over it. */
function item(name, kind, extra = {}) {
  return {
    name, kind, row: 2, label: { en: name, fr: name }, hint: {}, required: 'never', required_message: {},
    constraint: null, constraint_message: {}, relevant: null, calculation: null, default: null,
    appearance: null, read_only: 'never', choice_filter: null, domain: null, max_score: null, ...extra,
  };
}
const choice = (name, extra = {}) => ({ name, label: { en: name.toUpperCase() }, score: null, extra });

/** A lesson observation like crates/forms' fixture: every type, a group, a repeat. */
const OBS = {
  form_id: 'lesson_obs', version: '2026.1', title: 'Lesson observation', default_language: 'en', languages: ['en', 'fr'],
  items: [
    item('started', { type: 'metadata', of: 'start' }, { label: {} }),
    item('teacher', { type: 'text' }, { required: 'always' }),
    item('observed_on', { type: 'date' }, {
      required: 'always',
      required_message: { en: 'Give the date of the lesson', fr: 'Indiquez la date de la leçon' },
      constraint: '. <= today()',
      constraint_message: { en: 'The lesson cannot be in the future', fr: 'La leçon ne peut pas être dans le futur' },
    }),
    item('start_time', { type: 'time' }),
    item('recorded_at', { type: 'date_time' }),
    item('pupils', { type: 'integer' }, { constraint: '. >= 0 and . <= 200' }),
    item('lesson_hours', { type: 'decimal' }, { constraint: '. > 0' }),
    item('planning', {
      type: 'group',
      items: [
        item('plan_quality', { type: 'select_one', list: 'quality' }, { required: 'always', domain: 'Planning' }),
        item('materials_used', { type: 'select_multiple', list: 'materials' }),
        item('materials_other', { type: 'text' }, { relevant: "selected(${materials_used}, 'other')", required: 'always' }),
      ],
    }, { relevant: '${pupils} > 0' }),
    item('engagement', { type: 'range', start: 0.0, end: 4.0, step: 1.0 }),
    item('questions_asked', { type: 'integer' }, { domain: 'Engagement', max_score: 10.0 }),
    item('thanks', { type: 'note' }, { label: { en: 'Thank you, ${teacher}', fr: 'Merci, ${teacher}' } }),
    item('pupils_per_hour', { type: 'calculate' }, { calculation: 'round(${pupils} div ${lesson_hours}, 1)' }),
    item('confirm', { type: 'acknowledge' }),
    item('learner_count', { type: 'integer' }, { default: '2' }),
    item('learners', {
      type: 'repeat',
      items: [
        item('age', { type: 'integer' }, { required: 'always', constraint: '. >= 5 and . <= 20' }),
        item('sex', { type: 'select_one', list: 'sexes' }),
        item('older', { type: 'calculate' }, { calculation: "if(${age} >= 12, 'yes', 'no')" }),
      ],
      repeat_count: '${learner_count}',
    }),
    item('mean_age', { type: 'calculate' }, { calculation: 'sum(${age}) div count(${learners})' }),
    item('region', { type: 'select_one', list: 'regions' }),
    item('district', { type: 'select_one', list: 'districts' }, { choice_filter: 'region = ${region}' }),
    item('comment', { type: 'text' }, { read_only: { when: "${confirm} = 'OK'" } }),
  ],
  choice_lists: {
    districts: [choice('d1', { region: 'north' }), choice('d2', { region: 'north' }), choice('d3', { region: 'south' })],
    materials: ['board', 'textbook', 'manipulatives', 'other'].map((n) => choice(n)),
    quality: ['poor', 'fair', 'good', 'excellent'].map((n) => choice(n)),
    regions: [choice('north'), choice('south')],
    sexes: [choice('f'), choice('m')],
  },
};

const GOOD = {
  started: '2026-03-15T08:00:00.000+02:00', teacher: 'Uwase Aline', observed_on: '2026-03-14',
  start_time: '08:30', recorded_at: '2026-03-14T10:15:00', pupils: 40, lesson_hours: '0.5',
  plan_quality: 'good', materials_used: 'board manipulatives', engagement: 3, questions_asked: 7,
  confirm: 'OK', learner_count: 2, learners: [{ age: 11, sex: 'f' }, { age: '14', sex: 'm' }],
  region: 'north', district: 'd2', comment: '',
};

const VCTX = { today: '2026-03-15', now: '2026-03-15T10:00:00' };
const withAnswers = (changes) => {
  const a = structuredClone(GOOD);
  for (const [k, v] of Object.entries(changes)) if (v === null) delete a[k]; else a[k] = v;
  return a;
};
/** The problems as [column, code, value], sorted. */
const refused = (answers, ctx = VCTX) => {
  const r = validate(OBS, answers, ctx);
  assert.equal(r.ok, false, 'expected problems');
  for (const p of r.problems) assert.ok(p.message && !/\{(value|message|allowed|expected|constraint|max)\}/.test(p.message), `${p.code} has a message`);
  return r.problems.map((p) => [p.column, p.code, p.value]).sort();
};

test('a good submission is typed and its calculations computed', () => {
  const r = validate(OBS, GOOD, VCTX);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  const a = r.answers;
  assert.equal(a.pupils, 40);
  assert.equal(a.lesson_hours, 0.5);
  assert.equal(a.observed_on, '2026-03-14');
  assert.equal(a.start_time, '08:30:00');
  assert.equal(a.recorded_at, '2026-03-14T10:15:00');
  assert.deepEqual(a.materials_used, ['board', 'manipulatives']);
  assert.equal(a.pupils_per_hour, '80');
  assert.equal(a.mean_age, '12.5');
  assert.equal(a.confirm, 'OK');
  assert.equal('comment' in a, false, 'an empty answer is no answer');
  assert.equal(a.learners[0].older, 'no');
  assert.equal(a.learners[1].older, 'yes');
  assert.equal(a.learners[1].age, 14);
  assert.equal(a.learners[0].sex, 'f');
});

test('select_multiple may be an array, duplicates dropped', () => {
  const r = validate(OBS, withAnswers({ materials_used: ['textbook', 'board', 'board'] }), VCTX);
  assert.deepEqual(r.answers.materials_used, ['textbook', 'board']);
});

test('wrong types name the item and the value, with the server codes', () => {
  const got = refused(withAnswers({
    pupils: 'many', lesson_hours: 'half', observed_on: '14/03/2026', start_time: '8h30', recorded_at: 'yesterday',
    plan_quality: 'superb', materials_used: 'board chalk', confirm: 'yes', teacher: { name: 'x' },
  }));
  assert.deepEqual(got, [
    ['confirm', 'form-bad-answer', 'yes'],
    ['lesson_hours', 'bad-number', 'half'],
    ['materials_used', 'bad-choice', 'chalk'],
    ['observed_on', 'bad-date', '14/03/2026'],
    ['plan_quality', 'bad-choice', 'superb'],
    ['pupils', 'form-bad-integer', 'many'],
    ['recorded_at', 'form-bad-datetime', 'yesterday'],
    ['start_time', 'form-bad-time', '8h30'],
    ['teacher', 'form-bad-answer', '{"name":"x"}'],
  ]);
  assert.deepEqual(refused(withAnswers({ questions_asked: '4.0' })), [['questions_asked', 'form-bad-integer', '4.0']]);
  assert.deepEqual(refused(withAnswers({ observed_on: '2026-02-30' })), [['observed_on', 'bad-date', '2026-02-30']]);
  assert.equal(validate(OBS, withAnswers({ pupils: ' +40 ', lesson_hours: '.5', start_time: '10:30:00.000+02:00' }), VCTX).ok, true);
});

test('the allowed choices are listed, in English or French', () => {
  const en = validate(OBS, withAnswers({ plan_quality: 'superb' }), VCTX);
  assert.equal(en.problems[0].message, 'superb is not one of: poor, fair, good, excellent');
  const fr = validate(OBS, withAnswers({ plan_quality: 'superb' }), { ...VCTX, language: 'fr' });
  assert.equal(fr.problems[0].message, "superb n'est pas l'une des valeurs : poor, fair, good, excellent");
});

test('required answers with and without a message', () => {
  assert.deepEqual(refused(withAnswers({ teacher: null, observed_on: '' })), [
    ['observed_on', 'form-required', null], ['teacher', 'required', null],
  ]);
  const r = validate(OBS, withAnswers({ observed_on: null }), VCTX);
  assert.equal(r.problems[0].message, 'Give the date of the lesson');
  const fr = validate(OBS, withAnswers({ observed_on: null }), { ...VCTX, language: 'fr' });
  assert.equal(fr.problems[0].message, 'Indiquez la date de la leçon');
  assert.equal(validate(OBS, withAnswers({ teacher: '   ' }), VCTX).problems[0].code, 'required', 'blank is no answer');
});

test('constraints use the current value and the context date', () => {
  const future = withAnswers({ observed_on: '2026-03-16' });
  assert.deepEqual(refused(future), [['observed_on', 'form-constraint-message', '2026-03-16']]);
  assert.equal(validate(OBS, future, { today: '2026-04-01' }).ok, true, 'today() comes from the context');
  const r = validate(OBS, withAnswers({ pupils: 300 }), VCTX);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].code, 'form-constraint');
  assert.equal(r.problems[0].column, 'pupils');
  assert.equal(r.problems[0].message, '300 does not satisfy the condition . >= 0 and . <= 200');
});

test('required only when relevant, and irrelevant answers are errors', () => {
  const none = validate(OBS, withAnswers({ pupils: 0, plan_quality: null, materials_used: null }), VCTX);
  assert.equal(none.ok, true);
  assert.equal('plan_quality' in none.answers, false);
  assert.deepEqual(refused(withAnswers({ pupils: 0 })), [
    ['materials_used', 'form-not-relevant', 'board manipulatives'],
    ['plan_quality', 'form-not-relevant', 'good'],
  ]);
  assert.deepEqual(refused(withAnswers({ materials_used: 'board other' })), [['materials_other', 'required', null]]);
  assert.equal(validate(OBS, withAnswers({ materials_used: 'board other', materials_other: 'Posters' }), VCTX).ok, true);
  assert.deepEqual(refused(withAnswers({ materials_other: 'Posters' })), [['materials_other', 'form-not-relevant', 'Posters']]);
});

test('ranges and max scores bound numbers', () => {
  assert.deepEqual(refused(withAnswers({ engagement: 5, questions_asked: 11 })), [
    ['engagement', 'form-out-of-range', '5'], ['questions_asked', 'form-score-out-of-range', '11'],
  ]);
  assert.deepEqual(refused(withAnswers({ engagement: 2.5 })), [['engagement', 'form-out-of-range', '2.5']]);
  assert.equal(validate(OBS, withAnswers({ engagement: 0 }), VCTX).ok, true);
});

test('unknown names and answers to computed items are refused', () => {
  assert.deepEqual(refused(withAnswers({ pupil: 3, pupils_per_hour: 80, thanks: 'ok', planning: {} })), [
    ['planning', 'form-unknown-answer', '{}'],
    ['pupil', 'form-unknown-answer', '3'],
    ['pupils_per_hour', 'form-no-answer-expected', '80'],
    ['thanks', 'form-no-answer-expected', 'ok'],
  ]);
  assert.equal(validate(OBS, withAnswers({ pupils_per_hour: '' }), VCTX).ok, true, 'an empty calculation is no answer');
});

test('problems inside repeats say which instance, 1-based', () => {
  assert.deepEqual(refused(withAnswers({ learners: [{ age: 11, sex: 'f' }, { age: 30, sex: 'x', height: 120 }, { sex: 'm' }] })), [
    ['learners', 'form-repeat-count', '3'],
    ['learners[2].age', 'form-constraint', '30'],
    ['learners[2].height', 'form-unknown-answer', '120'],
    ['learners[2].sex', 'bad-choice', 'x'],
    ['learners[3].age', 'required', null],
  ]);
  assert.deepEqual(refused(withAnswers({ learners: { age: 3 } })), [['learners', 'form-bad-repeat', '{"age":3}']]);
  assert.deepEqual(refused(withAnswers({ learners: [{ age: 11 }, 4] })), [['learners[2]', 'form-bad-repeat', '4']]);
  assert.deepEqual(refused(withAnswers({ learner_count: 0 })), [['learners', 'form-repeat-count', '2']]);
  assert.equal(validate(OBS, withAnswers({ learner_count: 0, learners: [] }), VCTX).ok, true);
});

test('choice filters limit the choices', () => {
  assert.deepEqual(refused(withAnswers({ district: 'd3' })), [['district', 'form-filtered-choice', 'd3']]);
  assert.equal(validate(OBS, withAnswers({ region: 'south', district: 'd3' }), VCTX).ok, true);
});

test('answers must be an object', () => {
  const r = validate(OBS, [1, 2], VCTX);
  assert.equal(r.problems[0].code, 'form-bad-answers');
  assert.equal(r.problems[0].value, '[1,2]');
});

test('acknowledge takes true, false or ok', () => {
  assert.equal(validate(OBS, withAnswers({ confirm: true }), VCTX).answers.confirm, 'OK');
  assert.equal('confirm' in validate(OBS, withAnswers({ confirm: false }), VCTX).answers, false);
  assert.equal(validate(OBS, withAnswers({ confirm: 'ok' }), VCTX).answers.confirm, 'OK');
});

test('inspect gives the UI relevance, read-only, offered choices, calculations and labels', () => {
  const view = inspect(OBS, withAnswers({ pupils: 0, plan_quality: null, materials_used: null }), VCTX);
  assert.equal(view.relevant.get('planning'), false);
  assert.equal(view.relevant.get('plan_quality'), false, 'a group hides its questions');
  assert.equal(view.relevant.get('teacher'), true);
  assert.equal(view.relevant.get('learners[2].age'), true);
  assert.equal(view.readOnly.get('comment'), true);
  assert.deepEqual(view.offered.get('district'), ['d1', 'd2']);
  assert.equal(view.calculations.get('learners[2].older'), 'yes');
  assert.equal(view.fill('Thank you, ${teacher}', 'thanks'), 'Thank you, Uwase Aline');
  assert.equal(view.fill('Age ${age}', 'learners[1].age'), 'Age 11');
  assert.equal(relevant(OBS.items[7].kind.items[2], withAnswers({ materials_used: 'other' }), OBS, VCTX), true);
  assert.equal(relevant(OBS.items[7].kind.items[2], GOOD, OBS, VCTX), false);
  const calcs = computeCalculations(OBS, GOOD, VCTX);
  assert.equal(calcs.get('pupils_per_hour'), '80');
  assert.equal(calcs.get('mean_age'), '12.5');
  assert.deepEqual(parsePath('a[2].b[3].c'), { pos: [['a', 1], ['b', 2]], name: 'c' });
});

test('prune drops empty answers and answers to questions that no longer apply', () => {
  const stale = withAnswers({ pupils: 0, materials_used: 'other', materials_other: 'Posters', comment: '' });
  const pruned = prune(OBS, stale, VCTX);
  assert.equal('plan_quality' in pruned, false);
  assert.equal('materials_other' in pruned, false);
  assert.equal('comment' in pruned, false);
  assert.equal(pruned.teacher, 'Uwase Aline');
  assert.equal(validate(OBS, pruned, VCTX).ok, true);
});

test('references from inside a repeat see their own instance; from outside, all of them', () => {
  const form = {
    form_id: 'f', version: '1', title: 'F', default_language: 'default', languages: ['default'],
    items: [
      item('threshold', { type: 'integer' }),
      item('kids', {
        type: 'repeat', repeat_count: null,
        items: [
          item('score', { type: 'decimal' }, { constraint: '. <= ${threshold}' }),
          item('why', { type: 'text' }, { relevant: '${score} < 2', required: 'always' }),
        ],
      }),
      item('total', { type: 'calculate' }, { calculation: 'sum(${score})' }),
      item('any_low', { type: 'calculate' }, { calculation: 'if(${score} < 2, 1, 0)' }),
    ],
    choice_lists: {},
  };
  const r = validate(form, { threshold: '5', kids: [{ score: 1, why: 'ill' }, { score: '4.5' }] }, VCTX);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.equal(r.answers.total, '5.5');
  assert.equal(r.answers.any_low, '1');
  const bad = validate(form, { threshold: 3, kids: [{ score: 1 }, { score: 4, why: 'x' }] }, VCTX);
  assert.deepEqual(bad.problems.map((p) => [p.column, p.code]).sort(), [
    ['kids[1].why', 'required'], ['kids[2].score', 'form-constraint'], ['kids[2].why', 'form-not-relevant'],
  ]);
});

test('text values keep their spaces; numbers given as JSON numbers are read', () => {
  const r = validate(OBS, withAnswers({ teacher: '  Aline ', pupils: 12, lesson_hours: 1 }), VCTX);
  assert.equal(r.answers.teacher, '  Aline ');
  assert.equal(r.answers.pupils_per_hour, '12');
  assert.equal(toNumber(text(' 12 ')), 12);
});

test('the question types of ODK are checked as the server checks them (tests/it/odk_types.rs)', () => {
  const form = {
    form_id: 'f', version: '1', title: 'F', default_language: 'default', languages: ['default'],
    items: [
      item('place', { type: 'geopoint' }),
      item('path', { type: 'geotrace' }),
      item('field', { type: 'geoshape' }),
      item('photo', { type: 'media', of: 'image' }),
      item('order', { type: 'rank', list: 'fruit' }),
      item('village', { type: 'select_from_file', file: 'villages.csv', multiple: false }),
      item('town', { type: 'select_external', list: 'towns' }),
      item('batch', { type: 'hidden' }),
      item('metres', { type: 'calculate' }, { calculation: 'round(distance(${path}), 0)' }),
    ],
    choice_lists: { fruit: [{ name: 'mango', label: { default: 'Mango' }, score: null, extra: {} }, { name: 'pear', label: { default: 'Pear' }, score: null, extra: {} }] },
    external_lists: { towns: [{ name: 'kigali', label: { default: 'Kigali' }, score: null, extra: {} }] },
  };
  const good = validate(form, {
    place: '-1.95 30.06 1500 5', path: '-1.95 30.06 0 0;-1.94 30.06 0 0', field: '0 0;0 1;1 1;0 0',
    photo: '1718000000.jpg', order: 'pear mango', village: 'nyamata', town: 'kigali', batch: 'b7',
  }, VCTX);
  assert.equal(good.ok, true, JSON.stringify(good.problems));
  assert.deepEqual(good.answers.order, ['pear', 'mango']);
  assert.equal(good.answers.metres, '1113');
  const bad = validate(form, {
    place: '95 30', path: '-1.95 30.06', field: '0 0;0 1;1 1;1 0', photo: '../etc/passwd', order: 'pear pear', town: 'paris',
  }, VCTX);
  assert.deepEqual(bad.problems.map((p) => [p.column, p.code]), [
    ['place', 'form-bad-geopoint'], ['path', 'form-bad-geotrace'], ['field', 'form-bad-geoshape'],
    ['photo', 'form-bad-file-name'], ['order', 'form-bad-rank'], ['town', 'bad-choice'],
  ]);
});

test('a select_one_from_file offers its uploaded file\'s choices, as the server does (pulldata() is in the shared cases)', () => {
  const form = {
    form_id: 'f', version: '1', title: 'F', default_language: 'default', languages: ['default'],
    items: [item('village', { type: 'select_from_file', file: 'villages.csv', multiple: false })],
    choice_lists: {},
    file_lists: { village: [{ name: 'kim', label: { default: 'Kimironko' }, score: null, extra: {} }] },
  };
  const good = validate(form, { village: 'kim' }, VCTX);
  assert.equal(good.ok, true, JSON.stringify(good.problems));
  const bad = validate(form, { village: 'rem' }, VCTX);
  assert.deepEqual(bad.problems.map((p) => [p.column, p.code, p.value]), [['village', 'bad-choice', 'rem']]);
});

test('a default that calls a function or reads an answer is computed when the form opens', () => {
  assert.equal(defaultValue(item('d', { type: 'date' }, { default: 'today()' }), {}, VCTX), '2026-03-15');
  assert.equal(defaultValue(item('t', { type: 'time' }, { default: 'now()' }), {}, { today: '2026-03-15', now: '2026-03-15T09:30:00' }), '09:30:00');
  assert.equal(defaultValue(item('n', { type: 'text' }, { default: "concat(${a}, '!')" }), { a: 'hi' }, VCTX), 'hi!');
  assert.equal(defaultValue(item('x', { type: 'integer' }, { default: '3' })), '3');
});

test('a once() calculation keeps its first value across recomputation, as the app stores it', () => {
  const form = {
    form_id: 'f', version: '1', title: 'F', default_language: 'default', languages: ['default'],
    items: [
      item('n', { type: 'integer' }),
      item('started', { type: 'calculate' }, { calculation: 'once(now())' }),
      item('double', { type: 'calculate' }, { calculation: '${n} * 2' }),
      item('visits', { type: 'repeat', repeat_count: null, items: [item('code', { type: 'calculate' }, { calculation: 'once(concat(${n}, position(..)))' })] }),
    ],
    choice_lists: {},
  };
  const answers = { n: 2, visits: [{}] };
  const first = { today: '2026-03-15', now: '2026-03-15T09:30:00' };
  assert.equal(keepFirstValues(form, answers, computeCalculations(form, answers, first)), true);
  assert.deepEqual(answers, { n: 2, started: '2026-03-15T09:30:00', visits: [{ code: '21' }] });
  // Later, after a reload and a change: the once() values stay, the plain one follows.
  const stored = JSON.parse(JSON.stringify(answers));
  stored.n = 3;
  const later = { today: '2026-03-15', now: '2026-03-15T11:45:00' };
  const calculations = computeCalculations(form, stored, later);
  assert.equal(calculations.get('started'), '2026-03-15T09:30:00');
  assert.equal(calculations.get('visits[1].code'), '21');
  assert.equal(calculations.get('double'), '6');
  assert.equal(keepFirstValues(form, stored, calculations), false);
  const r = validate(form, stored, later);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.equal(r.answers.started, '2026-03-15T09:30:00');
  assert.equal(r.answers.visits[0].code, '21');
  // A plain calculation sent as an answer is still refused, as the server refuses it.
  assert.deepEqual(validate(form, { n: 3, double: '7' }, later).problems.map((p) => [p.column, p.code]), [['double', 'form-no-answer-expected']]);
});

test('randomize=true orders a select as ODK does: by its seed, or at random without one', () => {
  const letters = [...'ABCDEF'];
  const q = (parameters) => item('crop', { type: 'select_one', list: 'crops' }, { parameters });
  assert.equal(choiceOrder(q({ randomize: 'true', seed: '42' }), letters, '42').join(''), 'AFCBDE');
  assert.equal(choiceOrder(q({ randomize: 'TRUE' }), letters, -42).join(''), 'EDAFBC', 'as randomize(…, -42)');
  assert.equal(choiceOrder(q({}), letters, '42').join(''), 'ABCDEF', 'not randomized: as listed');
  const random = choiceOrder(q({ randomize: 'true' }), letters);
  assert.deepEqual([...random].sort(), letters);
});

test('a question with a calculation takes its value when what it reads changes, and keeps an edit until then', () => {
  const form = {
    form_id: 'f', version: '1', title: 'F', default_language: 'default', languages: ['default'],
    items: [
      item('n', { type: 'integer' }),
      item('double', { type: 'integer' }, { calculation: '${n} * 2 + 0.5' }),
      item('rows', { type: 'repeat', repeat_count: null, items: [
        item('q', { type: 'integer' }),
        item('next', { type: 'text' }, { calculation: "concat(../q, '+', /data/n)" }),
      ] }),
    ],
    choice_lists: {},
  };
  const seen = new Map();
  const answers = { n: '3', rows: [{ q: '1' }] };
  assert.deepEqual(followCalculations(form, answers, seen, VCTX), ['double', 'rows[1].next']);
  assert.deepEqual(answers, { n: '3', double: '6', rows: [{ q: '1', next: '1+3' }] }, 'an integer takes the whole part');
  // The respondent changes the value: it stays while the inputs stay.
  answers.double = '7';
  assert.deepEqual(followCalculations(form, answers, seen, VCTX), []);
  assert.equal(answers.double, '7');
  assert.equal(validate(form, answers, VCTX).answers.double, 7, 'the server takes the value sent');
  // An input changes: the calculation's value again, as ODK Collect does.
  answers.n = '5';
  assert.deepEqual(followCalculations(form, answers, seen, VCTX), ['double', 'rows[1].next']);
  assert.deepEqual(answers, { n: '5', double: '10', rows: [{ q: '1', next: '1+5' }] });
  answers.rows[0].q = '2';
  assert.deepEqual(followCalculations(form, answers, seen, VCTX), ['rows[1].next']);
  assert.equal(answers.rows[0].next, '2+5');
  // A draft reopened (nothing seen yet) keeps what was typed; an empty question is filled.
  const reopened = { n: '5', double: '9', rows: [{ q: '2' }] };
  assert.deepEqual(followCalculations(form, reopened, new Map(), VCTX), ['rows[1].next']);
  assert.equal(reopened.double, '9');
  // No value to give (an empty input): nothing is set.
  const empty = {};
  assert.deepEqual(followCalculations(form, empty, new Map(), VCTX), []);
  assert.deepEqual(empty, {});
});

test('a triggered item takes its value when a trigger question changes, and keeps it otherwise', () => {
  const form = {
    form_id: 'f', version: '1', title: 'F', default_language: 'default', languages: ['default'],
    items: [
      item('a', { type: 'text' }, { label: { default: 'A' } }),
      item('n', { type: 'integer' }, { label: { default: 'N' } }),
      item('a_at', { type: 'date_time' }, { label: {}, calculation: 'now()', trigger: ['a'] }),
      item('doubled', { type: 'integer' }, { label: { default: 'Doubled' }, calculation: '${n} * 2', trigger: ['a'] }),
      item('stamp', { type: 'calculate' }, { label: {}, calculation: "concat('n=', ${n})", trigger: ['a'] }),
      item('cleared', { type: 'text' }, { label: { default: 'Cleared' }, trigger: ['n'] }),
      item('rows', { type: 'repeat', repeat_count: null, items: [
        item('q', { type: 'text' }, { label: { default: 'Q' } }),
        item('q_at', { type: 'date_time' }, { label: {}, calculation: 'now()', trigger: ['q'] }),
      ] }),
    ],
    choice_lists: {},
  };
  assert.equal(isShown(form.items[2]), false, 'no label nor hint: kept, not shown');
  assert.equal(isShown(form.items[3]), true);
  const seen = new Map();
  // A new form: what the triggers hold is noted, nothing is set.
  const answers = { n: '3', rows: [{}, {}] };
  assert.deepEqual(followCalculations(form, answers, seen, { ...VCTX, now: '2026-03-15T09:00:00' }), []);
  assert.deepEqual(answers, { n: '3', rows: [{}, {}] });
  // n changes: only what n triggers (emptied, having no calculation); doubled does not follow n.
  answers.cleared = 'typed';
  answers.n = '4';
  assert.deepEqual(followCalculations(form, answers, seen, VCTX), ['cleared']);
  assert.equal(answers.cleared, '');
  assert.equal(answers.doubled, undefined);
  // a is answered: each item it triggers is set, at that moment.
  answers.a = 'x';
  assert.deepEqual(followCalculations(form, answers, seen, { ...VCTX, now: '2026-03-15T09:31:00' }), ['a_at', 'doubled', 'stamp']);
  assert.deepEqual([answers.a_at, answers.doubled, answers.stamp], ['2026-03-15T09:31:00', '8', 'n=4']);
  // Later changes of n and of the clock change none of them.
  answers.n = '7';
  answers.cleared = 'again';
  answers.doubled = '9';
  assert.deepEqual(followCalculations(form, answers, seen, { ...VCTX, now: '2026-03-15T10:00:00' }), ['cleared']);
  assert.deepEqual([answers.a_at, answers.doubled, answers.stamp], ['2026-03-15T09:31:00', '9', 'n=4']);
  // The values sent are kept by validation too, a calculate's as text.
  const done = validate(form, answers, VCTX);
  assert.ok(done.ok, JSON.stringify(done.problems));
  assert.equal(done.answers.a_at, '2026-03-15T09:31:00');
  assert.equal(done.answers.doubled, 9);
  assert.equal(done.answers.stamp, 'n=4');
  // In a repeat, each instance's own trigger; a deleted instance's successor keeps its value.
  answers.rows[1].q = 'second';
  assert.deepEqual(followCalculations(form, answers, seen, { ...VCTX, now: '2026-03-15T10:05:00' }), ['rows[2].q_at']);
  answers.rows.splice(0, 1);
  forgetInstance(seen, 'rows', 0);
  assert.deepEqual(followCalculations(form, answers, seen, { ...VCTX, now: '2026-03-15T10:09:00' }), []);
  assert.deepEqual(answers.rows, [{ q: 'second', q_at: '2026-03-15T10:05:00' }]);
  // A draft reopened (nothing seen yet): nothing set again.
  assert.deepEqual(followCalculations(form, answers, new Map(), { ...VCTX, now: '2026-03-16T08:00:00' }), []);
  assert.equal(answers.a_at, '2026-03-15T09:31:00');
});
