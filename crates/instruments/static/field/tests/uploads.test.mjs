/**
 * Tests of uploads.js: a file sent in parts to a server of the test's own that keeps parts
 * as OpenCPD does (what arrived of a part cut off included), checks the digest at the end
 * and keeps a file once. A link cut in the middle costs at most what was in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ANNOTATE_PIXELS, CHUNK, annotateSize, fitWithin, nextPart, upload } from '../uploads.js';

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A photo of `size` bytes: a JPEG's first bytes, then noise. */
function photo(size) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7919 + 13) % 251;
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  return bytes;
}

/**
 * The server: parts by digest, files by digest, and every byte it was sent. `cutAfter`
 * (bytes of bodies) cuts the link once that many have arrived: the request throws, what
 * arrived of its part is kept.
 */
function server({ cutAfter = Infinity } = {}) {
  const parts = new Map();
  const files = new Map();
  const s = { parts, files, received: 0, requests: [], cutAfter };
  s.send = async (url, init) => {
    const m = url.match(/^\/api\/v1\/files\/([0-9a-f]{64})(\/upload)?$/);
    assert.ok(m, url);
    const digest = m[1];
    s.requests.push(`${init.method} ${m[2] ?? ''} ${init.headers?.['Content-Range'] ?? ''}`.trim());
    const answer = (status, json) => ({ status, json: async () => json });
    if (init.method === 'GET') {
      if (files.has(digest)) return answer(200, { sha256: digest, stored: true, received: files.get(digest).length });
      return answer(200, { sha256: digest, stored: false, received: parts.get(digest)?.length ?? 0 });
    }
    const [, a, b, t] = init.headers['Content-Range'].match(/^bytes (\d+)-(\d+)\/(\d+)$/).map(Number);
    const have = parts.get(digest) ?? new Uint8Array(0);
    if (a !== have.length && a !== 0) return answer(409, { problems: [{ column: 'Content-Range' }] });
    const body = new Uint8Array(await init.body.arrayBuffer());
    assert.equal(body.length, b - a + 1);
    const room = Math.max(0, s.cutAfter - s.received);
    const arrived = body.subarray(0, Math.min(body.length, room));
    s.received += arrived.length;
    const joined = new Uint8Array(a + arrived.length);
    joined.set(have.subarray(0, a));
    joined.set(arrived, a);
    parts.set(digest, joined);
    if (arrived.length < body.length) {
      s.cutAfter = Infinity; // the link comes back for the next sync
      throw new TypeError('Failed to fetch');
    }
    if (joined.length < t) return answer(202, { sha256: digest, stored: false, received: joined.length });
    parts.delete(digest);
    if (sha(joined) !== digest) return answer(422, { problems: [{ column: 'file', code: 'file-digest' }] });
    const isNew = !files.has(digest);
    files.set(digest, joined);
    return answer(isNew ? 201 : 200, { sha256: digest, new: isNew });
  };
  return s;
}

test('a part starts where what arrived ends and is at most a chunk', () => {
  assert.deepEqual(nextPart(0, 10, 4), { start: 0, end: 3, header: 'bytes 0-3/10' });
  assert.deepEqual(nextPart(8, 10, 4), { start: 8, end: 9, header: 'bytes 8-9/10' });
  assert.equal(nextPart(0, 2_000_000).end, CHUNK - 1);
  assert.equal(CHUNK, 262144);
});

test('a file goes in parts, and a file the server has is not sent again', async () => {
  const s = server();
  const bytes = photo(2_000_000);
  const digest = sha(bytes);
  const first = await upload(s.send, digest, async () => new Blob([bytes]));
  assert.deepEqual(first, { done: true, stored: 'now', sent: 2_000_000 });
  assert.equal(s.requests.filter((r) => r.startsWith('PUT')).length, Math.ceil(2_000_000 / CHUNK));
  assert.deepEqual(s.files.get(digest), bytes);
  let asked = false;
  const again = await upload(s.send, digest, async () => { asked = true; return new Blob([bytes]); });
  assert.deepEqual(again, { done: true, stored: 'before', sent: 0 });
  assert.equal(asked, false, 'the file is not even read from the device');
});

