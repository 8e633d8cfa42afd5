/**
 * What `kb4sync doctor` says about a KnowBe4 account: one `GET /Users?count=1`, and for each way
 * it can fail, the fix in the console's own words.
 */
import { Kb4Error, REGENERATE_TOKEN_WHERE } from './errors';
import { TENANT_URL_WHERE } from './regions';
import type { Kb4ScimClient } from './scimClient';

export type ProbeResult = { ok: true; detail: string } | { ok: false; detail: string; fix: string };

export function probeFix(err: Kb4Error, tokenEnv: string): string {
  switch (err.kind) {
    case 'auth':
      return `the SCIM token was regenerated or revoked: create a new one in ${REGENERATE_TOKEN_WHERE} and put it in ${tokenEnv}`;
    case 'forbidden':
      return 'in KnowBe4 (Account Settings > User Management > User Provisioning) select SCIM (v2) as the provisioning method, and check that the token is the SCIM token, not the Reporting API token';
    case 'notFound':
    case 'protocol':
      return `knowbe4.scimUrl does not point at KnowBe4's SCIM endpoint: copy it exactly from ${TENANT_URL_WHERE}`;
    case 'tls':
      return "the certificate could not be verified: check that knowbe4.scimUrl is the Tenant URL's https host; behind a TLS-inspecting proxy, trust its CA with NODE_EXTRA_CA_CERTS=<its PEM file>";
    case 'network':
    case 'timeout':
      return `KnowBe4 could not be reached: check knowbe4.scimUrl (${TENANT_URL_WHERE}), DNS and outbound HTTPS from this host`;
    case 'rateLimited':
    case 'server':
      return 'KnowBe4 is busy or failing right now: run doctor again in a few minutes';
    default:
      return `KnowBe4 refused the request: check knowbe4.scimUrl against ${TENANT_URL_WHERE}`;
  }
}

export async function probeScim(client: Kb4ScimClient, tokenEnv: string): Promise<ProbeResult> {
  try {
    const users = await client.probe();
    return { ok: true, detail: `GET /Users?count=1 answered by ${client.baseUrl} (${users.toLocaleString('en-US')} users)` };
  } catch (err) {
    if (!(err instanceof Kb4Error)) throw err;
    return { ok: false, detail: err.message, fix: probeFix(err, tokenEnv) };
  }
}
