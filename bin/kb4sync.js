#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` has been run, else the TypeScript source through tsx,
// so the command works on a fresh clone without a build step.
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'cli.js');
if (fs.existsSync(compiled)) {
  require(compiled);
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'cli.ts'));
}
