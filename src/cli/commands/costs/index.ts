/**
 * `dorch costs`: spend by day, model and worker, from this machine's ledger or (`--fleet`) from the `#results`
 * history of the whole fleet.
 */
import { loadConfig } from '../../../config/load.js';
import { fleetRecords, type FleetMessage, type ResultHeader } from '../../../cost/fleet.js';
import { formatUsd } from '../../../cost/format-usd.js';
import { ledgerPath, readLedger, type LedgerRecord } from '../../../cost/ledger.js';
import { summarise, type CostGroup, type CostSummary, type CostTotals } from '../../../cost/summary.js';
import { stripControlsOneLine } from '../../../lib/control-chars.js';
import { processRedactor, Redactor } from '../../../lib/redact.js';

/** Options of `dorch costs`. */
export interface CostsOptions {
  /** Print JSON instead of tables. @defaultValue false */
  json?: boolean;
  /** Read `#results` for the whole fleet instead of the local ledger. @defaultValue false */
  fleet?: boolean;
  /** Ledger file. @defaultValue `<RUNTIME_DIR>/ledger.jsonl` (`.runtime/ledger.jsonl`) */
  ledger?: string;
  /** Path of `discord-config.env` (used by `--fleet`). @defaultValue `discord-config.env` */
  config?: string;
}

/** Where `--fleet` gets its messages; tests and the lead's wiring replace the default. */
export interface FleetSource {
  /** Result message contents, newest first. */
  messages: AsyncIterable<FleetMessage>;
  /** The result header parser (`parseReportHeader`). */
  parse: (content: string) => ResultHeader | null;
}

/** Seams for {@link costs}. */
export interface CostsDeps {
  /** @defaultValue reads `#results` through the Discord bus with the loaded config */
  fleetSource?: (configPath: string | undefined) => Promise<FleetSource>;
  /** @defaultValue `console.log` */
  print?: (line: string) => void;
}

/** Summarise spend and print it. */
export async function costs(options: CostsOptions = {}, deps: CostsDeps = {}): Promise<void> {
  const print = deps.print ?? ((line: string) => console.log(line));
  let records: LedgerRecord[];
  let source: string;
  if (options.fleet) {
    const fleet = await (deps.fleetSource ?? defaultFleetSource)(options.config);
    records = await fleetRecords(fleet.messages, fleet.parse);
    source = '#results';
  } else {
    source = options.ledger ?? ledgerPath(loadConfig({ file: options.config }).config.worker.runtimeDir);
    records = await readLedger(source);
  }
  const summary = summarise(records.map(cleaner(options.config)));

  if (options.json) {
    print(JSON.stringify({ source, ...summary }, null, 2));
    return;
  }
  if (records.length === 0) {
    print(
      options.fleet
        ? 'No result messages found in #results yet.'
        : `No tasks recorded yet (${source} is empty or missing). Costs appear here once workers finish tasks.`,
    );
    return;
  }
  for (const line of renderSummary(summary, source)) print(line);
}

// The strings of a record came from agents (the model) or the ledger file: a record written before models were
// redacted, or by hand, may hold a token or control characters. Clean what is printed.
function cleaner(configPath: string | undefined): (record: LedgerRecord) => LedgerRecord {
  let secrets: string[] = [];
  try {
    secrets = loadConfig({ file: configPath }).secrets;
  } catch {
    // An invalid config: the process-wide secrets (none here) still apply; the ledger path was given explicitly.
  }
  const redactor = new Redactor([...secrets]);
  const clean = (text: string) => stripControlsOneLine(processRedactor.redact(redactor.redact(text)));
  return (r) => ({ ...r, model: clean(r.model), workerId: clean(r.workerId), taskId: clean(r.taskId) });
}

/** The summary as readable tables, one string per line. */
export function renderSummary(summary: CostSummary, source: string): string[] {
  const lines = [`Costs from ${source}`, ''];
  lines.push(...table('Day', summary.byDay), '');
  lines.push(...table('Model', summary.byModel), '');
  lines.push(...table('Worker', summary.byWorker), '');
  const t = summary.total;
  lines.push(
    `Total: ${t.tasks} task${t.tasks === 1 ? '' : 's'}${t.failed ? ` (${t.failed} failed)` : ''}, ` +
      `${int(t.input)} in / ${int(t.cacheRead)} cached / ${int(t.output)} out tokens, ${formatUsd(t.costUsd)}`,
  );
  if (t.unknownCost > 0) {
    lines.push(
      `* ${t.unknownCost} task(s) had no known price and count as $0 (add prices to OpenClaw's config).`,
    );
  }
  return lines;
}

// The `--fleet` wiring. `readResultsHistory` (newest first) and `parseReportHeader` belong to other modules and
// are loaded only when asked for.
async function defaultFleetSource(configPath: string | undefined): Promise<FleetSource> {
  const [{ readResultsHistory }, { parseReportHeader }] = await Promise.all([
    import('../../../bus/discord/history.js'),
    import('../../../task/format.js'),
  ]);
  const { config } = loadConfig({ file: configPath });
  return { messages: readResultsHistory(config), parse: parseReportHeader };
}

function table(title: string, groups: CostGroup[]): string[] {
  const header = [title, 'tasks', 'failed', 'input', 'cached', 'output', 'cost'];
  const rows = groups.map((g) => [g.key, ...numbers(g)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

function numbers(t: CostTotals): string[] {
  return [
    String(t.tasks),
    String(t.failed),
    int(t.input),
    int(t.cacheRead),
    int(t.output),
    formatUsd(t.costUsd) + (t.unknownCost > 0 ? '*' : ''),
  ];
}

function int(n: number): string {
  return n.toLocaleString('en-US');
}
