/** The Graph routes: bearer check, faults, permissions, then the users, groups and organization answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphGroupRecord, GraphUserRecord } from '../tenants/graphTenant';
import { deltaPage } from './delta';
import { memberOf, transitive, type SandboxContext } from './directory';
import { graphError, HttpError, send, sleep } from './http';
import { MAX_TOP, MAX_TOP_WITH_EXPAND, page as pageOf, parseExpand, parseGroupSelect, parseSelect, parseTop, project, userFilter } from './odata';
import type { GraphPermission } from './types';

function requireRole(roles: readonly string[], needed: GraphPermission): void {
  if (!roles.includes(needed) && !roles.includes('Directory.Read.All')) {
    throw graphError(403, 'Authorization_RequestDenied', `Insufficient privileges to complete the operation. The application lacks the ${needed} application permission (or admin consent for it).`);
  }
}

/** The route name (for counts and faults) and path parameters of a Graph request. */
function routeOf(path: string): { route: string; params: string[] } {
  const p = path.replace(/\/+$/, '');
  let m: RegExpExecArray | null;
  if (p === '/v1.0/users') return { route: 'users', params: [] };
  // `/delta` is Graph's shortcut for the fully qualified `/microsoft.graph.delta` the SDKs send.
  if (p === '/v1.0/users/delta' || p === '/v1.0/users/microsoft.graph.delta') return { route: 'users.delta', params: [] };
  if (p === '/v1.0/groups/delta' || p === '/v1.0/groups/microsoft.graph.delta') return { route: 'groups.delta', params: [] };
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
}

/** Graph v1.0, read-only but for sendMail: the routes the connector and the notifier call. */
export function graphHandler(ctx: SandboxContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { tenants, issuer, faults, record, sentMail } = ctx;
  return async (req, res) => {
    const graphBase = ctx.base.graph;
    const page = <T>(items: readonly T[], url: URL, top: number, render: (item: T) => object, context: string) => pageOf(graphBase, items, url, top, render, context);
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
        if (q.has(unsupported) && !(unsupported === '$filter' && (route === 'users' || route === 'groups.delta' || route === 'users.delta'))) {
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
        case 'users.delta':
          requireRole(claims.roles, 'User.Read.All');
          send(res, 200, deltaPage(state, state.delta, 'users', url, graphBase, Date.now()));
          break;
        case 'groups.delta':
          requireRole(claims.roles, 'GroupMember.Read.All');
          send(res, 200, deltaPage(state, state.delta, 'groups', url, graphBase, Date.now()));
          break;
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
}
