/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
  transform: {
    // Type checking is `npm run typecheck` (tsc --noEmit); the transform only strips types.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // kysely and commander ship only ES modules; Jest's CommonJS runtime loads those natively only
    // from Node 24.9 on, so on 20 and 22 they are compiled to CommonJS the same way.
    '/node_modules/(kysely|commander)/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', verbatimModuleSyntax: false } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(kysely|commander)/)'],
  testTimeout: 60000,
};
