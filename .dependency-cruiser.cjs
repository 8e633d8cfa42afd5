/**
 * The direction of dependencies between the parts of src/ (docs/architecture.md explains why).
 * `npm run lint` runs it; test/unit/boundaries.test.ts plants violations and checks they fail.
 */
const PARTS = 'cli|service|config|observability|shared|sync|runs|m365|knowbe4|store|teams|notify|schedule|sandbox';
const CONNECTORS = 'm365|knowbe4';

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/sync decides with plain data: it imports nothing of ours (and no I/O module).',
      severity: 'error',
      from: { path: '^src/sync/' },
      to: { pathNot: ['^src/sync/', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'core-has-no-io',
      severity: 'error',
      from: { path: '^src/sync/' },
      to: { dependencyTypes: ['core'], path: '^(fs|http|https|net|child_process|node:fs|node:http|node:https|node:net|node:child_process)$' },
    },
    {
      name: 'connector-to-connector',
      comment: 'A connector never imports another connector.',
      severity: 'error',
      from: { path: `^src/(${CONNECTORS})/` },
      to: { path: `^src/(${CONNECTORS})/`, pathNot: '^src/$1/' },
    },
    {
      name: 'connector-imports-config-store-or-teams',
      comment: 'Connectors take plain options: no configuration, store, Teams, service or CLI.',
      severity: 'error',
      from: { path: `^src/(${CONNECTORS})/` },
      to: { path: '^src/(config|store|teams|notify|schedule|service|cli|sandbox)/' },
    },
    {
      name: 'only-service-and-cli-start-the-sandbox',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(service|cli|sandbox)/' },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'botbuilder-only-in-teams-transport',
      comment: 'Teams is a transport: moving to the Microsoft 365 Agents SDK changes src/teams/transport/ alone.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/teams/transport/' },
      to: { path: '(^|/)node_modules/(botbuilder|botbuilder-core|botframework-connector|botframework-schema)/' },
    },
    {
      name: 'through-the-index',
      comment: "A part imports another part through its index.ts, never a file behind it.",
      severity: 'error',
      from: { path: `^src/(${PARTS})/` },
      to: { path: `^src/(${PARTS})/.+`, pathNot: ['^src/$1/', `^src/(${PARTS})/index\\.ts$`] },
    },
    {
      name: 'no-cycles-between-parts',
      severity: 'error',
      comment: 'Type-only imports are erased at run time (a connector implements the ports of runs/), so they may close a loop.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'unknown-part',
      comment: 'Every file of src/ lives in one of the known parts (add a new part here and in docs/architecture.md).',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${PARTS})/` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|bench|scripts)/' },
  },
};
