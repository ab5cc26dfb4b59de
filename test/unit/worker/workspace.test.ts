import { copyFile, link, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TaskInvalidError } from '../../../src/lib/errors.js';
import { Redactor } from '../../../src/lib/redact.js';
import {
  agentFiles,
  attachableFiles,
  prepareWorkspace,
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

  it('agentFiles lists only what the agent made', async () => {
    const root = await tempDir();
    const ws = await prepareWorkspace({ workDir: root, workerId: 'w1', task: makeTask(), prompt: 'p' });
    await writeFile(join(ws.dir, 'RESULT.txt'), 'r');
    await writeFile(join(ws.dir, 'b.txt'), 'bb');
    await writeFile(join(ws.dir, 'a.md'), 'a');
    await mkdir(join(ws.dir, 'sub'));
    expect(await agentFiles(ws)).toEqual([
      { name: 'a.md', size: 1 },
      { name: 'b.txt', size: 2 },
    ]);
  });
});

describe('attachableFiles', () => {
  const TOKEN = 'MTQ3MTI0MTQ2NDY5OTk0NTAxMA.GhIjKl.abcdefghijklmnopqrstuvwxyz012345';
  const KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef';
  const redactor = new Redactor([TOKEN, KEY]);
  const redact = (t: string) => redactor.redact(t);

  async function workspaceWith(setup: (dir: string, root: string) => Promise<void>) {
    const root = await tempDir();
    const ws = await prepareWorkspace({
      workDir: join(root, 'workers'),
      workerId: 'w1',
      task: makeTask(),
      prompt: 'p',
    });
    await setup(ws.dir, root);
    return { ws, root };
  }

  it('attaches a redacted copy of a copied or hard-linked config, and says so', async () => {
    const config = `WORKER1_TOKEN=${TOKEN}\nOPENROUTER_API_KEY=${KEY}\nTASK_QUEUE_CHANNEL=1471241464699945010\n`;
    const { ws, root } = await workspaceWith(async (dir, root) => {
      await writeFile(join(root, 'discord-config.env'), config, { mode: 0o600 });
      await copyFile(join(root, 'discord-config.env'), join(dir, 'copy.env'));
      await link(join(root, 'discord-config.env'), join(dir, 'hardlink.env'));
      await writeFile(join(dir, 'fine.txt'), 'nothing secret');
    });
    const { files, notes } = await attachableFiles(ws, redact);
    expect(files.map((f) => f.name)).toEqual(['copy.env', 'fine.txt', 'hardlink.env']);
    for (const f of files) expect(f.data.toString()).not.toContain(TOKEN);
    expect(files[0]!.data.toString()).toBe(
      'WORKER1_TOKEN=[redacted]\nOPENROUTER_API_KEY=[redacted]\nTASK_QUEUE_CHANNEL=1471241464699945010\n',
    );
    expect(notes).toEqual(['secrets redacted from the attached `copy.env`, `hardlink.env`']);
    // The original behind the hard link is untouched.
    expect(await readFile(join(root, 'discord-config.env'), 'utf8')).toBe(config);
  });

  it('withholds a binary file holding a secret (raw or base64), naming it', async () => {
    const { ws } = await workspaceWith(async (dir) => {
      await writeFile(join(dir, 'raw.bin'), Buffer.concat([Buffer.from([0, 255, 1]), Buffer.from(TOKEN)]));
      const b64 = Buffer.from(`x${KEY}`).toString('base64');
      await writeFile(join(dir, 'enc.bin'), Buffer.concat([Buffer.from([0, 0]), Buffer.from(b64)]));
      await writeFile(join(dir, 'clean.bin'), Buffer.from([0, 1, 2, 3, 255]));
    });
    const { files, notes } = await attachableFiles(ws, redact);
    expect(files.map((f) => f.name)).toEqual(['clean.bin']);
    expect(notes).toEqual(['not attached: `enc.bin` (holds a secret), `raw.bin` (holds a secret)']);
  });

  it('redacts a text file holding the secret base64-encoded and wrapped at 76 columns', async () => {
    const { ws } = await workspaceWith(async (dir) => {
      const b64 = Buffer.from(`WORKER1_TOKEN=${TOKEN}\n`)
        .toString('base64')
        .replace(/(.{76})/g, '$1\n');
      await writeFile(join(dir, 'config.b64'), b64);
    });
    const { files } = await attachableFiles(ws, redact);
    const flat = files[0]!.data.toString().replace(/\n/g, '');
    expect(flat).toContain('[redacted]');
    expect(Buffer.from(flat.replace('[redacted]', ''), 'base64').toString('latin1')).not.toContain(TOKEN);
  });

  it('never follows a symbolic link, inside or outside the workspace', async () => {
    const { ws } = await workspaceWith(async (dir, root) => {
      await writeFile(join(root, 'outside.env'), `T=${TOKEN}`);
      await symlink(join(root, 'outside.env'), join(dir, 'out-link.env'));
      await writeFile(join(dir, 'inside.txt'), 'inside');
      await symlink(join(dir, 'inside.txt'), join(dir, 'in-link.txt'));
    });
    const { files, notes } = await attachableFiles(ws, redact);
    expect(files.map((f) => f.name)).toEqual(['inside.txt']);
    expect(notes).toEqual([
      'not attached: `in-link.txt` (symbolic link, not followed), `out-link.env` (symbolic link, not followed)',
    ]);
  });

  it('redacts a file name holding a secret', async () => {
    const { ws } = await workspaceWith(async (dir) => {
      await writeFile(join(dir, `${TOKEN}.txt`), 'named after the token');
    });
    const { files, notes } = await attachableFiles(ws, redact);
    expect(files.map((f) => f.name)).toEqual(['_redacted_.txt']);
    expect(notes.join('\n')).not.toContain(TOKEN);
    expect(notes).toEqual(['secrets redacted from a file name']);
  });

  it('attaches a file whose name has spaces or Markdown under a safe name (it used to fail the task)', async () => {
    const { ws } = await workspaceWith(async (dir) => {
      await writeFile(join(dir, 'my report (final) `v2`.txt'), 'report');
    });
    const { files, notes } = await attachableFiles(ws, redact);
    expect(files.map((f) => [f.name, f.data.toString()])).toEqual([['my_report__final___v2_.txt', 'report']]);
    expect(notes).toEqual([]);
  });

  it('reads at most 9 files of at most 10 MiB and lists the rest', async () => {
    const { ws } = await workspaceWith(async (dir) => {
      await writeFile(join(dir, 'a-big.bin'), Buffer.alloc(10 * 1024 * 1024 + 1));
      for (let i = 0; i < 11; i++) await writeFile(join(dir, `f${String(i).padStart(2, '0')}.txt`), `${i}`);
    });
    const { files, notes } = await attachableFiles(ws, redact);
    expect(files).toHaveLength(9);
    expect(notes).toEqual([
      'not attached (Discord limits): a-big.bin, f09.txt, f10.txt; they are in the workspace',
    ]);
  });
});
