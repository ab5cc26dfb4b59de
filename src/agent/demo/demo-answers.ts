/**
 * Canned, deterministic answers for the offline demo. Every answer says it comes from the demo runner.
 */

/** Appended to every demo answer, so nobody mistakes it for a model's work. */
export const DEMO_FOOTER = '— demo runner: offline canned answer, no AI model was called';

const HAIKUS = [
  'Tasks fall like spring rain\nquiet workers catch each one\nthe queue is empty',
  'One thread, one claimer\nthe others bow and move on\nno task runs twice here',
  'Tokens counted out\na small cost beside the verse\nthe result is posted',
];

const CAPITALS: Record<string, string> = {
  france: 'Paris',
  germany: 'Berlin',
  italy: 'Rome',
  spain: 'Madrid',
  japan: 'Tokyo',
  canada: 'Ottawa',
  australia: 'Canberra',
  brazil: 'Brasília',
};

const JOKES = [
  'Why do programmers prefer dark mode? Because light attracts bugs.',
  'There are 10 kinds of people: those who understand binary and those who do not.',
];

/** FNV-1a: a stable 32-bit hash, so the same prompt always gets the same answer and delay. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function pick<T>(items: readonly T[], prompt: string): T {
  return items[stableHash(prompt) % items.length]!;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(10)));
}

// "What is 2+2?", "compute 6 * 7", "12 / 4": the whole prompt is one operation on two numbers, so a date range
// inside a longer text ("the 2023-2024 report") is not mistaken for a sum.
const ARITHMETIC =
  /^(?:what(?:'s| is)|compute|calculate|how much is)?\s*(-?\d+(?:\.\d+)?)\s*([+\-*/x×÷])\s*(-?\d+(?:\.\d+)?)\s*[?=.!]*$/i;

function arithmetic(prompt: string): string | undefined {
  const match = ARITHMETIC.exec(prompt);
  if (!match) return undefined;
  const a = Number(match[1]);
  const b = Number(match[3]);
  switch (match[2]) {
    case '+':
      return formatNumber(a + b);
    case '-':
      return formatNumber(a - b);
    case '*':
    case 'x':
    case '×':
      return formatNumber(a * b);
    default:
      return b === 0 ? 'Division by zero is undefined.' : formatNumber(a / b);
  }
}

function summary(prompt: string): string {
  const clean = prompt.replace(/\s+/g, ' ').trim();
  const words = clean ? clean.split(' ').length : 0;
  const quote = clean.length > 160 ? `${clean.slice(0, 159)}…` : clean;
  return [
    `This is the offline demo runner, so no model read your task. It received ${words} word${words === 1 ? '' : 's'}:`,
    `“${quote}”`,
    'With a real runner (openclaw, openai or command) an AI agent would answer it here.',
  ].join('\n');
}

/** The demo answer body for a prompt, without the footer. Deterministic. */
export function demoAnswerBody(prompt: string): string {
  const text = prompt.trim();
  const math = arithmetic(text);
  if (math !== undefined) return math;
  if (/\bhaiku\b/i.test(text)) return pick(HAIKUS, text);
  const capital = /capital of ([a-z]+)/i.exec(text);
  if (capital && CAPITALS[capital[1]!.toLowerCase()]) return CAPITALS[capital[1]!.toLowerCase()]!;
  if (/\bjoke\b/i.test(text)) return pick(JOKES, text);
  if (/^(hi|hello|hey)\b/i.test(text)) return 'Hello! The demo worker got your message and is happy to help.';
  return summary(text);
}

/** The full demo answer: body, blank line, {@link DEMO_FOOTER}. */
export function demoAnswer(prompt: string): string {
  return `${demoAnswerBody(prompt)}\n\n${DEMO_FOOTER}`;
}
