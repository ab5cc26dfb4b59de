/**
 * The OpenClaw runner, the project's default. Build one per worker with {@link createOpenClawRunner}, call
 * `check()` at start-up, then `run()` per task.
 *
 * @example
 * ```ts
 * const runner = createOpenClawRunner({ workerId: 'worker-1', stripEnv: ['WORKER1_TOKEN'] });
 * await runner.check(); // AgentStartError with a fix-it message when openclaw or its Node is missing
 * const result = await runner.run(request);
 * ```
 */
import { OpenClawRunner, type OpenClawRunnerOptions } from './openclaw-runner.js';

export {
  OpenClawRunner,
  DEFAULT_OPENCLAW_RUNNER_OPTIONS,
  defaultSandboxBackendProbe,
  type OpenClawInfo,
  type OpenClawRunnerOptions,
  type SandboxBackendProbe,
} from './openclaw-runner.js';
export { parseEnvelope, type OpenClawEnvelope } from './envelope.js';
export {
  decideThinking,
  findModelEntry,
  readOpenClawConfig,
  type OpenClawConfig,
} from './openclaw-config.js';
export { DEFAULT_TOOLS_DIR, toolsPaths } from './locate.js';
export { OPENCLAW_TESTED_VERSION } from './version.js';

/** Builds the OpenClaw runner for one worker; options are documented on {@link OpenClawRunnerOptions}. */
export function createOpenClawRunner(options: OpenClawRunnerOptions): OpenClawRunner {
  return new OpenClawRunner(options);
}
