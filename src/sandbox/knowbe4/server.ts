/**
 * The KnowBe4-like SCIM 2.0 sandbox: scimmy + scimmy-routers on express, bound to 127.0.0.1.
 * Protocol behaviour (filters, PatchOp, ListResponse, error bodies) is SCIMMY's; on top of it
 * sit KnowBe4's habits: bearer tokens that can be revoked or regenerated, archive instead of
 * delete, case-insensitive unique userName, a page-size cap, Test Mode, and faults on demand.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import SCIMMYRouters from 'scimmy-routers';
import { SandboxAccount, clone, newToken, type AccountSeed, type RecordedRequest, type TestModeEntry } from './account';
import { reportingRouter } from './reporting';
import { entraProfile } from './entraProfile';
import { registerScimResources, scimErrorBody, type ScimJson } from './schemas';


export interface Knowbe4SandboxOptions {
  /** Accounts to host; the first is the default one. Default: one account `default`. */
  accounts?: AccountSeed[];
  /** Shortcuts for the single default account (ignored when `accounts` is given). */
  scimToken?: string;
  reportingToken?: string;
  users?: AccountSeed['users'];
  groups?: AccountSeed['groups'];
  testMode?: boolean;
  maxPageSize?: number;
  managerForm?: AccountSeed['managerForm'];
  memberFilterPath?: boolean;
  /** See AccountSeed.visibilityDelayMs. */
  visibilityDelayMs?: number;
  /** 0 (default) = an ephemeral port. */
  port?: number;
}

export interface RequestFilter {
  api?: 'scim' | 'reporting';
  method?: string;
  /** Matches the path below the API base, e.g. `/Users` also matches `/Users/12`. */
  pathPrefix?: string;
}

export interface Knowbe4SandboxControls {
  readonly accountId: string;
  /** The account's current SCIM token (tests pass it to the client). */
  scimToken(): string | null;
  reportingToken(): string | null;
  /** "Revoke SCIM token": every request with the old token gets 401 from now on. */
  revokeScimToken(): void;
  /** "Regenerate SCIM token": the old token stops working at once; returns the new one. */
  regenerateScimToken(): string;
  setTestMode(on: boolean): void;
  /** What Test Mode would have done, in order. */
  testModeReport(): TestModeEntry[];
  /** The next `n` authenticated requests get 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(n: number, retryAfterSeconds?: number): void;
  /** The next `n` authenticated requests get `status` (default 503). */
  failNext(n: number, status?: number): void;
  /** Each authenticated request fails with `status` with probability `rate` (seeded, reproducible). */
  failRate(rate: number, status?: number, seed?: number): void;
  /** The next `n` authenticated requests have their connection dropped without a response. */
  dropNext(n: number): void;
  /** The next `n` authenticated requests are carried out, then their connection drops before the response. */
  loseResponseNext(n: number): void;
  /** Delay before every response of this account. */
  setLatency(ms: number): void;
  /** The next `n` authenticated requests are held `ms` before being carried out (a slow server: the client times out, the write may land later). */
  stallNext(n: number, ms: number): void;
  setMaxPageSize(n: number): void;
  /** From now on, accepted creates, renames and archives stay out of reads this long (0: at once). */
  setVisibilityDelay(ms: number): void;
  /** KnowBe4's background job ran: every accepted write is visible from now on. */
  applyPendingWrites(): void;
  /** Ids of users whose reads still show an earlier state. */
  waitingWrites(): string[];
  /** How reads show the enterprise manager from now on. */
  setManagerForm(form: 'object' | 'string'): void;
  /** Lists a record exactly as given, outside SCIM validation (odd shapes a real service may return). */
  addRawUser(record: ScimJson): void;
  addRawGroup(record: ScimJson): void;
  clearFaults(): void;
  requests(filter?: RequestFilter): RecordedRequest[];
  requestCount(filter?: RequestFilter): number;
  clearRequests(): void;
  /** Most requests this account was handling at the same time (since start or clearRequests). */
  peakConcurrency(): number;
  /** Stored SCIM users, archived ones included (copies). */
  users(): ScimJson[];
  groups(): ScimJson[];
  userByName(userName: string): ScimJson | undefined;
  /** Console-side facts the Reporting API shows (phish-prone %, last sign-in). */
  setConsoleFacts(userId: string, facts: { phishPronePercentage?: number; lastSignIn?: string | null }): void;
}

