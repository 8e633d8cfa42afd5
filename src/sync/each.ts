/**
 * The planner's loops over every user.
 */

/**
 * Runs `body` on each item in order (indexed, not for-of: see the note in plan.ts).
 *
 * Each planning step runs once per plan. A loop written inside a step is optimised only while it
 * runs (on-stack replacement, compiled off the main thread while the interpreter goes on), and
 * the code after it, never run before, sends the step back to the interpreter, next loop and all.
 * This one loop, shared by every step, is optimised once, early; each step's body is a small
 * function that V8 optimises after a few hundred calls, and nothing falls back when a loop ends.
 */
export function each<T>(items: readonly T[], body: (item: T, position: number) => void): void {
  for (let i = 0; i < items.length; i++) body(items[i] as T, i);
}
