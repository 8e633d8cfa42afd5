/**
 * A loopback Microsoft Graph v1.0 and Entra ID token service, serving seeded tenants the way the
 * kb4sync connector reads them: users ($select, $top, $expand=manager, nextLink paging), managers,
 * subscribedSkus, transitive group members and the organization; plus the OpenID configuration and
 * token endpoints @azure/identity needs, over HTTPS with a certificate made at start-up.
 *
 * Graph is served over plain http (the connector's own middleware adds the bearer token); the
 * identity endpoint must be https because @azure/identity refuses anything else.
 */
import { constants as cryptoConstants, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { GraphGroupRecord, GraphTenant, GraphUserRecord } from '../tenants/graphTenant';
import { FaultControls } from './faults';
import { FilterRefused, parseUserFilter } from './filter';
import { makeSandboxCertificate, type SandboxTls } from './tls';
import { TokenIssuer } from './tokens';
import { ConsentLedger, missingServicePrincipal, type MultiTenantApp } from './consent';

export const GRAPH_PERMISSIONS = ['User.Read.All', 'GroupMember.Read.All', 'Organization.Read.All'] as const;
export type GraphPermission = (typeof GRAPH_PERMISSIONS)[number] | 'Directory.Read.All' | 'Mail.Send';

export interface SandboxApp {
  clientId: string;
  /** Accepted client secret (ClientSecretCredential). */
  clientSecret?: string;
  /** PEM certificate whose key signs client assertions (ClientCertificateCredential). */
  certificatePem?: string;
  /** Application permissions granted (admin-consented); default: all three the connector needs. */
  roles?: GraphPermission[];
}

export interface SandboxTenantRegistration {
  tenant: GraphTenant;
  apps: SandboxApp[];
}

export interface GraphSandboxOptions {
  tenants: SandboxTenantRegistration[];
  /** Graph (http) port; 0 = ephemeral. */
  port?: number;
  /** Identity (https) port; 0 = ephemeral. */
  authorityPort?: number;
  /** Token lifetime in seconds (Entra issues ~3600). */
  tokenLifetimeSeconds?: number;
  /** Reuse a certificate instead of making one (e.g. one a long-running sandbox printed before). */
  tls?: SandboxTls;
  /** Apps registered once and usable in any tenant that has consented (grantConsent). */
  multiTenantApps?: MultiTenantApp[];
}

export interface SandboxRequest {
  route: string;
  method: string;
  path: string;
  status: number;
  tenantId: string | null;
}

/** A message an app sent through `POST /users/{id}/sendMail`. */
export interface SentMail {
  tenantId: string;
  from: string;
  body: unknown;
}

export interface GraphSandbox {
  /** Mail sent through the sandbox, in order. */
  sentMail: SentMail[];
  /** Graph base URL without the version, e.g. http://127.0.0.1:5001 (use as `graphUrl`). */
  url: string;
  /** https://127.0.0.1:5002 (use as `authorityHost`). */
  authorityHost: string;
  /** PEM of the identity endpoint's certificate, to trust in the client. */
  ca: string;
  faults: FaultControls;
  /** Requests in order (the most recent 20,000). */
  requests: SandboxRequest[];
  /** Requests per route name since start or the last reset. */
  counts(): Record<string, number>;
  resetCounters(): void;
  /** Grants exactly these application permissions to an app (simulates consent changes). */
  setRoles(tenantId: string, clientId: string, roles: GraphPermission[]): void;
  addTenant(registration: SandboxTenantRegistration): void;
  /** Multi-tenant apps and the tenants that consented to them (grant, revoke, register). */
  consent: ConsentLedger;
  /** Changes a user's Graph properties in place, as an admin editing them in Entra would. */
  updateUser(tenantId: string, userId: string, patch: Partial<Omit<GraphUserRecord, 'id' | 'kind' | 'managerId'>>): void;
  /** Graph's page-size cap for the users list (999) and with $expand (100). */
  limits: { maxTop: number; maxTopWithExpand: number };
  stop(): Promise<void>;
}

/** Properties Graph returns for /users without $select. */
const DEFAULT_USER_PROPERTIES = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
/** Sandbox bookkeeping that Graph never serves. */
const PRIVATE_FIELDS = new Set(['managerId', 'kind']);
const MAX_TOP = 999;
const MAX_TOP_WITH_EXPAND = 100;
const DEFAULT_PAGE = 100;
const MAX_LOG = 20_000;

interface TenantState {
  tenant: GraphTenant;
  apps: Map<string, SandboxApp>;
  users: Map<string, GraphUserRecord>;
  groups: Map<string, GraphGroupRecord>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': 'sandbox' } } }, headers);
}

function aadError(status: number, error: string, code: number, description: string): HttpError {
  return new HttpError(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: sandbox Correlation ID: sandbox Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
  });
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Splits a `$select`/`$expand` list at top-level commas (not inside parentheses). */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function project(user: GraphUserRecord, select: readonly string[] | null): Record<string, unknown> {
  const record = user as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const p of select ?? DEFAULT_USER_PROPERTIES) out[p] = record[p] ?? null;
  out.id = user.id;
  return out;
}

