/** The KnowBe4 sandbox: a loopback SCIM 2.0 + Reporting API server that behaves like KnowBe4. */
export { startKnowbe4Sandbox } from './server';
export type { Knowbe4Sandbox, Knowbe4SandboxAccountHandle, Knowbe4SandboxOptions } from './server';
export type { Knowbe4SandboxControls, RequestFilter } from './controls';
export type { AccountSeed, ConsoleFacts, RecordedRequest, SeedGroup, SeedUser, TestModeEntry } from './account';
export { KmsatUserSchema } from './schemas';
