import { describe, expect, it } from 'vitest';
import { safeAttachmentName } from '../../../src/task/file-name.js';

describe('safeAttachmentName', () => {
  it.each([
    ['report.csv', 'report.csv'],
    ['résumé final.txt', 'résumé_final.txt'],
    ['```x.txt', '___x.txt'],
    ['**bold** <@123>.md', '__bold_____123_.md'],
    ['a\u0000b\u001b[0m.txt', 'ab_0m.txt'],
    ['../../etc/passwd', '_.._etc_passwd'],
    ['evil\u202etxt.exe', 'eviltxt.exe'],
    ['.hidden', 'hidden'],
    ['', 'file'],
    ['\u0000', 'file'],
  ])('%j → %j', (name, expected) => {
    expect(safeAttachmentName(name)).toBe(expected);
  });

  it('redacts before cleaning, so a secret in a name never shows', () => {
    const token = 'MTQ3MTI0MTQ2NDY5OTk0NTAxMA.GhIjKl.abcdefghijklmnop';
    const name = safeAttachmentName(`${token}.txt`, (t) => t.split(token).join('[redacted]'));
    expect(name).toBe('_redacted_.txt');
  });

  it('cuts long names to 100 characters and keeps the extension', () => {
    const name = safeAttachmentName(`${'a'.repeat(300)}.tar.gz`);
    expect([...name]).toHaveLength(100);
    expect(name.endsWith('.gz')).toBe(true);
  });
});
