/**
 * The bot in sandbox mode over real HTTP, with the sandbox servers and a loopback Bot Connector:
 * what the *.http tests start once per file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import type { App } from '../../src/service/app';
import type { Service } from '../../src/service/serve';
import { startService } from '../../src/service/start';
import { startConnector, type ConnectorStandIn } from './botConnector';
import { botClient, type BotClient } from './botHttp';

export interface BotRig {
  sandbox: Sandbox;
  connector: ConnectorStandIn;
  app: App;
  service: Service;
  bot: BotClient;
  stop(): Promise<void>;
}

export async function startBotRig(prefix: string): Promise<BotRig> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
  const connector = await startConnector();
  const { app, service } = await startService({
    configPath: sandbox.configPath,
    env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent' },
    host: '127.0.0.1',
    port: 0,
    sandbox: true,
    schedule: false,
  });
  return {
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
