/**
 * The test controls of one sandbox account: what a test may change (tokens, Test Mode, faults,
 * visibility, odd records) and what it may read (requests, stored records) from outside HTTP.
 */
import { clone, newToken, type RecordedRequest, type SandboxAccount, type TestModeEntry } from './account';
import type { ScimJson } from './schemas';

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
  /** The next `n` requests (of `method`, when given) are carried out and their answer lost. */
  loseResponseNext(n: number, method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'): void;
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

function matches(r: RecordedRequest, f: RequestFilter | undefined): boolean {
  if (!f) return true;
  if (f.api && r.api !== f.api) return false;
  if (f.method && r.method !== f.method.toUpperCase()) return false;
  if (f.pathPrefix && !r.path.startsWith(f.pathPrefix)) return false;
  return true;
}

export function controlsFor(account: SandboxAccount): Knowbe4SandboxControls {
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
    loseResponseNext: (n, method) => {
      f.loseResponseNext = n;
      f.loseResponseMethod = method ?? null;
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
