/**
 * Tests of visits.js (run with `node --test crates/instruments/static/field/tests/`): a
 * coaching visit checked as the server checks it, its outbox record and the body sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkVisit, isDay, newVisit, visitBody, feedbackLines, coacheeValue } from '../visits.js';

const COACHEE = {
  programme_code: 'BLF', programme_name: 'Building Learning Foundations', coach_id: 11, coachee_id: 42,
  given_name: 'Aline', family_name: 'Uwase', school_id: 3, school_name: 'GS Gitega',
};
const TODAY = '2026-12-06';

test('a visit needs a coachee and a day that is not in the future', () => {
  assert.deepEqual(checkVisit({ coachee: 'BLF:42', visited_on: TODAY }, TODAY), []);
  assert.deepEqual(checkVisit({ coachee: 'BLF:42', visited_on: '2026-12-01', next_visit_on: '2027-01-10' }, TODAY), []);
  assert.deepEqual(checkVisit({ coachee: '', visited_on: '' }, TODAY), [
    { field: 'coachee', code: 'required' }, { field: 'visited_on', code: 'required' },
  ]);
  assert.deepEqual(checkVisit({ coachee: 'BLF:42', visited_on: '2026-12-07' }, TODAY), [{ field: 'visited_on', code: 'future' }]);
  assert.deepEqual(checkVisit({ coachee: 'BLF:42', visited_on: '2026-02-30' }, TODAY), [{ field: 'visited_on', code: 'date' }]);
});

test('the next visit is a day, not before the visit', () => {
  assert.deepEqual(checkVisit({ coachee: 'x', visited_on: '2026-12-01', next_visit_on: '2026-11-30' }, TODAY),
    [{ field: 'next_visit_on', code: 'before-visit' }]);
  assert.deepEqual(checkVisit({ coachee: 'x', visited_on: '2026-12-01', next_visit_on: 'soon' }, TODAY),
    [{ field: 'next_visit_on', code: 'date' }]);
  assert.deepEqual(checkVisit({ coachee: 'x', visited_on: '2026-12-01', next_visit_on: '2026-12-01' }, TODAY), []);
});

test('days are checked on the calendar', () => {
  assert.ok(isDay('2024-02-29'));
  assert.ok(!isDay('2026-02-29'));
  assert.ok(!isDay('2026-13-01'));
  assert.ok(!isDay('6/12/2026'));
  assert.ok(!isDay(undefined));
});

test('the body names the coachee of the package, the client id and only what was given', () => {
  const record = newVisit({
    visited_on: '2026-12-01 ', focus: ['5', '2', '5'], observation: 'aaaaaaaa-0000-4000-8000-000000000001',
    agreed_actions: '  Try think-pair-share ', next_visit_on: '2027-01-10',
  }, COACHEE, 'bbbbbbbb-0000-4000-8000-000000000002', '2026-12-01T10:00:00Z');
  assert.equal(record.kind, 'visit');
  assert.deepEqual(record.subject, { kind: 'person', id: 42 });
  assert.deepEqual(visitBody(record), {
    uuid: 'bbbbbbbb-0000-4000-8000-000000000002', programme_code: 'BLF', coach_id: 11, coachee_id: 42,
    visited_on: '2026-12-01', focus: [5, 2], submission_uuid: 'aaaaaaaa-0000-4000-8000-000000000001',
    agreed_actions: 'Try think-pair-share', next_visit_on: '2027-01-10',
  });
  const bare = newVisit({ visited_on: TODAY, focus: [], observation: '', agreed_actions: ' ', next_visit_on: '' },
    COACHEE, 'cccccccc-0000-4000-8000-000000000003', 'now');
  assert.deepEqual(visitBody(bare), {
    uuid: 'cccccccc-0000-4000-8000-000000000003', programme_code: 'BLF', coach_id: 11, coachee_id: 42,
    visited_on: TODAY, focus: [],
  });
  // Sent again, the same record gives the same body: the server stores it once.
  assert.deepEqual(visitBody(bare), visitBody(structuredClone(bare)));
  assert.equal(coacheeValue(COACHEE), 'BLF:42');
});

test('the feedback answered is read one line a domain', () => {
  const answer = {
    uuid: 'x',
    feedback: [
      { domain: 'SL1', score: 3, max: 8, percent: 37.5, band: 'Emerging', text: 'Plan one change' },
      { domain: 'SL2', score: 0, max: 0, percent: 0, band: null, text: null },
    ],
  };
  assert.deepEqual(feedbackLines(answer), [
    { domain: 'SL1', percent: 37.5, band: 'Emerging', text: 'Plan one change' },
    { domain: 'SL2', percent: 0, band: null, text: null },
  ]);
  assert.deepEqual(feedbackLines({}), []);
  assert.deepEqual(feedbackLines(null), []);
});
