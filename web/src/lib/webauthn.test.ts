import { describe, expect, it } from 'vitest';
import { cancelled, creationOptions, credentialJSON, fromBase64url, passkeysSupported, requestOptions, toBase64url } from './webauthn';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('base64url', () => {
  it('encodes without padding and with the URL alphabet', () => {
    expect(toBase64url(bytes(0xfb, 0xff))).toBe('-_8');
    expect(toBase64url(bytes())).toBe('');
    expect(toBase64url(new TextEncoder().encode('hello'))).toBe('aGVsbG8');
    expect(toBase64url(bytes(1, 2, 3, 4).buffer)).toBe('AQIDBA');
  });

  it('decodes padded, unpadded and plain base64', () => {
    expect([...fromBase64url('-_8')]).toEqual([0xfb, 0xff]);
    expect([...fromBase64url('-_8=')]).toEqual([0xfb, 0xff]);
    expect([...fromBase64url('+/8=')]).toEqual([0xfb, 0xff]);
    expect(new TextDecoder().decode(fromBase64url('aGVsbG8'))).toBe('hello');
  });

  it('round-trips every byte value', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect([...fromBase64url(toBase64url(all))]).toEqual([...all]);
  });

  it('encodes a view of part of a buffer, not the whole buffer', () => {
    const whole = bytes(9, 1, 2, 9);
    expect(toBase64url(whole.subarray(1, 3))).toBe(toBase64url(bytes(1, 2)));
  });
});

describe('options', () => {
  it('decodes the registration options of the server', () => {
    const opts = creationOptions({
      publicKey: {
        challenge: 'AQID',
        rp: { id: 'localhost', name: 'Pama' },
        user: { id: 'YWNjLTE', name: 'ana@example.com', displayName: 'Ana' },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        excludeCredentials: [{ type: 'public-key', id: 'BAUG', transports: ['internal'] }],
        timeout: 300000,
      },
    });
    expect([...(opts.challenge as Uint8Array)]).toEqual([1, 2, 3]);
    expect(new TextDecoder().decode(opts.user.id as Uint8Array)).toBe('acc-1');
    expect(opts.user.name).toBe('ana@example.com');
    expect(opts.rp).toEqual({ id: 'localhost', name: 'Pama' });
    expect([...(opts.excludeCredentials![0]!.id as Uint8Array)]).toEqual([4, 5, 6]);
    expect(opts.excludeCredentials![0]!.transports).toEqual(['internal']);
    expect(opts.timeout).toBe(300000);
  });

  it('decodes sign-in options, with or without the publicKey wrapper', () => {
    const a = requestOptions({ publicKey: { challenge: 'AQID', rpId: 'localhost', userVerification: 'preferred' } });
    expect([...(a.challenge as Uint8Array)]).toEqual([1, 2, 3]);
    expect(a.rpId).toBe('localhost');
    expect(a.allowCredentials).toBeUndefined();
    const b = requestOptions({ challenge: 'AQID', allowCredentials: [{ type: 'public-key', id: 'BAUG' }] });
    expect([...(b.allowCredentials![0]!.id as Uint8Array)]).toEqual([4, 5, 6]);
  });

  it('refuses options that are not there', () => {
    expect(() => requestOptions(null)).toThrow();
  });
});

describe('credentialJSON', () => {
  it('encodes a registration answer', () => {
    const out = credentialJSON({
      id: 'BAUG',
      rawId: bytes(4, 5, 6).buffer,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: new TextEncoder().encode('{"type":"webauthn.create"}').buffer,
        attestationObject: bytes(0xa0).buffer,
        getTransports: () => ['internal'],
      },
      getClientExtensionResults: () => ({ credProps: { rk: true } }),
    });
    expect(out).toEqual({
      id: 'BAUG',
      rawId: 'BAUG',
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: { credProps: { rk: true } },
      response: { clientDataJSON: toBase64url(new TextEncoder().encode('{"type":"webauthn.create"}')), attestationObject: 'oA', transports: ['internal'] },
    });
  });

  it('encodes a sign-in answer with its user handle', () => {
    const out = credentialJSON({
      id: 'BAUG',
      rawId: bytes(4, 5, 6).buffer,
      type: 'public-key',
      response: {
        clientDataJSON: bytes(1).buffer,
        authenticatorData: bytes(2).buffer,
        signature: bytes(3).buffer,
        userHandle: new TextEncoder().encode('acc-1').buffer,
      },
    });
    expect(out.response).toEqual({ clientDataJSON: 'AQ', authenticatorData: 'Ag', signature: 'Aw', userHandle: 'YWNjLTE' });
    expect(out.clientExtensionResults).toEqual({});
    expect(out).not.toHaveProperty('authenticatorAttachment');
  });
});

describe('support', () => {
  it('needs PublicKeyCredential and navigator.credentials', () => {
    expect(passkeysSupported({})).toBe(false);
    expect(passkeysSupported({ PublicKeyCredential: undefined, navigator: { credentials: {} } })).toBe(false);
    expect(passkeysSupported({ PublicKeyCredential: function () {}, navigator: {} })).toBe(false);
    expect(passkeysSupported({ PublicKeyCredential: function () {}, navigator: { credentials: {} } })).toBe(true);
  });

  it('knows a dismissed prompt', () => {
    expect(cancelled(new DOMException('x', 'NotAllowedError'))).toBe(true);
    expect(cancelled(new DOMException('x', 'InvalidStateError'))).toBe(false);
    expect(cancelled(new Error('x'))).toBe(false);
  });
});
