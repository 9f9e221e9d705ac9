/**
 * visits.js — coaching visits recorded offline. Pure: checks a visit as typed (the same
 * rules as the server: a date, not in the future, the next visit not before it), makes the
 * outbox record from it and the coachee chosen from the package, builds the body of
 * POST /api/v1/coaching/visits from that record, and reads the feedback the server answers.
 *
 * The record's `uuid` is the visit's client id: the server stores a uuid once, so a retry
 * never records the visit twice. An observation made in the app is named by the uuid its
 * submission was sent with; the outbox sends it first (it is older), so the server knows it.
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a day of the calendar written `YYYY-MM-DD`. */
export function isDay(text) {
  const m = DAY.exec(String(text ?? ''));
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/**
 * The problems of a visit as typed, each `{field, code}`: `entered` holds `coachee` (the
 * chosen option's value), `visited_on` and `next_visit_on` (`YYYY-MM-DD` or empty); `today`
 * is the device's day, `YYYY-MM-DD`.
 */
export function checkVisit(entered, today) {
  const problems = [];
  if (!entered.coachee) problems.push({ field: 'coachee', code: 'required' });
  const day = String(entered.visited_on ?? '').trim();
  if (!day) problems.push({ field: 'visited_on', code: 'required' });
  else if (!isDay(day)) problems.push({ field: 'visited_on', code: 'date' });
  else if (day > today) problems.push({ field: 'visited_on', code: 'future' });
  const next = String(entered.next_visit_on ?? '').trim();
  if (next && !isDay(next)) problems.push({ field: 'next_visit_on', code: 'date' });
  else if (next && isDay(day) && next < day) problems.push({ field: 'next_visit_on', code: 'before-visit' });
  return problems;
}

/** The value of a coachee's option: the programme and the coachee (one may be coached in two). */
export const coacheeValue = (c) => `${c.programme_code}:${c.coachee_id}`;

/**
 * The outbox record of a visit: `entered` as checked by [`checkVisit`] plus `focus` (ids of
 * standards) and `observation` (a submission's uuid, or empty); `coachee` the package's entry.
 */
export function newVisit(entered, coachee, uuid, collectedAt) {
  const text = String(entered.agreed_actions ?? '').trim();
  return {
    uuid,
    kind: 'visit',
    programme_code: coachee.programme_code,
    coach_id: coachee.coach_id,
    coachee_id: coachee.coachee_id,
    visited_on: String(entered.visited_on).trim(),
    focus: [...new Set((entered.focus ?? []).map(Number).filter(Number.isInteger))],
    submission_uuid: entered.observation || null,
    agreed_actions: text || null,
    next_visit_on: String(entered.next_visit_on ?? '').trim() || null,
    collected_at: collectedAt,
    subject: { kind: 'person', id: coachee.coachee_id },
  };
}

/** The body of POST /api/v1/coaching/visits for a visit of the outbox: what is set, nothing else. */
export function visitBody(record) {
  const body = {
    uuid: record.uuid,
    programme_code: record.programme_code,
    coach_id: record.coach_id,
    coachee_id: record.coachee_id,
    visited_on: record.visited_on,
    focus: record.focus ?? [],
  };
  if (record.submission_uuid) body.submission_uuid = record.submission_uuid;
  if (record.agreed_actions) body.agreed_actions = record.agreed_actions;
  if (record.next_visit_on) body.next_visit_on = record.next_visit_on;
  return body;
}

/**
 * The feedback of a visit as the server answered it, one line a rubric domain:
 * `{domain, percent, band, text}` (band and text null when no band covers the score).
 */
export function feedbackLines(answer) {
  return (Array.isArray(answer?.feedback) ? answer.feedback : []).map((f) => ({
    domain: String(f.domain ?? ''),
    percent: typeof f.percent === 'number' ? f.percent : null,
    band: f.band ?? null,
    text: f.text ?? null,
  }));
}
