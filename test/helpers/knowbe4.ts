/** A KnowBe4 sandbox on loopback plus a SCIM client pointed at it, tuned for fast tests. */
import { Secret } from '../../src/config';
import { Kb4ScimClient, type Kb4ScimClientOptions } from '../../src/knowbe4';
import { startKnowbe4Sandbox, type Knowbe4Sandbox, type Knowbe4SandboxOptions } from '../../src/sandbox/knowbe4';
import { limiter } from '../../src/shared';

export const TOKEN = 'test-scim-token-value';

export interface Rig {
  sandbox: Knowbe4Sandbox;
  client: Kb4ScimClient;
  /** Waits the client asked for between retries (the injected sleep returns at once). */
  sleeps: number[];
  makeClient(overrides?: Partial<Kb4ScimClientOptions>): Kb4ScimClient;
}

export async function rig(options: Knowbe4SandboxOptions = {}, clientOptions: Partial<Kb4ScimClientOptions> = {}): Promise<Rig> {
  const sandbox = await startKnowbe4Sandbox({ scimToken: TOKEN, ...options });
  const sleeps: number[] = [];
  const makeClient = (overrides: Partial<Kb4ScimClientOptions> = {}) =>
    new Kb4ScimClient({
      baseUrl: sandbox.url,
      token: new Secret(TOKEN),
      tokenEnv: 'ACME_KB4_SCIM_TOKEN',
      limiter: limiter({ concurrency: 4 }),
      retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 100 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...clientOptions,
      ...overrides,
    });
  return { sandbox, client: makeClient(), sleeps, makeClient };
}

export function users(n: number, prefix = 'user'): { userName: string; externalId?: string; name: { givenName: string; familyName: string } }[] {
  return Array.from({ length: n }, (_, i) => ({ userName: `${prefix}${i + 1}@acme.com`, name: { givenName: `Given${i + 1}`, familyName: `Family${i + 1}` } }));
}
