/**
 * One KnowBe4 account in the sandbox: its tokens, its users and groups (SCIM JSON kept in
 * memory), Test Mode, injected faults and the log of every request it received.
 */
import { randomBytes } from 'node:crypto';
import { clone, type ScimJson } from './schemas';
import { ScimStore, type SeedGroup, type SeedUser } from './scimStore';
import { Visibility } from './visibility';

export { type ConsoleFacts, type SeedGroup, type SeedUser } from './scimStore';

export interface AccountSeed {
  id: string;
  name?: string;
  scimToken?: string;
  reportingToken?: string;
  users?: SeedUser[];
  groups?: SeedGroup[];
  testMode?: boolean;
  /** Largest page the server returns whatever `count` asks for. Default 100. */
  maxPageSize?: number;
  /** How reads show the enterprise manager: RFC 7643's `{value}` (default) or Entra's plain string id. */
  managerForm?: 'object' | 'string';
  /** Also accept `members[value eq "…"]` removal paths (Entra sends `path: "members"` with values). */
  memberFilterPath?: boolean;
  /**
   * How long an accepted create, rename or archive stays out of list and filter reads (KnowBe4
   * applying SCIM writes in a background job). Default 0: at once.
   */
  visibilityDelayMs?: number;
}

/** What Test Mode reports instead of changing anything (KnowBe4's sync report verbs). */
export interface TestModeEntry {
  action: 'CREATED' | 'CHANGED' | 'ARCHIVED' | 'UNARCHIVED' | 'DELETED';
  resourceType: 'User' | 'Group';
  id: string;
  name: string;
  after: ScimJson | null;
}

export interface RecordedRequest {
  api: 'scim' | 'reporting';
  /** null: the token matched no account. */
  account: string | null;
  method: string;
  /** Path below the API base, e.g. `/Users/12`. */
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  /** The request body exactly as received (byte-for-byte checks), when there was one. */
  raw?: string;
  /** HTTP status sent; 0 = connection dropped unanswered, -1 = processed but the response was lost. */
  status: number;
}

export interface FaultState {
  rateLimitNext: number;
  retryAfterSeconds: number;
  failNext: number;
  failStatus: number;
  failRate: number;
  failRateStatus: number;
  dropNext: number;
  /** Processed, then the connection is dropped before the response: the outcome is unknown to the client. */
  loseResponseNext: number;
  /** Only requests of this method lose their answer (null: any). */
  loseResponseMethod: string | null;
  latencyMs: number;
  /** Held this long before being carried out: the client times out, the write may still land later. */
  stallNext: number;
  stallMs: number;
}

/**
 * JSON copies, not structuredClone: under Jest's vm sandbox structuredClone builds objects of the
 * outer realm, which fail SCIMMY's `instanceof Object` checks.
 */
export { clone };

/** Mulberry32: a seeded PRNG so a fault rate is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function newToken(prefix: string): string {
  return `${prefix}-${randomBytes(18).toString('base64url')}`;
}

export class SandboxAccount {
  readonly scim: ScimStore;
  scimToken: string | null;
  reportingToken: string | null;
  testMode: boolean;
  maxPageSize: number;
  managerForm: 'object' | 'string';
  memberFilterPath: boolean;
  readonly visibility = new Visibility();
  /** Records listed exactly as given, outside SCIM validation: what a real service may return that no schema expects. */
  readonly oddUsers: ScimJson[] = [];
  readonly oddGroups: ScimJson[] = [];
  readonly testModeLog: TestModeEntry[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly faults: FaultState = {
    rateLimitNext: 0,
    retryAfterSeconds: 1,
    failNext: 0,
    failStatus: 503,
    failRate: 0,
    failRateStatus: 503,
    dropNext: 0,
    loseResponseNext: 0,
    loseResponseMethod: null,
    latencyMs: 0,
    stallNext: 0,
    stallMs: 0,
  };
  random: () => number = prng(1);
  /** Requests being handled now, and the most ever at once (checks a client's concurrency bound). */
  inFlight = 0;
  peakInFlight = 0;

  constructor(
    readonly id: string,
    readonly name: string,
    seed: AccountSeed,
  ) {
    this.scimToken = seed.scimToken ?? newToken(`scim-${id}`);
    this.reportingToken = seed.reportingToken ?? newToken(`rep-${id}`);
    this.testMode = seed.testMode ?? false;
    this.maxPageSize = seed.maxPageSize ?? 100;
    this.managerForm = seed.managerForm ?? 'object';
    this.memberFilterPath = seed.memberFilterPath ?? false;
    this.visibility.delayMs = seed.visibilityDelayMs ?? 0;
    this.scim = new ScimStore(this);
    for (const u of seed.users ?? []) this.scim.seedUser(u);
    for (const g of seed.groups ?? []) this.scim.seedGroup(g);
  }

  seedFailRate(seed: number): void {
    this.random = prng(seed);
  }
}
