import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueStore, parseClaimedName, safeFileName, taskIdOfFile } from '../../../../src/bus/local/store.js';

describe('file names', () => {
  it('taskIdOfFile reads <id>.json and ignores temp files and strangers', () => {
    expect(taskIdOfFile('local-42.json')).toBe('local-42');
    for (const name of ['.local-42.json.ab12.tmp', 'local-42.json.tmp', 'notes.txt', 'local-x.json']) {
      expect(taskIdOfFile(name)).toBeNull();
    }
  });

  it('parseClaimedName tells claims, leases and transitions apart', () => {
    expect(parseClaimedName('local-1.json')).toEqual({ kind: 'claim', id: 'local-1' });
    expect(parseClaimedName('local-1.lease.json')).toEqual({ kind: 'lease', id: 'local-1' });
    expect(parseClaimedName('local-1.complete.1700000000000.json')).toEqual({
      kind: 'transition',
      id: 'local-1',
      op: 'complete',
      stampMs: 1_700_000_000_000,
    });
    expect(parseClaimedName('local-1.requeue-99.5.json')).toEqual({
      kind: 'transition',
      id: 'local-1',
      op: 'requeue-99',
      requeueDigits: '99',
      stampMs: 5,
    });
    expect(parseClaimedName('local-1.drain.5.json')).toMatchObject({ kind: 'transition', op: 'drain' });
    expect(parseClaimedName('.local-1.json.abc.tmp')).toBeNull();
    expect(parseClaimedName('local-1.explode.5.json')).toBeNull();
  });

  it('safeFileName keeps names inside the folder', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..\\..\\win.ini')).toBe('win.ini');
    expect(safeFileName('.hidden')).toBe('hidden');
    expect(safeFileName('a/b/rés ult?.txt')).toBe('r_s ult_.txt');
    expect(safeFileName('..')).toBe('file');
    expect(safeFileName('x'.repeat(500))).toHaveLength(120);
  });
});

describe('QueueStore', () => {
  let dir: string;
  let store: QueueStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'queue-store-'));
    store = new QueueStore(dir);
    await store.ensure();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lays the queue out under <runtimeDir>/queue', async () => {
    expect(store.root).toBe(join(dir, 'queue'));
    expect((await readdir(store.root)).sort()).toEqual(['attachments', 'claimed', 'done', 'pending']);
    expect(store.pendingPath('local-7')).toBe(join(dir, 'queue', 'pending', 'local-7.json'));
  });

  it('refuses to build a path from anything but a local id', () => {
    expect(() => store.pendingPath('local-1/../../x')).toThrow(TypeError);
    expect(() => store.donePath('discord-1')).toThrow(TypeError);
  });

  it('writeJson writes pretty JSON atomically and leaves no temp file', async () => {
    const path = store.pendingPath('local-1');
    await store.writeJson(path, { a: 1 });
    await store.writeJson(path, { a: 2 });
    expect(await readFile(path, 'utf8')).toBe('{\n  "a": 2\n}\n');
    expect(await readdir(store.pendingDir)).toEqual(['local-1.json']);
  });

  it('readJson tells missing, corrupt and valid apart', async () => {
    const path = store.pendingPath('local-1');
    expect(await store.readJson(path)).toBeNull();
    await writeFile(path, '{not json');
    expect(await store.readJson(path)).toEqual({ corrupt: true });
    await writeFile(path, '[1]');
    expect(await store.readJson(path)).toEqual({ value: [1] });
  });

  it('move is won by exactly one of many concurrent callers', async () => {
    await store.writeJson(store.pendingPath('local-1'), {});
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.move(store.pendingPath('local-1'), store.claimedPath('local-1'))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.exists(store.claimedPath('local-1'))).toBe(true);
  });

  it('writeFiles stores duplicate names under distinct safe names', async () => {
    const target = store.attachmentsOf('local-1');
    const names = await store.writeFiles(target, [
      { name: 'a.txt', data: Buffer.from('1') },
      { name: '../a.txt', data: Buffer.from('2') },
    ]);
    expect(names).toEqual(['a.txt', '2-a.txt']);
    expect(await readFile(join(target, '2-a.txt'), 'utf8')).toBe('2');
  });

  it('list and remove tolerate missing paths', async () => {
    expect(await store.list(join(dir, 'nope'))).toEqual([]);
    await expect(store.remove(join(dir, 'nope'))).resolves.toBeUndefined();
  });
});
