/**
 * app.js — the controller of the OpenCPD field app (/field/): downloads the package after
 * login, lists instruments and subjects, records coaching visits (visits.js) with the coach's
 * visit plan and PLC meetings (meetings.js), lets a refused visit or meeting be corrected and
 * sent again, renders an instrument's Form JSON as an HTML form,
 * validates it live and on save with forms.js (the server's rules), keeps drafts and the
 * outbox in IndexedDB (store.js), and sends waiting submissions one at a time when a
 * connection is there.
 *
 * Its texts are the server's messages (i18n.js), fetched with the package and kept in
 * IndexedDB, in the language the pages use or the one chosen with the app's switch. With no
 * session the app shows its own sign-in form, posted to the pages' /login.
 *
 * Sync rules: a submission is `sent` only after a 200/201 whose body names its uuid; 422 →
 * `rejected` with the server's problems; 401/403 → stays `waiting` and asks to sign in again;
 * network errors, redirects and 5xx → stays `waiting` and the run stops (resumed on the next
 * `online` event, the retry timer or the Sync button). A `sending` left by a reload goes back
 * to `waiting`: the server stores a uuid once, so sending it again never stores it twice.
 */
import * as forms from './forms.js';
import { openStore, countStatuses } from './store.js';
import { PERSON_FIELDS, personEdit } from './edits.js';
import * as visits from './visits.js';
import * as meetings from './meetings.js';
import * as uploads from './uploads.js';
import * as meta from './metadata.js';
import * as media from './media.js';
import { Messages } from './i18n.js';

// ---------------------------------------------------------------------------------------------
// Texts: the server's messages (field.ftl), kept on the device for offline use

let messages = new Messages(null, 'en');
let lang = 'en';
/** The message `key` (a field-… or problem-… identifier) in the user's language. */
const t = (key, args = {}) => messages.text(key, args);

// ---------------------------------------------------------------------------------------------
// State and small helpers

const $ = (id) => document.getElementById(id);
const state = {
  store: null,
  pkg: null,
  catalogue: null, // the texts: {lang, languages, messages: {en: {...}, fr: {...}}, pending}
  signInReason: null, // 'first' or 'ended' while the sign-in form shows
  instrument: null, // the instrument whose form is open
  answers: {}, // raw answers of the open form (repeats as arrays of objects)
  computed: new Map(), // path → the inputs of a question with a calculation when last computed
  draftId: null,
  started: null,
  replaces: null, // uuid of a rejected submission being corrected
  startGeopoint: null, // {value} or {failed: reason} or {pending: true}: the position when the form was started
  audit: null, // the audit log of the open form (metadata.js), when it has an audit item
  correcting: null, // {kind: 'visit' | 'meeting', uuid} of a refused visit or meeting being corrected
  meetingPlc: null, // id of the PLC the meeting form shows
  meetingGuests: [], // ids of the guests added to the meeting form
  touched: new Set(),
  showAll: false,
  syncing: false,
  lastSyncError: null,
};

/** Creates an element: el('li', {class: 'x', dataset: {a: 1}}, child, 'text'). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') { for (const [dk, dv] of Object.entries(v)) if (dv !== undefined && dv !== null) e.dataset[dk] = dv; }
    else if (k === 'text') e.textContent = v;
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** What forms.js needs: today, now, the language and the server's problem messages. */
const ctx = () => ({
  ...forms.deviceContext(lang),
  message: (p) => messages.text(`problem-${p.code}`, { ...(p.args ?? {}), value: p.value ?? '', column: p.column ?? '' },
    forms.problemMessage(p, lang)),
});
const label = (texts, fallback = '') => forms.pickText(texts, state.instrument?.form ?? { default_language: 'default' }, lang) ?? fallback;
const pad = (n) => String(n).padStart(2, '0');

