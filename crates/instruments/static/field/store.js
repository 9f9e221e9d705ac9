/**
 * store.js — what the field app keeps on the device, in IndexedDB (database `opencpd-field`):
 *
 * - `package`: the downloaded package (schools, people, instruments, CSRF token), one record;
 * - `messages`: the app's texts in every language and the language in use, one record
 *   (`{lang, languages, messages, pending}`, `pending` while a choice made offline is not
 *   yet told to the server);
 * - `drafts`: forms being filled, `{id, instrument_id, subject, answers, started, updated_at}`;
 * - `outbox`: submissions, `{uuid, instrument_id, collected_at, subject, answers, status,
 *   last_error, problems, attempts, created_at, updated_at, …}` where `status` is `waiting`,
 *   `sending`, `sent` or `rejected`; and edits to shared records (`kind: 'edit'`, with
 *   `entity`, `id`, `base_version`, `changes`), sent and counted the same way;
 * - `files`: the photos and recordings answers name, `{sha256, name, type, blob}`, kept
 *   until their submission is sent (each uploaded once, by its digest, before it).
 *
 * Every write is its own transaction and resolves only once committed, so a reload or a
 * closed tab never loses a saved submission. No DOM, no network.
 */

const DB_NAME = 'opencpd-field';
const DB_VERSION = 3;

/** A request as a promise. */
const done = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

/** Opens (and on first use creates) the database. */
export function openStore(indexedDB = globalThis.indexedDB) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('package')) db.createObjectStore('package');
      if (!db.objectStoreNames.contains('messages')) db.createObjectStore('messages');
      if (!db.objectStoreNames.contains('drafts')) db.createObjectStore('drafts', { keyPath: 'id' });
      if (!db.objectStoreNames.contains('outbox')) {
        db.createObjectStore('outbox', { keyPath: 'uuid' }).createIndex('created_at', 'created_at');
      }
      if (!db.objectStoreNames.contains('files')) db.createObjectStore('files', { keyPath: 'sha256' });
    };
    request.onsuccess = () => resolve(new Store(request.result));
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('the database is open in an older version of the app; close other tabs'));
  });
}

export class Store {
  constructor(db) { this.db = db; }

  /** Runs `work(objectStore)` in one transaction; resolves with its result once committed. */
  run(name, mode, work) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(name, mode);
      let result;
      Promise.resolve(work(tx.objectStore(name))).then((r) => { result = r; }, (e) => { tx.abort(); reject(e); });
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
    });
  }

  // The package

  getPackage() { return this.run('package', 'readonly', (s) => done(s.get('current'))); }
  putPackage(pkg) { return this.run('package', 'readwrite', (s) => done(s.put(pkg, 'current'))); }

  // The texts

  getMessages() { return this.run('messages', 'readonly', (s) => done(s.get('current'))); }
  putMessages(catalogue) { return this.run('messages', 'readwrite', (s) => done(s.put(catalogue, 'current'))); }

  // Drafts

  listDrafts() { return this.run('drafts', 'readonly', (s) => done(s.getAll())); }
  getDraft(id) { return this.run('drafts', 'readonly', (s) => done(s.get(id))); }
  putDraft(draft) {
    return this.run('drafts', 'readwrite', (s) => done(s.put({ ...draft, updated_at: new Date().toISOString() })));
  }
  deleteDraft(id) { return this.run('drafts', 'readwrite', (s) => done(s.delete(id))); }

  // Files (photos, recordings), by digest

  putFile(file) { return this.run('files', 'readwrite', (s) => done(s.put(file))); }
  getFile(sha256) { return this.run('files', 'readonly', (s) => done(s.get(sha256))); }

  // The outbox

  /** Every submission, oldest first. */
  listOutbox() {
    return this.run('outbox', 'readonly', (s) => done(s.index('created_at').getAll()));
  }
  getSubmission(uuid) { return this.run('outbox', 'readonly', (s) => done(s.get(uuid))); }

  /** Adds a new submission, `waiting`. Refuses a uuid that is already there. */
  addSubmission(submission) {
    const now = new Date().toISOString();
    const record = {
      status: 'waiting', last_error: null, problems: [], attempts: 0, created_at: now, ...submission, updated_at: now,
    };
    return this.run('outbox', 'readwrite', (s) => done(s.add(record))).then(() => record);
  }

  /** Changes fields of a submission (read and written in one transaction). */
  updateSubmission(uuid, patch) {
    return this.run('outbox', 'readwrite', async (s) => {
      const current = await done(s.get(uuid));
      if (!current) throw new Error(`no submission ${uuid}`);
      const next = { ...current, ...patch, updated_at: new Date().toISOString() };
      await done(s.put(next));
      return next;
    });
  }

  deleteSubmission(uuid) { return this.run('outbox', 'readwrite', (s) => done(s.delete(uuid))); }

  /**
   * Puts back to `waiting` every submission left `sending` (the app was closed or reloaded
   * mid-send). Safe: the server stores a uuid once, so sending it again cannot duplicate it.
   */
  recoverSending() {
    return this.run('outbox', 'readwrite', async (s) => {
      const all = await done(s.getAll());
      const stuck = all.filter((r) => r.status === 'sending');
      for (const r of stuck) {
        await done(s.put({ ...r, status: 'waiting', updated_at: new Date().toISOString() }));
      }
      return stuck.length;
    });
  }
}

/** Counts by status; `sending` counts as waiting (it is not done until the server says so). */
export function countStatuses(records) {
  const counts = { sent: 0, waiting: 0, rejected: 0 };
  for (const r of records) {
    if (r.status === 'sent') counts.sent += 1;
    else if (r.status === 'rejected') counts.rejected += 1;
    else counts.waiting += 1;
  }
  return counts;
}
