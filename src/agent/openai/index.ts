/** The OpenAI-compatible runner. */
export { OpenAIRunner, type OpenAIRunnerEvents, type RetryInfo } from './openai-runner.js';
export { DEFAULT_OPENAI_RUNNER_OPTIONS, type OpenAIRunnerOptions } from './options.js';
export { DEFAULT_SYSTEM_PROMPT, type MessageOptions } from './messages.js';
