/**
 * The files `dorch service install` writes: a systemd user unit (Linux) and a launchd agent (macOS), both running
 * `dorch manager --workers N` in this folder with this config, restarted after a crash, started at boot.
 */

/** What the service runs. */
export interface ServiceSpec {
  /** Service name: `<name>.service` (systemd), label `com.discord-orchestration.<name>` (launchd). */
  name: string;
  /** argv: node, its flags, the CLI entry, then `--config <abs> manager --workers N`. */
  command: string[];
  /** Absolute folder the manager runs in (where `.runtime/` and `workers/` live). */
  workingDirectory: string;
  /** PATH for the service (agent CLIs such as `openclaw` are found through it). */
  path: string;
  /** Absolute folder for launchd's stdout/stderr files. */
  logDirectory: string;
  workers: number;
}

/** The first line of every file we write; `uninstall` and re-`install` only touch files that carry it. */
export const MARKER = 'Written by `dorch service install` (discord-orchestration)';

/**
 * Seconds a stop may take before SIGKILL. A graceful stop lets a running task finish for up to 30 s and hands it
 * back otherwise; the manager then needs a moment to see its workers out.
 */
export const STOP_TIMEOUT_SEC = 90;

/** The launchd label of a service name. */
export function launchdLabel(name: string): string {
  return `com.discord-orchestration.${name}`;
}

// systemd's command-line quoting (systemd.service, "Command lines"): double quotes around words with blanks or
// quotes, backslash escapes inside, `%` doubled (specifiers) and `$` doubled (variable expansion).
function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// A value in an Environment= assignment: the whole assignment is quoted; no `$` expansion happens there.
function systemdEnvironment(key: string, value: string): string {
  return `"${`${key}=${value}`.replace(/%/g, '%%').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A systemd user unit (`~/.config/systemd/user/<name>.service`). */
export function systemdUnit(spec: ServiceSpec): string {
  return [
    `# ${MARKER}.`,
    `# Remove with \`dorch service uninstall${spec.name === 'dorch' ? '' : ` --name ${spec.name}`}\`; logs: journalctl --user -u ${spec.name}`,
    '[Unit]',
    `Description=discord-orchestration: ${spec.workers} worker(s) in ${spec.workingDirectory}`,
    '',
    '[Service]',
    'Type=simple',
    // A plain path: specifiers are expanded (so `%` is doubled), quotes and `$` are taken literally.
    `WorkingDirectory=${spec.workingDirectory.replace(/%/g, '%%')}`,
    `ExecStart=${spec.command.map(systemdWord).join(' ')}`,
    `Environment=${systemdEnvironment('PATH', spec.path)}`,
    // A clean stop (dorch stop, SIGTERM) exits 0 and stays stopped; a crash comes back.
    'Restart=on-failure',
    'RestartSec=10',
    // Only the manager gets SIGTERM: it stops its workers gracefully; stragglers get SIGKILL after the timeout.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${STOP_TIMEOUT_SEC}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A launchd agent (`~/Library/LaunchAgents/<label>.plist`). */
export function launchdPlist(spec: ServiceSpec): string {
  const label = launchdLabel(spec.name);
  const strings = (items: string[], indent: string) =>
    items.map((s) => `${indent}<string>${xml(s)}</string>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- ${MARKER}. Remove with \`dorch service uninstall\`. -->`,
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${xml(label)}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...strings(spec.command, '    '),
    '  </array>',
    '  <key>WorkingDirectory</key>',
    `  <string>${xml(spec.workingDirectory)}</string>`,
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    '    <key>PATH</key>',
    `    <string>${xml(spec.path)}</string>`,
    '  </dict>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    // Come back after a crash, not after a clean stop (exit 0).
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>10</integer>',
    '  <key>ExitTimeOut</key>',
    `  <integer>${STOP_TIMEOUT_SEC}</integer>`,
    '  <key>StandardOutPath</key>',
    `  <string>${xml(`${spec.logDirectory}/service.out.log`)}</string>`,
    '  <key>StandardErrorPath</key>',
    `  <string>${xml(`${spec.logDirectory}/service.err.log`)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
