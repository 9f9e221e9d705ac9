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
 *   is closed, `form finalize` when it goes to the outbox.
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

/** The audit item of the form, if it has one, with whether it tracks changes. */
export function auditItem(items) {
  const found = metadataItems(items).find((m) => m.of === 'audit');
  if (!found) return null;
  const track = String(found.item.parameters?.['track-changes'] ?? '').toLowerCase() === 'true';
  return { name: found.name, trackChanges: track };
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

/** A new audit log. */
export const newAudit = (trackChanges = false) => ({ trackChanges, events: [], open: null });

/** Records an event that happens at one moment (`form start`, `form save`…). */
export function logEvent(log, event, node = '', at = Date.now()) {
  log.events.push({ event, node, start: at, end: null });
  return log;
}

/** A question takes the focus: its event starts (one left open is ended first). */
export function questionShown(log, node, value = '', at = Date.now()) {
  if (log.open?.node === node) return log;
  questionLeft(log, undefined, at);
  log.open = { event: 'question', node, start: at, end: null, old: value ?? '' };
  return log;
}

/** The question with the focus loses it: its event ends, with the value it now has. */
export function questionLeft(log, value, at = Date.now()) {
  const open = log.open;
  if (!open) return log;
  log.open = null;
  const row = { event: open.event, node: open.node, start: open.start, end: at };
  if (log.trackChanges) { row.old = open.old; row.new = value === undefined ? open.old : (value ?? ''); }
  log.events.push(row);
  return log;
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
const field = (v) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** The log as `audit.csv` (a question still open ends at `at`). */
export function auditCsv(log, at = Date.now()) {
  const events = [...log.events];
  if (log.open) events.push({ event: log.open.event, node: log.open.node, start: log.open.start, end: at, old: log.open.old, new: log.open.old });
  const header = log.trackChanges ? ['event', 'node', 'start', 'end', 'old-value', 'new-value'] : ['event', 'node', 'start', 'end'];
  const lines = [header.join(',')];
  for (const e of events) {
    const row = [e.event, e.node, e.start, e.end];
    if (log.trackChanges) row.push(e.old ?? '', e.new ?? '');
    lines.push(row.map(field).join(','));
  }
  return `${lines.join('\n')}\n`;
}