function parseSelect(raw: string | null): string[] | null {
  if (raw === null || raw.trim() === '') return null;
  const props = splitTopLevel(raw);
  for (const p of props) {
    if (PRIVATE_FIELDS.has(p) || !USER_PROPERTY_NAMES.has(p)) {
      throw graphError(400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.user'.`);
    }
  }
  return props;
}

const GROUP_PROPERTY_NAMES = new Set(['id', 'displayName', 'description']);

/** `$select` on a list of groups: the properties the sandbox keeps for a group. */
function parseGroupSelect(raw: string | null): ('id' | 'displayName' | 'description')[] | null {
  if (raw === null || raw.trim() === '') return null;
  const props = splitTopLevel(raw);
  for (const p of props) {
    if (!GROUP_PROPERTY_NAMES.has(p)) throw graphError(400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.directoryObject'.`);
  }
  return props as ('id' | 'displayName' | 'description')[];
}

const USER_PROPERTY_NAMES = new Set([
  'id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'mailNickname', 'proxyAddresses', 'accountEnabled',
  'userType', 'assignedLicenses', 'jobTitle', 'department', 'employeeId', 'employeeType', 'companyName', 'officeLocation', 'city',
  'state', 'country', 'usageLocation', 'preferredLanguage', 'mobilePhone', 'businessPhones', 'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier', 'lastPasswordChangeDateTime', 'createdDateTime',
]);

interface ParsedExpand {
  manager: boolean;
  managerSelect: string[] | null;
}

function parseExpand(raw: string | null): ParsedExpand {
  if (raw === null || raw.trim() === '') return { manager: false, managerSelect: null };
  const items = splitTopLevel(raw);
  let managerSelect: string[] | null = null;
  let manager = false;
  for (const item of items) {
    const m = /^manager(?:\((.*)\))?$/.exec(item);
    if (!m) throw graphError(400, 'Request_BadRequest', `Parsing OData Select and Expand failed: Could not find a property named '${item}' on type 'microsoft.graph.user'.`);
    manager = true;
    const inner = m[1];
    if (inner) {
      const sel = /^\$select=(.*)$/.exec(inner.trim());
      if (!sel) throw graphError(400, 'Request_BadRequest', `Unsupported nested query option in '${item}'.`);
      managerSelect = parseSelect(sel[1] ?? '');
    }
  }
  return { manager, managerSelect };
}

function parseTop(raw: string | null, max: number): number {
  if (raw === null) return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw graphError(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  }
  return n;
}

/** Opaque skip token: the offset, so pages are stable while the tenant is unchanged. */
const encodeSkip = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
function decodeSkip(raw: string | null): number {
  if (raw === null) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!m) throw graphError(400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
  return Number(m[1]);
}

/** A users `$filter` as a predicate; what the sandbox does not model is Graph's 400. */
function userFilter(text: string): (u: GraphUserRecord) => boolean {
  try {
    return parseUserFilter(text);
  } catch (err) {
    if (err instanceof FilterRefused) throw graphError(400, err.code, err.message);
    throw err;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Verifies an RS256/PS256 client assertion against the app's registered certificate. */
function assertionValid(assertion: string, pem: string, clientId: string): boolean {
  const parts = assertion.split('.');
  if (parts.length !== 3) return false;
  const [head, body, sig] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { iss?: string; sub?: string; exp?: number };
    if (claims.iss !== clientId || claims.sub !== clientId) return false;
    if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return false;
    const key = new X509Certificate(pem).publicKey;
    const data = Buffer.from(`${head}.${body}`);
    const signature = Buffer.from(sig, 'base64url');
    if (header.alg === 'RS256') return cryptoVerify('sha256', data, key, signature);
    if (header.alg === 'PS256') {
      return cryptoVerify('sha256', data, { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST }, signature);
    }
    return false;
  } catch {
    return false;
  }
}

export async function startGraphSandbox(options: GraphSandboxOptions): Promise<GraphSandbox> {
  const tls = options.tls ?? makeSandboxCertificate();
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
    };
    tenants.set(reg.tenant.tenantId.toLowerCase(), state);
    tenants.set(reg.tenant.domain.toLowerCase(), state);
  };
  options.tenants.forEach(addTenant);

  const sentMail: SentMail[] = [];
  const record = (route: string, req: IncomingMessage, status: number, tenantId: string | null) => {
    counts[route] = (counts[route] ?? 0) + 1;
    requests.push({ route, method: req.method ?? 'GET', path: req.url ?? '', status, tenantId });
    // A long-running sandbox (`kb4sync sandbox`) must not grow without bound; counters stay exact.
    if (requests.length > MAX_LOG) requests.splice(0, requests.length - MAX_LOG);
  };

  let graphBase = '';
  let authorityBase = '';

  // ------------------------------------------------------------------ identity (https)
  const identity = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', authorityBase);
    const segments = url.pathname.split('/').filter(Boolean);
    const tenantKey = (segments[0] ?? '').toLowerCase();
    const rest = segments.slice(1).join('/');
    const state = tenants.get(tenantKey);
    let route = 'identity.unknown';
    try {
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      if (req.method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') {
        route = 'openid-configuration';
        if (!state) throw aadError(400, 'invalid_tenant', 90002, `Tenant '${segments[0] ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
        const t = state.tenant.tenantId;
        send(res, 200, {
          token_endpoint: `${authorityBase}/${t}/oauth2/v2.0/token`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          jwks_uri: `${authorityBase}/${t}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          issuer: `${authorityBase}/${t}/v2.0`,
          request_uri_parameter_supported: false,
          userinfo_endpoint: `${graphBase}/oidc/userinfo`,
          authorization_endpoint: `${authorityBase}/${t}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${authorityBase}/${t}/oauth2/v2.0/devicecode`,
          http_logout_supported: true,
          frontchannel_logout_supported: true,
          end_session_endpoint: `${authorityBase}/${t}/oauth2/v2.0/logout`,
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
          tenant_region_scope: 'NA',
          cloud_instance_name: 'microsoftonline.com',
          cloud_graph_host_name: 'graph.windows.net',
          msgraph_host: new URL(graphBase).host,
        });
        record(route, req, 200, state.tenant.tenantId);
        return;
      }
      if (req.method === 'POST' && rest === 'oauth2/v2.0/token') {
        route = 'token';
        if (!state) throw aadError(400, 'invalid_request', 90002, `Tenant '${segments[0] ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
        const form = new URLSearchParams(await readBody(req));
        if (form.get('grant_type') !== 'client_credentials') throw aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
        const clientId = (form.get('client_id') ?? '').toLowerCase();
        const shared = state.apps.has(clientId) ? null : consent.appIn(state.tenant.tenantId, clientId);
        if (shared?.kind === 'not-consented') throw aadError(400, 'invalid_client', 7000229, missingServicePrincipal(shared.clientId, state.tenant.tenantId));
        const app = state.apps.get(clientId) ?? (shared?.kind === 'app' ? shared.app : undefined);
        if (!app) {
          throw aadError(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory '${state.tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
        }
        const secret = form.get('client_secret');
        const assertion = form.get('client_assertion');
        if (secret !== null) {
          if (app.clientSecret === undefined || secret !== app.clientSecret) {
            throw aadError(401, 'invalid_client', 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + clientId + "'.");
          }
        } else if (assertion !== null) {
          if (app.certificatePem === undefined || !assertionValid(assertion, app.certificatePem, app.clientId)) {
            throw aadError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
          }
        } else {
          throw aadError(401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
        }
        const scope = form.get('scope') ?? '';
        if (!scope.endsWith('/.default')) throw aadError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
        const now = Math.floor(Date.now() / 1000);
        const token = issuer.issue({
          tid: state.tenant.tenantId,
          appid: app.clientId,
          roles: app.roles ?? [...GRAPH_PERMISSIONS],
          aud: scope.slice(0, -'/.default'.length),
          iat: now,
          exp: now + lifetime,
        });
        send(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token });
        record(route, req, 200, state.tenant.tenantId);
        return;
      }
      throw aadError(404, 'not_found', 90012, `No endpoint ${url.pathname}`);
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, err.body, err.headers);
        record(route, req, err.status, state?.tenant.tenantId ?? null);
        return;
      }
      send(res, 500, { error: 'server_error', error_description: 'sandbox failure' });
      record(route, req, 500, null);
    }
  };

  // ------------------------------------------------------------------ Graph (http)
  const requireRole = (roles: readonly string[], needed: GraphPermission) => {
    if (!roles.includes(needed) && !roles.includes('Directory.Read.All')) {
      throw graphError(403, 'Authorization_RequestDenied', `Insufficient privileges to complete the operation. The application lacks the ${needed} application permission (or admin consent for it).`);
    }
  };

  const page = <T>(items: readonly T[], url: URL, top: number, render: (item: T) => object, context: string) => {
    const offset = decodeSkip(url.searchParams.get('$skiptoken'));
    const slice = items.slice(offset, offset + top);
    const body: Record<string, unknown> = { '@odata.context': `${graphBase}/v1.0/$metadata#${context}`, value: slice.map(render) };
    if (offset + top < items.length) {
      const next = new URL(url.toString());
      next.searchParams.set('$skiptoken', encodeSkip(offset + top));
      if (!next.searchParams.has('$top')) next.searchParams.set('$top', String(top));
      body['@odata.nextLink'] = next.toString();
    }
    return body;
  };

  const routeOf = (path: string): { route: string; params: string[] } => {
    const p = path.replace(/\/+$/, '');
    let m: RegExpExecArray | null;
    if (p === '/v1.0/users') return { route: 'users', params: [] };
    if ((m = /^\/v1\.0\/users\/([^/]+)\/manager$/.exec(p))) return { route: 'user.manager', params: [decodeURIComponent(m[1] as string)] };
    if ((m = /^\/v1\.0\/users\/([^/]+)\/transitiveMemberOf$/.exec(p))) return { route: 'user.transitiveMemberOf', params: [decodeURIComponent(m[1] as string)] };
    if ((m = /^\/v1\.0\/users\/([^/]+)\/sendMail$/.exec(p))) return { route: 'user.sendMail', params: [decodeURIComponent(m[1] as string)] };
    if ((m = /^\/v1\.0\/users\/([^/]+)$/.exec(p))) return { route: 'user', params: [decodeURIComponent(m[1] as string)] };
    if (p === '/v1.0/subscribedSkus') return { route: 'subscribedSkus', params: [] };
    if (p === '/v1.0/organization') return { route: 'organization', params: [] };
    if ((m = /^\/v1\.0\/groups\/([^/]+)\/transitiveMembers(\/microsoft\.graph\.user)?$/.exec(p))) {
      return { route: m[2] ? 'group.transitiveMembers.user' : 'group.transitiveMembers', params: [decodeURIComponent(m[1] as string)] };
    }
    if ((m = /^\/v1\.0\/groups\/([^/]+)$/.exec(p))) return { route: 'group', params: [decodeURIComponent(m[1] as string)] };
    return { route: 'graph.unknown', params: [] };
  };

  const graph = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', graphBase);
    const { route, params } = routeOf(url.pathname);
    let tenantId: string | null = null;
    try {
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      const fault = faults.take(route);
      if (fault?.kind === 'stall') await sleep(fault.ms);
      if (fault?.kind === 'drop') {
        record(route, req, 0, null);
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'throttle') {
        throw graphError(429, 'TooManyRequests', 'Too many requests. Retry after the interval in the Retry-After header.', { 'retry-after': String(fault.retryAfterSeconds) });
      }
      if (fault?.kind === 'serverError') throw graphError(fault.status, 'serviceNotAvailable', 'The service is temporarily unavailable.');

      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || auth.length <= 7) throw graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
      const claims = issuer.verify(auth.slice(7), Math.floor(Date.now() / 1000));
      if (!claims) throw graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid or expired token.');
      const state = tenants.get(claims.tid.toLowerCase());
      if (!state) throw graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Unknown tenant.');
      tenantId = state.tenant.tenantId;
      if (route === 'user.sendMail' && req.method === 'POST') {
        if (!claims.roles.includes('Mail.Send')) {
          throw graphError(403, 'ErrorAccessDenied', 'Access is denied. The application lacks the Mail.Send application permission (or admin consent for it).');
        }
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          throw graphError(400, 'ErrorInvalidRequest', 'The request body is not JSON.');
        }
        const sender = params[0] as string;
        const mailbox = state.tenant.users.find((u) => u.id === sender || u.userPrincipalName.toLowerCase() === sender.toLowerCase() || u.mail?.toLowerCase() === sender.toLowerCase());
        if (!mailbox) throw graphError(404, 'ErrorInvalidUser', `The requested user '${sender}' is invalid.`);
        sentMail.push({ tenantId: state.tenant.tenantId, from: sender, body });
        record(route, req, 202, tenantId);
        res.writeHead(202);
        res.end();
        return;
      }
      if (req.method !== 'GET') throw graphError(405, 'Request_BadRequest', 'The sandbox serves read-only Graph.');
      const q = url.searchParams;
      // Silently ignoring a filter would return everyone: refuse what the sandbox does not model.
      for (const unsupported of ['$filter', '$search', '$orderby']) {
        if (q.has(unsupported) && !(unsupported === '$filter' && route === 'users')) {
          throw graphError(400, 'Request_UnsupportedQuery', `The sandbox does not support ${unsupported}.`);
        }
      }

      switch (route) {
        case 'users': {
          requireRole(claims.roles, 'User.Read.All');
          const select = parseSelect(q.get('$select'));
          const expand = parseExpand(q.get('$expand'));
          // Graph caps the page at 100 when $expand is used on directory objects.
          const top = parseTop(q.get('$top'), expand.manager ? MAX_TOP_WITH_EXPAND : MAX_TOP);
          const filter = q.get('$filter');
          const matching = filter === null ? state.tenant.users : state.tenant.users.filter(userFilter(filter));
          const render = (u: GraphUserRecord) => {
            const out = project(u, select);
            if (expand.manager) {
              const mgr = u.managerId ? state.users.get(u.managerId) : undefined;
              if (mgr) out.manager = { '@odata.type': '#microsoft.graph.user', ...project(mgr, expand.managerSelect) };
            }
            return out;
          };
          send(res, 200, page(matching, url, top, render, `users(${(select ?? []).join(',')})`));
          break;
        }
        case 'user': {
          requireRole(claims.roles, 'User.Read.All');
          const u = state.users.get(params[0] as string) ?? state.tenant.users.find((x) => x.userPrincipalName.toLowerCase() === (params[0] as string).toLowerCase());
          if (!u) throw graphError(404, 'Request_ResourceNotFound', `Resource '${params[0] as string}' does not exist or one of its queried reference-property objects are not present.`);
          send(res, 200, { '@odata.context': `${graphBase}/v1.0/$metadata#users/$entity`, ...project(u, parseSelect(q.get('$select'))) });
          break;
        }
        case 'user.transitiveMemberOf': {
          requireRole(claims.roles, 'User.Read.All');
          const u = state.users.get(params[0] as string);
          if (!u) throw graphError(404, 'Request_ResourceNotFound', `Resource '${params[0] as string}' does not exist or one of its queried reference-property objects are not present.`);
          const select = parseGroupSelect(q.get('$select'));
          // Graph answers without GroupMember.Read.All too, with each group reduced to its type and id.
          const full = claims.roles.some((r) => r === 'GroupMember.Read.All' || r === 'Group.Read.All' || r === 'Directory.Read.All');
          const render = (g: GraphGroupRecord) => {
            const out: Record<string, unknown> = { '@odata.type': '#microsoft.graph.group', id: g.id };
            for (const p of select ?? ['displayName', 'description']) if (p !== 'id') out[p] = full ? g[p] : null;
            return out;
          };
          send(res, 200, page(memberOf(state, u.id), url, parseTop(q.get('$top'), MAX_TOP), render, 'directoryObjects'));
          break;
        }
        case 'user.manager': {
          requireRole(claims.roles, 'User.Read.All');
          const u = state.users.get(params[0] as string);
          const mgr = u?.managerId ? state.users.get(u.managerId) : undefined;
          if (!u || !mgr) throw graphError(404, 'Request_ResourceNotFound', "Resource 'manager' does not exist or one of its queried reference-property objects are not present.");
          send(res, 200, { '@odata.context': `${graphBase}/v1.0/$metadata#directoryObjects/$entity`, '@odata.type': '#microsoft.graph.user', ...project(mgr, parseSelect(q.get('$select'))) });
          break;
        }
        case 'subscribedSkus':
          requireRole(claims.roles, 'Organization.Read.All');
          send(res, 200, { '@odata.context': `${graphBase}/v1.0/$metadata#subscribedSkus`, value: state.tenant.subscribedSkus.map((s) => ({ ...s, accountId: state.tenant.tenantId, appliesTo: 'User' })) });
          break;
        case 'organization':
          requireRole(claims.roles, 'Organization.Read.All');
          send(res, 200, {
            '@odata.context': `${graphBase}/v1.0/$metadata#organization`,
            value: [{ id: state.tenant.tenantId, displayName: state.tenant.displayName, verifiedDomains: [{ name: state.tenant.domain, isDefault: true, isInitial: false, type: 'Managed' }] }],
          });
          break;
        case 'group': {
          requireRole(claims.roles, 'GroupMember.Read.All');
          const g = state.groups.get(params[0] as string);
          if (!g) throw graphError(404, 'Request_ResourceNotFound', `Resource '${params[0] as string}' does not exist or one of its queried reference-property objects are not present.`);
          send(res, 200, { id: g.id, displayName: g.displayName, description: g.description });
          break;
        }
        case 'group.transitiveMembers':
        case 'group.transitiveMembers.user': {
          requireRole(claims.roles, 'GroupMember.Read.All');
          const g = state.groups.get(params[0] as string);
          if (!g) throw graphError(404, 'Request_ResourceNotFound', `Resource '${params[0] as string}' does not exist or one of its queried reference-property objects are not present.`);
          const usersOnly = route === 'group.transitiveMembers.user';
          const select = parseSelect(q.get('$select'));
          const members = transitive(state, g.id, usersOnly);
          const top = parseTop(q.get('$top'), MAX_TOP);
          const render = (m: GraphUserRecord | GraphGroupRecord) =>
            'userPrincipalName' in m
              ? { '@odata.type': '#microsoft.graph.user', ...project(m, select) }
              : { '@odata.type': '#microsoft.graph.group', id: m.id, displayName: m.displayName };
          send(res, 200, page(members, url, top, render, usersOnly ? 'users' : 'directoryObjects'));
          break;
        }
        default:
          throw graphError(400, 'BadRequest', `Resource not found for the segment '${url.pathname}'.`);
      }
      record(route, req, 200, tenantId);
    } catch (err) {
      const e = err instanceof HttpError ? err : graphError(500, 'generalException', 'sandbox failure');
      send(res, e.status, e.body, e.headers);
      record(route, req, e.status, tenantId);
    }
  };

  const graphServer = createHttpServer((req, res) => void graph(req, res));
  const identityServer = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => void identity(req, res));
  const graphPort = await listen(graphServer, options.port ?? 0);
  const authorityPort = await listen(identityServer, options.authorityPort ?? 0);
  graphBase = `http://127.0.0.1:${graphPort}`;
  authorityBase = `https://127.0.0.1:${authorityPort}`;

  return {
    sentMail,
    url: graphBase,
    authorityHost: authorityBase,
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
    updateUser: (tenantId, userId, patch) => {
      const user = tenants.get(tenantId.toLowerCase())?.users.get(userId);
      if (!user) throw new Error(`sandbox: no user ${userId} in tenant ${tenantId}`);
      Object.assign(user, patch);
    },
    limits: { maxTop: MAX_TOP, maxTopWithExpand: MAX_TOP_WITH_EXPAND },
    stop: async () => {
      await Promise.all([close(graphServer), close(identityServer)]);
    },
  };
}

