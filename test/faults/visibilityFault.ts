/**
 * Delayed visibility: KnowBe4 accepts creates, renames and archives and shows them only once its
 * background job ran. Inside that window the trial previews and applies twice, the way an admin
 * who sees "nothing happened" might; neither may send any of those writes again. Then the job
 * runs and the trial converges as for every other fault (and its checker counts duplicates).
 */
import type { Rng } from '../../src/sandbox/tenants';
import type { App } from '../../src/service/app';
import { actor, confirmOf, note, type TrialResult, type World } from './world';

const SENT_ONCE = ['create', 'rename', 'archive'] as const;

export async function delayedVisibility(world: World, app: App, rng: Rng, result: TrialResult): Promise<void> {
  const { kb4 } = world;
  // Longer than the trial: the window ends when the trial says KnowBe4's job ran, never by a clock.
  kb4.controls.setVisibilityDelay(60 * 60_000);
  const first = await app.service.preview('faults', actor);
  const sent = first.plan.operations.filter((op) => (SENT_ONCE as readonly string[]).includes(op.kind));
  if (sent.length === 0) note(result, 'the first plan sends no create, rename or archive: nothing to wait for');
  await app.service.apply(first.planId, actor, { digest: first.digest, confirmArchive: confirmOf(first.plan) });
  const posts = () => kb4.controls.requests({ method: 'POST', pathPrefix: '/Users' }).length;
  const postsAfterFirst = posts();

  // Inside the window, twice: the accepted writes are pending, never planned again.
  const rounds = 2 + rng.int(1);
  for (let i = 0; i < rounds; i++) {
    const again = await app.service.preview('faults', actor);
    const redone = again.plan.operations.filter((op) => (SENT_ONCE as readonly string[]).includes(op.kind));
    if (redone.length > 0) note(result, `inside the window, round ${i + 1} planned ${redone.map((op) => op.kind).join(', ')} again`);
    if ((again.plan.waiting?.length ?? 0) !== sent.length) note(result, `inside the window, ${again.plan.waiting?.length ?? 0} writes waiting, ${sent.length} were sent`);
    if (again.plan.operations.length > 0) await app.service.apply(again.planId, actor, { digest: again.digest, confirmArchive: confirmOf(again.plan) }).catch(() => undefined);
  }
  if (posts() !== postsAfterFirst) note(result, `${posts() - postsAfterFirst} POST /Users inside the window`);

  // KnowBe4's job runs: every accepted write shows, and the next read confirms them.
  kb4.controls.applyPendingWrites();
  kb4.controls.setVisibilityDelay(0);
  const seen = await app.service.preview('faults', actor);
  if ((seen.plan.seen?.length ?? 0) !== sent.length) note(result, `after the window ${seen.plan.seen?.length ?? 0} of ${sent.length} writes confirmed`);
  if ((await app.store.sentWrites.waiting('faults')).length > 0) note(result, 'writes still waiting after KnowBe4 showed them');
}
