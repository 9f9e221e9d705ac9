/**
 * metadata.js — the values of a form's metadata items that the device knows, and the
 * audit log of a form being filled, as ODK Collect writes them:
 *
 * - `start`, `end`, `today`, `username`, `deviceid`, `email` and `phonenumber` from the
 *   device and the account (the e-mail and phone of the person the account is linked to,
 *   as the package gives them); `start-geopoint`, the position taken when the form was
 *   started, as "latitude longitude altitude accuracy";
 * - `audit`: the file `audit.csv`, one line an event with its time in milliseconds since
 *   1970 (`event,node,start,end`, and `old-value,new-value` with `track-changes=true`):
 *   `form start` or `form resume` when the form opens, `question` while a question has the
 *   focus (this app shows the whole form on one page), `add repeat` and `delete repeat`,
 *   `constraint error` for each problem a save finds, `form save` and `form exit` when it
 *   is closed, `form finalize` when it goes to the outbox;
 * - with `track-changes-reasons=on-form-edit`, a `change-reason` column, left empty: the
 *   reason Collect asks for when a saved form is edited again, which this app does not do;
 * - with `identify-user=true`, the name or id the enumerator gives when the form opens (each
 *   time it opens) in a `user` column of every event;
 * - with `location-priority`, `location-min-interval` and `location-max-age` (all three), the
 *   `latitude,longitude,accuracy` of each event: the most accurate position the device gave
 *   that is not older than `location-max-age` seconds (positions kept at most one every
 *   `location-min-interval` seconds), and the events `location tracking enabled`, `location
 *   permissions granted` or `not granted`, `location providers enabled` or `disabled` (the
 *   latter two not repeated).
 *
 * What the device cannot know is listed, so the form can say it will be sent empty.
 * No DOM, no network.
 */

/** The metadata types the app fills. */
export const FILLED = ['start', 'end', 'today', 'username', 'deviceid', 'email', 'phonenumber', 'start-geopoint', 'audit'];

/** The file name an `audit` item's answer gives. */
export const AUDIT_FILE = 'audit.csv';

/** Every metadata item of the form (inside groups too), as `{name, of, item}`. */
export function metadataItems(items, out = []) {
  for (const item of items ?? []) {
    if (item.kind?.type === 'group') metadataItems(item.kind.items, out);
    else if (item.kind?.type === 'metadata') out.push({ name: item.name, of: item.kind.of, item });
  }
  return out;
}

/**
 * The values of the metadata items from `known` (`{start, end, today, username, deviceid,
 * email, phonenumber, 'start-geopoint', audit}`, each a string or empty), and the items left
 * empty because the device does not know their value, as `{name, of}`.
 */
export function metadataValues(items, known) {
  const values = {};
  const unknown = [];
  for (const { name, of } of metadataItems(items)) {
    if (!FILLED.includes(of)) continue;
    const value = known[of];
    if (value === undefined || value === null || value === '') unknown.push({ name, of });
    else values[name] = String(value);
  }
  return { values, unknown };
}

/** A position as ODK writes a geopoint: "latitude longitude altitude accuracy". */
export function geopoint(coords) {
  const { latitude, longitude, altitude, accuracy } = coords;
  return [latitude, longitude, altitude ?? 0, accuracy ?? 0].map((n) => String(Math.round(Number(n) * 1e7) / 1e7)).join(' ');
}

/**
 * The audit item of the form, if it has one: whether it tracks changes, identifies the user,
 * writes the reasons for changes, and where it tracks the location `{priority, minInterval, maxAge}` (seconds; null unless
 * the three parameters are given, as the import checks).
 */
export function auditItem(items) {
  const found = metadataItems(items).find((m) => m.of === 'audit');
  if (!found) return null;
  const p = found.item.parameters ?? {};
  const yes = (key) => String(p[key] ?? '').toLowerCase() === 'true';
  const located = p['location-priority'] && p['location-min-interval'] !== undefined && p['location-max-age'] !== undefined;
  const location = located
    ? { priority: p['location-priority'], minInterval: Number(p['location-min-interval']), maxAge: Number(p['location-max-age']) }
    : null;
  const changeReasons = String(p['track-changes-reasons'] ?? '') === 'on-form-edit';
  return { name: found.name, trackChanges: yes('track-changes'), identifyUser: yes('identify-user'), changeReasons, location };
}

/**
 * The node an event names, as ODK writes it: the question's path in the form's instance,
 * its groups included, repeats numbered from 1 (`learners[2].age` → `/data/learners[2]/age`).
 */
export function nodePath(items, path) {
  if (!path) return '';
  const parents = new Map();
  const walk = (list, groups) => {
    for (const item of list ?? []) {
      parents.set(item.name, groups);
      if (item.kind?.type === 'group') walk(item.kind.items, [...groups, item.name]);
      else if (item.kind?.type === 'repeat') walk(item.kind.items, []);
    }
  };
  walk(items, []);
  const out = ['', 'data'];
  for (const step of path.split('.')) {
    const name = step.replace(/\[\d+\]$/, '');
    out.push(...(parents.get(name) ?? []), step);
  }
  return out.join('/');
}

