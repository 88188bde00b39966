// Passkeys in the browser: the server sends WebAuthn options as JSON with
// binary fields base64url-encoded, and wants the authenticator's answer
// back the same way. These helpers convert both ways, so the screens only
// call create() and get().

/** passkeysSupported reports whether this browser can use passkeys at all. */
export function passkeysSupported(w: { PublicKeyCredential?: unknown; navigator?: { credentials?: unknown } } = globalThis as never): boolean {
  return typeof w.PublicKeyCredential !== 'undefined' && !!w.navigator?.credentials;
}

/** toBase64url encodes bytes as unpadded base64url. */
export function toBase64url(data: ArrayBuffer | ArrayBufferView): string {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** fromBase64url decodes base64url (padded or not; plain base64 too). */
export function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bin = atob(padded);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

interface CredentialDescriptorJSON {
  type: string;
  id: string;
  transports?: string[];
}

type Json = Record<string, unknown>;

function descriptors(list: unknown): PublicKeyCredentialDescriptor[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return (list as CredentialDescriptorJSON[]).map((d) => ({
    type: d.type as PublicKeyCredentialType,
    id: fromBase64url(d.id),
    ...(d.transports ? { transports: d.transports as AuthenticatorTransport[] } : {}),
  }));
}

/** publicKeyOf takes the publicKey part of the server's options ({"publicKey": {...}}, or the part itself). */
function publicKeyOf(options: unknown): Json {
  if (!options || typeof options !== 'object') throw new Error('webauthn: no options');
  const o = options as Json;
  return (o.publicKey && typeof o.publicKey === 'object' ? o.publicKey : o) as Json;
}

/** creationOptions decodes the server's registration options for navigator.credentials.create(). */
export function creationOptions(options: unknown): PublicKeyCredentialCreationOptions {
  const pk = publicKeyOf(options);
  const user = pk.user as Json;
  const out: Json = { ...pk, challenge: fromBase64url(pk.challenge as string), user: { ...user, id: fromBase64url(user.id as string) } };
  const exclude = descriptors(pk.excludeCredentials);
  if (exclude) out.excludeCredentials = exclude;
  else delete out.excludeCredentials;
  return out as unknown as PublicKeyCredentialCreationOptions;
}

/** requestOptions decodes the server's sign-in options for navigator.credentials.get(). */
export function requestOptions(options: unknown): PublicKeyCredentialRequestOptions {
  const pk = publicKeyOf(options);
  const out: Json = { ...pk, challenge: fromBase64url(pk.challenge as string) };
  const allow = descriptors(pk.allowCredentials);
  if (allow) out.allowCredentials = allow;
  else delete out.allowCredentials;
  return out as unknown as PublicKeyCredentialRequestOptions;
}

/** The parts of a PublicKeyCredential the server reads. */
export interface CredentialLike {
  id: string;
  rawId: ArrayBuffer;
  type: string;
  authenticatorAttachment?: string | null;
  response: {
    clientDataJSON: ArrayBuffer;
    attestationObject?: ArrayBuffer;
    authenticatorData?: ArrayBuffer;
    signature?: ArrayBuffer;
    userHandle?: ArrayBuffer | null;
    getTransports?: () => string[];
  };
  getClientExtensionResults?: () => unknown;
}

/**
 * credentialJSON encodes an authenticator's answer (from create() or get())
 * as the JSON the server reads: binary fields base64url, the same shape as
 * PublicKeyCredential.toJSON().
 */
export function credentialJSON(cred: CredentialLike): Json {
  const r = cred.response;
  const response: Json = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    const transports = r.getTransports?.();
    if (transports?.length) response.transports = transports;
  }
  if (r.authenticatorData) response.authenticatorData = toBase64url(r.authenticatorData);
  if (r.signature) response.signature = toBase64url(r.signature);
  if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: cred.type,
    response,
    clientExtensionResults: cred.getClientExtensionResults?.() ?? {},
    ...(cred.authenticatorAttachment ? { authenticatorAttachment: cred.authenticatorAttachment } : {}),
  };
}

/** cancelled reports whether err is the browser saying the person dismissed or timed out the passkey prompt. */
export function cancelled(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'NotAllowedError';
}

/** createPasskey runs the browser's registration with the server's options and returns the answer as JSON. */
export async function createPasskey(options: unknown, signal?: AbortSignal): Promise<Json> {
  const cred = (await navigator.credentials.create({ publicKey: creationOptions(options), signal })) as unknown as CredentialLike | null;
  if (!cred) throw new DOMException('No passkey was made.', 'NotAllowedError');
  return credentialJSON(cred);
}

/** getPasskey runs the browser's sign-in with the server's options and returns the answer as JSON. */
export async function getPasskey(options: unknown, signal?: AbortSignal): Promise<Json> {
  const cred = (await navigator.credentials.get({ publicKey: requestOptions(options), signal })) as unknown as CredentialLike | null;
  if (!cred) throw new DOMException('No passkey was chosen.', 'NotAllowedError');
  return credentialJSON(cred);
}
