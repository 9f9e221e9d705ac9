/**
 * Tests of meetings.js (run with `node --test crates/instruments/static/field/tests/`): a PLC
 * meeting checked as the server checks it, the points it reports on, the guests it may
 * have, its outbox record, the body sent, and the fields the server's problems name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkMeeting, pointsCarriedTo, guestChoices, newMeeting, meetingBody, meetingRoute, problemField,
} from '../meetings.js';

const TODAY = '2026-12-06';
const point = (id, agreed_on, due_on, version = 1) => ({
  id, plc_id: 9, meeting_id: 1, agreed_on, title: `Point ${id}`, owner_id: 11, owner_name: 'Aline Uwase', due_on,
  status: 'open', closed_on: null, version,
});
const PLC = {
  id: 9, code: 'PLC-D-GAS', name: 'Gasabo leaders of learning', level: 'district', unit_name: 'Gasabo', role: 'facilitator',
  people: [
    { person_id: 10, name: 'Jean Habimana', role: 'facilitator' },
    { person_id: 11, name: 'Aline Uwase', role: 'member' },
    { person_id: 12, name: 'Eric Mugisha', role: 'member' },
  ],
  open_points: [point(3, '2026-11-20', '2026-12-10', 2), point(2, '2026-11-20', '2026-12-01'), point(4, TODAY, '2026-12-20')],
};
const PACKAGE = {
  people: [
    { id: 11, given_name: 'Aline', family_name: 'Uwase' },
    { id: 20, given_name: 'Zoé', family_name: 'Bizimana' },
  ],
  coachees: [{ coachee_id: 21, given_name: 'Claude', family_name: 'Mutoni' }, { coachee_id: 20, given_name: 'Zoé', family_name: 'Bizimana' }],
  plcs: [PLC, { id: 8, people: [{ person_id: 10, name: 'Jean Habimana' }, { person_id: 30, name: 'Anne Kayitesi' }] }],
};

test('a meeting needs a PLC and a day that is not in the future', () => {
  assert.deepEqual(checkMeeting({ plc: '9', held_on: TODAY }, TODAY), []);
  assert.deepEqual(checkMeeting({ plc: '', held_on: '' }, TODAY), [
    { field: 'plc', code: 'required' }, { field: 'held_on', code: 'required' },
  ]);
  assert.deepEqual(checkMeeting({ plc: '9', held_on: '2026-12-07' }, TODAY), [{ field: 'held_on', code: 'future' }]);
  assert.deepEqual(checkMeeting({ plc: '9', held_on: '2026-02-30' }, TODAY), [{ field: 'held_on', code: 'date' }]);
});

test('an action point needs a title, an owner and a due day; an empty row is no point', () => {
  const points = [
    { title: '', owner_id: '', due_on: '' },
    { title: ' Plan visits ', owner_id: '11', due_on: '2026-12-20' },
    { title: 'Nobody', owner_id: '', due_on: 'soon' },
  ];
  assert.deepEqual(checkMeeting({ plc: '9', held_on: TODAY, points }, TODAY), [
    { field: 'action_points[1].owner_id', code: 'owner' },
    { field: 'action_points[1].due_on', code: 'date' },
  ]);
});

test('a meeting reports on the points agreed before its day, by due day', () => {
  assert.deepEqual(pointsCarriedTo(PLC, TODAY).map((p) => p.id), [2, 3]);
  assert.deepEqual(pointsCarriedTo(PLC, '2026-11-20').map((p) => p.id), []);
  assert.deepEqual(pointsCarriedTo(PLC, '2026-12-07').map((p) => p.id), [2, 3, 4]);
  assert.deepEqual(pointsCarriedTo({}, TODAY), []);
});

test('guests are the package\'s people who are not members, each once, by name', () => {
  assert.deepEqual(guestChoices(PACKAGE, PLC), [
    { id: 30, name: 'Anne Kayitesi' }, { id: 21, name: 'Claude Mutoni' }, { id: 20, name: 'Zoé Bizimana' },
  ]);
});

test('the record marks guests, closes the points chosen with the version read, and the body sends what was given', () => {
  const entered = {
    plc: '9', held_on: TODAY, standards: ['2', '5', '2'], attendance: ['10', '11', '20'], guests: [20, 11],
    notes: ' Reading corners ', closed: ['3'],
    points: [{ title: ' Plan visits ', owner_id: '20', due_on: '2026-12-20' }, { title: '', owner_id: '', due_on: '' }],
  };
  const record = newMeeting(entered, PLC, 'aaaaaaaa-0000-4000-8000-000000000001', '2026-12-06T10:00:00Z');
  assert.equal(record.kind, 'meeting');
  assert.deepEqual(record.guests, [20], 'a member is never a guest');
  assert.deepEqual(meetingBody(record), {
    uuid: 'aaaaaaaa-0000-4000-8000-000000000001', held_on: TODAY, standards: [2, 5], attendance: [10, 11, 20],
    action_points: [{ title: 'Plan visits', owner_id: 20, due_on: '2026-12-20' }],
    updates: [{ id: 3, status: 'done', version: 2 }], notes: 'Reading corners',
  });
  assert.equal(meetingRoute(record), '/api/v1/plcs/9/meetings');
  // Sent again, the same record gives the same body: the server stores it once.
  assert.deepEqual(meetingBody(structuredClone(record)), meetingBody(record));
  // A point agreed on the meeting's day is not reported on, even if marked.
  const later = newMeeting({ ...entered, closed: ['4'] }, PLC, 'x', 'now');
  assert.deepEqual(later.updates, []);
  const bare = newMeeting({ plc: '9', held_on: TODAY }, PLC, 'y', 'now');
  assert.deepEqual(meetingBody(bare), { uuid: 'y', held_on: TODAY, standards: [], attendance: [], action_points: [], updates: [] });
});

test('the fields the server\'s problems name are read from their column', () => {
  assert.deepEqual(problemField('held_on'), { field: 'held_on', index: null, part: null });
  assert.deepEqual(problemField('action_points[1].owner_id'), { field: 'action_points', index: 1, part: 'owner_id' });
  assert.deepEqual(problemField('attendance[0]'), { field: 'attendance', index: 0, part: null });
  assert.equal(problemField(null), null);
  assert.equal(problemField('nonsense!'), null);
});
