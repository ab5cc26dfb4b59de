import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AGENT_OWNER_ENV,
  agentScope,
  byOwner,
  byRun,
  byScope,
  findMarked,
  formatMarker,
  killMarked,
  parseMarkers,
  withMarker,
  type AgentMarker,
} from '../../../../src/lib/processes/agent-marker.js';
import { procTable, type ProcessTable } from '../../../../src/lib/processes/process-table.js';
import { exited, spawnTracked, waitFor } from './helpers.js';

const hasProc = existsSync('/proc/self/environ');
let runs = 0;
/** A marker no other test (or other process on this machine) uses. */
function freshMarker(): AgentMarker {
  return { scope: 'testscope', owner: `${process.pid}.t${Date.now()}`, run: String(++runs) };
}

describe('marker values', () => {
  it('round-trips, keeps outer markers after the new one, and ignores malformed parts', () => {
    const inner = { scope: 'aaa', owner: '12.34', run: '1' };
    const outer = { scope: 'bbb', owner: '5.6', run: '9' };
    const env = withMarker(withMarker({ PATH: '/bin' }, outer), inner);
    expect(env[AGENT_OWNER_ENV]).toBe(`${formatMarker(inner)} ${formatMarker(outer)}`);
    expect(env.PATH).toBe('/bin');
    expect(parseMarkers(env[AGENT_OWNER_ENV])).toEqual([inner, outer]);
    expect(parseMarkers('x/y a/b/c/d //1 ok/1.2/3')).toEqual([{ scope: 'ok', owner: '1.2', run: '3' }]);
    expect(byRun(inner)(inner)).toBe(true);
    expect(byRun(inner)({ ...inner, run: '2' })).toBe(false);
    expect(byOwner('5.6')(outer)).toBe(true);
    expect(byScope('aaa')(outer)).toBe(false);
  });

  it('scopes by HOME', () => {
    expect(agentScope({ HOME: '/a' })).toBe(agentScope({ HOME: '/a' }));
    expect(agentScope({ HOME: '/a' })).not.toBe(agentScope({ HOME: '/b' }));
    expect(agentScope({ HOME: '/a' })).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('findMarked', () => {
  it('never returns this process, even when it carries a matching marker', () => {
    const me = {
      pid: process.pid,
      ppid: 1,
      pgid: process.pid,
      uid: process.geteuid!(),
      startTime: '1',
      state: 'S',
    };
    const table: ProcessTable = {
      source: 'proc',
      hasEnvironments: true,
      list: () => [me],
      get: () => me,
      cmdline: () => undefined,
      environ: () => new Map([[AGENT_OWNER_ENV, 's/o/r']]),
      getenv: () => 's/o/r',
      cwd: () => undefined,
    };
    expect(findMarked(table, () => true)).toEqual([]);
  });
});

describe.skipIf(!hasProc)('findMarked and killMarked on this machine', () => {
  it('find only processes carrying a matching marker', () => {
    const table = procTable();
    const marker = freshMarker();
    const marked = spawnTracked('sleep', ['30'], { env: withMarker(process.env, marker) });
    const plain = spawnTracked('sleep', ['30']);
    const other = spawnTracked('sleep', ['30'], {
      env: withMarker(process.env, { ...marker, run: 'other' }),
    });
    expect(findMarked(table, byRun(marker)).map((p) => p.pid)).toEqual([marked.pid]);
    const owners = findMarked(table, byOwner(marker.owner)).map((p) => p.pid);
    expect(owners.sort()).toEqual([marked.pid, other.pid].sort());
    expect(owners).not.toContain(plain.pid);
  });

  it('kills a marked session leader and the group it leads, including a member that cleared its environment', async () => {
    const table = procTable();
    const marker = freshMarker();
    // sh leads a new session and group; its child runs with an empty environment (no marker) in the same group.
    const leader = spawnTracked('sh', ['-c', 'env -i sleep 30 & echo $!; wait'], {
      detached: true,
      env: withMarker(process.env, marker),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const memberPid = await new Promise<number>((resolve) =>
      leader.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    // `$!` is known as soon as sh forks: wait until the child has exec'd sleep with its empty environment.
    expect(await waitFor(() => table.cmdline(memberPid)?.[0] === 'sleep')).toBe(true);
    expect(table.get(memberPid)?.pgid).toBe(leader.pid);
    expect(table.environ(memberPid)?.has(AGENT_OWNER_ENV)).toBe(false);

    expect(killMarked(table, byRun(marker))).toBe(1);
    await exited(leader);
    expect(leader.signalCode).toBe('SIGKILL');
    expect(
      await waitFor(() => {
        const member = table.get(memberPid);
        return member === undefined || member.state === 'Z';
      }),
    ).toBe(true);
    expect(findMarked(table, byRun(marker))).toEqual([]);
  });
});
