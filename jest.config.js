/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
  transform: {
    // Type checking is `npm run typecheck` (tsc --noEmit); the transform only strips types.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // kysely, commander and p-queue (with p-timeout) ship only ES modules; Jest's CommonJS runtime loads those natively only
    // from Node 24.9 on, so on 20 and 22 they are compiled to CommonJS the same way.
    '/node_modules/(kysely|commander|p-queue|p-timeout)/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', verbatimModuleSyntax: false } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(kysely|commander|p-queue|p-timeout)/)'],
  testTimeout: 60000,
};
