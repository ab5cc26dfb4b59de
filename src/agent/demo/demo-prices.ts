/**
 * Made-up prices for the offline demo, so its result messages show a plausible cost. Not real prices: real costs
 * come from the runner's own report or from the pricing in OpenClaw's config (`src/cost/`).
 */

/** Illustrative USD per 1M tokens. */
export interface DemoPrice {
  input: number;
  output: number;
}

/** DEMO ONLY, illustrative USD per 1M tokens, matched by a substring of the model id; the first match wins. */
export const DEMO_PRICES_PER_MILLION: ReadonlyArray<readonly [match: string, price: DemoPrice]> = [
  ['kimi', { input: 0.6, output: 2.5 }],
  ['claude', { input: 3, output: 15 }],
  ['gpt', { input: 1.25, output: 10 }],
  ['gemini', { input: 0.3, output: 2.5 }],
  ['deepseek', { input: 0.27, output: 1.1 }],
];

/** DEMO ONLY: the price for models no entry matches. */
export const DEMO_DEFAULT_PRICE: DemoPrice = { input: 0.5, output: 1.5 };

/** The demo price of a model id. */
export function demoPrice(model: string): DemoPrice {
  const id = model.toLowerCase();
  return DEMO_PRICES_PER_MILLION.find(([match]) => id.includes(match))?.[1] ?? DEMO_DEFAULT_PRICE;
}

/** Demo cost in USD of a number of input and output tokens. */
export function demoCostUsd(model: string, input: number, output: number): number {
  const price = demoPrice(model);
  return (input * price.input + output * price.output) / 1_000_000;
}
