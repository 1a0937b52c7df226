// The dashboard's access token: random, in the URL it prints, compared in constant time.
// Any request without it (query ?token= or header x-xpr-token) is refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';

// A fresh token (24 random bytes, URL-safe).
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

// Whether `given` is the token.
export function tokenMatches(token: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(token);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
