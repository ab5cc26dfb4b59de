/**
 * The worker's delivery path with a hostile agent (scripted through the fake runner): every string the agent
 * controls is redacted and stripped of control characters before the report and the ledger record are built, and
 * files are screened. The end-to-end version against the emulator is test/integration/hostile-agent.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlChars } from '../../helpers/controls.js';
import { Redactor } from '../../../src/lib/redact.js';
import { makeTask } from '../../helpers/fake-bus.js';
import { rig } from './helpers.js';

const TOKEN = 'MTQ3MTI0MTQ2NDY5OTk0NTAxMA.GhIjKl.abcdefghijklmnopqrstuvwxyz012345';
const redactor = new Redactor([TOKEN]);
const redact = (t: string) => redactor.redact(t);

describe('Worker: what a hostile agent produces', () => {
  it('redacts text, model, error and notes for the report and the ledger, and strips control characters', async () => {
    const r = await rig();
    const b64 = Buffer.from(`T=${TOKEN}`).toString('base64');
    r.runner.script({
      ok: false,
      text: `leak ${TOKEN}\u0000\u001b[2J ${b64}`,
      model: `${TOKEN}\u0007`,
      error: `failed with ${TOKEN}`,
      notes: [`note ${TOKEN}`],
    });
    r.bus.push(makeTask());
    await r.worker({ redact }).run();
    const { report } = r.bus.completes[0]!;
    const posted = [report.content, report.summary, ...report.files.map((f) => f.data.toString('latin1'))];
    for (const text of posted) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(b64.slice(4, -4));
      expect(controlChars(text)).toEqual([]);
    }
    expect(report.content).toContain('Model: [redacted] (requested');
    const record = r.cost.record.mock.calls[0]![0];
    expect(record.model).toBe('[redacted]');
    expect(JSON.stringify(record)).not.toContain(TOKEN);
    expect(r.cost.costOf.mock.calls[0]![0].model).toBe('[redacted]');
  });

  it('screens the files: redacted copies, withheld binaries, redacted names, each said in a note', async () => {
    const r = await rig();
    r.runner.script(async (req) => {
      await writeFile(join(req.workspace, 'env.txt'), `WORKER1_TOKEN=${TOKEN}\nPATH=/usr/bin\n`);
      await writeFile(
        join(req.workspace, 'dump.bin'),
        Buffer.concat([Buffer.from([0, 1]), Buffer.from(TOKEN)]),
      );
      await writeFile(join(req.workspace, `${TOKEN}.txt`), 'hello');
      return { text: 'done' };
    });
    r.bus.push(makeTask());
    await r.worker({ redact }).run();
    const { report } = r.bus.completes[0]!;
    expect(report.files.map((f) => f.name)).toEqual(['env.txt', '_redacted_.txt']);
    expect(report.files[0]!.data.toString()).toBe('WORKER1_TOKEN=[redacted]\nPATH=/usr/bin\n');
    expect(report.content).toContain('Note: not attached: `dump.bin` (holds a secret)');
    expect(report.content).toContain(
      'Note: secrets redacted from the attached `env.txt` and from a file name',
    );
    expect(report.content).not.toContain(TOKEN);
  });
});
