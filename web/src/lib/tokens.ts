// API token helpers for the account screen.

export type Expiry = '30' | '90' | '365' | 'never';

/** expiryDate returns when a token made now with expiry should stop working (ISO), or undefined for never. */
export function expiryDate(expiry: Expiry, now: Date): string | undefined {
  if (expiry === 'never') return undefined;
  const d = new Date(now.getTime() + Number(expiry) * 24 * 60 * 60 * 1000);
  return d.toISOString();
}

/** tokenState says whether a token still works at now. */
export function tokenState(token: { revoked_at?: string; expires_at?: string }, now: Date): 'active' | 'revoked' | 'expired' {
  if (token.revoked_at) return 'revoked';
  if (token.expires_at && Date.parse(token.expires_at) <= now.getTime()) return 'expired';
  return 'active';
}