export interface Knowbe4SandboxAccountHandle {
  /** SCIM base selecting this account by path (the token must still match). */
  url: string;
  reportingUrl: string;
  controls: Knowbe4SandboxControls;
}

export interface Knowbe4Sandbox {
  /** SCIM base, e.g. http://127.0.0.1:PORT/scim/v2; the bearer token selects the account. */
  url: string;
  /** Reporting API base (the client appends /v1/...); the reporting token selects the account. */
  reportingUrl: string;
  port: number;
  /** Controls of the default (first) account. */
  controls: Knowbe4SandboxControls;
  account(id: string): Knowbe4SandboxAccountHandle;
  accountIds(): string[];
  /** Requests across all accounts, including ones whose token matched none. */
  allRequests(): RecordedRequest[];
  stop(): Promise<void>;
}

function bearer(req: Request): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  return m ? (m[1] as string) : null;
}


const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function matches(r: RecordedRequest, f: RequestFilter | undefined): boolean {
  if (!f) return true;
  if (f.api && r.api !== f.api) return false;
  if (f.method && r.method !== f.method.toUpperCase()) return false;
  if (f.pathPrefix && !r.path.startsWith(f.pathPrefix)) return false;
  return true;
}

function controlsFor(account: SandboxAccount): Knowbe4SandboxControls {
  const f = account.faults;
  return {
    accountId: account.id,
    scimToken: () => account.scimToken,
    reportingToken: () => account.reportingToken,
    revokeScimToken: () => {
      account.scimToken = null;
    },
    regenerateScimToken: () => {
      account.scimToken = newToken(`scim-${account.id}`);
      return account.scimToken;
    },
    setTestMode: (on) => {
      account.testMode = on;
    },
    testModeReport: () => clone(account.testModeLog),
    rateLimitNext: (n, retryAfterSeconds = 1) => {
      f.rateLimitNext = n;
      f.retryAfterSeconds = retryAfterSeconds;
    },
    failNext: (n, status = 503) => {
      f.failNext = n;
      f.failStatus = status;
    },
    failRate: (rate, status = 503, seed = 1) => {
      f.failRate = rate;
      f.failRateStatus = status;
      account.seedFailRate(seed);
    },
    dropNext: (n) => {
      f.dropNext = n;
    },
    loseResponseNext: (n) => {
      f.loseResponseNext = n;
    },
    setLatency: (ms) => {
      f.latencyMs = ms;
    },
    stallNext: (n, ms) => {
      f.stallNext = n;
      f.stallMs = ms;
    },
    setMaxPageSize: (n) => {
      account.maxPageSize = n;
    },
    setVisibilityDelay: (ms) => {
      account.visibility.delayMs = ms;
    },
    applyPendingWrites: () => account.visibility.flush(),
    waitingWrites: () => account.visibility.waitingIds(),
    setManagerForm: (form) => {
      account.managerForm = form;
    },
    addRawUser: (record) => {
      account.oddUsers.push(clone(record));
    },
    addRawGroup: (record) => {
      account.oddGroups.push(clone(record));
    },
    clearFaults: () => {
      Object.assign(f, { rateLimitNext: 0, failNext: 0, failRate: 0, dropNext: 0, loseResponseNext: 0, latencyMs: 0, stallNext: 0 });
    },
    requests: (filter) => account.requests.filter((r) => matches(r, filter)).map((r) => clone(r)),
    requestCount: (filter) => account.requests.filter((r) => matches(r, filter)).length,
    clearRequests: () => {
      account.requests.length = 0;
      account.peakInFlight = account.inFlight;
    },
    peakConcurrency: () => account.peakInFlight,
    users: () => account.scim.listUsers(),
    groups: () => account.scim.listGroups(),
    userByName: (userName) => {
      const u = account.scim.userByName(userName);
      return u ? clone(u) : undefined;
    },
    setConsoleFacts: (userId, facts) => {
      const current = account.scim.console.get(userId);
      if (!current) throw new Error(`sandbox: no user ${userId}`);
      Object.assign(current, facts);
    },
  };
}

