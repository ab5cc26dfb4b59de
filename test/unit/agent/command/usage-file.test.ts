import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUsageReport, readUsageFile } from '../../../../src/agent/command/usage-file.js';
import { tempDir } from '../../../helpers/agent.js';

describe('parseUsageReport', () => {
  it('reads every field', () => {
    const report = parseUsageReport(
      '{"input":10,"output":5,"cacheRead":3,"cacheWrite":1,"model":"p/m","costUsd":0.01,"extra":true}',
    );
    expect(report).toEqual({
      found: true,
      usage: { input: 10, output: 5, cacheRead: 3, cacheWrite: 1 },
      model: 'p/m',
      costUsd: 0.01,
      notes: [],
    });
  });

  it('fills missing counts with 0 and gives no usage when there is no count', () => {
    expect(parseUsageReport('{"output":7}').usage).toEqual({
      input: 0,
      output: 7,
      cacheRead: 0,
      cacheWrite: 0,
    });
    const onlyModel = parseUsageReport('{"model":"a/b"}');
    expect(onlyModel.usage).toBeUndefined();
    expect(onlyModel.model).toBe('a/b');
  });

  it('keeps valid fields and names invalid ones', () => {
    const report = parseUsageReport('{"input":"12","output":-1,"cacheRead":2.6,"model":"","costUsd":"x"}');
    expect(report.usage).toEqual({ input: 0, output: 0, cacheRead: 3, cacheWrite: 0 });
    expect(report.model).toBeUndefined();
    expect(report.costUsd).toBeUndefined();
    expect(report.notes).toEqual(['USAGE.json: ignored invalid `input`, `output`, `costUsd`, `model`']);
  });

  it.each(['not json', '[1,2]', 'null', '42'])('ignores %j whole', (text) => {
    const report = parseUsageReport(text);
    expect(report.usage).toBeUndefined();
    expect(report.notes[0]).toMatch(/^USAGE.json ignored/);
  });
});

describe('readUsageFile', () => {
  it('reports a missing file as not found, without notes', async () => {
    expect(await readUsageFile(join(await tempDir(), 'USAGE.json'))).toEqual({ found: false, notes: [] });
  });

  it('refuses an oversized file', async () => {
    const file = join(await tempDir(), 'USAGE.json');
    await writeFile(file, `{"input":1,"pad":"${'x'.repeat(100_000)}"}`);
    const report = await readUsageFile(file);
    expect(report.usage).toBeUndefined();
    expect(report.notes[0]).toContain('larger than');
  });
});
