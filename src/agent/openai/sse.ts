/**
 * A minimal Server-Sent Events reader for streamed chat completions: yields the `data` of each event, in order.
 * Comment lines (`: OPENROUTER PROCESSING`) and other fields are ignored; `[DONE]` is yielded like any data.
 */

/** Data payloads of the events in a byte stream. */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary = nextBoundary(buffer);
    while (boundary) {
      const data = eventData(buffer.slice(0, boundary.index));
      buffer = buffer.slice(boundary.index + boundary.length);
      if (data !== undefined) yield data;
      boundary = nextBoundary(buffer);
    }
  }
  buffer += decoder.decode();
  const data = eventData(buffer);
  if (data !== undefined) yield data;
}

function nextBoundary(buffer: string): { index: number; length: number } | undefined {
  const match = /\r?\n\r?\n|\r\r/.exec(buffer);
  return match ? { index: match.index, length: match[0].length } : undefined;
}

function eventData(event: string): string | undefined {
  const lines: string[] = [];
  for (const line of event.split(/\r?\n|\r/)) {
    if (line.startsWith('data:')) lines.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  return lines.length ? lines.join('\n') : undefined;
}
