import { describe, expect, it } from 'vitest';
import { sseData } from '../../../../src/agent/openai/sse.js';

async function collect(parts: string[]): Promise<string[]> {
  async function* body() {
    for (const p of parts) yield new TextEncoder().encode(p);
  }
  const out: string[] = [];
  for await (const d of sseData(body())) out.push(d);
  return out;
}

describe('sseData', () => {
  it('yields event data across arbitrary splits, skipping comments, handling CRLF and multi-line data', async () => {
    const data = await collect([
      ': OPENROUTER PROCESSING\n\nda',
      'ta: {"a":1}\n',
      '\ndata: x\r\ndata: y\r\n\r\ndata: [DONE]',
    ]);
    expect(data).toEqual(['{"a":1}', 'x\ny', '[DONE]']);
  });

  it('decodes multi-byte characters split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: é✓\n\n');
    async function* body() {
      yield bytes.subarray(0, 7);
      yield bytes.subarray(7);
    }
    const out: string[] = [];
    for await (const d of sseData(body())) out.push(d);
    expect(out).toEqual(['é✓']);
  });
});
