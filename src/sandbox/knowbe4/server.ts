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
import { SandboxAccount, clone, type AccountSeed, type RecordedRequest } from './account';
import { controlsFor, type Knowbe4SandboxControls } from './controls';
import { entraProfile } from './entraProfile';
import { requestGate } from './gate';
import { reportingRouter } from './reporting';
import { registerScimResources, scimErrorBody } from './schemas';

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

  const gate = requestGate({ accounts, allRequests, accountOfRequest, rawBodies });

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
