import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, base64Cores } from '../../../src/lib/redact.js';

const TOKEN = 'MTQ3MTI0MTQ2NDY5OTk0NTAxMA.GhIjKl.abcdefghijklmnopqrstuvwxyz012345';
const KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef';

// Written independently of the product code: base64 of the secret inside other bytes, at every alignment.
function embeddedBase64(secret: string, encoding: 'base64' | 'base64url'): string[] {
  return [0, 1, 2].map((k) =>
    Buffer.concat([Buffer.from('x'.repeat(k)), Buffer.from(`${secret}\n`)]).toString(encoding),
  );
}

describe('Redactor', () => {
  const r = new Redactor([TOKEN, KEY, undefined, '', 'short']);

  it('replaces raw values, longest first, and ignores empty and very short ones', () => {
    expect(r.size).toBe(2);
    expect(r.redact(`token ${TOKEN} and key ${KEY}.`)).toBe(`token ${REDACTED} and key ${REDACTED}.`);
    expect(r.redact('a short word')).toBe('a short word');
    const inner = new Redactor(['abcdefgh', 'abcdefgh-longer']);
    expect(inner.redact('abcdefgh-longer')).toBe(REDACTED);
  });

  it.each(['base64', 'base64url'] as const)('finds %s of a secret at any byte alignment', (encoding) => {
    for (const encoded of embeddedBase64(TOKEN, encoding)) {
      const out = r.redact(`dump: ${encoded}`);
      expect(out).toContain(REDACTED);
      // At most the two characters on each side that mix in neighbouring bytes are left.
      expect(out.length).toBeLessThan(`dump: `.length + REDACTED.length + 8);
    }
  });

  it('finds base64 wrapped across lines, as `base64` prints it (76 columns, LF or CRLF)', () => {
    const encoded = Buffer.from(`WORKER1_TOKEN=${TOKEN}\nOPENAI_API_KEY=${KEY}\n`).toString('base64');
    for (const eol of ['\n', '\r\n']) {
      const wrapped = encoded.replace(/(.{76})/g, `$1${eol}`);
      expect(wrapped.split(eol).length).toBeGreaterThan(1);
      const out = r.redact(wrapped);
      expect(out.replace(/\r?\n/g, '')).not.toContain(base64Cores(Buffer.from(TOKEN))[2]);
      for (const core of [...base64Cores(Buffer.from(TOKEN)), ...base64Cores(Buffer.from(KEY))]) {
        expect(out.replace(/\r?\n/g, '').replace(/\[redacted\]/g, '')).not.toContain(core);
      }
    }
  });

  it('finds hex (either case), URL-encoding and UTF-16', () => {
    const hex = Buffer.from(`=${TOKEN}`).toString('hex');
    expect(r.redact(hex)).toBe(`3d${REDACTED}`);
    expect(r.redact(hex.toUpperCase())).toBe(`3D${REDACTED}`);
    const odd = 'p@ss w/rd+&=secret';
    const withOdd = new Redactor([odd]);
    expect(withOdd.redact(`?q=${encodeURIComponent(odd)}&x=1`)).toBe(`?q=${REDACTED}&x=1`);
    const utf16 = Buffer.from(`k=${TOKEN}`, 'utf16le').toString('latin1');
    expect(r.contains(utf16)).toBe(true);
  });

  it('sees a non-ASCII secret in a binary file read as latin1', () => {
    const secret = 'pässwörd-ünïcode-1234';
    const bin = Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(secret, 'utf8')]).toString('latin1');
    expect(new Redactor([secret]).contains(bin)).toBe(true);
  });

  it('leaves unrelated text alone, including base64 of other data', () => {
    const text = `${Buffer.from('hello world, nothing to see here').toString('base64')}\nplain text 12345\n`;
    expect(r.redact(text)).toBe(text);
    expect(r.contains(text)).toBe(false);
  });

  it('has no encoded forms for values under 8 characters (they would match by chance)', () => {
    const hex = (s: string) => Buffer.from(s).toString('hex');
    expect(new Redactor(['abcdefg']).redact(`abcdefg ${hex('abcdefg')}`)).toBe(
      `${REDACTED} ${hex('abcdefg')}`,
    );
    expect(new Redactor(['abcdefgh']).redact(`abcdefgh ${hex('abcdefgh')}`)).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('redacts 10 MB with ten secrets in well under two seconds', () => {
    const many = new Redactor(Array.from({ length: 10 }, (_, i) => `${KEY}-${i}`));
    const big = 'lorem ipsum dolor sit amet\n'.repeat(400_000);
    const started = performance.now();
    expect(many.redact(big)).toBe(big);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