export async function startKnowbe4Sandbox(options: Knowbe4SandboxOptions = {}): Promise<Knowbe4Sandbox> {
  registerScimResources();
  const seeds: AccountSeed[] = options.accounts ?? [
    {
      id: 'default',
      name: 'Sandbox KnowBe4 account',
      scimToken: options.scimToken,
      reportingToken: options.reportingToken,
      users: options.users,
      groups: options.groups,
      testMode: options.testMode,
      maxPageSize: options.maxPageSize,
      managerForm: options.managerForm,
      memberFilterPath: options.memberFilterPath,
      visibilityDelayMs: options.visibilityDelayMs,
    },
  ];
  if (seeds.length === 0) throw new Error('sandbox: at least one account');
  const accounts = new Map<string, SandboxAccount>();
  for (const seed of seeds) {
    if (accounts.has(seed.id)) throw new Error(`sandbox: duplicate account id ${seed.id}`);
    accounts.set(seed.id, new SandboxAccount(seed.id, seed.name ?? seed.id, seed));
  }
  const allRequests: RecordedRequest[] = [];
  const accountOfRequest = new WeakMap<Request, SandboxAccount>();
  let port = 0;

  const app = express();
  app.disable('x-powered-by');
  const rawBodies = new WeakMap<object, string>();
  app.use(
    express.json({
      type: ['application/scim+json', 'application/json'],
      limit: '5mb',
      verify: (req, _res, buf) => {
        rawBodies.set(req, buf.toString('utf8'));
      },
    }),
  );
  // restify (the bot's server, loaded in the same process by `npm start`) puts a `query()` method
  // on every IncomingMessage, and express then skips parsing the query string. Parse it here.
  app.use((req, _res, next) => {
    const query: Record<string, string> = {};
    for (const [k, v] of new URL(req.originalUrl, 'http://sandbox').searchParams) query[k] = v;
    Object.defineProperty(req, 'query', { value: query, writable: true, enumerable: true, configurable: true });
    next();
  });

  /** Records the request, then authenticates it, then applies latency and injected faults. */
  const gate = (api: RecordedRequest['api']) => async (req: Request, res: Response, next: NextFunction) => {
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
    if (f.loseResponseNext > 0) {
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

  const scim = new SCIMMYRouters({
    type: 'bearer',
    docUri: 'https://support.knowbe4.com/hc/en-us/articles/SCIM',
    handler: (req) => {
      const account = accountOfRequest.get(req);
      if (!account) throw new Error('Invalid or revoked SCIM token');
      return account.id;
    },
    context: (req) => accountOfRequest.get(req),
    baseUri: () => `http://127.0.0.1:${port}`,
  });
  const reportingAccount = (req: Request) => accountOfRequest.get(req) as SandboxAccount;

  const profile = entraProfile((req) => accountOfRequest.get(req));
  app.use('/scim/v2', gate('scim'), profile, scim);
  app.use('/accounts/:accountId/scim/v2', gate('scim'), profile, scim);
  app.use('/v1', gate('reporting'), reportingRouter(reportingAccount));
  app.use('/accounts/:accountId/v1', gate('reporting'), reportingRouter(reportingAccount));
  // scimmy-routers forwards 5xx errors after answering; nothing is left to do with them here.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (!res.headersSent) res.status(500).type('application/scim+json').send(scimErrorBody(500, String(err)));
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const handle = (id: string): Knowbe4SandboxAccountHandle => {
    const account = accounts.get(id);
    if (!account) throw new Error(`sandbox: no account ${id}`);
    return { url: `${base}/accounts/${id}/scim/v2`, reportingUrl: `${base}/accounts/${id}`, controls: controlsFor(account) };
  };
  const first = seeds[0] as AccountSeed;
  return {
    url: `${base}/scim/v2`,
    reportingUrl: base,
    port,
    controls: handle(first.id).controls,
    account: handle,
    accountIds: () => [...accounts.keys()],
    allRequests: () => allRequests.map((r) => clone(r)),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
