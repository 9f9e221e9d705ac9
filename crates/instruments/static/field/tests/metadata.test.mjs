// The metadata the field app fills and the audit log it keeps (metadata.js), as ODK
// Collect writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  metadataValues, geopoint, auditItem, nodePath, newAudit, logEvent, questionShown, questionLeft, auditCsv, AUDIT_FILE,
} from '../metadata.js';

const meta = (name, of, parameters = {}) => ({ name, kind: { type: 'metadata', of }, parameters });
const q = (name) => ({ name, kind: { type: 'text' } });
const FORM = [
  meta('start', 'start'), meta('email', 'email'), meta('phone', 'phonenumber'), meta('where', 'start-geopoint'),
  { name: 'about', kind: { type: 'group', items: [q('school'), meta('log', 'audit')] } },
  { name: 'learners', kind: { type: 'repeat', items: [q('age'), { name: 'inner', kind: { type: 'group', items: [q('note')] } }] } },
  meta('sim', 'simserial'),
];

test('the values known are given; the unknown ones are listed, metadata the app never fills is not', () => {
  const { values, unknown } = metadataValues(FORM, {
    start: '2026-03-15T09:00:00.000+02:00', email: 'ana@example.org', phonenumber: '', 'start-geopoint': '-1.9441 30.0619 0 12',
    audit: AUDIT_FILE,
  });
  assert.deepEqual(values, {
    start: '2026-03-15T09:00:00.000+02:00', email: 'ana@example.org', where: '-1.9441 30.0619 0 12', log: 'audit.csv',
  });
  assert.deepEqual(unknown, [{ name: 'phone', of: 'phonenumber' }]);
  const none = metadataValues(FORM, {});
  assert.deepEqual(none.values, {});
  assert.deepEqual(none.unknown.map((u) => u.of), ['start', 'email', 'phonenumber', 'start-geopoint', 'audit']);
});

test('a position is written as ODK writes a geopoint: latitude longitude altitude accuracy', () => {
  assert.equal(geopoint({ latitude: -1.9441, longitude: 30.0619, altitude: null, accuracy: 12 }), '-1.9441 30.0619 0 12');
  assert.equal(geopoint({ latitude: 1.123456789, longitude: 2, altitude: 1510.5, accuracy: 4.25 }), '1.1234568 2 1510.5 4.25');
});

test('the audit item is found inside its group, with track-changes read from its parameters', () => {
  assert.deepEqual(auditItem(FORM), { name: 'log', trackChanges: false });
  assert.deepEqual(auditItem([meta('audit', 'audit', { 'track-changes': 'true' })]), { name: 'audit', trackChanges: true });
  assert.equal(auditItem([q('x')]), null);
});

test('a node is named by its path in the instance: groups included, repeats numbered', () => {
  assert.equal(nodePath(FORM, 'school'), '/data/about/school');
  assert.equal(nodePath(FORM, 'learners[2].age'), '/data/learners[2]/age');
  assert.equal(nodePath(FORM, 'learners[1].note'), '/data/learners[1]/inner/note');
  assert.equal(nodePath(FORM, ''), '');
});

test('the log is written as audit.csv: moments with a start only, questions with start and end', () => {
  const log = newAudit();
  logEvent(log, 'form start', '', 1000);
  questionShown(log, '/data/about/school', '', 1100);
  questionShown(log, '/data/about/school', '', 1150); // the same question again: still open
  questionLeft(log, 'Kigali, P3', 1900);
  questionShown(log, '/data/learners[1]/age', '', 2000);
  questionShown(log, '/data/learners[2]/age', '', 2500); // another question: the first ends
  logEvent(log, 'add repeat', '/data/learners[3]', 2600);
  logEvent(log, 'form save', '', 3000);
  assert.equal(auditCsv(log, 3100), [
    'event,node,start,end',
    'form start,,1000,',
    'question,/data/about/school,1100,1900',
    'question,/data/learners[1]/age,2000,2500',
    'add repeat,/data/learners[3],2600,',
    'form save,,3000,',
    'question,/data/learners[2]/age,2500,3100',
    '',
  ].join('\n'));
});

test('with track-changes, each question carries its value before and after, quoted as CSV', () => {
  const log = newAudit(true);
  questionShown(log, '/data/school', 'Old', 10);
  questionLeft(log, 'New, "P3"', 20);
  questionShown(log, '/data/age', '', 30);
  questionLeft(log, undefined, 40);
  assert.equal(auditCsv(log, 50), [
    'event,node,start,end,old-value,new-value',
    'question,/data/school,10,20,Old,"New, ""P3"""',
    'question,/data/age,30,40,,',
    '',
  ].join('\n'));
});
