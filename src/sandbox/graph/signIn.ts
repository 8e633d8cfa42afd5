/** Sign-in: the OpenID configuration and token endpoints, client secrets and certificate assertions. */
import { constants as cryptoConstants, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from './directory';
import { aadError, HttpError, readBody, send, sleep } from './http';
import { GRAPH_PERMISSIONS } from './types';
import { missingServicePrincipal } from './consent';

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

/** The Entra ID endpoints @azure/identity uses: OpenID configuration and the client-credentials token. */
export function identityHandler(ctx: SandboxContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { tenants, issuer, faults, record, lifetime } = ctx;
  return async (req, res) => {
    const { authority: authorityBase, graph: graphBase } = ctx.base;
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
        const shared = state.apps.has(clientId) ? null : ctx.consent.appIn(state.tenant.tenantId, clientId);
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
}