test('a link cut in the middle of a part: the next sync sends only the rest', async () => {
  const s = server({ cutAfter: 700_000 });
  const bytes = photo(2_000_000);
  const digest = sha(bytes);
  await assert.rejects(upload(s.send, digest, async () => new Blob([bytes])), /Failed to fetch/);
  assert.equal(s.parts.get(digest).length, 700_000, 'what arrived of the cut part is kept');
  const before = s.received;
  const retry = await upload(s.send, digest, async () => new Blob([bytes]));
  assert.deepEqual(retry, { done: true, stored: 'now', sent: 1_300_000 });
  assert.equal(s.received - before, 1_300_000, 'nothing that had arrived is sent again');
  assert.deepEqual(s.files.get(digest), bytes);
  assert.equal(s.requests.filter((r) => r.startsWith('PUT')).at(-5), 'PUT  bytes 700000-962143/2000000');
});

test('a file lost from the device, and a refusal, are told to the caller', async () => {
  const s = server();
  const bytes = photo(1000);
  assert.deepEqual(await upload(s.send, sha(bytes), async () => null), { lost: true });
  const wrong = await upload(s.send, sha(new Uint8Array([1])), async () => new Blob([bytes]));
  assert.equal(wrong.response.status, 422);
  assert.equal(s.parts.size, 0, 'the server keeps nothing of a file with another digest');
});

test('a part refused for its offset is sent again from where the server says', async () => {
  const s = server();
  const bytes = photo(600_000);
  const digest = sha(bytes);
  // Another tab sent the first 100,000 bytes; the state first read is older.
  s.parts.set(digest, bytes.subarray(0, 100_000));
  let first = true;
  const send = async (url, init) => {
    const res = await s.send(url, init);
    if (init.method !== 'GET' || !first) return res;
    first = false;
    return { status: 200, json: async () => ({ sha256: digest, stored: false, received: 50_000 }) };
  };
  const done = await upload(send, digest, async () => new Blob([bytes]));
  assert.equal(done.stored, 'now');
  assert.deepEqual(s.requests.filter((r) => r.startsWith('PUT')), [
    'PUT  bytes 50000-312143/600000', 'PUT  bytes 100000-362143/600000', 'PUT  bytes 362144-599999/600000',
  ]);
  assert.deepEqual(s.files.get(digest), bytes);
});

test('a photo is made smaller to the max-pixels of its question, its proportions kept', () => {
  assert.deepEqual(fitWithin(4000, 3000, '1024'), { width: 1024, height: 768 });
  assert.deepEqual(fitWithin(3000, 4000, 1024), { width: 768, height: 1024 });
  assert.deepEqual(fitWithin(4000, 1, 1000), { width: 1000, height: 1 });
  assert.equal(fitWithin(800, 600, '1024'), null, 'small enough already');
  assert.equal(fitWithin(1024, 1024, '1024'), null);
  assert.equal(fitWithin(4000, 3000, undefined), null, 'no parameter');
  assert.equal(fitWithin(4000, 3000, 'big'), null);
  assert.equal(fitWithin(4000, 3000, '0'), null);
});

test('a picture to annotate is drawn on a pad of its own proportions, no larger than max-pixels or the pad limit', () => {
  assert.deepEqual(annotateSize(4000, 3000, '800'), { width: 800, height: 600 });
  assert.deepEqual(annotateSize(640, 480, '800'), { width: 640, height: 480 }, 'a small picture keeps its size');
  assert.equal(ANNOTATE_PIXELS, 1600);
  assert.deepEqual(annotateSize(3000, 4000, undefined), { width: 1200, height: 1600 }, 'no max-pixels: the pad limit');
  assert.deepEqual(annotateSize(3000, 4000, 'big'), { width: 1200, height: 1600 });
});
