/**
 * The Graph sandbox loaded with the demo companies, and the kb4sync.yaml `m365` block and
 * environment that point a company at it. What `kb4sync sandbox` / `npm start` wire up.
 */
import { demoCompanies, type DemoCompany } from '../tenants/demo';
import { startGraphSandbox, type GraphSandbox } from './server';

export interface DemoGraphSandbox {
  sandbox: GraphSandbox;
  companies: DemoCompany[];
}

export async function startDemoGraphSandbox(options: { port?: number; authorityPort?: number; clientSecret?: (companyId: string) => string } = {}): Promise<DemoGraphSandbox> {
  const { clientSecret, ...ports } = options;
  const companies = demoCompanies().map((c) => (clientSecret ? { ...c, spec: { ...c.spec, sandboxClientSecret: clientSecret(c.spec.id) } } : c));
  const sandbox = await startGraphSandbox({
    ...ports,
    tenants: companies.map((c) => ({ tenant: c.graph, apps: [{ clientId: c.spec.clientId, clientSecret: c.spec.sandboxClientSecret }] })),
  });
  return { sandbox, companies };
}

/** Name of the environment variable holding a demo company's sandbox client secret. */
export function demoSecretEnv(company: DemoCompany): string {
  return `KB4SYNC_SANDBOX_${company.spec.id.toUpperCase()}_GRAPH_SECRET`;
}

/** The `m365` block of kb4sync.yaml for a demo company served by `sandbox`. */
export function demoM365Config(company: DemoCompany, sandbox: Pick<GraphSandbox, 'url' | 'authorityHost'>) {
  return {
    tenantId: company.spec.tenantId,
    clientId: company.spec.clientId,
    clientSecretEnv: demoSecretEnv(company),
    graphUrl: sandbox.url,
    authorityHost: sandbox.authorityHost,
  };
}

/** Environment entries the demo companies' secrets are read from (sandbox-only values). */
export function demoEnv(companies: readonly DemoCompany[]): Record<string, string> {
  return Object.fromEntries(companies.map((c) => [demoSecretEnv(c), c.spec.sandboxClientSecret]));
}
