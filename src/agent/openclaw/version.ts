/**
 * Version rules for the OpenClaw CLI and the Node that runs it (reference/openclaw.md §1): npm quietly installs the
 * empty 0.0.1 placeholder when no release accepts the running Node, and each release range has its own engines field.
 */

/** The release the runner was built and measured against. */
export const OPENCLAW_TESTED_VERSION = '2026.9.6';

/** Three numbers; missing parts are 0. */
export type Version = readonly [number, number, number];

/** The first `x.y.z` in a text (`OpenClaw 2026.9.6 (eb377ac)`, `v24.21.0`), or undefined. */
export function parseVersion(text: string): Version | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Negative, zero or positive, like a sort comparator. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** `2026.9.6`. */
export function formatVersion(v: Version): string {
  return v.join('.');
}

/** Half-open Node range `[from, below)`; `below` undefined means no upper bound. */
interface NodeRange {
  from: Version;
  below?: Version;
}

interface EnginesRule {
  /** Applies to OpenClaw releases from this version on (rules are checked newest first). */
  since: Version;
  ranges: NodeRange[];
  /** The same rule for humans. */
  text: string;
}

// openclaw's `engines.node`, newest rule first. From 2026.9.3 on: ">=24.16.0 <25 || >=26.1.0".
const ENGINES_RULES: readonly EnginesRule[] = [
  {
    since: [2026, 9, 3],
    ranges: [{ from: [24, 16, 0], below: [25, 0, 0] }, { from: [26, 1, 0] }],
    text: '>= 24.16 (24.x) or >= 26.1',
  },
  {
    since: [0, 0, 0],
    ranges: [
      { from: [22, 22, 3], below: [23, 0, 0] },
      { from: [24, 15, 0], below: [25, 0, 0] },
      { from: [25, 9, 0] },
    ],
    text: '>= 22.22.3 (22.x), >= 24.15 (24.x) or >= 25.9',
  },
];

// Unknown release: judge by the newest rule, which is what a fresh install gets.
function ruleFor(openclaw: Version | undefined): EnginesRule {
  if (!openclaw) return ENGINES_RULES[0]!;
  return ENGINES_RULES.find((r) => compareVersions(openclaw, r.since) >= 0) ?? ENGINES_RULES.at(-1)!;
}

/** The Node versions an OpenClaw release accepts, in words (undefined: the newest release). */
export function nodeRequirementText(openclaw?: Version): string {
  return ruleFor(openclaw).text;
}

/** Whether an OpenClaw release (undefined: the newest) runs on a Node version. */
export function nodeSatisfies(openclaw: Version | undefined, node: Version): boolean {
  return ruleFor(openclaw).ranges.some(
    (r) =>
      compareVersions(node, r.from) >= 0 && (r.below === undefined || compareVersions(node, r.below) < 0),
  );
}

/** How to get a working OpenClaw, appended to every start-up error. */
export const OPENCLAW_INSTALL_HINT =
  `install it with \`npm install -g openclaw@${OPENCLAW_TESTED_VERSION}\` under Node >= 24.16, ` +
  'or run scripts/install-openclaw.sh, or set OPENCLAW_BIN';

/** What `openclaw --version` and `node --version` said. */
export interface VersionProbe {
  /** The executable that was run, for messages. */
  bin: string;
  /** Output of `openclaw --version` (stdout, else stderr). */
  versionOutput: string;
  /** Its exit code (null when killed or timed out). */
  exitCode: number | null;
  timedOut?: boolean;
  /** `node --version` of the Node the CLI runs under, when it could be determined. */
  nodeVersionOutput?: string;
  /** Path of that Node, for messages. */
  nodePath?: string;
}

/** A probe judged usable. */
export interface OpenClawVersionInfo {
  version: string;
  node?: string;
}

// The first non-empty line, without ANSI colours: where a CLI says what went wrong (later lines are hints).
function firstLine(text: string): string {
  const line = stripAnsi(text)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find(Boolean);
  return line ?? '';
}

/** Text without ANSI escape sequences (OpenClaw colours its log lines). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}

/**
 * Judges a version probe: returns the versions when usable, otherwise a problem sentence (without the install hint;
 * the caller appends {@link OPENCLAW_INSTALL_HINT}).
 */
export function judgeVersionProbe(probe: VersionProbe): OpenClawVersionInfo | string {
  const node = probe.nodeVersionOutput !== undefined ? parseVersion(probe.nodeVersionOutput) : undefined;
  const nodeText = node
    ? `Node ${formatVersion(node)}${probe.nodePath ? ` (${probe.nodePath})` : ''}`
    : undefined;
  if (probe.timedOut) return `\`${probe.bin} --version\` did not answer in time`;
  const version = probe.exitCode === 0 ? parseVersion(probe.versionOutput) : undefined;
  if (!version) {
    // openclaw on an old Node dies before printing its version ("node:sqlite is unavailable").
    if (node && !nodeSatisfies(undefined, node)) {
      const detail = firstLine(probe.versionOutput) || `exit code ${probe.exitCode}`;
      return `\`${probe.bin}\` does not run under ${nodeText}: it needs Node ${nodeRequirementText()} (${detail})`;
    }
    const detail = firstLine(probe.versionOutput);
    return `\`${probe.bin} --version\` failed (exit code ${probe.exitCode ?? 'none'})${detail ? `: ${detail}` : ''}`;
  }
  if (compareVersions(version, [1, 0, 0]) < 0) {
    return `\`${probe.bin}\` is openclaw ${formatVersion(version)}, the empty npm placeholder that an unpinned install picks under an old Node`;
  }
  if (node && !nodeSatisfies(version, node)) {
    return `openclaw ${formatVersion(version)} needs Node ${nodeRequirementText(version)}, but \`${probe.bin}\` runs under ${nodeText}`;
  }
  const info: OpenClawVersionInfo = { version: formatVersion(version) };
  if (node) info.node = formatVersion(node);
  return info;
}
