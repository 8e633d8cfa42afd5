/** The loopback Microsoft Graph + Entra token sandbox. */
export { startGraphSandbox, GRAPH_PERMISSIONS } from './server';
export type { GraphSandbox, GraphSandboxOptions, GraphPermission, SandboxApp, SandboxTenantRegistration, SandboxRequest } from './server';
export { FaultControls, type Fault } from './faults';
export { makeSandboxCertificate, trustingAgent, type SandboxTls } from './tls';
export { startDemoGraphSandbox, demoM365Config, demoSecretEnv, demoEnv, type DemoGraphSandbox } from './demo';
export { ConsentLedger, type MultiTenantApp } from './consent';
