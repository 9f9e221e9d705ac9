/**
 * Tests of i18n.js (run with `node --test crates/instruments/static/field/tests/`): the
 * app's texts formatted with each language's plural rules, and numbers and dates written
 * as each language writes them. `messages.json` is what /field/messages.json sends of
 * field.ftl (a Rust test in crates/instruments keeps it current).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Messages, formatParts, formatNumber, formatDate, formatDateTime } from '../i18n.js';

const catalogue = JSON.parse(readFileSync(new URL('./messages.json', import.meta.url), 'utf8'));
const en = new Messages(catalogue, 'en');
const fr = new Messages(catalogue, 'fr');
const info = (m, schools, people, instruments) => m.text('field-package-info', { date: 'D', schools, people, instruments });

test('a count picks the singular or the plural of its language', () => {
  assert.equal(info(en, 1, 2, 3), 'Package of D: 1 school, 2 people, 3 instruments.');
  assert.equal(info(en, 2, 1, 1), 'Package of D: 2 schools, 1 person, 1 instrument.');
  assert.equal(info(en, 0, 0, 0), 'Package of D: 0 schools, 0 people, 0 instruments.');
  assert.equal(info(fr, 1, 2, 3), 'Paquet du D : 1 école, 2 personnes, 3 instruments.');
  assert.equal(info(fr, 2, 1, 1), 'Paquet du D : 2 écoles, 1 personne, 1 instrument.');
  // French counts 0 with the singular, English with the plural.
  assert.equal(info(fr, 0, 0, 0), 'Paquet du D : 0 école, 0 personne, 0 instrument.');
  assert.equal(en.text('field-attempts', { n: 1 }), '1 attempt');
  assert.equal(fr.text('field-attempts', { n: 3 }), '3 tentatives');
  assert.equal(fr.text('field-counts', { sent: 1, waiting: 2, rejected: 2 }), '1 envoyée, 2 en attente, 2 refusées');
  assert.equal(en.text('field-counts', { sent: 1, waiting: 2, rejected: 0 }), '1 sent, 2 waiting, 0 rejected');
});

test('counts in a message are written as the language writes numbers', () => {
  assert.equal(info(en, 1234, 2, 3), 'Package of D: 1,234 schools, 2 people, 3 instruments.');
  assert.equal(info(fr, 1234, 2, 3), 'Paquet du D : 1\u202f234 écoles, 2 personnes, 3 instruments.');
});

test('a variant named by its number wins over the plural category; text arguments pick by name', () => {
  const parts = [{ select: 'n', variants: { 0: ['none'], one: ['one'], other: [{ var: 'n' }, ' many'] }, default: 'other' }];
  assert.equal(formatParts(parts, { n: 0 }, 'en'), 'none');
  assert.equal(formatParts(parts, { n: 1 }, 'en'), 'one');
  assert.equal(formatParts(parts, { n: 5 }, 'en'), '5 many');
  assert.equal(formatParts(parts, { n: 'one' }, 'en'), 'one');
  assert.equal(formatParts(parts, {}, 'en'), ' many', 'no value: the default variant');
});

test('a message missing in French is shown in English, an unknown one as its identifier', () => {
  const partial = new Messages({ lang: 'fr', messages: { en: { 'x-only': ['only English'] }, fr: {} } }, 'fr');
  assert.equal(partial.lang, 'fr');
  assert.equal(partial.text('x-only'), 'only English');
  assert.equal(partial.text('x-nowhere'), 'x-nowhere');
  assert.equal(partial.text('x-nowhere', {}, 'as written'), 'as written');
  // A language with no messages at all falls back to the catalogue's own.
  assert.equal(new Messages(catalogue, 'rw').lang, 'en');
});

test('numbers follow the language: 4.5 and 4,5', () => {
  assert.equal(formatNumber(4.5, 'en'), '4.5');
  assert.equal(formatNumber(4.5, 'fr'), '4,5');
  assert.equal(fr.number(1234567.25), '1\u202f234\u202f567,25');
  assert.equal(en.number(1234567.25), '1,234,567.25');
});

test('dates follow the language, day first, and a day stays that day in any time zone', () => {
  assert.equal(formatDate('2026-12-06', 'fr'), '06/12/2026');
  assert.equal(formatDate('2026-12-06', 'en'), '06/12/2026');
  assert.equal(fr.date(new Date(2026, 11, 6, 23, 30)), '06/12/2026');
  assert.equal(formatDateTime(new Date(2026, 11, 6, 14, 5), 'fr'), '06/12/2026 14:05');
  assert.equal(formatDateTime(new Date(2026, 11, 6, 14, 5), 'en'), '06/12/2026, 14:05');
  assert.equal(formatDate('not a date', 'fr'), 'not a date');
});
