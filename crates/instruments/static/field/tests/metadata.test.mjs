// The metadata the field app fills and the audit log it keeps (metadata.js), as ODK
// Collect writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  metadataValues, geopoint, auditItem, nodePath, newAudit, logEvent, questionShown, questionLeft, auditCsv, AUDIT_FILE,
  needsUser, setUser, addPosition, bestPosition,
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
  assert.deepEqual(auditItem(FORM), { name: 'log', trackChanges: false, identifyUser: false, changeReasons: false, location: null });
  assert.deepEqual(auditItem([meta('audit', 'audit', { 'track-changes': 'true' })]),
    { name: 'audit', trackChanges: true, identifyUser: false, changeReasons: false, location: null });
  const full = { 'identify-user': 'true', 'location-priority': 'balanced', 'location-min-interval': '20', 'location-max-age': '60' };
  assert.deepEqual(auditItem([meta('audit', 'audit', full)]),
    { name: 'audit', trackChanges: false, identifyUser: true, changeReasons: false, location: { priority: 'balanced', minInterval: 20, maxAge: 60 } });
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

test('identify-user: the enumerator names themself before filling, and every event carries the name', () => {
  const log = newAudit({ trackChanges: true, identifyUser: true });
  assert.equal(needsUser(log), true);
  assert.equal(setUser(log, '   '), false, 'a blank identity is not taken');
  assert.equal(needsUser(log), true);
  assert.equal(setUser(log, ' Ana, coach '), true);
  assert.equal(needsUser(log), false);
  logEvent(log, 'form start', '', 1000);
  questionShown(log, '/data/school', '', 1100);
  questionLeft(log, 'P3', 1200);
  logEvent(log, 'form save', '', 1300);
  assert.equal(auditCsv(log, 1400), [
    'event,node,start,end,old-value,new-value,user',
    'form start,,1000,,,,"Ana, coach"',
    'question,/data/school,1100,1200,,P3,"Ana, coach"',
    'form save,,1300,,,,"Ana, coach"',
    '',
  ].join('\n'));
  // Opened again by someone else: asked again, the events before keep their own name.
  log.user = '';
  assert.equal(needsUser(log), true);
  setUser(log, 'Ben');
  logEvent(log, 'form resume', '', 2000);
  assert.match(auditCsv(log, 2100), /form start,,1000,,,,"Ana, coach"\n[^]*form resume,,2000,,,,Ben\n$/);
});

test('location tracking: each event carries the most accurate recent position, and location events are logged', () => {
  const log = newAudit({ location: { priority: 'balanced', minInterval: 10, maxAge: 30 } });
  logEvent(log, 'location tracking enabled', '', 1000);
  logEvent(log, 'form start', '', 1000);
  assert.equal(addPosition(log, { latitude: -1.95, longitude: 30.06, accuracy: 40, time: 2000 }), true);
  assert.equal(addPosition(log, { latitude: -1.9501, longitude: 30.0601, accuracy: 5, time: 5000 }), false, 'sooner than the minimum interval');
  assert.equal(addPosition(log, { latitude: -1.9502, longitude: 30.0602, accuracy: 8, time: 12000 }), true);
  logEvent(log, 'location permissions granted', '', 2000);
  logEvent(log, 'location providers enabled', '', 2000);
  logEvent(log, 'location providers enabled', '', 2500);
  questionShown(log, '/data/school', '', 13000);
  questionLeft(log, 'P3', 14000);
  assert.deepEqual(bestPosition(log, 13000), { latitude: -1.9502, longitude: 30.0602, accuracy: 8, time: 12000 });
  assert.equal(bestPosition(log, 50000), null, 'older than location-max-age');
  logEvent(log, 'location providers disabled', '', 50000);
  logEvent(log, 'form save', '', 50000);
  assert.equal(auditCsv(log, 51000), [
    'event,node,start,end,latitude,longitude,accuracy',
    'location tracking enabled,,1000,,,,',
    'form start,,1000,,,,',
    'location permissions granted,,2000,,-1.95,30.06,40',
    'location providers enabled,,2000,,-1.95,30.06,40',
    'question,/data/school,13000,14000,-1.9502,30.0602,8',
    'location providers disabled,,50000,,,,',
    'form save,,50000,,,,',
    '',
  ].join('\n'));
  // Without location tracking, location events are not written.
  const plain = newAudit();
  logEvent(plain, 'location tracking enabled', '', 1);
  assert.deepEqual(plain.events, []);
});

test('track-changes-reasons: a change-reason column after the user, as Collect writes it', () => {
  const items = [{ name: 'audit', kind: { type: 'metadata', of: 'audit' },
    parameters: { 'track-changes': 'true', 'identify-user': 'true', 'track-changes-reasons': 'on-form-edit' } }];
  const config = auditItem(items);
  assert.equal(config.changeReasons, true);
  const log = newAudit(config);
  setUser(log, 'Ana');
  logEvent(log, 'form start', '', 1000);
  assert.equal(auditCsv(log, 1100), [
    'event,node,start,end,old-value,new-value,user,change-reason',
    'form start,,1000,,,,Ana,',
    '',
  ].join('\n'));
  assert.equal(auditItem([{ ...items[0], parameters: {} }]).changeReasons, false);
});
