/** The sandbox, the service and a loopback Bot Connector together: a bot to talk to over HTTP. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../src/service/start';
import type { App } from '../../src/service/app';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import type { Service } from '../../src/service/serve';
import { startConnector, type ConnectorStandIn } from './botConnector';
import { botClient, type BotClient } from './botHttp';

export interface BotWorld {
  sandbox: Sandbox;
  connector: ConnectorStandIn;
  running: { app: App; service: Service };
  bot: BotClient;
  stop(): Promise<void>;
}

export async function startBotWorld(prefix: string): Promise<BotWorld> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sandbox = await startSandbox({ dir, configPath: join(dir, 'kb4sync.sandbox.yaml'), ports: { knowbe4: 0, graph: 0, authority: 0 } });
  const connector = await startConnector();
  const running = await startService({ configPath: sandbox.configPath, env: { KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db'), LOG_LEVEL: 'silent' }, host: '127.0.0.1', port: 0, sandbox: true, schedule: false });
  return {
    sandbox,
    connector,
    running,
    bot: botClient(running.service, connector),
    stop: async () => {
      await running.service.stop();
      await running.app.close();
      await connector.close();
      await sandbox.stop();
    },
  };
}
