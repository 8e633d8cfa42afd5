/**
 * `npm run test:faults [trials]`: seeded fault trials against the sandbox servers (see
 * test/faults/trials.ts), round-robin over every fault kind, SIGKILL weighted four times (a crash
 * at a random point is the fault with the most places to go wrong: 100 trials hold 20 or more). Prints a table, writes
 * bench/results/faults.json, and exits 1 when any invariant was violated. CI runs one trial
 * per fault through Jest (test/faults/faults.test.ts); this is the full set.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedOf } from '../src/sandbox/tenants';
import { clean, FAULTS, runTrial, summarise, type TrialResult } from '../test/faults/trials';

function thrown(fault: (typeof FAULTS)[number], seed: number, err: unknown): TrialResult {
  const notes = [`the trial threw: ${(err as Error).message ?? String(err)}`];
  return { fault, seed, rounds: 0, converged: false, lost: 0, duplicated: 0, wrongState: 0, wrongWrites: 0, reportMismatches: 0, guardHeld: null, notes };
}

const ROTATION = FAULTS.flatMap((f) => (f === 'SIGKILL mid-apply' ? [f, f, f, f] : [f]));

async function main(): Promise<void> {
  const trials = Number(process.argv[2] ?? 30);
  const results: TrialResult[] = [];
  const started = Date.now();
  for (let i = 0; i < trials; i++) {
    const fault = ROTATION[i % ROTATION.length] as (typeof FAULTS)[number];
    const seed = seedOf(`faults-${i}`);
    // A trial that throws is a violation with its reason, not the end of the run.
    const result = await runTrial(fault, seed).catch((err: unknown) => thrown(fault, seed, err));
    results.push(result);
    process.stderr.write(`trial ${i + 1}/${trials} ${fault} (seed ${result.seed}): ${clean(result) ? 'ok' : `VIOLATED ${result.notes.join(' | ')}`}\n`);
  }
  const rows = summarise(results);
  console.table(rows);
  const bad = results.filter((r) => !clean(r));
  const out = join(__dirname, '..', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'faults.json'),
    `${JSON.stringify({ benchmark: 'faults', at: new Date().toISOString(), trials, seconds: Math.round((Date.now() - started) / 1000), rows, violations: bad.map((r) => ({ fault: r.fault, seed: r.seed, notes: r.notes })) }, null, 2)}\n`,
  );
  process.stdout.write(bad.length > 0 ? `FAULT INVARIANTS VIOLATED in ${bad.length} of ${trials} trials\n` : `all invariants held in ${trials} trials\n`);
  process.exitCode = bad.length > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
