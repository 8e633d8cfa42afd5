/** Seeded sandbox tenants (pure): Graph tenants, their KnowBe4 side, and the demo companies. */
export { mulberry32, seedOf, guidFrom, type Rng } from './prng';
export { asciiFold } from './names';
export * from './graphTenant';
export { newHire } from './hire';
export * from './knowbe4Side';
export * from './demo';
