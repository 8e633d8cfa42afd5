export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    // A file that is not there is not an "invalid configuration": say what is wrong directly.
    const [only] = problems;
    super(problems.length === 1 && only?.startsWith('file not found') ? `${source}: ${only}` : `${source}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
