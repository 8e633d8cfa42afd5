/** The browser and playground harness itself: an echo bot answers in the emulated Teams chat. */
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { createLogger } from '../../src/observability/log';
import { createMetrics } from '../../src/observability/metrics';
import { startServer } from '../../src/service/httpServer';
import { startPlayground } from '../../src/sandbox/playground';
import { launchBrowser, openPlayground, say } from './browser';

test('a message typed in the playground reaches a bot and its answer shows', async () => {
  const bot = new ActivityHandler();
  bot.onMessage(async (context, next) => {
    await context.sendActivity(`echo: ${context.activity.text}`);
    await next();
  });
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    messages: { process: (req, res) => adapter.process(req, res, (context) => bot.run(context)) },
    metrics: createMetrics({ defaultMetrics: false }),
    log: createLogger({ level: 'silent' }),
    health: async () => undefined,
  });
  const playground = await startPlayground({
    botEndpoint: `${server.url}/api/messages`,
    port: 56170,
    user: { id: 'user-1', givenName: 'Ann', surname: 'Admin', aadObjectId: '6f1c2a3b-1111-4a5b-9c8d-0123456789ab', email: 'ann@msp.example' },
    tenantId: '11111111-2222-4333-8444-555555555555',
  });
  const browser = await launchBrowser();
  try {
    const page = await openPlayground(browser, playground.url);
    await say(page, 'hello kb4sync');
    await page.getByText('echo: hello kb4sync', { exact: true }).first().waitFor({ timeout: 20_000 });
  } finally {
    await browser.close();
    await playground.stop();
    await server.close();
  }
});
