#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` has been run, else the TypeScript source through tsx,
// so the command works on a fresh clone without a build step.
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
let cli;
if (fs.existsSync(compiled)) {
  cli = require(compiled);
} else {
  require('tsx/cjs');
  cli = require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
