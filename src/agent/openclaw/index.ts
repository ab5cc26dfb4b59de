/**
 * The OpenClaw runner, the project's default. Build one per worker with {@link createOpenClawRunner}, call
 * `check()` at start-up (and `start()` to start the worker's Gateway in gateway mode), `run()` per task, and
 * `close()` when the worker stops.
 *
 * @example
 * ```ts
 * const runner = createOpenClawRunner({ workerId: 'worker-1', stripEnv: ['WORKER1_TOKEN'] });
 * await runner.check(); // AgentStartError with a fix-it message when openclaw or its Node is missing
 * await runner.start(); // gateway mode: starts the warm Gateway (AgentStartError when it cannot start)
 * const result = await runner.run(request);
 * await runner.close(); // stops the Gateway
 * ```
 */
import { OpenClawRunner, type OpenClawRunnerOptions } from './openclaw-runner.js';

export {
  OpenClawRunner,
  DEFAULT_OPENCLAW_MODE,
  DEFAULT_OPENCLAW_RUNNER_OPTIONS,
  OPENCLAW_MODES,
  defaultSandboxBackendProbe,
  type OpenClawMode,
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
