/**
 * digest.js — the hashes of the XLSForm `digest()` function, synchronous because the
 * expression evaluator is (WebCrypto's `subtle.digest` is not): MD5 (RFC 1321), SHA-1,
 * SHA-256, SHA-384 and SHA-512 (FIPS 180-4). Each takes bytes and gives bytes; `digest`
 * takes a text (hashed as UTF-8), an algorithm named as JavaRosa names it (any case) and
 * `base64` or `hex`. Not for secrets: the field app only computes what a form asks for.
 */

/** Pads as MD5 and the SHA family do: a 1 bit, zeros, then the bit length in `lengthBytes`. */
function pad(bytes, blockBytes, lengthBytes, littleEndian) {
  const total = Math.ceil((bytes.length + 1 + lengthBytes) / blockBytes) * blockBytes;
  const out = new Uint8Array(total);
  out.set(bytes);
  out[bytes.length] = 0x80;
  const bits = BigInt(bytes.length) * 8n;
  for (let i = 0; i < 8; i += 1) {
    const byte = Number((bits >> BigInt(8 * i)) & 0xffn);
    out[littleEndian ? total - lengthBytes + i : total - 1 - i] = byte;
  }
  return out;
}

const rotl = (x, n) => (x << n) | (x >>> (32 - n));
const rotr = (x, n) => (x >>> n) | (x << (32 - n));

function words32(block, at, littleEndian) {
  const view = new DataView(block.buffer, block.byteOffset + at, 64);
  return Array.from({ length: 16 }, (_, i) => view.getUint32(4 * i, littleEndian));
}

function bytes32(words, littleEndian) {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w >>> 0, littleEndian));
  return out;
}

// MD5, RFC 1321: T[i] = floor(2^32 · |sin(i + 1)|), four rounds of sixteen steps.
const MD5_T = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);
const MD5_S = [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]];

export function md5(bytes) {
  const data = pad(bytes, 64, 8, true);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let at = 0; at < data.length; at += 64) {
    const x = words32(data, at, true);
    let [a, b, c, d] = h;
    for (let i = 0; i < 64; i += 1) {
      const round = i >> 4;
      let f;
      let k;
      if (round === 0) { f = (b & c) | (~b & d); k = i; }
      else if (round === 1) { f = (b & d) | (c & ~d); k = (5 * i + 1) % 16; }
      else if (round === 2) { f = b ^ c ^ d; k = (3 * i + 5) % 16; }
      else { f = c ^ (b | ~d); k = (7 * i) % 16; }
      const sum = (a + f + MD5_T[i] + x[k]) | 0;
      [a, d, c] = [d, c, b];
      b = (b + rotl(sum, MD5_S[round][i % 4])) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
  }
  return bytes32(h, true);
}

// SHA-1, FIPS 180-4 §6.1.
export function sha1(bytes) {
  const data = pad(bytes, 64, 8, false);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  for (let at = 0; at < data.length; at += 64) {
    const w = words32(data, at, false);
    for (let t = 16; t < 80; t += 1) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    let [a, b, c, d, e] = h;
    for (let t = 0; t < 80; t += 1) {
      let f;
      let k;
      if (t < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (t < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = b ^ c ^ d; k = 0xca62c1d6; }
      const temp = (rotl(a, 5) + f + e + k + w[t]) | 0;
      [e, d, c, b, a] = [d, c, rotl(b, 30), a, temp];
    }
    [a, b, c, d, e].forEach((v, i) => { h[i] = (h[i] + v) | 0; });
  }
  return bytes32(h, false);
}


// The constants of the SHA family (FIPS 180-4 §4.2, §5.3): the first bits of the fractional
// parts of the cube roots (K) and square roots (H) of the first primes, computed exactly with
// integer roots of scaled primes rather than copied.
const PRIMES = (() => {
  const out = [];
  for (let n = 2; out.length < 80; n += 1) if (out.every((p) => n % p !== 0)) out.push(n);
  return out;
})();
const MASK = (1n << 64n) - 1n;
function iroot(n, k) {
  // The integer k-th root of n, by Newton's method from above.
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / k) + 1);
  for (;;) {
    const y = ((BigInt(k) - 1n) * x + n / x ** BigInt(k - 1)) / BigInt(k);
    if (y >= x) return x;
    x = y;
  }
}
const frac64 = (p, k) => iroot(BigInt(p) << BigInt(64 * k), k) & MASK;
const K512 = PRIMES.map((p) => frac64(p, 3));
const H512 = PRIMES.slice(0, 8).map((p) => frac64(p, 2));
// SHA-384 starts from the roots of the ninth to sixteenth primes.
const H384 = PRIMES.slice(8, 16).map((p) => frac64(p, 2));
const K256 = K512.slice(0, 64).map((k) => Number(k >> 32n));
const H256 = H512.map((h) => Number(h >> 32n));

