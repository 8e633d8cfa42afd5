/**
 * The sandbox's front door for every API request: it records the request, finds the account by
 * bearer token (and path, when given), then applies latency and the faults a test injected, and
 * caps list page sizes, before the SCIM or Reporting routes see it.
 */
import type { NextFunction, Request, Response } from 'express';
import { clone, type RecordedRequest, type SandboxAccount } from './account';
import { scimErrorBody } from './schemas';

export interface GateState {
  accounts: ReadonlyMap<string, SandboxAccount>;
  /** Every request, including ones whose token matched no account. */
  allRequests: RecordedRequest[];
  /** The authenticated account of each request that passed the gate, for the routes behind it. */
  accountOfRequest: WeakMap<Request, SandboxAccount>;
  /** Request bodies as sent, kept by the JSON parser. */
  rawBodies: WeakMap<object, string>;
}

function bearer(req: Request): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  return m ? (m[1] as string) : null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Records the request, then authenticates it, then applies latency and injected faults. */
export function requestGate({ accounts, allRequests, accountOfRequest, rawBodies }: GateState) {
  return (api: RecordedRequest['api']) => async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = bearer(req);
    const pathAccount = typeof req.params.accountId === 'string' ? accounts.get(req.params.accountId) : undefined;
    const byToken = [...accounts.values()].find((a) => token !== null && (api === 'scim' ? a.scimToken : a.reportingToken) === token);
    const account = byToken && (pathAccount === undefined || pathAccount === byToken) ? byToken : undefined;
    const record: RecordedRequest = {
      api,
      account: account?.id ?? null,
      method: req.method,
      path: req.path,
      query: { ...req.query },
      body: ['POST', 'PUT', 'PATCH'].includes(req.method) ? clone(req.body as unknown) : undefined,
      ...(rawBodies.has(req) ? { raw: rawBodies.get(req) } : {}),
      status: 0,
    };
    allRequests.push(record);
    account?.requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    if (!account) {
      // KnowBe4 answers a regenerated or revoked token with 401; so does an unknown one.
      res.status(401).type(api === 'scim' ? 'application/scim+json' : 'application/json');
      res.send(api === 'scim' ? scimErrorBody(401, 'Invalid or revoked SCIM token') : { message: 'Unauthorized' });
      return;
    }
    account.inFlight += 1;
    account.peakInFlight = Math.max(account.peakInFlight, account.inFlight);
    res.on('close', () => {
      account.inFlight -= 1;
    });
    const f = account.faults;
    if (f.latencyMs > 0) await sleep(f.latencyMs);
    if (f.stallNext > 0) {
      f.stallNext -= 1;
      await sleep(f.stallMs);
      // The client gave up: a real server carries on regardless, so the write still happens.
    }
    if (f.dropNext > 0) {
      f.dropNext -= 1;
      req.socket.destroy();
      return;
    }
    if (f.rateLimitNext > 0) {
      f.rateLimitNext -= 1;
      res.status(429).set('Retry-After', String(f.retryAfterSeconds)).type('application/scim+json');
      res.send(scimErrorBody(429, 'Too many requests: slow down'));
      return;
    }
    const failByRate = f.failRate > 0 && account.random() < f.failRate;
    if (f.failNext > 0 || failByRate) {
      const status = f.failNext > 0 ? f.failStatus : f.failRateStatus;
      if (f.failNext > 0) f.failNext -= 1;
      res.status(status).type('application/scim+json').send(scimErrorBody(status, 'Injected server error'));
      return;
    }
    if (f.loseResponseNext > 0 && (f.loseResponseMethod === null || f.loseResponseMethod === req.method)) {
      f.loseResponseNext -= 1;
      // The handlers run (the write happens); only the answer is lost, like a timeout after commit.
      res.send = () => {
        record.status = -1;
        req.socket.destroy();
        return res;
      };
    }
    accountOfRequest.set(req, account);
    // KnowBe4 does not document a page size; the sandbox caps it so clients must follow totalResults.
    if (api === 'scim' && req.method === 'GET' && /^\/(Users|Groups)\/?$/.test(req.path)) {
      const asked = Number.parseInt(String(req.query.count ?? ''), 10);
      const count = Number.isNaN(asked) ? account.maxPageSize : Math.min(Math.max(asked, 0), account.maxPageSize);
      // SCIMMY only honours numeric paging parameters; query strings arrive as text.
      const query = req.query as Record<string, unknown>;
      query.count = count;
      const start = Number.parseInt(String(query.startIndex ?? ''), 10);
      if (Number.isNaN(start)) delete query.startIndex;
      else query.startIndex = Math.max(start, 1);
    }
    next();
  };
}