/**
 * A new audit log, as `auditItem` describes it (or only whether it tracks changes). The user
 * is asked for again each time the form opens (`needsUser`); positions are not kept across.
 */
export function newAudit(config = false) {
  const c = typeof config === 'object' && config !== null ? config : { trackChanges: Boolean(config) };
  return {
    trackChanges: Boolean(c.trackChanges), identifyUser: Boolean(c.identifyUser), changeReasons: Boolean(c.changeReasons),
    location: c.location ?? null,
    user: '', events: [], open: null, positions: [],
  };
}

/** Whether the log waits for the enumerator to say who they are before the form is filled. */
export const needsUser = (log) => Boolean(log?.identifyUser) && !String(log.user ?? '').trim();

/** The name or id the enumerator gave; false when it is empty (Collect takes no blank identity). */
export function setUser(log, user) {
  const u = String(user ?? '').trim();
  if (!u) return false;
  log.user = u;
  return true;
}

/**
 * A position the device gave `{latitude, longitude, accuracy, time}` (time in ms): kept when
 * at least `location-min-interval` seconds after the last one kept, positions older than
 * `location-max-age` seconds dropped. Returns whether it was kept.
 */
export function addPosition(log, position) {
  if (!log.location) return false;
  log.positions = log.positions ?? [];
  const last = log.positions[log.positions.length - 1];
  if (last && position.time - last.time < log.location.minInterval * 1000) return false;
  log.positions.push({ latitude: position.latitude, longitude: position.longitude, accuracy: position.accuracy, time: position.time });
  log.positions = log.positions.filter((p) => position.time - p.time <= log.location.maxAge * 1000);
  return true;
}

/** The most accurate position not older than `location-max-age` at `at`, or null (Collect's choice). */
export function bestPosition(log, at = Date.now()) {
  if (!log.location) return null;
  let best = null;
  for (const p of log.positions ?? []) {
    if (at - p.time > log.location.maxAge * 1000 || p.time > at) continue;
    if (!best || p.accuracy < best.accuracy) best = p;
  }
  return best;
}

/** The location events Collect writes once in a row (providers enabled or disabled). */
const ONCE_IN_A_ROW = ['location providers enabled', 'location providers disabled'];

/** An event stamped with the user and the position, as the log's options ask. */
function stamped(log, row, at) {
  if (log.identifyUser) row.user = log.user ?? '';
  if (log.location && !row.latitude) {
    const p = bestPosition(log, at);
    if (p) Object.assign(row, { latitude: p.latitude, longitude: p.longitude, accuracy: p.accuracy });
  }
  return row;
}

/** Records an event that happens at one moment (`form start`, `form save`…). */
export function logEvent(log, event, node = '', at = Date.now()) {
  if (event.startsWith('location ') && !log.location) return log;
  if (ONCE_IN_A_ROW.includes(event) && log.events[log.events.length - 1]?.event === event) return log;
  log.events.push(stamped(log, { event, node, start: at, end: null }, at));
  return log;
}

/** A question takes the focus: its event starts (one left open is ended first). */
export function questionShown(log, node, value = '', at = Date.now()) {
  if (log.open?.node === node) return log;
  questionLeft(log, undefined, at);
  log.open = stamped(log, { event: 'question', node, start: at, end: null, old: value ?? '' }, at);
  return log;
}

/** The question with the focus loses it: its event ends, with the value it now has. */
export function questionLeft(log, value, at = Date.now()) {
  const open = log.open;
  if (!open) return log;
  log.open = null;
  const row = { ...open, end: at };
  delete row.old;
  if (log.trackChanges) { row.old = open.old; row.new = value === undefined ? open.old : (value ?? ''); }
  // A position that came while the question was open, as Collect sets it at the end.
  log.events.push(stamped(log, row, at));
  return log;
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
const field = (v) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/**
 * The log as `audit.csv` (a question still open ends at `at`), its columns as Collect writes
 * them: `event,node,start,end`, then `latitude,longitude,accuracy` with location tracking,
 * `old-value,new-value` with track-changes, `user` with identify-user, `change-reason` with
 * `track-changes-reasons=on-form-edit` (empty: a form sent is not edited again here, so no
 * reason is asked for), the columns the server checks the header for.
 */
export function auditCsv(log, at = Date.now()) {
  const events = [...log.events];
  if (log.open) events.push(stamped(log, { ...log.open, end: at, new: log.open.old }, at));
  const header = ['event', 'node', 'start', 'end'];
  if (log.location) header.push('latitude', 'longitude', 'accuracy');
  if (log.trackChanges) header.push('old-value', 'new-value');
  if (log.identifyUser) header.push('user');
  if (log.changeReasons) header.push('change-reason');
  const lines = [header.join(',')];
  for (const e of events) {
    const row = [e.event, e.node, e.start, e.end];
    if (log.location) row.push(e.latitude ?? '', e.longitude ?? '', e.accuracy ?? '');
    if (log.trackChanges) row.push(e.old ?? '', e.new ?? '');
    if (log.identifyUser) row.push(e.user ?? '');
    if (log.changeReasons) row.push(e.reason ?? '');
    lines.push(row.map(field).join(','));
  }
  return `${lines.join('\n')}\n`;
}
