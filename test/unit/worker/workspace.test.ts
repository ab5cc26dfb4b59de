import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TaskInvalidError } from '../../../src/lib/errors.js';
import {
  agentFiles,
  prepareWorkspace,
  readWorkspaceFile,
  safeFileName,
  taskDir,
} from '../../../src/worker/workspace.js';
import { makeTask } from '../../helpers/fake-bus.js';
import { tempDir } from './helpers.js';

describe('taskDir', () => {
  it('builds workers/<worker>/tasks/<task>', () => {
    expect(taskDir('workers', 'worker-1', 'discord-123')).toBe(
      join('workers', 'worker-1', 'tasks', 'discord-123'),
    );
    expect(taskDir('/srv/w', 'w_2', 'local-7')).toBe('/srv/w/w_2/tasks/local-7');
  });

  it.each(['../etc', 'discord-../../x', 'discord-12/../../x', 'discord-abc', 'other-123', '', 'discord-1 '])(
    'refuses the unsafe task id %j',
    (id) => {
      expect(() => taskDir('workers', 'w1', id)).toThrow(TaskInvalidError);
    },
  );

  it.each(['..', 'a/b', 'a\\b', '', 'x'.repeat(33), 'w 1'])('refuses the unsafe worker id %j', (id) => {
    expect(() => taskDir('workers', id, 'discord-1')).toThrow(/unsafe worker id/);
  });
});

describe('safeFileName', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['/etc/shadow', 'shadow'],
    ['..', 'file'],
    ['.', 'file'],
    ['', 'file'],
    ['a b$c.txt', 'a_b_c.txt'],
    ['..\\..\\win.ini', '.._.._win.ini'],
    ['report.final-v2_1.csv', 'report.final-v2_1.csv'],
  ])('%j → %j', (input, expected) => {
    expect(safeFileName(input)).toBe(expected);
  });
});

describe('prepareWorkspace', () => {
  it('creates a fresh folder (under an absolute workDir) with TASK.txt, AGENTS.md and safe attachment names', async () => {
    const root = await tempDir();
    const workDir = join(root, 'workers');
    const task = makeTask({
      attachments: [
        { filename: '../../etc/passwd', url: 'https://cdn.example/1', size: 3 },
        { filename: 'TASK.txt', url: 'https://cdn.example/task', size: 9 },
      ],
    });
    const stale = join(workDir, 'w1', 'tasks', task.id);
    await mkdir(stale, { recursive: true });
    await writeFile(join(stale, 'left-over.txt'), 'from an earlier attempt');
    const fetch = vi.fn(async () => new Response('abc'));

    const ws = await prepareWorkspace({ workDir, workerId: 'w1', task, prompt: 'the prompt', fetch });

    expect(ws.dir).toBe(stale);
    expect(ws.inputs).toEqual(['passwd']);
    // TASK.txt is the long prompt, already read: not downloaded again.
    expect(fetch).toHaveBeenCalledExactlyOnceWith('https://cdn.example/1');
    expect((await readdir(ws.dir)).sort()).toEqual(['AGENTS.md', 'TASK.txt', 'passwd']);
    expect(await readFile(join(ws.dir, 'passwd'), 'utf8')).toBe('abc');
    expect(await readdir(root)).toEqual(['workers']); // nothing escaped the workspace
    expect(await readFile(join(ws.dir, 'TASK.txt'), 'utf8')).toBe('the prompt');
    const agents = await readFile(join(ws.dir, 'AGENTS.md'), 'utf8');
    expect(agents).toContain(`Task id: ${task.id}`);
    expect(agents).toContain('- passwd');
    expect(await agentFiles(ws)).toEqual([]);
  });

  it('refuses a task with an unsafe id before touching the disk', async () => {
    const root = await tempDir();
    const task = makeTask({ id: 'discord-1/../../../escape' });
    await expect(prepareWorkspace({ workDir: root, workerId: 'w1', task, prompt: 'p' })).rejects.toThrow(
      TaskInvalidError,
    );
    expect(await readdir(root)).toEqual([]);
  });

  it('fails clearly when an attachment cannot be downloaded', async () => {
    const root = await tempDir();
    const task = makeTask({ attachments: [{ filename: 'data.csv', url: 'https://cdn.example/x', size: 1 }] });
    const fetch = vi.fn(async () => new Response('gone', { status: 404 }));
    await expect(
      prepareWorkspace({ workDir: root, workerId: 'w1', task, prompt: 'p', fetch }),
    ).rejects.toThrow('could not download attachment data.csv: HTTP 404');
  });

  it('agentFiles lists only what the agent made; readWorkspaceFile stays inside the folder', async () => {
    const root = await tempDir();
    const ws = await prepareWorkspace({ workDir: root, workerId: 'w1', task: makeTask(), prompt: 'p' });
    await writeFile(join(ws.dir, 'RESULT.txt'), 'r');
    await writeFile(join(ws.dir, 'b.txt'), 'bb');
    await writeFile(join(ws.dir, 'a.md'), 'a');
    await mkdir(join(ws.dir, 'sub'));
    await writeFile(join(root, 'secret'), 'outside');
    expect(await agentFiles(ws)).toEqual([
      { name: 'a.md', size: 1 },
      { name: 'b.txt', size: 2 },
    ]);
    expect((await readWorkspaceFile(ws, '../../../../b.txt')).toString()).toBe('bb');
    await expect(readWorkspaceFile(ws, '../../../../secret')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