/** Local time as ISO 8601 with its offset, as ODK writes `start` and `end`. */
function isoLocal(d = new Date()) {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
    + `.${String(d.getMilliseconds()).padStart(3, '0')}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

function deviceId() {
  try {
    let id = localStorage.getItem('opencpd-field-device');
    if (!id) { id = crypto.randomUUID(); localStorage.setItem('opencpd-field-device', id); }
    return `opencpd:${id}`;
  } catch { return ''; }
}

/** Labels of the fields a correction may change, and of the problems it may have. */
const CONTACT_FIELDS = {
  given_name: 'field-contact-given_name', family_name: 'field-contact-family_name', birth_year: 'field-contact-birth_year',
  phone: 'field-contact-phone', email: 'field-contact-email',
};
const CONTACT_PROBLEMS = {
  required: 'field-contact-problem-required', year: 'field-contact-problem-year',
  phone: 'field-contact-problem-phone', email: 'field-contact-problem-email',
};
/** Labels of a visit's fields and of the problems it may have. */
const VISIT_FIELDS = { coachee: 'field-visit-coachee', visited_on: 'field-visit-date', next_visit_on: 'field-visit-next' };
const VISIT_PROBLEMS = {
  required: 'field-visit-problem-required', date: 'field-visit-problem-date', future: 'field-visit-problem-future',
  'before-visit': 'field-visit-problem-before-visit',
};
/** Labels of a visit's fields as the server names them in its problems. */
const VISIT_COLUMNS = {
  programme_code: 'field-visit-coachee', coach_id: 'field-visit-coachee', coachee_id: 'field-visit-coachee',
  visited_on: 'field-visit-date', next_visit_on: 'field-visit-next', focus: 'field-visit-focus',
  submission_uuid: 'field-visit-observation', submission_id: 'field-visit-observation', agreed_actions: 'field-visit-actions',
};
/** Labels of a meeting's fields (as the server names them), of an action point's, and of its problems. */
const MEETING_FIELDS = {
  plc: 'field-meeting-plc', held_on: 'field-meeting-date', standards: 'field-meeting-topics',
  attendance: 'field-meeting-attendance', notes: 'field-meeting-notes', updates: 'field-meeting-carried',
};
const POINT_PARTS = { title: 'field-meeting-point-title', owner_id: 'field-meeting-point-owner', due_on: 'field-meeting-point-due' };
const MEETING_PROBLEMS = {
  required: 'field-meeting-problem-required', date: 'field-meeting-problem-date', future: 'field-meeting-problem-future',
  owner: 'field-meeting-problem-owner',
};
const ROLES = {
  facilitator: 'field-meeting-role-facilitator', supporting_officer: 'field-meeting-role-supporting_officer',
  member: 'field-meeting-role-member',
};
const STATUSES = {
  waiting: 'field-status-waiting', sending: 'field-status-sending', sent: 'field-status-sent', rejected: 'field-status-rejected',
};

/** Shows every text in `lang` (the static ones carry their message in `data-i18n`). */
function applyLanguage() {
  messages = new Messages(state.catalogue, state.catalogue?.lang);
  lang = messages.lang;
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = messages.text(e.dataset.i18n, {}, e.textContent);
  document.title = t('field-app-title');
  const languages = state.catalogue?.languages ?? [];
  $('languages').replaceChildren(...(languages.length > 1 ? languages.map(({ code, name }) => el('button', {
    type: 'button', class: 'small link', lang: code, dataset: { lang: code }, text: name,
    'aria-pressed': code === lang ? 'true' : 'false',
  })) : []));
  $('languages').setAttribute('aria-label', t('field-language'));
}

/** Re-renders what shows texts, numbers or dates. */
async function rerender() {
  applyLanguage();
  renderPackage();
  await renderOutbox();
  if (!$('sign-in').hidden) showSignIn(state.signInReason);
  if (state.instrument) { renderForm(); refresh(); renderNotices(); }
}

/**
 * Fetches the messages of every language and the language the pages would use (the
 * switch's cookie, the account's setting, the browser's preference), and keeps them on the
 * device. A language chosen here while offline is told to the server first.
 */
async function refreshMessages() {
  let res;
  try {
    res = await fetch('/field/messages.json', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  } catch { return; }
  if (!res.ok) return;
  const fresh = await res.json().catch(() => null);
  if (!fresh?.messages) return;
  const held = state.catalogue;
  if (held?.pending && fresh.messages[held.lang]) {
    const told = await tellLanguage(held.lang);
    state.catalogue = { ...fresh, lang: held.lang, pending: !told };
  } else {
    state.catalogue = { ...fresh, pending: false };
  }
  await state.store.putMessages(state.catalogue);
  await rerender();
}

/** Records the language as the pages' switch does (its cookie, and the account's setting). */
async function tellLanguage(code) {
  try {
    const res = await fetch(`/lang/${encodeURIComponent(code)}?next=/field/`, { credentials: 'same-origin', redirect: 'manual' });
    return res.type === 'opaqueredirect' || res.ok;
  } catch { return false; }
}

/** The in-app switch: shown at once from the messages on the device, told to the server. */
async function switchLanguage(code) {
  if (!state.catalogue?.messages?.[code]) return;
  state.catalogue = { ...state.catalogue, lang: code, pending: true };
  await rerender();
  if (navigator.onLine && await tellLanguage(code)) state.catalogue = { ...state.catalogue, pending: false };
  await state.store.putMessages(state.catalogue);
}

// ---------------------------------------------------------------------------------------------
// The package

async function download() {
  const msg = $('package-message');
  msg.replaceChildren(t('field-downloading'));
  $('download').disabled = true;
  try {
    const res = await fetch('/api/v1/field/package', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (res.status === 401) { msg.replaceChildren(); showSignIn(state.pkg ? 'ended' : 'first'); return; }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const pkg = await res.json();
    if (!pkg || !Array.isArray(pkg.instruments)) throw new Error(t('field-unexpected'));
    await state.store.putPackage(pkg);
    state.pkg = pkg;
    const lost = await keepFormMedia(pkg);
    msg.replaceChildren(lost.length ? t('field-media-not-downloaded', { files: lost.join(', ') }) : '');
    hideSignIn();
    renderPackage();
    if (location.hash) openFromAddress();
    sync();
  } catch (e) {
    msg.replaceChildren(navigator.onLine ? t('field-download-failed', { error: e.message }) : t('field-offline'));
  } finally {
    $('download').disabled = false;
  }
}

/**
 * Keeps on the device the pictures, sounds and videos the forms' labels and choices show
 * (each once, by its digest), so that they show offline. Resolves to the names of those
 * that could not be downloaded.
 */
async function keepFormMedia(pkg) {
  const lost = [];
  for (const f of media.filesToKeep(pkg)) {
    if (await state.store.getFile(f.sha256)) continue;
    try {
      const res = await fetch(`/api/v1/instruments/${f.instrument_id}/attachments/${encodeURIComponent(f.name)}`, { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const blob = await res.blob();
      await state.store.putFile({ sha256: f.sha256, name: f.name, type: blob.type, blob, form_media: true });
    } catch {
      lost.push(f.name);
    }
  }
  return lost;
}

// ---------------------------------------------------------------------------------------------
// Signing in: the app's own form, posted to the pages' /login (the same check, throttle and
// session cookie). Asked for only when the server answers 401: with no package yet
// ('first'), or when a session that downloaded the package has ended ('ended'). The
// package and the outbox stay usable meanwhile.

function showSignIn(reason) {
  state.signInReason = reason;
  $('sign-in').hidden = false;
  $('sign-in-intro').textContent = t(reason === 'ended' ? 'field-session-ended' : 'field-sign-in-intro');
  // With nothing on the device yet, the form is all there is to do.
  $('home').hidden = !state.pkg;
  $('outbox-section').hidden = !state.pkg;
}

function hideSignIn() {
  $('sign-in').hidden = true;
  $('sign-in-message').textContent = '';
  $('home').hidden = Boolean(state.instrument);
  $('outbox-section').hidden = false;
}

async function signIn(event) {
  event.preventDefault();
  const msg = $('sign-in-message');
  const button = $('sign-in-submit');
  if (!navigator.onLine) { msg.textContent = t('field-sign-in-offline'); return; }
  msg.textContent = t('field-signing-in');
  button.disabled = true;
  try {
    // The login form's token, set in a cookie as the login page sets it.
    const form = await fetch('/field/sign-in.json', { credentials: 'same-origin', cache: 'no-store' });
    if (!form.ok) throw new Error(`HTTP ${form.status}`);
    const { csrf } = await form.json();
    const body = new URLSearchParams({
      username: $('sign-in-username').value, password: $('sign-in-password').value, csrf, next: '/field/',
    });
    const res = await fetch('/login', { method: 'POST', body, credentials: 'same-origin', redirect: 'manual' });
    if (res.type === 'opaqueredirect' || res.ok) {
      $('sign-in-password').value = '';
      msg.textContent = '';
      await refreshMessages(); // the account's language, as the pages now use it
      await download(); // which continues to the app
      if ($('sign-in').hidden === false) msg.textContent = $('package-message').textContent;
    } else if (res.status === 401) {
      msg.textContent = t('problem-bad-credentials');
    } else if (res.status === 429) {
      msg.textContent = t('problem-throttled', { seconds: Number(res.headers.get('Retry-After')) || 1 });
    } else {
      msg.textContent = t('field-sign-in-failed', { error: `HTTP ${res.status}` });
    }
  } catch (e) {
    msg.textContent = navigator.onLine ? t('field-sign-in-failed', { error: e.message }) : t('field-sign-in-offline');
  } finally {
    button.disabled = false;
  }
}

function renderPackage() {
  const pkg = state.pkg;
  $('package-info').textContent = pkg
    ? t('field-package-info', {
      date: messages.dateTime(pkg.generated_at),
      schools: pkg.schools?.length ?? 0, people: pkg.people?.length ?? 0, instruments: pkg.instruments.length,
    })
    : t('field-no-package');
  $('user').textContent = pkg?.user ? t('field-signed-in-as', { name: pkg.user.display_name || pkg.user.username }) : '';
  const list = $('instruments');
  list.replaceChildren(...(pkg?.instruments ?? []).map((i) => el('li', {},
    el('button', { type: 'button', dataset: { instrumentId: String(i.id) } }, i.title || i.form?.title || i.code,
      el('small', { text: ` ${i.code} · ${i.version}` }),
      ...(i.missing_attachments?.length ? [el('small', { class: 'missing', text: ` ${t('field-attachments-missing', { files: i.missing_attachments.join(', ') })}` })] : [])))));
  if (pkg && !pkg.instruments.length) list.append(el('li', { text: t('field-no-instruments') }));
  renderSubjects();
  renderContacts();
  renderVisit();
  renderMeeting();
  renderDrafts();
}

/** The people whose details the user may correct, from the package. */
function renderContacts() {
  const people = state.pkg?.people ?? [];
  $('contacts-section').hidden = people.length === 0;
  $('contact-person').replaceChildren(el('option', { value: '', text: t('field-choose') }),
    ...people.map((p) => el('option', { value: String(p.id), text: `${p.family_name} ${p.given_name} (${p.staff_number ?? ''})` })));
  fillContact();
}

/** Shows the chosen person's details as the package holds them. */
function fillContact() {
  const id = Number($('contact-person').value);
  const person = (state.pkg?.people ?? []).find((p) => p.id === id);
  for (const f of PERSON_FIELDS) $(`contact-${f}`).value = person?.[f] ?? '';
}

/**
 * Queues a correction of a person's details: only the fields changed, each with the value
 * the package held. The server applies it if those fields still hold those values, and
 * otherwise keeps it for a person to decide.
 */
async function saveContact() {
  const id = Number($('contact-person').value);
  const person = (state.pkg?.people ?? []).find((p) => p.id === id);
  if (!person) { $('contact-message').textContent = t('field-contact-missing'); return; }
  const entered = Object.fromEntries(PERSON_FIELDS.map((f) => [f, $(`contact-${f}`).value]));
  const { changes, base, problems } = personEdit(person, entered);
  if (problems.length) {
    $('contact-message').textContent = problems
      .map((p) => t(CONTACT_PROBLEMS[p.code], { field: t(CONTACT_FIELDS[p.field]) })).join(' ');
    return;
  }
  if (!Object.keys(changes).length) { $('contact-message').textContent = t('field-contact-unchanged'); return; }
  await state.store.addSubmission({
    uuid: crypto.randomUUID(), kind: 'edit', entity: 'person', id, base_version: person.version, changes, base,
    collected_at: new Date().toISOString(), title: t('field-contact-title', { name: `${person.given_name} ${person.family_name}` }),
    subject: { kind: 'person', id }, subject_label: Object.values(changes).join(', '),
  });
  // The package now holds what was sent, so a second correction builds on it.
  Object.assign(person, changes);
  $('contact-message').textContent = t('field-contact-saved');
  await renderOutbox();
}

// ---------------------------------------------------------------------------------------------
// Coaching visits: a coachee of the package, the day, focus standards, an observation made in
// this app (a submission of the outbox, named by its uuid), agreed actions and the next visit.

const coacheeName = (c) => `${c.given_name} ${c.family_name}`;

/** The visit form: the package's coachees and standards, the outbox's observations. */
async function renderVisit() {
  const coachees = state.pkg?.coachees ?? [];
  $('visit-section').hidden = coachees.length === 0;
  if (!coachees.length) return;
  const select = $('visit-coachee');
  const current = select.value;
  const programmes = new Set(coachees.map((c) => c.programme_code)).size > 1;
  select.replaceChildren(el('option', { value: '', text: t('field-choose') }), ...coachees.map((c) => el('option', {
    value: visits.coacheeValue(c),
    text: `${coacheeName(c)}${c.school_name ? ` — ${c.school_name}` : ''}${programmes ? ` (${c.programme_code})` : ''}`,
  })));
  select.value = current;
  const today = forms.deviceContext(lang).today;
  $('visit-date').max = today;
  if (!$('visit-date').value) $('visit-date').value = today;
  const checked = new Set([...$('visit-focus').querySelectorAll('input:checked')].map((i) => i.value));
  $('visit-focus').replaceChildren(...(state.pkg?.standards ?? []).map((s) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', name: 'visit-focus', value: String(s.id), checked: checked.has(String(s.id)) }),
    `${s.code} — ${(lang === 'fr' ? s.name_fr : s.name_en) || s.name_en}`)));
  $('visit-focus-set').hidden = !(state.pkg?.standards ?? []).length;
  await renderObservations();
  await renderVisitPlan();
}

/**
 * The coach's visit plan as the package carries it (the server's plan of the term: those not
 * visited this term first, then overdue follow-ups), each coachee marked when a visit to them
 * was recorded on this device since the package was downloaded.
 */
async function renderVisitPlan() {
  const plans = state.pkg?.visit_plans ?? [];
  const entries = plans.flatMap((p) => p.entries ?? []);
  $('visit-plan-box').hidden = entries.length === 0 || $('visit-section').hidden;
  if ($('visit-plan-box').hidden) return;
  $('visit-plan-term').textContent = t('field-visit-plan-term', { term: plans.map((p) => p.term.name).join(', ') });
  const since = Date.parse(state.pkg.generated_at) || 0;
  const recorded = new Set((await state.store.listOutbox())
    .filter((r) => r.kind === 'visit' && r.status !== 'rejected' && Date.parse(r.created_at) >= since).map((r) => r.coachee_id));
  $('visit-plan').replaceChildren(...entries.map((e) => {
    const unvisited = e.visits_this_term === 0;
    const facts = [
      unvisited ? t('field-visit-plan-unvisited') : t('field-visit-plan-visits', { n: e.visits_this_term }),
      e.last_visit ? t('field-visit-plan-last', { date: messages.date(e.last_visit) }) : null,
      e.next_visit ? t('field-visit-plan-next', { date: messages.date(e.next_visit) }) : null,
    ].filter(Boolean);
    return el('li', {
      class: unvisited ? 'unvisited' : e.overdue ? 'overdue' : null,
      dataset: { coachee: String(e.coachee_id), overdue: String(Boolean(e.overdue)), visits: String(e.visits_this_term) },
    },
    el('strong', { text: e.coachee_name }), ' ',
    e.overdue ? el('span', { class: 'flag', text: t('field-visit-plan-overdue') }) : null,
    el('div', { class: 'muted', text: facts.join(' · ') }),
    recorded.has(e.coachee_id) ? el('div', { class: 'badge recorded', text: t('field-visit-plan-recorded') }) : null,
    el('button', { type: 'button', class: 'small secondary', dataset: { planCoachee: String(e.coachee_id) }, text: t('field-visit-plan-record') }));
  }));
}

/** Chooses a coachee of the plan in the visit form. */
function pickFromPlan(id) {
  const option = [...$('visit-coachee').options].find((o) => o.value && o.value.endsWith(`:${id}`));
  if (option) $('visit-coachee').value = option.value;
  $('visit-coachee').scrollIntoView?.({ block: 'center' });
  $('visit-date').focus();
}

/** The submissions of the outbox a visit may name as its observation, newest first. */
async function renderObservations() {
  if (!state.store || $('visit-section').hidden) return;
  const select = $('visit-observation');
  const current = select.value;
  const observations = (await state.store.listOutbox()).filter((r) => !r.kind && r.status !== 'rejected').reverse();
  select.replaceChildren(el('option', { value: '', text: t('field-visit-no-observation') }), ...observations.map((r) => el('option', {
    value: r.uuid, text: `${r.title ?? ''} — ${r.subject_label ?? ''} · ${messages.dateTime(r.collected_at)}`,
  })));
  select.value = observations.some((r) => r.uuid === current) ? current : '';
}

/** Checks the visit as typed and puts it in the outbox, `waiting`, with a new client id. */
async function saveVisit() {
  const entered = {
    coachee: $('visit-coachee').value,
    visited_on: $('visit-date').value,
    next_visit_on: $('visit-next').value,
    focus: [...$('visit-focus').querySelectorAll('input:checked')].map((i) => i.value),
    observation: $('visit-observation').value,
    agreed_actions: $('visit-actions').value,
  };
  const problems = visits.checkVisit(entered, forms.deviceContext(lang).today);
  const message = $('visit-message');
  if (problems.length) {
    showProblemList(message, problems.map((p) => ({
      field: p.field, code: p.code, text: t(VISIT_PROBLEMS[p.code], { field: t(VISIT_FIELDS[p.field]) }),
    })));
    return;
  }
  const coachee = (state.pkg?.coachees ?? []).find((c) => visits.coacheeValue(c) === entered.coachee);
  const labels = {
    title: t('field-visit-title', { name: coacheeName(coachee) }),
    subject_label: `${coacheeName(coachee)}${coachee.school_name ? ` — ${coachee.school_name}` : ''}`,
  };
  const correcting = state.correcting?.kind === 'visit' ? state.correcting.uuid : null;
  if (correcting) {
    // The refused visit, corrected: sent again under its own client id (the server stored nothing of it).
    const old = await state.store.getSubmission(correcting);
    const record = visits.newVisit(entered, coachee, correcting, old?.collected_at ?? new Date().toISOString());
    await state.store.updateSubmission(correcting, { ...record, ...labels, ...RESEND });
    stopCorrecting();
  } else {
    const record = visits.newVisit(entered, coachee, crypto.randomUUID(), new Date().toISOString());
    await state.store.addSubmission({ ...record, ...labels });
  }
  for (const id of ['visit-coachee', 'visit-next', 'visit-actions', 'visit-observation']) $(id).value = '';
  for (const box of $('visit-focus').querySelectorAll('input:checked')) box.checked = false;
  message.className = '';
  message.textContent = t(correcting ? 'field-resent' : 'field-visit-saved');
  await renderOutbox();
  sync();
}

/** A sent visit's feedback, one line a rubric domain, as the server generated it. */
function visitFeedback(r) {
  const lines = visits.feedbackLines(r);
  if (!lines.length) return el('p', { class: 'muted', text: t('field-visit-no-feedback') });
  return el('div', { class: 'feedback' }, el('strong', { text: t('field-visit-feedback') }), el('ul', {}, lines.map((l) => el('li', {
    dataset: { domain: l.domain },
  }, el('strong', { text: `${l.domain}${l.band ? ` · ${l.band}` : ''}${l.percent === null ? '' : ` (${messages.number(l.percent)} %)`}` }),
  l.text ? ` ${l.text}` : ''))));
}

/** What a corrected record is put back as: waiting to be sent, its refusal forgotten. */
const RESEND = { status: 'waiting', problems: [], last_error: null, attempts: 0, duplicate: false };

/** Shows problems as a list in `box`, each `{field, code, text}`. */
function showProblemList(box, problems) {
  box.className = 'error';
  box.replaceChildren(el('ul', {}, problems.map((p) => el('li', { dataset: { field: p.field ?? '', code: p.code ?? '' }, text: p.text }))));
}

/**
 * The label of the field a problem names, for a visit or a meeting of the outbox: the
 * server's column (`visited_on`, `action_points[1].owner_id`, `updates[0].status`) read as
 * the form names it.
 */
function problemLabel(record, column) {
  const f = meetings.problemField(column);
  if (!f) return column ?? '';
  if (record.kind === 'visit') return VISIT_COLUMNS[f.field] ? t(VISIT_COLUMNS[f.field]) : column;
  if (record.kind !== 'meeting') return column;
  if (f.field === 'action_points' && f.index !== null) {
    const n = t('field-meeting-point-n', { n: f.index + 1 });
    return f.part && POINT_PARTS[f.part] ? `${n}, ${t(POINT_PARTS[f.part])}` : n;
  }
  if (f.field === 'updates' && f.index !== null) {
    const id = record.updates?.[f.index]?.id;
    const point = findPlc(record.plc_id)?.open_points?.find((p) => p.id === id);
    return t('field-meeting-carried-point', { title: point?.title ?? `#${id ?? ''}` });
  }
  return MEETING_FIELDS[f.field] ? t(MEETING_FIELDS[f.field]) : column;
}

