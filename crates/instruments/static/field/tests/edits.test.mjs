/**
 * Tests of edits.js (run with `node --test crates/instruments/static/field/tests/`): which fields an
 * offline correction sends, with the values read, and the same checks as the server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { personEdit, normalPhone } from '../edits.js';

const PERSON = {
  id: 7, given_name: 'Aline', family_name: 'Uwase', birth_year: 1988, phone: '+250788111111', email: null, version: 3,
};

test('only changed fields are sent, each with the value read', () => {
  const typed = { given_name: 'Aline ', family_name: 'Uwase', birth_year: '1988', phone: '+250 788 222 222', email: 'a@b.rw' };
  assert.deepEqual(personEdit(PERSON, typed), {
    changes: { phone: '+250788222222', email: 'a@b.rw' },
    base: { phone: '+250788111111', email: null },
    problems: [],
  });
});

test('nothing typed differently is no change at all', () => {
  const typed = { given_name: 'Aline', family_name: 'Uwase', birth_year: '1988', phone: '+250 788-111-111', email: '' };
  assert.deepEqual(personEdit(PERSON, typed), { changes: {}, base: {}, problems: [] });
});

test('names and the year of birth are corrected like the rest', () => {
  const { changes, base } = personEdit(PERSON, { family_name: 'Uwase Mukamana', birth_year: '1987' });
  assert.deepEqual(changes, { family_name: 'Uwase Mukamana', birth_year: 1987 });
  assert.deepEqual(base, { family_name: 'Uwase', birth_year: 1988 });
});

test('a value that was there cannot be emptied, and malformed values are refused as the server would', () => {
  const { changes, problems } = personEdit(PERSON, {
    given_name: '', birth_year: '88', phone: '12-34', email: 'aline@rw',
  });
  assert.deepEqual(changes, {});
  assert.deepEqual(problems.map((p) => `${p.field}:${p.code}`), ['given_name:required', 'birth_year:year', 'phone:phone', 'email:email']);
  assert.equal(personEdit(PERSON, { birth_year: '1899' }).problems[0].code, 'year');
});

test('phone numbers are compared as the server stores them', () => {
  assert.equal(normalPhone('+250 (788) 111.111'), '+250788111111');
  assert.equal(normalPhone('12345'), null);
  assert.equal(normalPhone('+1234567890123456'), null);
});
