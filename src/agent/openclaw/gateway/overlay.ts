/**
 * The config and environment of a worker's own OpenClaw Gateway. Like the per-task overlay of the local mode
 * (../overlay.ts), the config `$include`s the user's file (providers, keys, prices) and overrides only what the
 * worker must own; the Gateway reads it once at start.
 *
 * What the worker owns, and why (measured with openclaw 2026.9.6 unless it says "docs"):
 * - `gateway`: local mode, loopback only, token auth with a token that never leaves this machine, no Control UI, no
 *   HTTP endpoints (the worker speaks the WebSocket protocol);
 * - `agents.defaults.workspace`: an empty folder in the Gateway's state dir. Every task session is created with its
 *   own `cwd` (the task folder), which becomes the session's workspace; the default one only catches a run that
 *   would have none;
 * - `agents.defaults.skipBootstrap: true`: no SOUL.md / BOOTSTRAP.md … written into task folders;
 * - `tools.exec.notifyOnExit: false`: a background command that ends after its task (or is ended by the worker)
 *   must not wake the finished session for another, unbilled, model call (docs: gateway/heartbeat, "event-driven
 *   wake");
 * - `tools.sessions.visibility: "tree"`: the sessions tools (`sessions_list`, `sessions_history`, …) of a task see its
 *   own session and the sub-agents it spawned, not the earlier tasks' sessions in the same Gateway (docs:
 *   gateway/config-tools/sessions-and-subagents; task sessions are never the canonical main session, which would
 *   see every session of the agent);
 * - with the sandbox switch, `agents.defaults.sandbox` as in the local mode.
 * The environment switches off what a `--local` run never starts: chat channels (the user's config may hold a
 * Discord bot token of its own), cron and heartbeats (unbilled turns), LAN discovery, the browser control server,
 * the canvas host, the Gmail watcher, self-update and respawning.
 */
import { sandboxOverlay } from '../overlay.js';

/** File name of the Gateway's config inside its state dir. */
export const GATEWAY_CONFIG_FILE_NAME = 'dorch-gateway.json5';

/** What the Gateway's config is built from. */
export interface GatewayOverlayInput {
  /** Absolute path of the user's config. */
  userConfigPath: string;
  /** Whether that file exists; a missing file is not included. */
  userConfigExists: boolean;
  /** The loopback port the Gateway listens on. */
  port: number;
  /** The shared token clients authenticate with. */
  token: string;
  /** The fallback workspace (an empty folder). */
  workspace: string;
  /** When set, run sandboxed; the value is the user's own `agents.defaults.sandbox`. */
  sandbox?: Record<string, unknown>;
}

/** The Gateway's config object (JSON, which is valid JSON5). */
export function buildGatewayConfig(input: GatewayOverlayInput): Record<string, unknown> {
  const defaults: Record<string, unknown> = { workspace: input.workspace, skipBootstrap: true };
  if (input.sandbox) defaults.sandbox = sandboxOverlay(input.sandbox);
  return {
    ...(input.userConfigExists ? { $include: input.userConfigPath } : {}),
    gateway: {
      mode: 'local',
      port: input.port,
      bind: 'loopback',
      auth: { mode: 'token', token: input.token },
      controlUi: { enabled: false },
    },
    agents: { defaults },
    tools: { exec: { notifyOnExit: false }, sessions: { visibility: 'tree' } },
  };
}

/** The config as file text, with a header saying where it comes from. */
export function renderGatewayConfig(input: GatewayOverlayInput): string {
  return (
    '// Written by discord-orchestration for its OpenClaw Gateway; rewritten at every start. Edit the included file instead.\n' +
    `${JSON.stringify(buildGatewayConfig(input), null, 2)}\n`
  );
}

/** Environment switches of the Gateway process (see the module comment). */
export const GATEWAY_ENV: Readonly<Record<string, string>> = Object.freeze({
  OPENCLAW_SKIP_CHANNELS: '1',
  OPENCLAW_SKIP_CRON: '1',
  OPENCLAW_DISABLE_BONJOUR: '1',
  OPENCLAW_SKIP_BROWSER_CONTROL_SERVER: '1',
  OPENCLAW_SKIP_CANVAS_HOST: '1',
  OPENCLAW_SKIP_GMAIL_WATCHER: '1',
  OPENCLAW_NO_RESPAWN: '1',
  OPENCLAW_NO_AUTO_UPDATE: '1',
});

/** `openclaw gateway run …` arguments. The token is in the config file, never on the command line (`ps`). */
export function gatewayArgs(port: number): string[] {
  return ['gateway', 'run', '--port', String(port), '--bind', 'loopback', '--auth', 'token'];
}