/** The server's problems with a visit or a meeting, each naming its field as the form does. */
const serverProblems = (record) => (record.problems ?? []).map((p) => ({
  field: p.column ?? '', code: p.code ?? '', text: `${p.column ? `${problemLabel(record, p.column)}: ` : ''}${p.message ?? p.code}`,
}));

/** Leaves the correction of a refused visit or meeting (the forms record new ones again). */
function stopCorrecting() {
  state.correcting = null;
  for (const id of ['visit-correcting', 'meeting-correcting']) { $(id).hidden = true; $(id).replaceChildren(); }
}

/** Shows, above a form, that it corrects a refused record, with a way out. */
function showCorrecting(id, key) {
  $(id).hidden = false;
  $(id).replaceChildren(t(key), ' ', el('button', { type: 'button', class: 'small link', dataset: { stopCorrecting: '1' }, text: t('field-stop-correcting') }));
}

/** Opens a refused visit in the visit form, its problems shown, to be corrected and sent again. */
async function correctVisit(r) {
  stopCorrecting();
  state.correcting = { kind: 'visit', uuid: r.uuid };
  $('visit-coachee').value = visits.coacheeValue(r);
  $('visit-date').value = r.visited_on ?? '';
  $('visit-next').value = r.next_visit_on ?? '';
  $('visit-actions').value = r.agreed_actions ?? '';
  const focus = new Set((r.focus ?? []).map(String));
  for (const box of $('visit-focus').querySelectorAll('input')) box.checked = focus.has(box.value);
  await renderObservations();
  const select = $('visit-observation');
  if (r.submission_uuid && ![...select.options].some((o) => o.value === r.submission_uuid)) {
    select.append(el('option', { value: r.submission_uuid, text: r.submission_uuid }));
  }
  select.value = r.submission_uuid ?? '';
  showCorrecting('visit-correcting', 'field-correcting-visit');
  showProblemList($('visit-message'), serverProblems(r));
  $('visit-section').scrollIntoView?.({ block: 'start' });
}

// ---------------------------------------------------------------------------------------------
// PLC meetings: a PLC of the package the user facilitates or supports, the day, topics,
// attendance (its people ticked, guests picked from the package's people), the action points
// carried over (closed or still open), new action points (an owner among those present or
// its people, a due day) and notes.

const findPlc = (id) => (state.pkg?.plcs ?? []).find((g) => g.id === Number(id));

/** The meeting form: the package's PLCs and standards. */
async function renderMeeting() {
  const plcs = state.pkg?.plcs ?? [];
  $('meeting-section').hidden = plcs.length === 0;
  if (!plcs.length) return;
  const select = $('meeting-plc');
  const current = select.value;
  select.replaceChildren(el('option', { value: '', text: t('field-choose') }), ...plcs.map((g) => el('option', {
    value: String(g.id), text: `${g.name} (${g.code}) — ${g.unit_name}`,
  })));
  select.value = plcs.some((g) => String(g.id) === current) ? current : plcs.length === 1 ? String(plcs[0].id) : '';
  const today = forms.deviceContext(lang).today;
  $('meeting-date').max = today;
  if (!$('meeting-date').value) $('meeting-date').value = today;
  const checked = new Set([...$('meeting-topics').querySelectorAll('input:checked')].map((i) => i.value));
  $('meeting-topics').replaceChildren(...(state.pkg?.standards ?? []).map((s) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', name: 'meeting-topic', value: String(s.id), checked: checked.has(String(s.id)) }),
    `${s.code} — ${(lang === 'fr' ? s.name_fr : s.name_en) || s.name_en}`)));
  $('meeting-topics-set').hidden = !(state.pkg?.standards ?? []).length;
  await renderMeetingPlc();
}

/** The ids of carried points closed by meetings of the outbox (other than the one corrected). */
async function closedOnDevice() {
  const records = await state.store.listOutbox();
  return new Set(records.filter((r) => r.kind === 'meeting' && r.status !== 'rejected' && r.uuid !== state.correcting?.uuid)
    .flatMap((r) => (r.updates ?? []).map((u) => u.id)));
}

/** The people an action point may be given to: the PLC's people and the guests added. */
function ownerChoices(plc) {
  const guests = meetings.guestChoices(state.pkg, plc);
  return [
    ...meetings.members(plc).map((p) => ({ id: p.person_id, name: p.name })),
    ...state.meetingGuests.map((id) => guests.find((g) => g.id === id)).filter(Boolean),
  ];
}

/**
 * The parts of the meeting form that follow the PLC chosen and the day: its people to tick,
 * the guests, the points carried over, the owners to choose from. `given` (a meeting being
 * corrected) sets what is ticked and closed; otherwise what is on the form stays.
 */