/** Groups that contain the user directly or through nesting, each once, nearest first. */
function memberOf(state: TenantState, userId: string): GraphGroupRecord[] {
  const parents = new Map<string, GraphGroupRecord[]>();
  for (const g of state.groups.values()) {
    for (const id of g.memberIds) {
      const list = parents.get(id);
      if (list) list.push(g);
      else parents.set(id, [g]);
    }
  }
  const out: GraphGroupRecord[] = [];
  const seen = new Set<string>();
  const queue = [userId];
  while (queue.length > 0) {
    for (const g of parents.get(queue.shift() as string) ?? []) {
      if (seen.has(g.id)) continue;
      seen.add(g.id);
      out.push(g);
      queue.push(g.id);
    }
  }
  return out;
}

/** Transitive members in Graph's order: users (and, without the cast, nested groups), each once. */
function transitive(state: TenantState, groupId: string, usersOnly: boolean): (GraphUserRecord | GraphGroupRecord)[] {
  const out: (GraphUserRecord | GraphGroupRecord)[] = [];
  const seen = new Set<string>([groupId]);
  const queue = [groupId];
  while (queue.length > 0) {
    const g = state.groups.get(queue.shift() as string);
    if (!g) continue;
    for (const id of g.memberIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      const nested = state.groups.get(id);
      if (nested) {
        if (!usersOnly) out.push(nested);
        queue.push(id);
        continue;
      }
      const u = state.users.get(id);
      if (u) out.push(u);
    }
  }
  return out;
}
