/**
 * The per-task overlay config. OpenClaw reads one config file (`OPENCLAW_CONFIG_PATH`); the runner points it at a
 * small file in the worker's state dir that `$include`s the user's config (providers, keys, prices) and overrides
 * only what a worker must own:
 * - `agents.defaults.workspace`: the task's workspace. Without it OpenClaw works in the configured or default
 *   workspace (`<state dir>/workspace`), not in the folder that holds TASK.txt and AGENTS.md.
 * - `agents.defaults.skipBootstrap: true`: no SOUL.md / BOOTSTRAP.md / IDENTITY.md written into every task folder
 *   (existing files such as the worker's AGENTS.md are still injected).
 * - with the sandbox switch, `agents.defaults.sandbox` (see {@link sandboxOverlay}).
 * OpenClaw deep-merges sibling keys over the included file (verified with 2026.9.6 `config get`), so the rest of the
 * user's settings stay as they are.
 */
import { realpathSync } from 'node:fs';
import { dirname, delimiter } from 'node:path';

/** File name of the overlay inside the worker's state dir. */
export const OVERLAY_FILE_NAME = 'dorch-openclaw.json5';

/** What the overlay is built from. */
export interface OverlayInput {
  /** Absolute path of the user's config. */
  userConfigPath: string;
  /** Whether that file exists; a missing file is not included (OpenClaw would fail on the include). */
  userConfigExists: boolean;
  /** Absolute path of the task workspace. */
  workspace: string;
  /** When set, run sandboxed; the value is the user's own `agents.defaults.sandbox` (kept where it says more). */
  sandbox?: Record<string, unknown>;
}

/**
 * Settings that make every session of the run sandboxed with OpenClaw's own sandbox (tools run in a container of
 * the configured backend, Docker by default; the gateway/agent loop stays on the host):
 * - `mode: "all"`: every session, since a `--session-id` run is not the main session but `non-main` would still
 *   leave an `agent:main:main` run unsandboxed;
 * - `scope: "session"` unless the user chose one: a fresh container per task, like the fresh context;
 * - `workspaceAccess: "rw"` unless the user chose one: the task workspace is mounted at `/workspace`, nothing else
 *   of the host is visible.
 * The backend, image, network (none by default) and limits stay the user's. OpenClaw fails closed when the
 * backend is unavailable (measured: exit 1, "Cannot connect to the Docker daemon"), never falling back to the host.
 */
export function sandboxOverlay(userSandbox: Record<string, unknown>): Record<string, unknown> {
  return {
    mode: 'all',
    ...(userSandbox.scope === undefined ? { scope: 'session' } : {}),
    ...(userSandbox.workspaceAccess === undefined ? { workspaceAccess: 'rw' } : {}),
  };
}

/** The overlay config object (JSON, which is valid JSON5). */
export function buildOverlayConfig(input: OverlayInput): Record<string, unknown> {
  const defaults: Record<string, unknown> = { workspace: input.workspace, skipBootstrap: true };
  if (input.sandbox) defaults.sandbox = sandboxOverlay(input.sandbox);
  return {
    ...(input.userConfigExists ? { $include: input.userConfigPath } : {}),
    agents: { defaults },
  };
}

/** The overlay as file text, with a header saying where it comes from. */
export function renderOverlayConfig(input: OverlayInput): string {
  return (
    '// Written by discord-orchestration for one task; rewritten before every run. Edit the included file instead.\n' +
    `${JSON.stringify(buildOverlayConfig(input), null, 2)}\n`
  );
}

/**
 * `OPENCLAW_INCLUDE_ROOTS` for the overlay: OpenClaw only follows an `$include` under the including file's folder
 * or a listed root, and it re-checks the resolved (symlink-free) path, so both folders of the user's config are
 * listed, after whatever the environment already had.
 */
export function includeRootsFor(userConfigPath: string, existing: string | undefined): string {
  const roots = (existing ?? '').split(delimiter).filter(Boolean);
  const add = (dir: string): void => {
    if (!roots.includes(dir)) roots.push(dir);
  };
  add(dirname(userConfigPath));
  try {
    add(dirname(realpathSync(userConfigPath)));
  } catch {
    // Missing file: nothing is included, the lexical folder is enough.
  }
  return roots.join(delimiter);
}
