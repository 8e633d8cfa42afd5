/**
 * Statements built and compiled once per database, then run with new values. Kysely builds and
 * compiles every query anew, about 90 µs of CPU each; the operation journal runs its upsert for
 * every KnowBe4 write, and in the MSP night (thousands of writes) that showed in the profile.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema';

const PLACEHOLDER = '\u0000kb4sync-value-';

/**
 * `build` receives one placeholder per value and must pass each as a value (never as SQL text or
 * an identifier); where each lands among the compiled parameters is found by looking. The rest of
 * the statement is fixed: what would vary its SQL text cannot be a value here.
 */
export function reusable<Values extends readonly unknown[]>(
  arity: Values['length'],
  build: (db: Kysely<Database>, ...placeholders: string[]) => Compilable,
): (db: Kysely<Database>, values: Values) => Promise<QueryResult<unknown>> {
  const compiled = new WeakMap<Kysely<Database>, { sql: string; parameters: readonly unknown[]; slots: readonly number[] }>();
  const compile = (db: Kysely<Database>) => {
    const placeholders = Array.from({ length: arity }, (_, i) => `${PLACEHOLDER}${i}`);
    const query = build(db, ...placeholders).compile();
    const slots = query.parameters.map((p) => (typeof p === 'string' && p.startsWith(PLACEHOLDER) ? Number(p.slice(PLACEHOLDER.length)) : -1));
    for (let i = 0; i < arity; i += 1) {
      if (!slots.includes(i)) throw new Error(`a reusable statement must use each of its values; value ${i} is not a parameter of: ${query.sql}`);
    }
    return { sql: query.sql, parameters: query.parameters, slots };
  };
  return async (db, values) => {
    let statement = compiled.get(db);
    if (!statement) {
      statement = compile(db);
      compiled.set(db, statement);
    }
    const { sql, parameters, slots } = statement;
    return await db.executeQuery(CompiledQuery.raw(sql, slots.map((slot, i) => (slot < 0 ? parameters[i] : values[slot]))));
  };
}
