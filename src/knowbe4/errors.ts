/**
 * Errors from KnowBe4 that an admin can act on. Each says what happened, on which request, and
 * what to do about it. None carries the token: the axios error (whose config holds the
 * Authorization header) is deliberately not kept as `cause`.
 */
import { isAxiosError } from 'axios';
import { z } from 'zod';
import { isTlsCode, parseRetryAfter } from '../shared';

export type Kb4ErrorKind =
  | 'auth'
  | 'forbidden'
  | 'notFound'
  | 'conflict'
  | 'rateLimited'
  | 'server'
  | 'timeout'
  | 'network'
  | 'tls'
  | 'badRequest'
  | 'protocol';

export interface Kb4ErrorContext {
  method: string;
  /** Path below the SCIM base, without the query string. */
  path: string;
  /** HTTP attempts made, retries included. */
  attempts: number;
  /** Name (never value) of the environment variable holding the token, for the hint. */
  tokenEnv?: string;
  /** Host of the base URL, for messages about the connection itself. */
  host?: string;
}

export const REGENERATE_TOKEN_WHERE =
  'KnowBe4 console > Account Settings > User Management > User Provisioning > Regenerate SCIM Token';

export class Kb4Error extends Error {
  readonly method: string;
  readonly path: string;
  readonly attempts: number;
  constructor(
    readonly kind: Kb4ErrorKind,
    message: string,
    ctx: Kb4ErrorContext,
    readonly status: number | null = null,
    /** SCIM error `detail` from the response body, when KnowBe4 sent one. */
    readonly detail: string | null = null,
    readonly scimType: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
    this.method = ctx.method;
    this.path = ctx.path;
    this.attempts = ctx.attempts;
  }

  /** Worth trying the whole operation again later (not a configuration problem). */
  get transient(): boolean {
    return this.kind === 'rateLimited' || this.kind === 'server' || this.kind === 'timeout' || this.kind === 'network';
  }
}

export class Kb4AuthError extends Kb4Error {}
export class Kb4ForbiddenError extends Kb4Error {}
export class Kb4NotFoundError extends Kb4Error {}
export class Kb4ConflictError extends Kb4Error {}
export class Kb4RateLimitError extends Kb4Error {
  constructor(
    message: string,
    ctx: Kb4ErrorContext,
    detail: string | null,
    readonly retryAfterSeconds: number | null,
  ) {
    super('rateLimited', message, ctx, 429, detail);
  }
}
export class Kb4ServerError extends Kb4Error {}
export class Kb4NetworkError extends Kb4Error {}
export class Kb4RequestError extends Kb4Error {}
export class Kb4ProtocolError extends Kb4Error {}

const scimErrorBody = z.looseObject({
  detail: z.string().nullish(),
  scimType: z.string().nullish(),
  message: z.string().nullish(),
});

function describe(ctx: Kb4ErrorContext): string {
  return `${ctx.method} ${ctx.path}`;
}


/** Builds the admin-facing error for a failed request (after retries, when any). */
export function toKb4Error(err: unknown, ctx: Kb4ErrorContext): Kb4Error {
  if (err instanceof Kb4Error) return err;
  const where = describe(ctx);
  const tries = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : '';
  if (!isAxiosError(err)) {
    return new Kb4ProtocolError('protocol', `KnowBe4 SCIM ${where}: ${err instanceof Error ? err.message : String(err)}`, ctx);
  }
  const response = err.response;
  if (!response) {
    const code = err.code ?? 'unknown';
    if (isTlsCode(code)) {
      return new Kb4NetworkError(
        'tls',
        `KnowBe4 SCIM ${where}: the TLS connection failed (${code}); the certificate presented for ${ctx.host ?? 'the SCIM host'} could not be verified`,
        ctx,
      );
    }
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new Kb4NetworkError('timeout', `KnowBe4 SCIM ${where} timed out${tries}; KnowBe4 may be slow or unreachable, the run can be resumed`, ctx);
    }
    return new Kb4NetworkError('network', `KnowBe4 SCIM ${where} failed${tries}: network error ${code}; check the SCIM URL and outbound connectivity`, ctx);
  }
  const status = response.status;
  const body = scimErrorBody.safeParse(response.data);
  const detail = body.success ? (body.data.detail ?? body.data.message ?? null) : null;
  const scimType = body.success ? (body.data.scimType ?? null) : null;
  const said = detail ? `: KnowBe4 says "${detail}"` : '';
  switch (true) {
    case status === 401: {
      const env = ctx.tokenEnv ? ` and put it in the environment variable ${ctx.tokenEnv}` : '';
      return new Kb4AuthError(
        'auth',
        `KnowBe4 rejected the SCIM token (401 on ${where}): it was most likely regenerated or revoked in KnowBe4. ` +
          `Create a new one in ${REGENERATE_TOKEN_WHERE}${env}; the old token stays disabled${said}`,
        ctx,
        status,
        detail,
        scimType,
      );
    }
    case status === 403:
      return new Kb4ForbiddenError(
        'forbidden',
        `KnowBe4 refused ${where} (403): the SCIM token is valid but not allowed to do this; check that SCIM (v2) is the selected provisioning method in KnowBe4${said}`,
        ctx,
        status,
        detail,
        scimType,
      );
    case status === 404:
      return new Kb4NotFoundError(
        'notFound',
        `KnowBe4 has no ${ctx.path.replace(/^\//, '')} (404 on ${where}): it was deleted or merged since the plan was made; preview again${said}`,
        ctx,
        status,
        detail,
        scimType,
      );
    case status === 409:
      return new Kb4ConflictError('conflict', `KnowBe4 reported a conflict on ${where} (409)${said}`, ctx, status, detail, scimType);
    case status === 429: {
      const retryAfter = parseRetryAfter(response.headers['retry-after']);
      return new Kb4RateLimitError(
        `KnowBe4 kept rate-limiting ${where} (429${tries}); lower knowbe4.requestsPerSecond or retry later` +
          (retryAfter !== null ? ` (Retry-After ${retryAfter}s)` : '') +
          said,
        ctx,
        detail,
        retryAfter,
      );
    }
    case status >= 300 && status < 400: {
      const location = typeof response.headers.location === 'string' ? ` to ${response.headers.location.split('?')[0]}` : '';
      return new Kb4RequestError(
        'badRequest',
        `KnowBe4 answered ${where} with a redirect (${status}${location}), which kb4sync does not follow with the SCIM token; check knowbe4.scimUrl (or the region) against the SCIM URL in KnowBe4's settings`,
        ctx,
        status,
        detail,
        scimType,
      );
    }
    case status >= 500:
      return new Kb4ServerError('server', `KnowBe4 failed on ${where} (${status}${tries}); this is on KnowBe4's side, the run can be resumed later${said}`, ctx, status, detail, scimType);
    default:
      return new Kb4RequestError('badRequest', `KnowBe4 refused ${where} (${status})${said}`, ctx, status, detail, scimType);
  }
}

export { parseRetryAfter };
