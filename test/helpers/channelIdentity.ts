/**
 * A loopback stand-in for the Bot Framework channel's token issuer: an OpenID metadata document
 * and a JWKS with our own RSA key, and RS256 tokens signed with it (node:crypto, no JWT library),
 * so the bot's real JWT validation (botframework-connector) can be driven with tokens that are
 * correctly signed, expired, meant for another app, or forged.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChannelIdentity {
  /** ToBotFromChannelOpenIdMetadataUrl for the bot. */
  metadataUrl: string;
  /** ToBotFromChannelTokenIssuer for the bot: the `iss` of the tokens signed here. */
  issuer: string;
  /** The kid of the published key. */
  kid: string;
  /** Requests the metadata server answered (proves the bot looked the key up here). */
  requests: string[];
  /** An RS256 token with the usual channel claims, overridden by `claims`. */
  token(claims: Record<string, unknown>, options?: { key?: KeyObject; kid?: string; header?: Record<string, unknown> }): string;
  /** A key the bot has never seen (for "correct shape, wrong signature"). */
  strangerKey: KeyObject;
  /** The published public key as PEM (an HS256 token "signed" with it is the classic alg-confusion forgery). */
  publicPem: string;
  close(): Promise<void>;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Compact JWS over header and payload; the signature is RS256 unless `alg` says otherwise. */
export function jwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject | null): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = key === null ? '' : sign('RSA-SHA256', Buffer.from(input), key).toString('base64url');
  return `${input}.${signature}`;
}

export async function startChannelIdentity(options: { endorsements?: string[] } = {}): Promise<ChannelIdentity> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = 'kb4sync-test-key';
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/.well-known/openidconfiguration') {
      res.end(JSON.stringify({ issuer: `${base}/issuer`, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/v1/.well-known/keys') {
      const jwk = publicKey.export({ format: 'jwk' });
      // Teams' real keys carry endorsements: the channels a key may sign for.
      res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e, endorsements: options.endorsements ?? ['msteams'] }] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/issuer`;
  return {
    metadataUrl: `${base}/v1/.well-known/openidconfiguration`,
    issuer,
    kid,
    requests,
    strangerKey: stranger,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    token(claims, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', typ: 'JWT', kid: opts.kid ?? kid, ...opts.header };
      return jwt(header, { iss: issuer, nbf: now - 60, iat: now - 60, exp: now + 3600, ...claims }, opts.key ?? privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

