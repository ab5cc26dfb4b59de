import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  findOnPath,
  locateOpenClaw,
  nodeInterpreterFor,
  toolsPaths,
} from '../../../../src/agent/openclaw/locate.js';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

describe('locateOpenClaw', () => {
  const tools = toolsPaths('/proj/.tools');
  const exists = (paths: string[]) => (p: string) => paths.includes(p);

  it('prefers the configured bin, even when it does not exist', () => {
    expect(
      locateOpenClaw({
        bin: '/opt/oc/openclaw',
        pathValue: '/usr/bin',
        toolsDir: '/proj/.tools',
        isExecutable: () => false,
      }),
    ).toEqual({
      command: '/opt/oc/openclaw',
      source: 'bin',
    });
  });

  it('looks a bare bin name up on PATH', () => {
    expect(
      locateOpenClaw({ bin: 'oc', pathValue: '/a:/b', toolsDir: '/t', isExecutable: exists(['/b/oc']) }),
    ).toEqual({ command: '/b/oc', source: 'bin' });
  });

  it('then openclaw on PATH, then the .tools install with its Node 24 first on PATH', () => {
    expect(
      locateOpenClaw({
        pathValue: '/a:/b',
        toolsDir: '/proj/.tools',
        isExecutable: exists(['/b/openclaw', tools.openclaw, tools.node]),
      }),
    ).toEqual({ command: '/b/openclaw', source: 'path' });
    expect(
      locateOpenClaw({
        pathValue: '/a:/b',
        toolsDir: '/proj/.tools',
        isExecutable: exists([tools.openclaw, tools.node]),
      }),
    ).toEqual({ command: tools.openclaw, source: 'tools', pathPrepend: tools.nodeBinDir });
    expect(
      locateOpenClaw({ pathValue: '/a', toolsDir: '/proj/.tools', isExecutable: () => false }),
    ).toBeUndefined();
  });
});

describe('nodeInterpreterFor', () => {
  it('resolves `#!/usr/bin/env node` on the child PATH', () => {
    expect(nodeInterpreterFor(`${fixtures}/fake-openclaw-node.mjs`, `${fixtures}/fake-node:/usr/bin`)).toBe(
      `${fixtures}/fake-node/node`,
    );
  });

  it('is undefined for a non-Node executable', () => {
    expect(nodeInterpreterFor(`${fixtures}/fake-openclaw.sh`, '/usr/bin')).toBeUndefined();
    expect(nodeInterpreterFor(`${fixtures}/missing`, '/usr/bin')).toBeUndefined();
  });

  it('findOnPath skips empty entries', () => {
    expect(findOnPath('node', `::${fixtures}/fake-node`)).toBe(`${fixtures}/fake-node/node`);
  });
});
