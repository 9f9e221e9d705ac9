/**
 * meetings.js — PLC meetings recorded offline. Pure: checks a meeting as typed (the same
 * rules as the server: a date, not in the future; an action point needs a title, an owner
 * and a due day), gives the open action points a meeting held on a day reports on, makes the
 * outbox record from what was entered and the PLC of the package, and builds the body of
 * POST /api/v1/plcs/{id}/meetings from that record.
 *
 * The record's `uuid` is the meeting's client id: the server stores a meeting once per
 * client id, so a retry never records it twice.
 */
import { isDay } from './visits.js';

/**
 * The action points of `plc` (the package's) that a meeting held on `day` reports on:
 * those agreed before that day, by due day.
 */
export function pointsCarriedTo(plc, day) {
  const points = Array.isArray(plc?.open_points) ? plc.open_points : [];
  return points.filter((p) => !isDay(day) || p.agreed_on < day)
    .sort((a, b) => (a.due_on < b.due_on ? -1 : a.due_on > b.due_on ? 1 : a.id - b.id));
}

/** The people a meeting of `plc` may name: its members (facilitators and officers among them). */
export const members = (plc) => (Array.isArray(plc?.people) ? plc.people : []);

/**
 * The people of the package who may come as guests of `plc`: everyone the package names
 * (its people, the people the user coaches, the people of the other PLCs), not a member of
 * this one, by name. Each `{id, name}`.
 */
export function guestChoices(pkg, plc) {
  const taken = new Set(members(plc).map((p) => p.person_id));
  const out = new Map();
  const add = (id, name) => { if (Number.isInteger(id) && !taken.has(id) && !out.has(id)) out.set(id, { id, name }); };
  for (const p of pkg?.people ?? []) add(p.id, `${p.given_name} ${p.family_name}`);
  for (const c of pkg?.coachees ?? []) add(c.coachee_id, `${c.given_name} ${c.family_name}`);
  for (const g of pkg?.plcs ?? []) for (const p of g.people ?? []) add(p.person_id, p.name);
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
}

/**
 * The problems of a meeting as typed, each `{field, code}` (`field` as the server names
 * it: `held_on`, `action_points[0].title`…): `entered` holds `plc` (the chosen option's
 * value), `held_on`, `attendance` (ids), `points` (`{title, owner_id, due_on}` as typed;
 * rows left wholly empty are not points); `today` is the device's day.
 */
export function checkMeeting(entered, today) {
  const problems = [];
  if (!entered.plc) problems.push({ field: 'plc', code: 'required' });
  const day = String(entered.held_on ?? '').trim();
  if (!day) problems.push({ field: 'held_on', code: 'required' });
  else if (!isDay(day)) problems.push({ field: 'held_on', code: 'date' });
  else if (day > today) problems.push({ field: 'held_on', code: 'future' });
  pointRows(entered.points).forEach((p, i) => {
    const at = (f) => `action_points[${i}].${f}`;
    if (!p.title) problems.push({ field: at('title'), code: 'required' });
    if (!p.owner_id) problems.push({ field: at('owner_id'), code: 'owner' });
    if (!p.due_on) problems.push({ field: at('due_on'), code: 'required' });
    else if (!isDay(p.due_on)) problems.push({ field: at('due_on'), code: 'date' });
  });
  return problems;
}

/** The action points typed, trimmed, rows left wholly empty dropped. */
function pointRows(rows) {
  return (rows ?? []).map((p) => ({
    title: String(p.title ?? '').trim(),
    owner_id: Number(p.owner_id) || null,
    due_on: String(p.due_on ?? '').trim(),
  })).filter((p) => p.title || p.owner_id || p.due_on);
}

const ids = (list) => [...new Set((list ?? []).map(Number).filter(Number.isInteger))];

/**
 * The outbox record of a meeting: `entered` as checked by [`checkMeeting`] plus `standards`
 * (ids), `guests` (ids of people who are not members), `notes` and `closed` (ids of carried
 * points marked closed); `plc` the package's entry. Points marked closed name the version
 * the package read.
 */
export function newMeeting(entered, plc, uuid, collectedAt) {
  const memberIds = new Set(members(plc).map((p) => p.person_id));
  const guests = ids(entered.guests).filter((id) => !memberIds.has(id));
  const attendance = [...ids(entered.attendance).filter((id) => memberIds.has(id)), ...guests];
  const carried = pointsCarriedTo(plc, String(entered.held_on).trim());
  const closed = new Set(ids(entered.closed));
  const text = String(entered.notes ?? '').trim();
  return {
    uuid,
    kind: 'meeting',
    plc_id: plc.id,
    held_on: String(entered.held_on).trim(),
    standards: ids(entered.standards),
    attendance,
    guests,
    notes: text || null,
    action_points: pointRows(entered.points),
    updates: carried.filter((p) => closed.has(p.id)).map((p) => ({ id: p.id, status: 'done', version: p.version })),
    collected_at: collectedAt,
  };
}

/** The body of POST /api/v1/plcs/{id}/meetings for a meeting of the outbox. */
export function meetingBody(record) {
  const body = {
    uuid: record.uuid,
    held_on: record.held_on,
    standards: record.standards ?? [],
    attendance: record.attendance ?? [],
    action_points: (record.action_points ?? []).map((p) => ({ title: p.title, owner_id: p.owner_id, due_on: p.due_on })),
    updates: (record.updates ?? []).map((u) => ({ id: u.id, status: u.status, version: u.version })),
  };
  if (record.notes) body.notes = record.notes;
  return body;
}

/** The address a meeting of the outbox is sent to. */
export const meetingRoute = (record) => `/api/v1/plcs/${encodeURIComponent(record.plc_id)}/meetings`;

/**
 * What a problem the server answered names, read from its column: `{field, index, part}`
 * (`action_points[1].owner_id` → `{field: 'action_points', index: 1, part: 'owner_id'}`,
 * `held_on` → `{field: 'held_on', index: null, part: null}`); null without a column.
 */
export function problemField(column) {
  const m = /^([a-z_]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?$/.exec(String(column ?? ''));
  if (!m) return null;
  return { field: m[1], index: m[2] === undefined ? null : Number(m[2]), part: m[3] ?? null };
}
