import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Hasher, hexBytes, leadingZeros, solve, toHex } from './pow';

function reference(salt: Uint8Array, nonce: number): string {
  const buf = Buffer.alloc(salt.length + 8);
  buf.set(salt);
  buf.writeBigUInt64BE(BigInt(nonce), salt.length);
  return createHash('sha256').update(buf).digest('hex');
}

describe('proof of work', () => {
  it('hashes salt || big-endian nonce as the server does (the vector of internal/captcha)', () => {
    const h = new Hasher(hexBytes('000102030405060708090a0b0c0d0e0f'));
    expect(toHex(h.digest(258))).toBe('f2c740b3d9f756559782488848b2c588e1e38b413c9ac50615171f052298ab42');
  });

  it('matches SHA-256 for many nonces and salt lengths, including nonces above 2^32', () => {
    for (const len of [0, 1, 7, 16, 31, 47]) {
      const salt = new Uint8Array(len).map((_, i) => (i * 37 + len) & 0xff);
      const h = new Hasher(salt);
      for (const n of [0, 1, 255, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12_345, Number.MAX_SAFE_INTEGER]) {
        expect(toHex(h.digest(n)), `len ${len} nonce ${n}`).toBe(reference(salt, n));
      }
    }
  });

  it('finds the first nonce with enough leading zero bits', () => {
    const salt = hexBytes('a1b2c3d4e5f60718293a4b5c6d7e8f90');
    const h = new Hasher(salt);
    const n = solve(h, 10, 0, 1 << 20);
    expect(n).toBeGreaterThanOrEqual(0);
    expect(leadingZeros(h.digest(n))).toBeGreaterThanOrEqual(10);
    for (let i = 0; i < n; i++) expect(leadingZeros(h.digest(i))).toBeLessThan(10);
    expect(parseInt(reference(salt, n).slice(0, 3), 16) >> 2).toBe(0);
  });

  it('refuses a salt that is not hex', () => {
    expect(() => hexBytes('xyz')).toThrow();
  });
});
