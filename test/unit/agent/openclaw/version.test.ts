import { describe, expect, it } from 'vitest';
import {
  judgeVersionProbe,
  nodeSatisfies,
  parseVersion,
  type VersionProbe,
} from '../../../../src/agent/openclaw/version.js';

const probe = (over: Partial<VersionProbe>): VersionProbe => ({
  bin: '/x/openclaw',
  versionOutput: 'OpenClaw 2026.9.6 (eb377ac)\n',
  exitCode: 0,
  ...over,
});

describe('parseVersion', () => {
  it('reads the CLI and Node formats', () => {
    expect(parseVersion('OpenClaw 2026.9.6 (eb377ac)')).toEqual([2026, 9, 6]);
    expect(parseVersion('v24.21.0')).toEqual([24, 21, 0]);
    expect(parseVersion('0.0.1')).toEqual([0, 0, 1]);
    expect(parseVersion('no digits')).toBeUndefined();
  });
});

describe('nodeSatisfies', () => {
  it('follows openclaw’s engines field per release range', () => {
    expect(nodeSatisfies([2026, 9, 6], [24, 16, 0])).toBe(true);
    expect(nodeSatisfies([2026, 9, 6], [24, 15, 0])).toBe(false);
    expect(nodeSatisfies([2026, 9, 6], [25, 9, 0])).toBe(false);
    expect(nodeSatisfies([2026, 9, 6], [26, 1, 0])).toBe(true);
    expect(nodeSatisfies([2026, 9, 2], [24, 15, 0])).toBe(true);
    expect(nodeSatisfies([2026, 9, 2], [22, 22, 3])).toBe(true);
    expect(nodeSatisfies([2026, 9, 2], [20, 20, 2])).toBe(false);
  });
});

describe('judgeVersionProbe', () => {
  it('accepts a current release on Node 24', () => {
    expect(judgeVersionProbe(probe({ nodeVersionOutput: 'v24.21.0' }))).toEqual({
      version: '2026.9.6',
      node: '24.21.0',
    });
  });

  it('accepts a release when its Node cannot be determined', () => {
    expect(judgeVersionProbe(probe({}))).toEqual({ version: '2026.9.6' });
  });

  it('names the empty 0.0.1 placeholder', () => {
    expect(judgeVersionProbe(probe({ versionOutput: '0.0.1' }))).toBe(
      '`/x/openclaw` is openclaw 0.0.1, the empty npm placeholder that an unpinned install picks under an old Node',
    );
  });

  it('says which Node is too old for the release', () => {
    expect(judgeVersionProbe(probe({ nodeVersionOutput: 'v20.20.2', nodePath: '/usr/bin/node' }))).toBe(
      'openclaw 2026.9.6 needs Node >= 24.16 (24.x) or >= 26.1, but `/x/openclaw` runs under Node 20.20.2 (/usr/bin/node)',
    );
  });

  it('explains a CLI that dies on an old Node before printing its version', () => {
    const verdict = judgeVersionProbe(
      probe({
        exitCode: 1,
        versionOutput:
          'openclaw: Node 20.20.2: node:sqlite is unavailable; use 24.16+/26.1+\nIf you use nvm, run:\n',
        nodeVersionOutput: 'v20.20.2',
      }),
    );
    expect(verdict).toBe(
      '`/x/openclaw` does not run under Node 20.20.2: it needs Node >= 24.16 (24.x) or >= 26.1 ' +
        '(openclaw: Node 20.20.2: node:sqlite is unavailable; use 24.16+/26.1+)',
    );
  });

  it('reports other failures with the first output line', () => {
    expect(judgeVersionProbe(probe({ exitCode: 2, versionOutput: '\u001b[31mboom\u001b[39m\nhint' }))).toBe(
      '`/x/openclaw --version` failed (exit code 2): boom',
    );
    expect(judgeVersionProbe(probe({ exitCode: null, timedOut: true }))).toBe(
      '`/x/openclaw --version` did not answer in time',
    );
  });
});
