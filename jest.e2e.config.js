/** Browser end-to-end tests (`npm run test:e2e`): the Agents Playground in Debian's Chromium. */
const base = require('./jest.config.js');
module.exports = { ...base, testMatch: ['**/test/e2e/**/*.e2e.ts'], testPathIgnorePatterns: ['/node_modules/'], testTimeout: 120000, maxWorkers: 1 };
