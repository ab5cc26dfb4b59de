import { describe, expect, it } from 'vitest';
import {
  buildOverlayConfig,
  includeRootsFor,
  renderOverlayConfig,
} from '../../../../src/agent/openclaw/overlay.js';
import JSON5 from 'json5';

describe('buildOverlayConfig', () => {
  it('includes the user’s config and sets the task workspace without bootstrap files', () => {
    expect(
      buildOverlayConfig({
        userConfigPath: '/home/u/.openclaw/openclaw.json',
        userConfigExists: true,
        workspace: '/w/t1',
      }),
    ).toEqual({
      $include: '/home/u/.openclaw/openclaw.json',
      agents: { defaults: { workspace: '/w/t1', skipBootstrap: true } },
    });
  });

  it('does not include a missing config', () => {
    expect(
      buildOverlayConfig({ userConfigPath: '/nope.json', userConfigExists: false, workspace: '/w' }),
    ).toEqual({
      agents: { defaults: { workspace: '/w', skipBootstrap: true } },
    });
  });

  it('with the sandbox, forces mode all and fills scope/workspaceAccess only where the user set none', () => {
    const fresh = buildOverlayConfig({
      userConfigPath: '/c',
      userConfigExists: true,
      workspace: '/w',
      sandbox: {},
    });
    expect(fresh.agents).toEqual({
      defaults: {
        workspace: '/w',
        skipBootstrap: true,
        sandbox: { mode: 'all', scope: 'session', workspaceAccess: 'rw' },
      },
    });
    const userChoice = buildOverlayConfig({
      userConfigPath: '/c',
      userConfigExists: true,
      workspace: '/w',
      sandbox: { mode: 'non-main', scope: 'agent', workspaceAccess: 'ro', backend: 'podman' },
    });
    expect((userChoice.agents as { defaults: { sandbox: unknown } }).defaults.sandbox).toEqual({
      mode: 'all',
    });
  });

  it('renders valid JSON5 with a header comment', () => {
    const text = renderOverlayConfig({ userConfigPath: '/c', userConfigExists: true, workspace: '/w' });
    expect(text.startsWith('// Written by discord-orchestration')).toBe(true);
    expect(JSON5.parse(text)).toEqual(
      buildOverlayConfig({ userConfigPath: '/c', userConfigExists: true, workspace: '/w' }),
    );
  });
});

describe('includeRootsFor', () => {
  it('adds the config’s folder after existing roots, once', () => {
    expect(includeRootsFor('/home/u/.openclaw/openclaw.json', undefined)).toBe('/home/u/.openclaw');
    expect(includeRootsFor('/home/u/.openclaw/openclaw.json', '/shared:/home/u/.openclaw')).toBe(
      '/shared:/home/u/.openclaw',
    );
  });
});
