/**
 * `npm start` runs the KnowBe4 sandbox in the same process as the bot's restify server, which
 * changes every IncomingMessage. Paging and filters must still work there.
 */
import 'restify';
import { rig, users, type Rig } from '../helpers/knowbe4';

let r: Rig;
afterEach(() => r.sandbox.stop());

test('with restify loaded, paging and filters still work', async () => {
  r = await rig({ users: users(230), maxPageSize: 100 }, { pageSize: 100 });
  expect(new Set((await r.client.listUsers()).map((u) => u.userName)).size).toBe(230);
  expect((await r.client.findUserByUserName('user170@acme.com'))?.userName).toBe('user170@acme.com');
});
