/**
 * Checks that imports in `src/` run one way and form no cycle. Run by `npm run lint`.
 *
 * Each top folder of `src/` is a layer. A file may import its own layer and the layers listed for it below, and
 * nothing else; type-only imports (`import type`, `import('…')` types) count like any other. Files directly in
 * `src/` (none today) and folders not in the table are errors too, so a new folder must be placed on purpose.
 *
 * | layer      | may import                                        | why                                               |
 * | ---------- | ------------------------------------------------- | ------------------------------------------------- |
 * | `lib`      | –                                                 | errors, logging, redaction, processes             |
 * | `task`     | lib                                               | the task model, tags, the model table, reports    |
 * | `config`   | task, lib                                         | the schema checks model aliases with task's table |
 * | `agent`    | task, config, lib                                 | runners                                           |
 * | `bus`      | task, config, lib                                 | the queue; knows nothing of agents or money       |
 * | `cost`     | agent, task, config, lib                          | prices, ledger, budgets                           |
 * | `worker`   | bus, agent, cost, task, config, lib               | the loop                                          |
 * | `manager`  | worker, bus, agent, cost, task, config, lib       | the supervisor                                    |
 * | `api`      | bus, cost, task, config, lib                      | the library API (submit, wait, gather, result)    |
 * | `cli`      | all of the above, and emulator                    | commands, printing, exit codes                    |
 * | `emulator` | lib                                               | Discord's API server (see below)                  |
 *
 * `agent`, `bus` and `cost` share one tier under `worker`. The one import allowed inside the tier is `cost` →
 * `agent`: cost prices an agent's result (`AgentResult`: model, usage, the runner's own figure), so it reads the
 * runner's type; no runner needs cost, and the bus needs neither. What a report carries (usage, files, statuses)
 * lives in `task`, so the bus and the result format never reach into a runner.
 *
 * `emulator` is product code (the demo and `dorch emulator` start it, tests drive it) but not part of the
 * orchestrator: it imports only `lib`, and only `cli` imports it, so the product never knows it is there.
 *
 * Usage: `tsx scripts/check-imports.ts [root]` (default `src`). Prints one line per problem and exits 1 if any.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Which layers each layer may import (besides itself). */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  lib: [],
  task: ['lib'],
  config: ['task', 'lib'],
  agent: ['task', 'config', 'lib'],
  bus: ['task', 'config', 'lib'],
  cost: ['agent', 'task', 'config', 'lib'],
  worker: ['bus', 'agent', 'cost', 'task', 'config', 'lib'],
  manager: ['worker', 'bus', 'agent', 'cost', 'task', 'config', 'lib'],
  api: ['bus', 'cost', 'task', 'config', 'lib'],
  cli: ['api', 'manager', 'worker', 'bus', 'agent', 'cost', 'task', 'config', 'lib', 'emulator'],
  emulator: ['lib'],
};

/** What the check found; each string is one line to print. */
export interface ImportCheck {
  /** `file: imports <x> (layer A may not import layer B)` lines. */
  violations: string[];
  /** `cycle: a.ts -> b.ts -> a.ts` lines, one per strongly connected group of files. */
  cycles: string[];
}

/** Every relative module specifier a file uses, type-only ones included. */
export function importsOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((specifier) => specifier.startsWith('.'));
}

function listTsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listTsFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

// NodeNext imports name the emitted `.js` file; the source is the `.ts` beside it.
function resolve(from: string, specifier: string): string {
  const target = path.resolve(path.dirname(from), specifier);
  return target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : target;
}

function layerOf(root: string, file: string): string | undefined {
  const relative = path.relative(root, file);
  if (relative.startsWith('..')) return undefined;
  const parts = relative.split(path.sep);
  return parts.length > 1 ? parts[0] : undefined;
}

/** Tarjan's strongly connected components; returns the groups of more than one file, and self-imports. */
function cyclesIn(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1 || (graph.get(node) ?? []).includes(node)) groups.push(group.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return groups;
}

// One path round a cycle group, for the message: follow edges inside the group from its first file.
function loopThrough(group: string[], graph: Map<string, string[]>): string[] {
  const members = new Set(group);
  const start = group[0]!;
  const parents = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const loop = [start];
        for (let at = node; at !== start; at = parents.get(at)!) loop.splice(1, 0, at);
        return [...loop, start];
      }
      if (!parents.has(to)) {
        parents.set(to, node);
        queue.push(to);
      }
    }
  }
  return group;
}

/** Checks every `.ts` file under `root` against `layers`. */
export function checkImports(
  root: string,
  layers: Readonly<Record<string, readonly string[]>> = LAYERS,
): ImportCheck {
  const files = listTsFiles(root);
  const graph = new Map<string, string[]>();
  const violations: string[] = [];
  const show = (file: string): string => path.relative(root, file);
  for (const file of files) {
    const from = layerOf(root, file);
    const targets: string[] = [];
    for (const specifier of importsOf(file, readFileSync(file, 'utf8'))) {
      const target = resolve(file, specifier);
      targets.push(target);
      const to = layerOf(root, target);
      if (from === undefined || !(from in layers)) {
        violations.push(
          `${show(file)}: imports ${specifier} (layer ${from ?? '(root)'} is not in the table)`,
        );
      } else if (to === undefined || !(to in layers)) {
        violations.push(
          `${show(file)}: imports ${specifier} (outside the layers of ${path.basename(root)}/)`,
        );
      } else if (to !== from && !layers[from]!.includes(to)) {
        violations.push(`${show(file)}: imports ${specifier} (layer ${from} may not import layer ${to})`);
      }
    }
    graph.set(file, targets);
  }
  const cycles = cyclesIn(graph).map(
    (group) =>
      `cycle: ${loopThrough(group, graph).map(show).join(' -> ')}` +
      (group.length > 2 ? ` (${group.length} files: ${group.map(show).join(', ')})` : ''),
  );
  return { violations, cycles };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? 'src');
  const { violations, cycles } = checkImports(root);
  for (const line of [...violations, ...cycles]) console.error(line);
  if (violations.length + cycles.length > 0) {
    console.error(`check-imports: ${violations.length} layer violation(s), ${cycles.length} cycle(s)`);
    process.exit(1);
  }
}
