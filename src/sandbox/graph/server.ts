/**
 * A loopback Microsoft Graph v1.0 and Entra ID token service, serving seeded tenants the way the
 * kb4sync connector reads them: users ($select, $top, $expand=manager, nextLink paging), managers,
 * subscribedSkus, transitive group members and the organization; plus the OpenID configuration and
 * token endpoints @azure/identity needs, over HTTPS with a certificate made at start-up.
 *
 * Graph is served over plain http (the connector's own middleware adds the bearer token); the
 * identity endpoint must be https because @azure/identity refuses anything else.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { type SandboxContext, type TenantState } from './directory';
import { FaultControls } from './faults';
import { close, listen } from './http';
import { MAX_TOP, MAX_TOP_WITH_EXPAND } from './odata';
import { graphHandler } from './routes';
import { identityHandler } from './signIn';
import { makeSandboxCertificate } from './tls';
import { TokenIssuer } from './tokens';
import { ConsentLedger } from './consent';
import { TenantChanges } from './changes';
import { newDeltaLog } from './delta';
import type { GraphSandbox, GraphSandboxOptions, SandboxRequest, SandboxTenantRegistration, SentMail } from './types';

export * from './types';

const MAX_LOG = 20_000;

export async function startGraphSandbox(options: GraphSandboxOptions): Promise<GraphSandbox> {
  const tls = options.tls ?? (await makeSandboxCertificate());
  const issuer = new TokenIssuer();
  const faults = new FaultControls();
  const requests: SandboxRequest[] = [];
  let counts: Record<string, number> = {};
  const tenants = new Map<string, TenantState>();
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  const consent = new ConsentLedger(options.multiTenantApps);

  const addTenant = (reg: SandboxTenantRegistration) => {
    const state: TenantState = {
      tenant: reg.tenant,
      apps: new Map(reg.apps.map((a) => [a.clientId.toLowerCase(), a])),
      users: new Map(reg.tenant.users.map((u) => [u.id, u])),
      groups: new Map(reg.tenant.groups.map((g) => [g.id, g])),
      delta: newDeltaLog(reg.tenant.users.map((u) => u.id)),
    };
    tenants.set(reg.tenant.tenantId.toLowerCase(), state);
    tenants.set(reg.tenant.domain.toLowerCase(), state);
  };
  options.tenants.forEach(addTenant);

  const changes = new TenantChanges((id) => tenants.get(id));
  const sentMail: SentMail[] = [];
  const record = (route: string, req: IncomingMessage, status: number, tenantId: string | null) => {
    counts[route] = (counts[route] ?? 0) + 1;
    requests.push({ route, method: req.method ?? 'GET', path: req.url ?? '', status, tenantId });
    // A long-running sandbox (`kb4sync sandbox`) must not grow without bound; counters stay exact.
    if (requests.length > MAX_LOG) requests.splice(0, requests.length - MAX_LOG);
  };

  const ctx: SandboxContext = { tenants, consent, issuer, faults, sentMail, lifetime, record, base: { graph: '', authority: '' } };
  const graph = graphHandler(ctx);
  const identity = identityHandler(ctx);

  const graphServer = createHttpServer((req, res) => void graph(req, res));
  const identityServer = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => void identity(req, res));
  const graphPort = await listen(graphServer, options.port ?? 0);
  const authorityPort = await listen(identityServer, options.authorityPort ?? 0);
  ctx.base.graph = `http://127.0.0.1:${graphPort}`;
  ctx.base.authority = `https://127.0.0.1:${authorityPort}`;

  return {
    sentMail,
    url: ctx.base.graph,
    authorityHost: ctx.base.authority,
    ca: tls.ca,
    faults,
    requests,
    counts: () => ({ ...counts }),
    resetCounters: () => {
      counts = {};
      requests.length = 0;
    },
    setRoles: (tenantId, clientId, roles) => {
      const shared = consent.appIn(tenantId, clientId);
      const app = tenants.get(tenantId.toLowerCase())?.apps.get(clientId.toLowerCase()) ?? (shared.kind === 'app' ? shared.app : undefined);
      if (!app) throw new Error(`no app ${clientId} in tenant ${tenantId}`);
      app.roles = [...roles];
    },
    addTenant,
    consent,
    updateUser: (tenantId, userId, patch) => changes.updateUser(tenantId, userId, patch),
    addUser: (tenantId, user, groupIds) => changes.addUser(tenantId, user, groupIds),
    removeUser: (tenantId, userId) => changes.removeUser(tenantId, userId),
    addMember: (tenantId, groupId, memberId) => changes.addMember(tenantId, groupId, memberId),
    removeMember: (tenantId, groupId, memberId) => changes.removeMember(tenantId, groupId, memberId),
    invalidateDelta: (tenantId) => changes.invalidateDelta(tenantId),
    limits: { maxTop: MAX_TOP, maxTopWithExpand: MAX_TOP_WITH_EXPAND },
    stop: async () => {
      await Promise.all([close(graphServer), close(identityServer)]);
    },
  };
}
