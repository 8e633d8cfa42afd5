/**
 * Signed, expiring links for the full-diff downloads: the card links to
 * /downloads/<planId>.<csv|json>?exp=…&sig=…, and the server serves the file only when the HMAC
 * over path and expiry checks out and the expiry has not passed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkCheck = { ok: true } | { ok: false; reason: 'bad-signature' | 'expired' };

function signature(path: string, expiresAt: number, key: Buffer): string {
  return createHmac('sha256', key).update(`${path}\n${expiresAt}`).digest('base64url');
}

/**
 * `path` is the service's own (/downloads/…): the signature covers it, while the link keeps the
 * public URL's path prefix (https://bots.example.com/kb4sync/downloads/…), which a reverse proxy
 * strips before the request reaches the service.
 */
export function signLink(baseUrl: string, path: string, expiresAt: Date, key: Buffer): string {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  const base = new URL(baseUrl);
  base.pathname = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const url = new URL(path.replace(/^\/+/, ''), base);
  url.search = '';
  url.searchParams.set('exp', String(exp));
  url.searchParams.set('sig', signature(path, exp, key));
  return url.toString();
}

export function checkLink(pathname: string, query: { exp?: unknown; sig?: unknown }, now: Date, key: Buffer): LinkCheck {
  const exp = typeof query.exp === 'string' && /^\d{1,12}$/.test(query.exp) ? Number(query.exp) : NaN;
  const sig = typeof query.sig === 'string' ? query.sig : '';
  if (!Number.isFinite(exp) || sig === '') return { ok: false, reason: 'bad-signature' };
  const expected = Buffer.from(signature(pathname, exp, key));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  if (now.getTime() / 1000 > exp) return { ok: false, reason: 'expired' };
  return { ok: true };
}