async function renderMeetingPlc(given = null) {
  const plc = findPlc($('meeting-plc').value);
  $('meeting-body').hidden = !plc;
  if (!plc) return;
  if (state.meetingPlc !== plc.id) {
    // Another PLC: its own people, no guests, one empty action point.
    state.meetingPlc = plc.id;
    state.meetingGuests = [];
    for (const box of $('meeting-attendance').querySelectorAll('input')) box.checked = false;
    $('meeting-carried').replaceChildren();
    $('meeting-points').replaceChildren();
    addPointRow();
  }
  const ticked = new Set(given?.attendance
    ?? [...$('meeting-attendance').querySelectorAll('input:checked')].map((i) => Number(i.value)));
  const choices = meetings.guestChoices(state.pkg, plc);
  $('meeting-attendance').replaceChildren(
    ...meetings.members(plc).map((p) => el('label', { class: 'check' },
      el('input', { type: 'checkbox', name: 'meeting-attend', value: String(p.person_id), checked: ticked.has(p.person_id) }),
      `${p.name} `, el('span', { class: 'muted', text: t(ROLES[p.role] ?? 'field-meeting-role-member') }))),
    ...state.meetingGuests.map((id) => el('label', { class: 'check' },
      el('input', { type: 'checkbox', name: 'meeting-attend', value: String(id), checked: true, dataset: { guest: '1' } }),
      `${choices.find((c) => c.id === id)?.name ?? `#${id}`} `, el('span', { class: 'guest', text: t('field-meeting-guest-mark') }))));
  const added = new Set(state.meetingGuests);
  $('meeting-guest').replaceChildren(el('option', { value: '', text: t('field-choose') }),
    ...choices.filter((c) => !added.has(c.id)).map((c) => el('option', { value: String(c.id), text: c.name })));
  const closedHere = new Set(given?.closed
    ?? [...$('meeting-carried').querySelectorAll('select[data-carried]')].filter((s) => s.value === 'done').map((s) => Number(s.dataset.carried)));
  const closedElsewhere = await closedOnDevice();
  const carried = meetings.pointsCarriedTo(plc, $('meeting-date').value).filter((p) => !closedElsewhere.has(p.id));
  $('meeting-carried').replaceChildren(...(carried.length ? carried.map((p) => el('div', { class: 'point', dataset: { point: String(p.id) } },
    el('strong', { text: p.title }),
    el('div', { class: 'muted', text: `${p.owner_name} · ${t('field-meeting-due', { date: messages.date(p.due_on) })}` }),
    el('label', { for: `meeting-carried-${p.id}`, text: t('field-meeting-point-status') }),
    el('select', { id: `meeting-carried-${p.id}`, dataset: { carried: String(p.id) } },
      el('option', { value: '', text: t('field-meeting-still-open') }),
      el('option', { value: 'done', text: t('field-meeting-closed'), selected: closedHere.has(p.id) }))))
    : [el('p', { class: 'muted', text: t('field-meeting-none-carried') })]));
  refreshOwners(plc);
}

/** Puts the owners to choose from in every action point's list, keeping the choices made. */
function refreshOwners(plc = findPlc($('meeting-plc').value)) {
  const owners = plc ? ownerChoices(plc) : [];
  for (const select of $('meeting-points').querySelectorAll('select[data-part=owner_id]')) {
    const current = select.value;
    select.replaceChildren(el('option', { value: '', text: t('field-choose') }),
      ...owners.map((o) => el('option', { value: String(o.id), text: o.name })));
    select.value = owners.some((o) => String(o.id) === current) ? current : '';
  }
}

/** Adds a row for a new action point (filled with `values` when a meeting is corrected). */
function addPointRow(values = {}) {
  const i = $('meeting-points').children.length;
  const id = (part) => `meeting-point-${i}-${part}`;
  $('meeting-points').append(el('div', { class: 'point', dataset: { row: String(i) } },
    el('strong', { text: t('field-meeting-point-n', { n: i + 1 }) }),
    el('label', { for: id('title'), text: t('field-meeting-point-title') }),
    el('input', { id: id('title'), dataset: { part: 'title' }, value: values.title ?? '', autocomplete: 'off' }),
    el('label', { for: id('owner'), text: t('field-meeting-point-owner') }),
    el('select', { id: id('owner'), dataset: { part: 'owner_id' } }),
    el('label', { for: id('due'), text: t('field-meeting-point-due') }),
    el('input', { id: id('due'), type: 'date', dataset: { part: 'due_on' }, value: values.due_on ?? '' })));
  refreshOwners();
  if (values.owner_id) $(id('owner')).value = String(values.owner_id);
}

/** Adds the guest chosen to the meeting's attendance (ticked, marked a guest). */
async function addGuest() {
  const id = Number($('meeting-guest').value);
  if (!id || state.meetingGuests.includes(id)) return;
  state.meetingGuests.push(id);
  await renderMeetingPlc();
}

/** A guest unticked leaves the meeting (and the owners to choose from). */
async function onAttendanceChange(event) {
  const box = event.target;
  if (box.dataset?.guest && !box.checked) {
    state.meetingGuests = state.meetingGuests.filter((id) => id !== Number(box.value));
    await renderMeetingPlc();
  }
}

/** Checks the meeting as typed and puts it in the outbox, `waiting`, with a client id. */
async function saveMeeting() {
  const plc = findPlc($('meeting-plc').value);
  const entered = {
    plc: $('meeting-plc').value,
    held_on: $('meeting-date').value,
    standards: [...$('meeting-topics').querySelectorAll('input:checked')].map((i) => i.value),
    attendance: [...$('meeting-attendance').querySelectorAll('input:checked')].map((i) => i.value),
    guests: state.meetingGuests,
    notes: $('meeting-notes').value,
    points: [...$('meeting-points').querySelectorAll('.point')].map((row) => ({
      title: row.querySelector('[data-part=title]').value,
      owner_id: row.querySelector('[data-part=owner_id]').value,
      due_on: row.querySelector('[data-part=due_on]').value,
    })),
    closed: [...$('meeting-carried').querySelectorAll('select[data-carried]')].filter((s) => s.value === 'done').map((s) => s.dataset.carried),
  };
  const message = $('meeting-message');
  const problems = meetings.checkMeeting(entered, forms.deviceContext(lang).today);
  if (problems.length) {
    const pseudo = { kind: 'meeting', plc_id: plc?.id };
    showProblemList(message, problems.map((p) => ({
      field: p.field, code: p.code, text: t(MEETING_PROBLEMS[p.code], { field: problemLabel(pseudo, p.field) }),
    })));
    return;
  }
  const correcting = state.correcting?.kind === 'meeting' ? state.correcting.uuid : null;
  const old = correcting ? await state.store.getSubmission(correcting) : null;
  const record = meetings.newMeeting(entered, plc, correcting ?? crypto.randomUUID(), old?.collected_at ?? new Date().toISOString());
  const labels = {
    title: t('field-meeting-title', { plc: plc.name }),
    subject_label: `${messages.date(record.held_on)} · ${t('field-meeting-present', { n: record.attendance.length })}`,
  };
  if (correcting) {
    await state.store.updateSubmission(correcting, { ...record, ...labels, ...RESEND });
    stopCorrecting();
  } else {
    await state.store.addSubmission({ ...record, ...labels });
  }
  // A fresh form for the next meeting.
  state.meetingPlc = null;
  $('meeting-notes').value = '';
  $('meeting-date').value = forms.deviceContext(lang).today;
  for (const box of $('meeting-topics').querySelectorAll('input:checked')) box.checked = false;
  await renderMeetingPlc();
  message.className = '';
  message.textContent = t(correcting ? 'field-resent' : 'field-meeting-saved');
  await renderOutbox();
  sync();
}

/** Opens a refused meeting in the meeting form, its problems shown, to be corrected and sent again. */
async function correctMeeting(r) {
  stopCorrecting();
  state.correcting = { kind: 'meeting', uuid: r.uuid };
  $('meeting-plc').value = String(r.plc_id);
  state.meetingPlc = r.plc_id;
  state.meetingGuests = [...(r.guests ?? [])];
  $('meeting-date').value = r.held_on ?? '';
  $('meeting-notes').value = r.notes ?? '';
  const topics = new Set((r.standards ?? []).map(String));
  for (const box of $('meeting-topics').querySelectorAll('input')) box.checked = topics.has(box.value);
  $('meeting-points').replaceChildren();
  for (const p of r.action_points?.length ? r.action_points : [{}]) addPointRow(p);
  await renderMeetingPlc({ attendance: r.attendance ?? [], closed: (r.updates ?? []).map((u) => u.id) });
  for (const [i, p] of (r.action_points ?? []).entries()) {
    const select = $(`meeting-point-${i}-owner`);
    if (select && p.owner_id) select.value = String(p.owner_id);
  }
  showCorrecting('meeting-correcting', 'field-correcting-meeting');
  showProblemList($('meeting-message'), serverProblems(r));
  $('meeting-section').scrollIntoView?.({ block: 'start' });
}

function renderSubjects() {
  const select = $('subject');
  const pkg = state.pkg;
  const current = select.value;
  select.replaceChildren(el('option', { value: '', text: t('field-choose') }));
  if (pkg?.schools?.length) {
    select.append(el('optgroup', { label: t('field-schools') }, pkg.schools.map((s) =>
      el('option', { value: `school:${s.id}`, text: `${s.name} (${s.code})${s.unit_name ? ` — ${s.unit_name}` : ''}` }))));
  }
  if (pkg?.people?.length) {
    const schools = new Map((pkg.schools ?? []).map((s) => [s.id, s.name]));
    select.append(el('optgroup', { label: t('field-people') }, pkg.people.map((p) =>
      el('option', {
        value: `person:${p.id}`,
        text: `${p.family_name} ${p.given_name} (${p.staff_number})${schools.get(p.school_id) ? ` — ${schools.get(p.school_id)}` : ''}`,
      }))));
  }
  // Cohorts and their sessions (a reaction survey after a session, a cohort's follow-up).
  const cohorts = pkg?.cohorts ?? [];
  if (cohorts.length) {
    select.append(el('optgroup', { label: t('field-cohorts') }, cohorts.map((c) =>
      el('option', { value: `cohort:${c.id}`, text: `${c.name} (${c.code}) — ${c.unit_name}` }))));
  }
  for (const c of cohorts.filter((c) => c.sessions?.length)) {
    select.append(el('optgroup', { label: t('field-sessions-of', { cohort: c.code }) }, c.sessions.map((s) =>
      el('option', { value: `session:${s.id}`, text: `${messages.date(s.held_on)} · ${s.title} (${c.code})` }))));
  }
  select.value = current;
}

function subjectLabel(value) {
  const option = [...$('subject').options].find((o) => o.value === value);
  return option ? option.textContent : value;
}

// ---------------------------------------------------------------------------------------------
// Drafts

async function renderDrafts() {
  const drafts = (await state.store.listDrafts()).sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
  const list = $('drafts');
  list.replaceChildren(...drafts.map((d) => {
    const instrument = findInstrument(d.instrument_id);
    return el('li', { dataset: { draftId: d.id } },
      el('span', { text: `${instrument?.title ?? '?'} — ${d.subject ? subjectLabel(d.subject) : '…'} · ${messages.dateTime(d.updated_at)}` }),
      ' ',
      el('button', { type: 'button', class: 'small', dataset: { resume: d.id }, text: t('field-resume'), disabled: !instrument }),
      ' ',
      el('button', { type: 'button', class: 'small link', dataset: { deleteDraft: d.id }, text: t('field-delete') }));
  }));
  $('drafts-section').hidden = drafts.length === 0;
}

let draftTimer = null;
function saveDraftSoon() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(saveDraftNow, 400);
}

async function saveDraftNow() {
  clearTimeout(draftTimer);
  if (!state.instrument) return;
  await state.store.putDraft({
    id: state.draftId, instrument_id: state.instrument.id, subject: $('subject').value, answers: state.answers,
    started: state.started, replaces: state.replaces,
    audit: state.audit ? { events: state.audit.events } : undefined,
    start_geopoint: state.startGeopoint?.value ? state.startGeopoint : undefined,
  });
  renderDrafts();
}

// ---------------------------------------------------------------------------------------------
// The form

const findInstrument = (id) => state.pkg?.instruments.find((i) => String(i.id) === String(id));

/** The answers of a new form or repeat instance: the items' defaults. */
function defaults(items, out = {}) {
  for (const item of items) {
    if (item.kind.type === 'group') defaults(item.kind.items, out);
    else if (item.default !== null && item.default !== undefined && item.kind.type !== 'repeat') out[item.name] = forms.defaultValue(item, out);
  }
  return out;
}

function openForm(instrument, { answers, subject = '', draftId, started, replaces, audit, startGeopoint } = {}) {
  // A form whose files are not all uploaded is published but not collected.
  const missing = instrument.missing_attachments ?? [];
  if (missing.length) {
    $('package-info').textContent = t('field-attachments-missing', { files: missing.join(', ') });
    return;
  }
  state.instrument = instrument;
  state.answers = answers ?? defaults(instrument.form.items);
  state.draftId = draftId ?? crypto.randomUUID();
  state.started = started ?? isoLocal();
  state.replaces = replaces ?? null;
  state.touched = new Set();
  state.showAll = false;
  const auditing = meta.auditItem(instrument.form.items);
  // The log's options are the form's; a draft brings the events logged so far.
  state.audit = auditing ? { ...meta.newAudit(auditing), events: audit?.events ?? [] } : null;
  if (state.audit) {
    state.audit.open = null;
    // Who fills the form is asked each time it opens (identify-user), before anything is logged.
    if (state.audit.identifyUser) state.audit.user = '';
    state.audit.resumed = Boolean(audit);
    if (!meta.needsUser(state.audit)) startAudit();
  }
  state.startGeopoint = startGeopoint?.value ? startGeopoint : null;
  if (!state.startGeopoint && meta.metadataItems(instrument.form.items).some((m) => m.of === 'start-geopoint')) locateStart();
  // The inputs of each question with a calculation when it was last computed.
  state.computed = new Map();
  $('form-title').textContent = instrument.title || instrument.form.title;
  $('subject').value = subject;
  $('save-message').textContent = '';
  $('editor').hidden = false;
  $('home').hidden = true;
  fitRepeatCounts();
  renderForm();
  refresh();
  renderNotices();
  window.scrollTo(0, 0);
}

/** Which notice a metadata item the device does not know shows. */
const UNKNOWN_METADATA = {
  email: 'field-meta-no-email', phonenumber: 'field-meta-no-phone',
};

/**
 * What the form records that the user should know: metadata this device cannot fill (sent
 * empty), and the position taken when the form was started (or why there is none).
 */
function renderNotices() {
  const box = $('form-notices');
  if (!state.instrument) { box.replaceChildren(); return; }
  const { unknown } = metadataNow(state.instrument.form);
  const lines = [];
  for (const { of } of unknown) if (UNKNOWN_METADATA[of]) lines.push(el('li', { dataset: { metadata: of }, text: t(UNKNOWN_METADATA[of]) }));
  const wantsPlace = meta.metadataItems(state.instrument.form.items).some((m) => m.of === 'start-geopoint');
  const place = state.startGeopoint;
  if (wantsPlace) {
    const text = place?.value ? t('field-meta-start-place', { metres: Math.round(place.accuracy ?? 0) })
      : place?.failed ? t('field-meta-no-start-place', { reason: place.failed })
        : t('field-meta-locating-start');
    lines.push(el('li', { dataset: { metadata: 'start-geopoint', status: place?.value ? 'ok' : place?.failed ? 'failed' : 'pending' }, text }));
  }
  if (state.audit) lines.push(el('li', { dataset: { metadata: 'audit' }, text: t('field-meta-audit') }));
  if (state.audit?.location) lines.push(el('li', { dataset: { metadata: 'audit-location' }, text: t('field-meta-audit-location') }));
  box.replaceChildren(...(lines.length ? [el('ul', {}, lines)] : []));
}

/** Takes the device's position for `start-geopoint` once, as the form starts. */
function locateStart() {
  state.startGeopoint = { pending: true };
  const instrument = state.instrument;
  const done = (value) => {
    if (state.instrument !== instrument) return;
    state.startGeopoint = value;
    renderNotices();
    saveDraftSoon();
  };
  if (!navigator.geolocation) { done({ failed: 'geolocation' }); return; }
  navigator.geolocation.getCurrentPosition(
    (position) => done({ value: meta.geopoint(position.coords), accuracy: position.coords.accuracy ?? 0 }),
    (error) => done({ failed: error.message || String(error.code) }),
    { enableHighAccuracy: true, timeout: 30000, maximumAge: 0 },
  );
}

/**
 * The audit log starts (`form start` or `form resume`) once the enumerator is known, and
 * with location tracking the device's positions are followed until the form closes.
 */
function startAudit() {
  const log = state.audit;
  meta.logEvent(log, log.resumed ? 'form resume' : 'form start');
  if (!log.location) return;
  log.positions = [];
  meta.logEvent(log, 'location tracking enabled');
  if (!navigator.geolocation) { meta.logEvent(log, 'location providers disabled'); return; }
  // Permission granted once; the providers' state logged when it changes, as Collect does.
  let granted = false;
  let providers = null;
  // `no-power` asks for no fix of its own: positions the device already has, up to location-max-age.
  const { priority, maxAge } = log.location;
  state.auditWatch = navigator.geolocation.watchPosition((position) => {
    if (state.audit !== log) return;
    if (!granted) { granted = true; meta.logEvent(log, 'location permissions granted'); }
    if (providers !== true) { providers = true; meta.logEvent(log, 'location providers enabled'); }
    const { latitude, longitude, accuracy } = position.coords;
    meta.addPosition(log, { latitude, longitude, accuracy: accuracy ?? 0, time: position.timestamp || Date.now() });
  }, (error) => {
    if (state.audit !== log) return;
    if (error.code === 1) meta.logEvent(log, 'location permissions not granted');
    else if (providers !== false) { providers = false; meta.logEvent(log, 'location providers disabled'); }
  }, { enableHighAccuracy: priority === 'high-accuracy', maximumAge: priority === 'no-power' ? maxAge * 1000 : 0 });
}

/** The enumerator's name or id, for an audit log with identify-user: then the form is shown. */
function identify() {
  const input = $('audit-user');
  if (!meta.setUser(state.audit, input?.value)) {
    const msg = $('form').querySelector('.identify .msg');
    if (msg) msg.textContent = t('field-audit-identify-empty');
    input?.focus();
    return;
  }
  startAudit();
  renderForm();
  refresh();
  saveDraftSoon();
}

function closeForm() {
  if (state.auditWatch !== undefined && state.auditWatch !== null) navigator.geolocation?.clearWatch(state.auditWatch);
  state.auditWatch = null;
  state.instrument = null;
  for (const url of mediaUrls.values()) URL.revokeObjectURL(url);
  mediaUrls.clear();
  for (const bitmap of annotated.values()) bitmap.close?.();
  annotated.clear();
  state.audit = null;
  state.startGeopoint = null;
  $('form-notices').replaceChildren();
  $('form').replaceChildren();
  $('problems').replaceChildren();
  $('editor').hidden = true;
  $('home').hidden = false;
}

/** The object holding `path`'s answer (creating repeat instances on the way) and the name. */
function slot(path, create = true) {
  const { pos, name } = forms.parsePath(path);
  let obj = state.answers;
  for (const [repeat, i] of pos) {
    if (!Array.isArray(obj[repeat])) { if (!create) return null; obj[repeat] = []; }
    if (!obj[repeat][i]) { if (!create) return null; obj[repeat][i] = {}; }
    obj = obj[repeat][i];
  }
  return { obj, name };
}

function valueAt(path) {
  const s = slot(path, false);
  return s ? s.obj[s.name] : undefined;
}

function renderForm() {
  const form = state.instrument.form;
  if (meta.needsUser(state.audit)) {
    // As Collect, the form is filled only once the enumerator has said who they are.
    $('form').replaceChildren(el('div', { class: 'q identify' },
      el('label', { class: 'qlabel', for: 'audit-user', text: t('field-audit-identify') }),
      el('input', { id: 'audit-user', type: 'text', autocomplete: 'name' }),
      el('button', { type: 'button', dataset: { identify: '1' }, text: t('field-audit-identify-go') }),
      el('div', { class: 'msg', role: 'alert' })));
    return;
  }
  $('form').replaceChildren(...renderItems(form.items, ''));
  // A picture being annotated stays on its pad when the form is drawn again.
  for (const canvas of $('form').querySelectorAll('canvas[data-pad]')) {
    const bitmap = annotated.get(canvas.dataset.pad);
    if (!bitmap) continue;
    const input = canvas.parentElement.querySelector('input[data-annotate]');
    Object.assign(canvas, uploads.annotateSize(bitmap.width, bitmap.height, input?.dataset.maxPixels));
    paintPicture(canvas);
    canvas.dataset.picture = '1';
  }
  showMedia();
}

/** Object URLs of the form's media files kept on the device, by file name. */
const mediaUrls = new Map();

/**
 * The elements showing a label's or a choice's media (`{image, big, audio, video}`): an
 * image (tapped, its big image), an audio player, a video player; each given its file from
 * the device by `showMedia`.
 */
function mediaElements(m, alt = '') {
  if (!media.hasMedia(m)) return null;
  const parts = [];
  if (m.image) parts.push(el('img', { class: 'label-image', alt, dataset: { mediaFile: m.image, big: m.big && m.big !== m.image ? m.big : undefined } }));
  if (m.audio) parts.push(el('audio', { controls: true, preload: 'none', dataset: { mediaFile: m.audio } }));
  if (m.video) parts.push(el('video', { controls: true, playsinline: true, preload: 'metadata', dataset: { mediaFile: m.video } }));
  return el('div', { class: 'label-media' }, parts);
}

/** The object URL of the open form's media file `name`, read from the device; null when missing. */
async function mediaUrl(name) {
  if (mediaUrls.has(name)) return mediaUrls.get(name);
  const sha256 = media.attachmentDigest(state.instrument, name);
  const file = sha256 ? await state.store.getFile(sha256) : null;
  const url = file?.blob ? URL.createObjectURL(file.blob) : null;
  if (url) mediaUrls.set(name, url);
  return url;
}

/** Gives each media element of the form its file, or says the file is not on the device. */
async function showMedia() {
  const instrument = state.instrument;
  for (const node of $('form').querySelectorAll('[data-media-file]:not([src])')) {
    const url = await mediaUrl(node.dataset.mediaFile);
    if (state.instrument !== instrument) return;
    if (url) {
      node.src = url;
    } else {
      node.replaceWith(el('span', { class: 'media-missing', dataset: { missing: node.dataset.mediaFile },
        text: t('field-media-missing', { name: node.dataset.mediaFile }) }));
    }
  }
}

/** A tapped label image shows its big image, and tapped again, the image. */
async function toggleBigImage(img) {
  const big = img.dataset.big;
  if (!big) return;
  const showing = img.classList.toggle('big');
  const url = await mediaUrl(showing ? big : img.dataset.mediaFile);
  if (url) img.src = url;
}

function renderItems(items, prefix) {
  const out = [];
  for (const item of items) {
    const path = prefix + item.name;
    const type = item.kind.type;
    // Calculations, hidden and metadata items, and questions computed or triggered without a
    // label or hint are not shown, as in ODK.
    if (!forms.isShown(item)) continue;
    // A group's or repeat's picture, sound or video is shown under its label, as a question's.
    const shown = () => mediaElements(media.labelMedia(item.media, state.instrument.form, lang), label(item.label, item.name));
    if (type === 'group') {
      out.push(el('fieldset', { class: 'group', dataset: { path } },
        el('legend', { dataset: { template: label(item.label, item.name) } }), shown(), ...renderItems(item.kind.items, prefix)));
    } else if (type === 'repeat') {
      const instances = Array.isArray(valueAt(path)) ? valueAt(path) : [];
      const title = label(item.label, item.name);
      out.push(el('fieldset', { class: 'repeat', dataset: { path } },
        el('legend', { text: title }), shown(),
        instances.map((_, i) => el('fieldset', { class: 'instance', dataset: { path: `${path}[${i + 1}]` } },
          el('legend', { text: `${title} — ${t('field-entry', { n: i + 1 })}` }),
          ...renderItems(item.kind.items, `${path}[${i + 1}].`),
          el('button', { type: 'button', class: 'small link', dataset: { remove: path, index: String(i) }, text: t('field-remove') }))),
        el('div', { class: 'msg', role: 'alert' }),
        el('button', { type: 'button', class: 'small', dataset: { add: path }, text: `${t('field-add')}: ${title}` })));
    } else if (type === 'note') {
      out.push(el('div', { class: 'q note', dataset: { path } }, el('p', { dataset: { template: label(item.label, '') } }),
        mediaElements(media.labelMedia(item.media, state.instrument.form, lang), label(item.label, ''))));
    } else {
      out.push(question(item, path));
    }
  }
  return out;
}

function question(item, path) {
  const form = state.instrument.form;
  const type = item.kind.type;
  const id = `f-${path}`;
  const value = valueAt(path) ?? '';
  const text = String(value);
  const hint = label(item.hint, '');
  // No Android app opens in a browser: an `ex:` question is typed, with its noAppErrorString.
  const noApp = /(^|\s)ex:/.test(item.appearance ?? '') ? label(item.no_app_message ?? {}, '') : '';
  let control;
  // `randomize=true` (with `seed=`, a number or ${question}) orders the choices as ODK does.
  const seed = item.parameters?.seed ? forms.inspect(form, state.answers, ctx()).fill(item.parameters.seed, path) : undefined;
  const choices = (list) => forms.choiceOrder(item, (form.choice_lists[list] ?? [])
    .map((c) => ({ name: c.name, text: forms.pickText(c.label, form, lang) ?? c.name, media: media.labelMedia(c.media, form, lang) })), seed);
  // A choice's picture, sound or video, shown with its text.
  const shown = (c) => mediaElements(c.media ?? {}, c.text);
  const options = (list, current) => [el('option', { value: '', text: '' }),
    ...list.map((c) => el('option', { value: c.name, text: c.text, selected: c.name === current }))];
  switch (type) {
    case 'select_one': {
      const list = choices(item.kind.list);
      const minimal = (item.appearance ?? '').includes('minimal') || (list.length > 6 && !list.some((c) => media.hasMedia(c.media)));
      // A dropdown shows the chosen choice's picture (sound, video) beside it, as Collect's spinner.
      const pictured = list.filter((c) => media.hasMedia(c.media));
      control = minimal && pictured.length
        ? el('div', { class: 'minimal' }, el('select', { id, name: path }, options(list, text)),
          pictured.map((c) => el('div', { class: 'chosen-media', dataset: { showsChoice: c.name }, hidden: c.name !== text }, shown(c))))
        : minimal
        ? el('select', { id, name: path }, options(list, text))
        : el('div', { class: 'choices', role: 'radiogroup' }, list.map((c) => el('label', { class: 'check', dataset: { choice: c.name } },
          el('input', { type: 'radio', name: path, value: c.name, checked: c.name === text }), ` ${c.text}`, shown(c))));
      break;
    }
    case 'select_multiple': {
      const picked = new Set(text.split(/\s+/).filter(Boolean));
      control = el('div', { class: 'choices' }, choices(item.kind.list).map((c) => el('label', { class: 'check', dataset: { choice: c.name } },
        el('input', { type: 'checkbox', name: path, value: c.name, checked: picked.has(c.name), dataset: { multiple: '1' } }), ` ${c.text}`, shown(c))));
      break;
    }
    case 'rank': {
      // One list per place: the first choice, the second…; the answer is the names in order.
      const list = choices(item.kind.list);
      const ranked = text.split(/\s+/).filter(Boolean);
      control = el('div', { class: 'choices rank' }, list.map((_, i) => el('label', { class: 'check' },
        `${i + 1}. `, el('select', { name: path, dataset: { rank: '1' } }, options(list, ranked[i] ?? '')))));
      break;
    }
    case 'select_external': {
      const list = (form.external_lists?.[item.kind.list] ?? []).map((c) => ({ name: c.name, text: forms.pickText(c.label, form, lang) ?? c.name }));
      control = el('select', { id, name: path }, options(list, text));
      break;
    }
    case 'select_from_file': {
      // The choices read from the form's uploaded CSV file (`file_lists`, by question).
      const list = (form.file_lists?.[item.name] ?? []).map((c) => ({ name: c.name, text: forms.pickText(c.label, form, lang) ?? c.name }));
      if (!item.kind.multiple) {
        control = el('select', { id, name: path }, options(list, text));
      } else {
        const picked = new Set(text.split(/\s+/).filter(Boolean));
        control = el('div', { class: 'choices' }, list.map((c) => el('label', { class: 'check', dataset: { choice: c.name } },
          el('input', { type: 'checkbox', name: path, value: c.name, checked: picked.has(c.name), dataset: { multiple: '1' } }), ` ${c.text}`)));
      }
      break;
    }
    case 'range': {
      const { start, end, step } = item.kind;
      const count = Math.floor((end - start) / step + 1e-9) + 1;
      control = count <= 21
        ? el('select', { id, name: path }, options(Array.from({ length: count }, (_, i) => {
          const n = forms.formatNumber(start + i * step);
          return { name: n, text: n };
        }), text))
        : el('input', { id, name: path, type: 'number', min: String(start), max: String(end), step: String(step), value: text });
      break;
    }
    case 'acknowledge':
      control = el('label', { class: 'check' },
        el('input', { type: 'checkbox', id, name: path, value: 'OK', checked: text.toUpperCase() === 'OK', dataset: { acknowledge: '1' } }),
        ` ${t('field-confirm')}`);
      break;
    case 'integer':
      control = el('input', { id, name: path, type: 'text', inputmode: 'numeric', autocomplete: 'off', value: text });
      break;
    case 'decimal':
      control = el('input', { id, name: path, type: 'text', inputmode: 'decimal', autocomplete: 'off', value: text });
      break;
    case 'geopoint': case 'geotrace': case 'geoshape':
      // The device's location (its accuracy shown), or typed by hand.
      control = el('div', { class: 'location' },
        el('input', { id, name: path, type: 'text', inputmode: 'decimal', autocomplete: 'off', value: text, 'aria-describedby': `${id}-where` }),
        el('button', { type: 'button', class: 'small', dataset: { locate: path, append: type === 'geopoint' ? '' : '1' },
          text: t(type === 'geopoint' ? 'field-locate' : 'field-locate-add') }),
        el('div', { class: 'hint', id: `${id}-where`, text: t('field-location-hint') }));
      break;
    case 'media': {
      // A signature or a drawing: made on a pad, kept as a PNG.
      const appearance = item.appearance ?? '';
      if (item.kind.of === 'image' && /\b(signature|draw)\b/.test(appearance)) {
        control = drawingPad(path, id, text, /\bsignature\b/.test(appearance) ? 'field-pad-sign' : 'field-pad-draw');
        break;
      }
      // `annotate`: a photo taken or chosen, drawn over on the pad, kept as a PNG.
      if (item.kind.of === 'image' && /\bannotate\b/.test(appearance)) {
        control = drawingPad(path, id, text, 'field-pad-annotate', item.parameters?.['max-pixels']);
        break;
      }
      // A photo, recording or video taken with the device, kept on it until sent; the
      // answer is the file's name, its digest then its extension.
      const accept = { image: 'image/*', audio: 'audio/*', video: 'video/*' }[item.kind.of];
      control = el('div', { class: 'media' },
        el('input', { id, type: 'file', accept, capture: accept ? 'environment' : undefined,
          dataset: { media: path, maxPixels: item.kind.of === 'image' ? item.parameters?.['max-pixels'] : undefined } }),
        el('div', { class: 'hint', text: text ? t('field-file-kept', { name: text }) : '' }));
      break;
    }
    case 'date': control = el('input', { id, name: path, type: 'date', value: text }); break;
    case 'time': control = el('input', { id, name: path, type: 'time', value: text }); break;
    case 'date_time': control = el('input', { id, name: path, type: 'datetime-local', value: text.slice(0, 16) }); break;
    default:
      control = (item.appearance ?? '').includes('multiline')
        ? el('textarea', { id, name: path, rows: '3' }, text)
        : el('input', { id, name: path, type: 'text', value: text });
  }
  // A dropdown with its chosen picture is still labelled by its label, as a dropdown alone.
  const grouped = control.tagName === 'DIV' && !control.classList.contains('minimal');
  return el('div', { class: 'q', dataset: { path, type } },
    el(grouped ? 'div' : 'label', { class: 'qlabel', for: grouped ? undefined : id },
      el('span', { dataset: { template: label(item.label, item.name) } }),
      item.required === 'always' ? el('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) : null),
    mediaElements(media.labelMedia(item.media, form, lang), label(item.label, item.name)),
    hint ? el('div', { class: 'hint', dataset: { template: hint } }) : null,
    noApp ? el('div', { class: 'hint', dataset: { noApp: '1', template: noApp } }) : null,
    control,
    el('div', { class: 'msg', role: 'alert' }));
}

/** The value an input gives its item (checkbox groups joined by spaces). */
function inputValue(input) {
  if (input.dataset.multiple) {
    return [...$('form').querySelectorAll('input[type=checkbox]')].filter((i) => i.name === input.name && i.checked).map((i) => i.value).join(' ');
  }
  if (input.dataset.acknowledge) return input.checked ? 'OK' : '';
  if (input.dataset.rank) {
    return [...$('form').querySelectorAll('select[data-rank]')].filter((i) => i.name === input.name).map((i) => i.value).filter(Boolean).join(' ');
  }
  if (input.type === 'radio') return input.checked ? input.value : valueAt(input.name);
  return input.value;
}

/**
 * A photo made smaller as the question's `max-pixels` asks (its longest side at most so
 * many pixels), as a JPEG; the file as it is when it is small enough, not an image, or the
 * browser cannot read it.
 */
async function downsized(file, maxPixels) {
  if (!maxPixels || !file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return file;
  let bitmap;
  try { bitmap = await createImageBitmap(file); } catch { return file; }
  const size = uploads.fitWithin(bitmap.width, bitmap.height, maxPixels);
  if (!size) { bitmap.close(); return file; }
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0, size.width, size.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', uploads.JPEG_QUALITY));
  return blob ? new File([blob], file.name.replace(/\.[A-Za-z0-9]{1,5}$/, '') + '.jpg', { type: 'image/jpeg' }) : file;
}

/** Keeps the file chosen or captured for a media question in IndexedDB, by its digest. */
async function keepFile(input) {
  const chosen = input.files?.[0];
  if (!chosen) return;
  const file = await downsized(chosen, input.dataset.maxPixels);
  await keepAnswerFile(input.dataset.media, file, input.parentElement.querySelector('.hint'));
}

/** Keeps `file` as the answer of the media question at `path`, saying so in `hint`. */
async function keepAnswerFile(path, file, hint) {
  const bytes = await file.arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const sha256 = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  const ext = (file.name.match(/\.[A-Za-z0-9]{1,5}$/)?.[0] ?? '').toLowerCase();
  const name = `${sha256}${ext}`;
  await state.store.putFile({ sha256, name, type: file.type, blob: new Blob([bytes], { type: file.type }) });
  const { obj, name: key } = slot(path);
  obj[key] = name;
  state.touched.add(path);
  hint.textContent = t('field-file-kept', { name });
  refresh();
  saveDraftSoon();
}

// A drawing pad for `signature` and `draw` image questions: drawn with a finger, a pen or
// the mouse, kept as a PNG like a photo.

/**
 * The pad of an image question whose appearance asks to sign, draw or annotate (`says`: the
 * message that tells how). An annotated picture is taken or chosen first, then drawn over
 * (its longest side at most `maxPixels`, else `uploads.ANNOTATE_PIXELS`).
 */
function drawingPad(path, id, text, says, maxPixels) {
  const annotate = says === 'field-pad-annotate';
  const canvas = el('canvas', { id, class: 'pad', width: '600', height: says === 'field-pad-sign' ? '240' : '400',
    dataset: { pad: path }, 'aria-label': t(says) });
  return el('div', { class: 'media drawing' },
    el('div', { class: 'hint', text: t(says) }),
    annotate ? el('input', { type: 'file', accept: 'image/*', capture: 'environment', 'aria-label': t('field-pad-picture'),
      dataset: { annotate: path, maxPixels } }) : null,
    canvas,
    el('div', { class: 'row' },
      el('button', { type: 'button', class: 'small', dataset: { padKeep: path }, text: t('field-pad-keep') }),
      el('button', { type: 'button', class: 'small secondary', dataset: { padClear: path }, text: t('field-pad-clear') })),
    el('div', { class: 'hint', dataset: { padState: path }, text: text ? t('field-file-kept', { name: text }) : '' }));
}

/** The point of a pointer event in the canvas's own pixels. */
function padPoint(canvas, event) {
  const r = canvas.getBoundingClientRect();
  return [(event.clientX - r.left) * (canvas.width / r.width), (event.clientY - r.top) * (canvas.height / r.height)];
}

/** Draws the strokes on the pads of the form as the pointer moves. */
function onPadPointer(event) {
  const canvas = event.target;
  if (!canvas.dataset?.pad) return;
  const g = canvas.getContext('2d');
  if (event.type === 'pointerdown') {
    event.preventDefault();
    try { canvas.setPointerCapture?.(event.pointerId); } catch { /* a pointer the page cannot hold */ }
    canvas.dataset.drawing = '1';
    const [x, y] = padPoint(canvas, event);
    g.lineWidth = 4;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.strokeStyle = '#111';
    g.beginPath();
    g.moveTo(x, y);
    g.lineTo(x + 0.01, y);
    g.stroke();
    canvas.dataset.drawn = '1';
  } else if (event.type === 'pointermove' && canvas.dataset.drawing) {
    const [x, y] = padPoint(canvas, event);
    g.lineTo(x, y);
    g.stroke();
  } else if (event.type === 'pointerup' || event.type === 'pointercancel') {
    delete canvas.dataset.drawing;
  }
}

/** Keeps the drawing of a pad as the question's PNG, or clears the pad. */
async function padAction(button) {
  const path = button.dataset.padKeep ?? button.dataset.padClear;
  const box = button.closest('.drawing');
  const canvas = box.querySelector('canvas');
  const hint = box.querySelector('[data-pad-state]');
  if (button.dataset.padClear !== undefined) {
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    paintPicture(canvas);
    delete canvas.dataset.drawn;
    hint.textContent = '';
    return;
  }
  if (!canvas.dataset.drawn && !canvas.dataset.picture) { hint.textContent = t('field-pad-empty'); return; }
  // A white page under the strokes, as a signature on paper.
  const page = document.createElement('canvas');
  page.width = canvas.width;
  page.height = canvas.height;
  const g = page.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, page.width, page.height);
  g.drawImage(canvas, 0, 0);
  const blob = await new Promise((resolve) => page.toBlob(resolve, 'image/png'));
  if (!blob) { hint.textContent = t('field-pad-empty'); return; }
  await keepAnswerFile(path, new File([blob], 'drawing.png', { type: 'image/png' }), hint);
}

/** The pictures annotated on the open form's pads, by the question's path. */
const annotated = new Map();

/** Puts the picture taken or chosen for an `annotate` question on its pad, to draw over. */
async function loadAnnotated(input) {
  const file = input.files?.[0];
  const box = input.closest('.drawing');
  const canvas = box.querySelector('canvas');
  const hint = box.querySelector('[data-pad-state]');
  if (!file) return;
  let bitmap = null;
  try { bitmap = typeof createImageBitmap === 'function' ? await createImageBitmap(file) : null; } catch { bitmap = null; }
  if (!bitmap) { hint.textContent = t('field-pad-not-picture'); return; }
  const size = uploads.annotateSize(bitmap.width, bitmap.height, input.dataset.maxPixels);
  canvas.width = size.width;
  canvas.height = size.height;
  annotated.get(canvas.dataset.pad)?.close?.();
  annotated.set(canvas.dataset.pad, bitmap);
  paintPicture(canvas);
  canvas.dataset.picture = '1';
  delete canvas.dataset.drawn;
  hint.textContent = '';
}

/** Paints a pad's annotated picture under what is drawn on it (nothing for other pads). */
function paintPicture(canvas) {
  const bitmap = annotated.get(canvas.dataset.pad);
  if (bitmap) canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
}

/** The files the media answers name, as `{name, sha256}` (the name starts with the digest). */
function mediaFiles(items, answers, out = []) {
  for (const item of items) {
    const value = answers?.[item.name];
    if (item.kind.type === 'group') mediaFiles(item.kind.items, answers, out);
    else if (item.kind.type === 'repeat' && Array.isArray(value)) value.forEach((inst) => mediaFiles(item.kind.items, inst, out));
    else if (item.kind.type === 'media' && typeof value === 'string' && /^[0-9a-f]{64}/.test(value)) {
      if (!out.some((f) => f.name === value)) out.push({ name: value, sha256: value.slice(0, 64) });
    }
  }
  return out;
}

/** A question taking or losing the focus: its `question` event in the audit log. */
function onFocus(event) {
  if (!state.audit || !state.instrument) return;
  const box = event.target.closest?.('.q[data-path]');
  if (event.type === 'focusout') {
    // Moving within the same question (its radio buttons) is not leaving it.
    if (box && event.relatedTarget && box.contains(event.relatedTarget)) return;
    if (box) meta.questionLeft(state.audit, String(valueAt(box.dataset.path) ?? ''));
    return;
  }
  if (!box) return;
  const path = box.dataset.path;
  meta.questionShown(state.audit, meta.nodePath(state.instrument.form.items, path), String(valueAt(path) ?? ''));
}

function onInput(event) {
  const input = event.target;
  if (input.dataset?.media && state.instrument) {
    if (event.type === 'change') keepFile(input);
    return;
  }
  if (input.dataset?.annotate && state.instrument) {
    if (event.type === 'change') loadAnnotated(input);
    return;
  }
  if (!input.name || !state.instrument) return;
  const { obj, name } = slot(input.name);
  obj[name] = inputValue(input);
  if (input.tagName === 'SELECT') showChosenMedia(input.closest('.q'), input.value);
  state.touched.add(input.name);
  if (fitRepeatCounts()) renderForm();
  refresh();
  saveDraftSoon();
}

/** Fills a location question from the device (geolocation), showing the accuracy. */
function locate(button) {
  const input = button.parentElement.querySelector('input');
  const where = button.parentElement.querySelector('.hint');
  if (!navigator.geolocation) {
    where.textContent = t('field-locate-failed', { reason: 'geolocation' });
    return;
  }
  where.textContent = t('field-locating');
  navigator.geolocation.getCurrentPosition((position) => {
    const { latitude, longitude, altitude, accuracy } = position.coords;
    const point = [latitude, longitude, altitude ?? 0, accuracy ?? 0].map((n) => String(Math.round(n * 1e7) / 1e7)).join(' ');
    input.value = button.dataset.append && input.value.trim() ? `${input.value.trim()};${point}` : point;
    where.textContent = t('field-located', { metres: Math.round(accuracy ?? 0) });
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, (error) => {
    where.textContent = t('field-locate-failed', { reason: error.message || String(error.code) });
  }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 0 });
}

function onFormClick(event) {
  if (event.target.matches?.('img.label-image[data-big]')) { event.preventDefault(); toggleBigImage(event.target); return; }
  const button = event.target.closest('button');
  if (!button || !state.instrument) return;
  if (button.dataset.locate !== undefined) { locate(button); return; }
  if (button.dataset.identify !== undefined) { identify(); return; }
  if (button.dataset.padKeep !== undefined || button.dataset.padClear !== undefined) { padAction(button); return; }
  const { add, remove, index } = button.dataset;
  if (add === undefined && remove === undefined) return;
  const path = add ?? remove;
  const s = slot(path);
  if (!Array.isArray(s.obj[s.name])) s.obj[s.name] = [];
  const instances = s.obj[s.name];
  if (add !== undefined) {
    instances.push(defaults(repeatItem(path).kind.items));
    audit('add repeat', `${path}[${instances.length}]`);
  } else {
    audit('delete repeat', `${path}[${Number(index) + 1}]`);
    instances.splice(Number(index), 1);
    forms.forgetInstance(state.computed, path, Number(index));
  }
  state.touched.add(path);
  renderForm();
  refresh();
  saveDraftSoon();
}

function repeatItem(path) {
  const { name } = forms.parsePath(path);
  const find = (items) => {
    for (const item of items) {
      if (item.name === name) return item;
      const inner = find(item.kind.items ?? []);
      if (inner) return inner;
    }
    return null;
  };
  return find(state.instrument.form.items);
}

const isEmptyInstance = (o) => !o || Object.values(o).every((v) => v === '' || v === null || v === undefined
  || (Array.isArray(v) && v.every(isEmptyInstance)));

/**
 * Brings repeats with a `repeat_count` to that count: adds instances, and removes only
 * trailing empty ones (typed answers are never thrown away; validation reports the excess).
 */
function fitRepeatCounts() {
  let changed = false;
  for (let round = 0; round < 5; round += 1) {
    const view = forms.inspect(state.instrument.form, state.answers, ctx());
    let again = false;
    for (const p of view.problems) {
      if (p.code !== 'form-repeat-count') continue;
      const expected = Number(p.args?.expected);
      const s = slot(p.column);
      if (!Array.isArray(s.obj[s.name])) s.obj[s.name] = [];
      const instances = s.obj[s.name];
      const items = repeatItem(p.column).kind.items;
      while (instances.length < expected && instances.length < 200) { instances.push(defaults(items)); again = true; }
      while (instances.length > expected && isEmptyInstance(instances[instances.length - 1])) { instances.pop(); again = true; }
    }
    if (!again) break;
    changed = true;
  }
  return changed;
}

/** Relevance, read-only, choice filters, labels and problems after a change. */
function refresh() {
  const form = state.instrument.form;
  // Questions with a calculation take its value when what it reads changes.
  for (const path of forms.followCalculations(form, state.answers, state.computed, ctx())) showValue(path);
  const view = forms.inspect(form, state.answers, ctx());
  // A once() calculation keeps its first value: stored with the answers, kept across reloads.
  forms.keepFirstValues(form, state.answers, view.calculations);
  const root = $('form');
  for (const box of root.querySelectorAll('[data-path]')) {
    const path = box.dataset.path;
    box.hidden = view.relevant.get(path) === false;
    const readOnly = view.readOnly.get(path) === true;
    for (const input of box.querySelectorAll(':scope > input, :scope > select, :scope > textarea, :scope > .choices input, :scope > .choices select, :scope > .minimal select, :scope > .location input, :scope > label > input')) {
      if (input.tagName === 'INPUT' && input.type !== 'checkbox' && input.type !== 'radio') input.readOnly = readOnly;
      else input.disabled = readOnly;
    }
    const offered = view.offered.get(path);
    if (offered) {
      for (const option of box.querySelectorAll('option[value]:not([value=""]), [data-choice]')) {
        option.hidden = !offered.includes(option.tagName === 'OPTION' ? option.value : option.dataset.choice);
      }
    }
    for (const node of box.querySelectorAll(':scope > [data-template], :scope > .qlabel > [data-template], :scope > legend[data-template], :scope > p[data-template]')) {
      node.textContent = view.fill(node.dataset.template, path);
    }
  }
  // Problems: live for what was touched, all of them after a save was tried. Answers to
  // questions that no longer apply are dropped at save, so they are not problems here.
  const shown = view.problems.filter((p) => p.code !== 'form-not-relevant'
    && (state.showAll || state.touched.has(p.column) || [...state.touched].some((x) => p.column?.startsWith(`${x}[`))));
  showProblems(shown);
}

/** In a dropdown with pictures, the chosen choice's picture is the one shown. */
function showChosenMedia(box, value) {
  for (const node of box?.querySelectorAll('[data-shows-choice]') ?? []) node.hidden = node.dataset.showsChoice !== value;
}

/** Puts the answer at `path` back into its inputs (after a calculation set it). */
function showValue(path) {
  const box = [...$('form').querySelectorAll('[data-path]')].find((b) => b.dataset.path === path);
  if (!box) return;
  const text = String(valueAt(path) ?? '');
  const picked = new Set(text.split(/\s+/).filter(Boolean));
  for (const input of box.querySelectorAll('input, select, textarea')) {
    if (input.type === 'checkbox' && input.dataset.multiple) input.checked = picked.has(input.value);
    else if (input.type === 'checkbox') input.checked = text.toUpperCase() === input.value.toUpperCase();
    else if (input.type === 'radio') input.checked = input.value === text;
    else if (input.type !== 'file' && input.type !== 'button') input.value = text;
  }
  showChosenMedia(box, text);
}

/** "Age (Learner 2)" for the column `learners[2].age`. */
function itemLabel(column) {
  const { pos, name } = forms.parsePath(column ?? '');
  const item = findItem(name);
  const where = pos.map(([r, i]) => `${label(findItem(r)?.label, r)} ${i + 1}`).join(', ');
  return (item ? label(item.label, name) : name) + (where ? ` (${where})` : '');
}

function findItem(name) {
  const find = (items) => {
    for (const item of items) {
      if (item.name === name) return item;
      const inner = find(item.kind.items ?? []);
      if (inner) return inner;
    }
    return null;
  };
  return state.instrument ? find(state.instrument.form.items) : null;
}

function showProblems(problems, heading = false) {
  const root = $('form');
  for (const msg of root.querySelectorAll('.msg')) msg.textContent = '';
  for (const box of root.querySelectorAll('[aria-invalid]')) box.removeAttribute('aria-invalid');
  for (const p of problems) {
    const box = [...root.querySelectorAll('[data-path]')].find((b) => b.dataset.path === p.column);
    const msg = box?.querySelector(':scope > .msg');
    if (msg) { msg.textContent = p.message; box.setAttribute('aria-invalid', 'true'); }
  }
  const list = $('problems');
  list.replaceChildren(...(problems.length && heading ? [el('p', { text: t('field-fix-problems') })] : []),
    ...(problems.length ? [el('ul', {}, problems.map((p) => el('li', { dataset: { column: p.column ?? '', code: p.code } },
      p.column ? el('strong', { text: `${itemLabel(p.column)}: ` }) : null, p.message)))] : []));
}

/**
 * The metadata items' values (start, end, today, username, deviceid, email, phonenumber,
 * start-geopoint, audit) and those this device does not know, which are sent empty.
 */
function metadataNow(form) {
  const user = state.pkg?.user ?? {};
  return meta.metadataValues(form.items, {
    start: state.started,
    end: isoLocal(new Date()),
    today: forms.deviceContext().today,
    username: user.username,
    deviceid: deviceId(),
    email: user.email,
    phonenumber: user.phone,
    'start-geopoint': state.startGeopoint?.value,
    audit: state.audit ? meta.AUDIT_FILE : '',
  });
}

const metadata = (form) => metadataNow(form).values;

/** The audit log as `audit.csv`, kept on the device by its digest like a photo. */
async function keepAudit() {
  const bytes = new TextEncoder().encode(meta.auditCsv(state.audit));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const sha256 = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  await state.store.putFile({ sha256, name: meta.AUDIT_FILE, type: 'text/csv', blob: new Blob([bytes], { type: 'text/csv' }) });
  return { name: meta.AUDIT_FILE, sha256 };
}

/** An audit event of the open form (when it keeps an audit log), naming the question at `path`. */
function audit(event, path = '') {
  if (state.audit) meta.logEvent(state.audit, event, meta.nodePath(state.instrument.form.items, path));
}

async function save() {
  const instrument = state.instrument;
  const form = instrument.form;
  const c = ctx();
  forms.keepFirstValues(form, state.answers, forms.computeCalculations(form, state.answers, c));
  const answers = forms.prune(form, { ...state.answers, ...metadata(form) }, c);
  const result = forms.validate(form, answers, c);
  const problems = result.ok ? [] : result.problems;
  const subject = $('subject').value;
  if (!subject) problems.unshift({ column: null, value: null, code: 'subject', message: t('field-choose-subject') });
  state.showAll = true;
  if (meta.needsUser(state.audit)) problems.unshift({ column: null, value: null, code: 'audit-user', message: t('field-audit-identify-empty') });
  if (problems.length) {
    for (const p of problems) if (p.column) audit('constraint error', p.column);
    showProblems(problems, true);
    $('problems').scrollIntoView?.({ block: 'start' });
    saveDraftSoon();
    return;
  }
  const files = mediaFiles(form.items, answers);
  if (state.audit) {
    meta.questionLeft(state.audit);
    for (const event of ['form save', 'form exit', 'form finalize']) audit(event);
    files.push(await keepAudit());
  }
  const [kind, id] = subject.split(':');
  const record = {
    uuid: crypto.randomUUID(),
    instrument_id: instrument.id,
    collected_at: new Date().toISOString(),
    subject: { kind, id: Number(id) },
    answers,
    files,
    title: instrument.title || form.title,
    subject_label: subjectLabel(subject),
  };
  await state.store.addSubmission(record);
  // A corrected rejected submission replaces the old one (which the server never stored).
  if (state.replaces) await state.store.deleteSubmission(state.replaces);
  clearTimeout(draftTimer);
  await state.store.deleteDraft(state.draftId);
  closeForm();
  $('home-message').textContent = t('field-saved');
  await renderDrafts();
  await renderOutbox();
  sync();
}

// ---------------------------------------------------------------------------------------------
// The outbox and sync

async function renderOutbox() {
  const records = await state.store.listOutbox();
  const counts = countStatuses(records);
  $('status').textContent = t('field-counts', counts);
  const line = $('sync-state');
  if (state.syncing) line.textContent = t('field-syncing');
  else if (state.lastSyncError && counts.waiting) line.textContent = t('field-stopped', { error: state.lastSyncError });
  else if (counts.waiting) line.textContent = navigator.onLine ? '' : `${t('field-offline')} ${t('field-will-send')}`;
  else line.textContent = t('field-all-sent');
  $('outbox').replaceChildren(...records.slice().reverse().map((r) => el('li', { dataset: { uuid: r.uuid, status: r.status }, class: r.status },
    el('div', {},
      el('strong', { text: r.title ?? `#${r.instrument_id}` }), ` — ${r.subject_label ?? `${r.subject.kind} ${r.subject.id}`}`),
    el('div', { class: 'muted' },
      `${messages.dateTime(r.collected_at)} · `, el('span', { class: 'badge', text: t(STATUSES[r.status]) }),
      r.attempts > 1 && r.status !== 'sent' ? ` · ${t('field-attempts', { n: r.attempts })}` : '',
      r.duplicate ? ` · ${t('field-duplicate')}` : '',
      r.conflict ? ` · ${t('field-conflict-kept')}` : ''),
    r.kind === 'visit' && r.status === 'sent' ? visitFeedback(r) : null,
    r.kind === 'meeting' && r.status === 'sent' && r.server_id
      ? el('a', { class: 'meeting-link', href: `/plc-meetings/${r.server_id}`, text: t('field-meeting-open') }) : null,
    r.last_error && r.status !== 'sent' ? el('div', { class: 'error', text: r.last_error }) : null,
    r.status === 'rejected' && r.problems?.length ? el('ul', { class: 'error problems' }, (correctable(r) ? serverProblems(r) : r.problems.map((p) => ({
      field: p.column ?? '', code: p.code ?? '', text: `${p.column ? `${p.column}: ` : ''}${p.message ?? p.code}`,
    }))).map((p) => el('li', { dataset: { field: p.field, code: p.code }, text: p.text }))) : null,
    r.status === 'rejected' ? el('div', {},
      correctable(r)
        ? el('button', { type: 'button', class: 'small', dataset: { correct: r.uuid }, text: t('field-edit') })
        : el('button', { type: 'button', class: 'small', dataset: { edit: r.uuid }, text: t('field-edit'), disabled: !findInstrument(r.instrument_id) }), ' ',
      el('button', { type: 'button', class: 'small link', dataset: { deleteSubmission: r.uuid }, text: t('field-delete') })) : null)));
  $('clear-sent').hidden = counts.sent === 0;
  await renderObservations();
  await renderVisitPlan();
}

/** Whether a refused record is a visit or a meeting the package still offers a form for. */
function correctable(r) {
  if (r.kind === 'visit') return (state.pkg?.coachees ?? []).some((c) => visits.coacheeValue(c) === visits.coacheeValue(r));
  if (r.kind === 'meeting') return Boolean(findPlc(r.plc_id));
  return false;
}

/** Sends one submission; says whether to go on (`next`) or stop the run (`stop`). */
async function sendOne(record) {
  const store = state.store;
  const { uuid } = record;
  await store.updateSubmission(uuid, { status: 'sending', attempts: (record.attempts ?? 0) + 1 });
  await renderOutbox();
  const edit = record.kind === 'edit';
  const visit = record.kind === 'visit';
  const meeting = record.kind === 'meeting';
  const body = JSON.stringify(edit
    ? { uuid, entity: record.entity, id: record.id, base_version: record.base_version, changes: record.changes, base: record.base }
    : visit ? visits.visitBody(record)
      : meeting ? meetings.meetingBody(record)
        : { uuid, instrument_id: record.instrument_id, collected_at: record.collected_at, subject: record.subject, answers: record.answers, files: record.files ?? [] });
  let res;
  try {
    // Each file first, in parts, unless the server has it already: a sync cut off in the
    // middle of a file sends only what had not arrived.
    const send = (url, init) => fetch(url, {
      ...init,
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { ...init.headers, Accept: 'application/json', 'X-CSRF-Token': state.pkg?.csrf_token ?? '' },
    });
    for (const f of edit || visit || meeting ? [] : record.files ?? []) {
      const sent = await uploads.upload(send, f.sha256, async () => (await store.getFile(f.sha256))?.blob ?? null);
      if (sent.lost) {
        await store.updateSubmission(uuid, { status: 'rejected', last_error: t('field-file-lost', { name: f.name }), problems: [] });
        return 'next';
      }
      // Parts that kept not following on (another tab sending the same file): next sync.
      if (sent.response?.status === 409) return wait(uuid, t('field-unexpected'));
      if (sent.response) { res = sent.response; break; }
    }
    const route = meeting ? meetings.meetingRoute(record)
      : { edit: '/api/v1/field/edits', visit: '/api/v1/coaching/visits' }[record.kind] ?? '/api/v1/submissions';
    res = res ?? await fetch(route, {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': state.pkg?.csrf_token ?? '' },
      body,
    });
  } catch {
    return wait(uuid, t('field-network-error'));
  }
  const json = await res.json().catch(() => null);
  if ((res.status === 200 || res.status === 201) && json && json.uuid === uuid) {
    await store.updateSubmission(uuid, {
      status: 'sent', last_error: null, problems: [], server_id: json.id ?? null, duplicate: json.duplicate === true,
      conflict: json.status === 'conflict',
      scores: json.scores ?? [], feedback: visit ? json.feedback ?? [] : undefined, sent_at: new Date().toISOString(),
    });
    return 'next';
  }
  if (res.status === 422) {
    await store.updateSubmission(uuid, {
      status: 'rejected', last_error: json?.message ?? json?.error ?? 'HTTP 422', problems: Array.isArray(json?.problems) ? json.problems : [],
    });
    return 'next';
  }
  if (res.status === 401 || res.status === 403 || res.type === 'opaqueredirect') {
    showSignIn('ended');
    return wait(uuid, t('field-auth-error'));
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
    // Refused for good (unknown instrument, out of scope…): kept on the device, shown.
    await store.updateSubmission(uuid, { status: 'rejected', last_error: json?.message ?? `HTTP ${res.status}`, problems: json?.problems ?? [] });
    return 'next';
  }
  return wait(uuid, res.status >= 500 ? t('field-server-error', { status: res.status }) : t('field-unexpected'));
}

async function wait(uuid, error) {
  await state.store.updateSubmission(uuid, { status: 'waiting', last_error: error });
  state.lastSyncError = error;
  return 'stop';
}

/** Sends every waiting submission, oldest first, one at a time. */
async function sync() {
  if (state.syncing || !state.pkg) return;
  state.syncing = true;
  state.lastSyncError = null;
  $('sync').disabled = true;
  const run = async () => {
    for (;;) {
      const next = (await state.store.listOutbox()).find((r) => r.status === 'waiting');
      if (!next) break;
      if ((await sendOne(next)) === 'stop') break;
      await renderOutbox();
    }
  };
  try {
    // One tab sends at a time; another tab asking meanwhile simply skips.
    if (navigator.locks) await navigator.locks.request('opencpd-field-sync', { ifAvailable: true }, (lock) => lock && run());
    else await run();
  } catch (e) {
    state.lastSyncError = e.message;
  } finally {
    state.syncing = false;
    $('sync').disabled = false;
    await renderOutbox();
  }
}

// ---------------------------------------------------------------------------------------------
// Start

async function onHomeClick(event) {
  const button = event.target.closest('button');
  if (!button) return;
  const d = button.dataset;
  if (d.instrumentId) {
    $('home-message').textContent = '';
    openForm(findInstrument(d.instrumentId));
  } else if (d.resume) {
    const draft = await state.store.getDraft(d.resume);
    const instrument = findInstrument(draft?.instrument_id);
    if (!instrument) { $('home-message').textContent = t('field-unknown-instrument'); return; }
    openForm(instrument, {
      answers: draft.answers, subject: draft.subject, draftId: draft.id, started: draft.started, replaces: draft.replaces,
      audit: draft.audit, startGeopoint: draft.start_geopoint,
    });
  } else if (d.deleteDraft) {
    if (!confirm(t('field-confirm-delete'))) return;
    await state.store.deleteDraft(d.deleteDraft);
    renderDrafts();
  } else if (d.edit) {
    const r = await state.store.getSubmission(d.edit);
    const instrument = findInstrument(r?.instrument_id);
    if (!instrument) return;
    openForm(instrument, { answers: structuredClone(r.answers), subject: `${r.subject.kind}:${r.subject.id}`, replaces: r.uuid });
    state.showAll = true;
    const serverProblems = (r.problems ?? []).map((p) => ({ ...p, message: p.message ?? p.code }));
    showProblems(serverProblems, true);
  } else if (d.correct) {
    const r = await state.store.getSubmission(d.correct);
    if (r?.kind === 'visit') await correctVisit(r);
    else if (r?.kind === 'meeting') await correctMeeting(r);
  } else if (d.stopCorrecting) {
    stopCorrecting();
    for (const id of ['visit-message', 'meeting-message']) $(id).replaceChildren();
  } else if (d.planCoachee) {
    pickFromPlan(d.planCoachee);
  } else if (d.deleteSubmission) {
    if (!confirm(t('field-confirm-delete'))) return;
    if (state.correcting?.uuid === d.deleteSubmission) stopCorrecting();
    await state.store.deleteSubmission(d.deleteSubmission);
    renderOutbox();
  }
}

/**
 * Opens the form an address names (`/field/#instrument=7&subject=cohort:3`, as a person's
 * home page links to what they have to answer), once the package holds it.
 */
function openFromAddress() {
  const wanted = new URLSearchParams(location.hash.slice(1));
  const instrument = findInstrument(wanted.get('instrument'));
  if (!instrument) return;
  history.replaceState(null, '', location.pathname);
  $('home-message').textContent = '';
  openForm(instrument, { subject: wanted.get('subject') ?? '' });
}

async function clearSent() {
  for (const r of await state.store.listOutbox()) if (r.status === 'sent') await state.store.deleteSubmission(r.uuid);
  renderOutbox();
}

async function start() {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' }).catch(() => {});
  }
  state.store = await openStore();
  await state.store.recoverSending();
  state.pkg = (await state.store.getPackage()) ?? null;
  state.catalogue = (await state.store.getMessages()) ?? null;
  // The listeners come before the first drawing: a button shown is a button that answers.
  $('sign-in-form').addEventListener('submit', (e) => signIn(e));
  $('languages').addEventListener('click', (e) => {
    const code = e.target.closest('button')?.dataset.lang;
    if (code && code !== lang) switchLanguage(code);
  });

  $('download').addEventListener('click', download);
  $('contact-person').addEventListener('change', fillContact);
  $('contact-save').addEventListener('click', () => saveContact().catch((e) => { $('contact-message').textContent = e.message; }));
  $('visit-save').addEventListener('click', () => saveVisit().catch((e) => { $('visit-message').textContent = e.message; }));
  $('meeting-plc').addEventListener('change', () => renderMeetingPlc());
  $('meeting-date').addEventListener('change', () => renderMeetingPlc());
  $('meeting-add-guest').addEventListener('click', () => addGuest());
  $('meeting-attendance').addEventListener('change', onAttendanceChange);
  $('meeting-add-point').addEventListener('click', () => addPointRow());
  $('meeting-save').addEventListener('click', () => saveMeeting().catch((e) => { $('meeting-message').textContent = e.message; }));
  $('sync').addEventListener('click', () => sync());
  $('clear-sent').addEventListener('click', clearSent);
  $('form').addEventListener('input', onInput);
  $('form').addEventListener('change', onInput);
  $('form').addEventListener('click', onFormClick);
  $('form').addEventListener('submit', (e) => e.preventDefault());
  $('form').addEventListener('keydown', (e) => { if (e.target.id === 'audit-user' && e.key === 'Enter') identify(); });
  $('subject').addEventListener('change', saveDraftSoon);
  $('save').addEventListener('click', () => save().catch((e) => { $('save-message').textContent = e.message; }));
  $('cancel').addEventListener('click', async () => {
    if (state.audit && !meta.needsUser(state.audit)) { meta.questionLeft(state.audit); audit('form save'); audit('form exit'); }
    await saveDraftNow();
    closeForm();
  });
  $('form').addEventListener('focusin', onFocus);
  for (const type of ['pointerdown', 'pointermove', 'pointerup', 'pointercancel']) $('form').addEventListener(type, onPadPointer);
  $('form').addEventListener('focusout', onFocus);
  $('home').addEventListener('click', onHomeClick);
  $('outbox').addEventListener('click', onHomeClick);
  window.addEventListener('online', () => sync());
  window.addEventListener('offline', () => renderOutbox());
  applyLanguage();
  renderPackage();
  await renderOutbox();
  // Retry now and then while something waits (a server that was down comes back).
  setInterval(async () => {
    if (!navigator.onLine || state.syncing) return;
    const waiting = (await state.store.listOutbox()).some((r) => r.status === 'waiting');
    if (waiting) sync();
  }, 60000);
  if (navigator.onLine) {
    await refreshMessages();
    // A first visit downloads the package at once (or asks to sign in); later ones send.
    if (!state.pkg) await download();
    else sync();
  }
  openFromAddress();
  window.addEventListener('hashchange', openFromAddress);
}

start().catch((e) => {
  const msg = document.getElementById('package-message');
  if (msg) msg.textContent = e.message;
});
