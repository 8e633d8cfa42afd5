/**
 * The bot's world over real HTTP: the sandbox Graph and KnowBe4 servers, the loopback Bot
 * Connector, and kb4sync's real service on loopback (schedule off), with a bot client that talks
 * to it as Teams does. The bot, onboarding and security tests all start from here.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/observability/log';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox';
import type { App } from '../../src/service/app';
import type { Service } from '../../src/service/serve';
import { startService } from '../../src/service/start';
import { startConnector, type ConnectorStandIn } from './botConnector';
import { botClient, type BotClient } from './botHttp';

export interface BotRig {
  dir: string;
  /** The kb4sync.yaml the service runs with. */
  configPath: string;
  sandbox: Sandbox;
  connector: ConnectorStandIn;
  app: App;
  service: Service;
  bot: BotClient;
  stop(): Promise<void>;
}

export interface BotRigOptions {
  /** The temporary directory's name prefix. */
  name?: string;
  /** Where the sandbox writes its kb4sync.yaml, in the rig's directory (default kb4sync.sandbox.yaml). */
  sandboxConfig?: string;
  secrets?: SandboxOptions['secrets'];
  /** Changes the world before the service starts (tenants, consent, kb4sync.yaml); may name another kb4sync.yaml to run with. */
  prepare?: (sandbox: Sandbox, dir: string) => void | string | Promise<void | string>;
  /** Extra environment for the service. */
  env?: Record<string, string>;
  /** Sandbox mode (no app id accepted); default true. */
  sandboxMode?: boolean;
  log?: Logger;
}

export async function startBotRig(options: BotRigOptions = {}): Promise<BotRig> {
  const dir = mkdtempSync(join(tmpdir(), `kb4sync-${options.name ?? 'bot'}-`));
  const sandbox = await startSandbox({
    dir,
    configPath: join(dir, options.sandboxConfig ?? 'kb4sync.sandbox.yaml'),
    ports: { knowbe4: 0, graph: 0, authority: 0 },
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
  const configPath = (await options.prepare?.(sandbox, dir)) ?? sandbox.configPath;
  const connector = await startConnector();
  const { app, service } = await startService({
    configPath,
    env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent', ...options.env },
    host: '127.0.0.1',
    port: 0,
    sandbox: options.sandboxMode ?? true,
    schedule: false,
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    dir,
    configPath,
    sandbox,
    connector,
    app,
    service,
    bot: botClient(service, connector),
    async stop() {
      await service.stop();
      await app.close();
      await connector.close();
      await sandbox.stop();
    },
  };
}
