// The captcha's proof of work, as the server checks it (internal/captcha):
// find a nonce such that SHA-256(salt || nonce as 8 big-endian bytes) starts
// with `bits` zero bits. A compact SHA-256 for messages of one block (up to
// 55 bytes) keeps the search fast without WebCrypto's per-call cost.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19] as const;

/** hexBytes decodes a hex string. */
export function hexBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) throw new Error('pow: salt is not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * A one-block SHA-256 of salt followed by an 8-byte big-endian nonce. The
 * padded block is laid out once; each try rewrites only the nonce words.
 */
export class Hasher {
  private w = new Uint32Array(64);
  private block = new Uint32Array(16);
  private bytes: Uint8Array;
  private saltLen: number;

  constructor(salt: Uint8Array) {
    if (salt.length + 8 > 55) throw new Error('pow: salt too long for one block');
    this.saltLen = salt.length;
    this.bytes = new Uint8Array(64);
    this.bytes.set(salt, 0);
    this.bytes[salt.length + 8] = 0x80;
    const bitLen = (salt.length + 8) * 8;
    this.bytes[62] = (bitLen >>> 8) & 0xff;
    this.bytes[63] = bitLen & 0xff;
  }

  /** digest returns the hash of salt || nonce as eight 32-bit words. */
  digest(nonce: number): Uint32Array {
    const b = this.bytes;
    const at = this.saltLen;
    const hi = Math.floor(nonce / 0x100000000);
    const lo = nonce >>> 0;
    b[at] = (hi >>> 24) & 0xff;
    b[at + 1] = (hi >>> 16) & 0xff;
    b[at + 2] = (hi >>> 8) & 0xff;
    b[at + 3] = hi & 0xff;
    b[at + 4] = (lo >>> 24) & 0xff;
    b[at + 5] = (lo >>> 16) & 0xff;
    b[at + 6] = (lo >>> 8) & 0xff;
    b[at + 7] = lo & 0xff;
    const m = this.block;
    for (let i = 0; i < 16; i++) m[i] = (b[i * 4]! << 24) | (b[i * 4 + 1]! << 16) | (b[i * 4 + 2]! << 8) | b[i * 4 + 3]!;
    return compress(m, this.w);
  }
}

function compress(m: Uint32Array, w: Uint32Array): Uint32Array {
  for (let i = 0; i < 16; i++) w[i] = m[i]!;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let [a, b, c, d, e, f, g, h] = H0 as unknown as number[] as [number, number, number, number, number, number, number, number];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  return new Uint32Array([
    (H0[0] + a) | 0,
    (H0[1] + b) | 0,
    (H0[2] + c) | 0,
    (H0[3] + d) | 0,
    (H0[4] + e) | 0,
    (H0[5] + f) | 0,
    (H0[6] + g) | 0,
    (H0[7] + h) | 0,
  ]);
}

/** leadingZeros counts the leading zero bits of a digest. */
export function leadingZeros(words: Uint32Array): number {
  let n = 0;
  for (const w of words) {
    if (w === 0) {
      n += 32;
      continue;
    }
    return n + Math.clz32(w);
  }
  return n;
}

/** toHex renders a digest. */
export function toHex(words: Uint32Array): string {
  return [...words].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

/**
 * solve searches nonces from `from` for up to `count` tries and returns the
 * first that solves the puzzle, or -1.
 */
export function solve(hasher: Hasher, bits: number, from: number, count: number): number {
  const end = from + count;
  for (let n = from; n < end; n++) {
    if (leadingZeros(hasher.digest(n)) >= bits) return n;
  }
  return -1;
}
