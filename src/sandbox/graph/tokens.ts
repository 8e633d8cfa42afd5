/**
 * Access tokens the sandbox issues and checks. JWT-shaped (HS256 with a per-start key) so they
 * look like Entra tokens to clients, carry the app's `roles`, and cannot be forged by a test.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  tid: string;
  appid: string;
  roles: string[];
  aud: string;
  iat: number;
  exp: number;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class TokenIssuer {
  private readonly key = randomBytes(32);

  issue(claims: TokenClaims): string {
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'kb4sync-sandbox' }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.key).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }

  /** The claims of a valid, unexpired token; null otherwise. */
  verify(token: string, nowSeconds: number): TokenClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [head, body, sig] = parts as [string, string, string];
    const expected = createHmac('sha256', this.key).update(`${head}.${body}`).digest();
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
      return claims.exp > nowSeconds ? claims : null;
    } catch {
      return null;
    }
  }
}
