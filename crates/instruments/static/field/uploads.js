/**
 * A file sent in parts, so that a sync cut off in the middle of a photo sends only the rest
 * next time: the server is asked how much of the file has arrived
 * (`GET /api/v1/files/{sha256}/upload`), then the rest goes in parts of `CHUNK` bytes, each
 * a `PUT /api/v1/files/{sha256}` with `Content-Range: bytes FIRST-LAST/SIZE`. The server
 * keeps what arrived of a part cut off too, checks the digest once the last byte is in, and
 * keeps a file sent twice once.
 *
 * No DOM and no global `fetch`: the caller passes `send(url, init)` (its own `fetch` with
 * credentials and headers), so `node --test` drives it against a server of its own.
 */

/** The size of a part: a link cut off loses at most this much. */
export const CHUNK = 256 * 1024;

/** The part after `received` bytes of a file of `size`: at most `chunk` bytes. */
export function nextPart(received, size, chunk = CHUNK) {
  const start = Math.max(0, Math.min(received, size));
  const end = Math.min(size, start + chunk) - 1;
  return { start, end, header: `bytes ${start}-${end}/${size}` };
}

/** How many times a part is sent again after the server says it does not follow on. */
const OFFSET_RETRIES = 3;

/**
 * Uploads the file `sha256` unless the server has it. `file()` gives its Blob (or null when
 * the device lost it), asked only when something must be sent. Resolves to one of
 * `{ done: true, stored: 'before' | 'now', sent }` (the bytes sent), `{ lost: true }`, or
 * `{ response }`, the server's refusal (422, 401…) for the caller to deal with. A network
 * error is thrown, as `fetch` throws it; what arrived is kept by the server.
 */
export async function upload(send, sha256, file, chunk = CHUNK) {
  const url = `/api/v1/files/${sha256}`;
  let sent = 0;
  const state = async () => {
    const res = await send(`${url}/upload`, { method: 'GET' });
    if (res.status !== 200) return { response: res };
    return { json: await res.json() };
  };
  let asked = await state();
  if (asked.response) return { response: asked.response };
  if (asked.json.stored) return { done: true, stored: 'before', sent };
  const blob = await file();
  if (!blob) return { lost: true };
  let received = asked.json.received;
  let misses = 0;
  for (;;) {
    const part = nextPart(received, blob.size, chunk);
    const body = blob.slice(part.start, part.end + 1);
    const res = await send(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': part.header },
      body,
    });
    sent += body.size;
    if (res.status === 201 || res.status === 200) return { done: true, stored: res.status === 201 ? 'now' : 'before', sent };
    if (res.status === 202) {
      const json = await res.json();
      // The server says what it has: normally the part's end, less when it was cut short.
      if (json.received > received) misses = 0;
      else if ((misses += 1) > OFFSET_RETRIES) return { response: res };
      received = json.received;
      continue;
    }
    if (res.status === 409 && misses < OFFSET_RETRIES) {
      misses += 1;
      asked = await state();
      if (asked.response) return { response: asked.response };
      if (asked.json.stored) return { done: true, stored: 'before', sent };
      received = asked.json.received;
      continue;
    }
    return { response: res };
  }
}

/** The quality a photo made smaller is written at, as a JPEG. */
export const JPEG_QUALITY = 0.85;

/**
 * The size of a photo of `width` × `height` pixels made smaller so that its longest side
 * is at most `maxPixels` (an image question's `max-pixels` parameter, as ODK Collect reads
 * it), its proportions kept; null when it is small enough or the parameter is not a number.
 */
export function fitWithin(width, height, maxPixels) {
  const max = Number.parseInt(maxPixels, 10);
  if (!Number.isFinite(max) || max <= 0 || !(width > 0) || !(height > 0)) return null;
  const longest = Math.max(width, height);
  if (longest <= max) return null;
  const scale = max / longest;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * The longest side of the pad an `annotate` question draws its picture on when the
 * question sets no `max-pixels`: the drawing is kept as a PNG, which a photo at the
 * camera's full size would make tens of megabytes.
 */
export const ANNOTATE_PIXELS = 1600;

/**
 * The size of the pad an `annotate` question draws a picture of `width` × `height` on: the
 * picture's own, its longest side brought down to `maxPixels` (else `ANNOTATE_PIXELS`).
 */
export function annotateSize(width, height, maxPixels) {
  const max = Number.parseInt(maxPixels, 10) > 0 ? maxPixels : ANNOTATE_PIXELS;
  return fitWithin(width, height, max) ?? { width, height };
}