// SHA-256, FIPS 180-4 §6.2.
export function sha256(bytes) {
  const data = pad(bytes, 64, 8, false);
  const h = [...H256];
  for (let at = 0; at < data.length; at += 64) {
    const w = words32(data, at, false);
    for (let t = 16; t < 64; t += 1) {
      const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
      const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 64; t += 1) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[t] + w[t]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) | 0, c, b, a, (t1 + t2) | 0];
    }
    [a, b, c, d, e, f, g, hh].forEach((v, i) => { h[i] = (h[i] + v) | 0; });
  }
  return bytes32(h, false);
}

// SHA-512 and SHA-384, FIPS 180-4 §6.4-6.5, on BigInt words.

const rotr64 = (x, n) => ((x >> n) | (x << (64n - n))) & MASK;

function sha512With(initial, bytes, outBytes) {
  const data = pad(bytes, 128, 16, false);
  const view = new DataView(data.buffer);
  const h = [...initial];
  for (let at = 0; at < data.length; at += 128) {
    const w = Array.from({ length: 16 }, (_, i) => view.getBigUint64(at + 8 * i, false));
    for (let t = 16; t < 80; t += 1) {
      const s0 = rotr64(w[t - 15], 1n) ^ rotr64(w[t - 15], 8n) ^ (w[t - 15] >> 7n);
      const s1 = rotr64(w[t - 2], 19n) ^ rotr64(w[t - 2], 61n) ^ (w[t - 2] >> 6n);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & MASK;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 80; t += 1) {
      const ch = (e & f) ^ (~e & MASK & g);
      const t1 = (hh + (rotr64(e, 14n) ^ rotr64(e, 18n) ^ rotr64(e, 41n)) + ch + K512[t] + w[t]) & MASK;
      const t2 = ((rotr64(a, 28n) ^ rotr64(a, 34n) ^ rotr64(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c))) & MASK;
      [hh, g, f, e, d, c, b, a] = [g, f, e, (d + t1) & MASK, c, b, a, (t1 + t2) & MASK];
    }
    [a, b, c, d, e, f, g, hh].forEach((v, i) => { h[i] = (h[i] + v) & MASK; });
  }
  const out = new Uint8Array(64);
  const outView = new DataView(out.buffer);
  h.forEach((v, i) => outView.setBigUint64(8 * i, v, false));
  return out.slice(0, outBytes);
}

export const sha512 = (bytes) => sha512With(H512, bytes, 64);
export const sha384 = (bytes) => sha512With(H384, bytes, 48);

const ALGORITHMS = { 'MD5': md5, 'SHA-1': sha1, 'SHA-256': sha256, 'SHA-384': sha384, 'SHA-512': sha512 };

/** The hash function JavaRosa calls `name` (any case), or null. */
export function algorithm(name) {
  const key = Object.keys(ALGORITHMS).find((k) => k.toUpperCase() === String(name).trim().toUpperCase());
  return key ? ALGORITHMS[key] : null;
}

const base64 = (bytes) => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
};
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** `digest(text, algorithm, encoding)`: '' for an algorithm or encoding it does not know. */
export function digest(text, name, encoding = 'base64') {
  const hash = algorithm(name);
  const encode = { base64, hex }[String(encoding).toLowerCase()];
  if (!hash || !encode) return '';
  return encode(hash(new TextEncoder().encode(text)));
}
