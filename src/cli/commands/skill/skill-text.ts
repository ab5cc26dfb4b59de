/**
 * The OpenClaw skill that teaches an agent to delegate through the fleet. OpenClaw's format (docs.openclaw.ai
 * tools/skills; the bundled skills in the `openclaw` package): a folder named after the skill holding `SKILL.md`,
 * YAML front matter with single-line `name` (lower case, digits, hyphens; the folder's name) and `description` (one
 * line, under 160 characters: what the agent sees when it decides whether the skill is relevant) and `metadata`
 * (one line of JSON: `{"openclaw": {…}}`), then markdown instructions. `{baseDir}` in the text is the skill's folder.
 *
 * The text names no token, no config file and no path: the command it teaches is `{baseDir}/scripts/dorch-fleet`,
 * a wrapper `dorch skill install` writes beside it.
 */

/** The skill's name (and folder). */
export const SKILL_NAME = 'dorch-delegate';

/** The one-line description OpenClaw shows the agent. */
export const SKILL_DESCRIPTION =
  'Delegate independent subtasks to the dorch fleet (other machines, a chosen model, a budget) and gather their results, instead of sessions_spawn.';

/** What the skill text needs to know about the fleet. */
export interface SkillFacts {
  /** Alias → `provider/model` id. */
  aliases: Record<string, string>;
  defaultModel: string;
  defaultThinking: string;
  /** `MAX_TASK_DEPTH`. */
  maxDepth: number;
  /** `MAX_TASK_COST_USD`, when set. */
  maxTaskCostUsd?: number;
}

/** The SKILL.md text. */
export function skillMarkdown(facts: SkillFacts): string {
  const cmd = '{baseDir}/scripts/dorch-fleet';
  const aliases = Object.entries(facts.aliases)
    .map(([alias, id]) => `| \`${alias}\` | \`${id}\` |`)
    .join('\n');
  const metadata = JSON.stringify({ openclaw: { emoji: '🛰️', requires: { bins: ['node'] } } });
  return `---
name: ${SKILL_NAME}
description: ${SKILL_DESCRIPTION}
metadata: ${metadata}
---

# Delegating through the dorch fleet

The fleet runs each task on some machine, in a fresh agent with its own context, on the model you ask for, and
posts one result with the tokens and dollars it cost. Use it instead of \`sessions_spawn\` when work splits into
parts that do not need each other's answers while they run.

## When to delegate
- The work splits into **independent** parts (files to summarise, modules to review, questions to research): send
  them all at once and gather the answers.
- A part needs another model (a cheap one for bulk, \`coder\` for code, \`research\` for reading).
- Do **not** delegate a part that needs your conversation, your files on this machine (attach them instead), or an
  answer you need before you can write the next task. Do small things yourself: each task costs a start-up.
- Each task must stand alone: say everything it needs in its prompt (goal, inputs, the exact output you want back,
  e.g. "answer in at most 10 lines" or "reply with JSON {…}"). The child sees nothing of your context.

## Commands
Run them with your shell tool (\`exec\`). Always use \`--json\`.

- Several tasks, wait for all, one JSON line per result as each finishes:
  \`${cmd} submit --wait --json --timeout 900 --max-cost 0.50 --task "Summarise a.log in 5 lines [model:cheap]" --task "Review diff.patch for bugs [model:coder] [thinking:high]"\`
- Many tasks from stdin, one JSON object per line (\`files\` are paths to attach):
  \`printf '%s\\n' '{"prompt":"Summarise it","model":"cheap","files":["a.log"]}' '{"prompt":"…","model":"coder"}' | ${cmd} submit --wait --json --stdin\`
- One task: \`${cmd} submit --wait --json "Prompt" coder high\` (prompt, then model, then thinking).
- Fire now, collect later: \`${cmd} submit --json --task "…" --task "…"\` prints the task ids; then
  \`${cmd} wait --json <task-id> <task-id>\` waits for them, \`${cmd} result --json <task-id>\` looks once, and
  \`${cmd} cancel <task-id>\` stops one.
- \`--at-end\` prints one object at the end (\`{"ok","results":[…],"totalCostUsd","stopped","cancelled"}\`)
  instead of a line per result.

## Models and thinking
Ask with \`[model:<alias>]\` in the prompt (or \`"model"\` in a stdin line). Without one the fleet uses
\`${facts.defaultModel}\` with thinking \`${facts.defaultThinking}\`.

| alias | model |
| --- | --- |
${aliases}

A full \`provider/model\` id works too. Thinking: \`[thinking:off|minimal|low|medium|high|xhigh]\`; higher thinks longer
and costs more; use \`high\` only for hard reasoning.

## Reading results
Each result is one JSON object: \`taskId\`, \`outcome\` (\`SUCCESS\`, \`FAILED\`, \`CANCELLED\`, \`REFUSED\`, or null
when none came in time), \`ok\`, \`text\` (the answer), \`error\`, \`model\` (the model that really ran),
\`tokens\` \`{input, cached, output}\`, \`costUsd\`, \`childrenCostUsd\` (what its own sub-tasks cost), \`attachments\`
(\`{name, url, size}\` of files it made), \`durationMs\`. Results arrive in any order: match them by \`taskId\`.
Exit code: 0 all succeeded, 1 one failed or was cancelled, 2 a task was refused as written (fix it; nothing was
sent), 3 no result in time (the task is still queued or running: \`wait\` for it again or \`cancel\` it).
Check \`model\` against what you asked for, and re-send a FAILED task at most once, reworded.

## Budget rules
- Always pass \`--max-cost\` with a figure you can justify (e.g. 0.05 per task you send); when the finished tasks
  reach it the remaining ones are cancelled. Always pass \`--timeout\`.
- Prefer \`cheap\` for bulk work; send a few tasks first when unsure, then the rest.
- Add up \`costUsd\` and \`childrenCostUsd\` and report the total to the user.${
    facts.maxTaskCostUsd !== undefined
      ? `\n- One task may cost at most $${facts.maxTaskCostUsd} on this fleet.`
      : ''
  }
- Tasks may delegate further only ${facts.maxDepth} level${facts.maxDepth === 1 ? '' : 's'} deep; beyond that the
  fleet refuses (exit 2, "MAX_TASK_DEPTH"): then do the work yourself.
- Never put secrets (keys, passwords, tokens) in a task: tasks and results are posted to a shared channel.
`;
}

/** The wrapper `{baseDir}/scripts/dorch-fleet`: the dorch CLI with this machine's config. */
export function wrapperScript(node: readonly string[], cli: string, config: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh
# Written by \`dorch skill install\`: runs dorch with this machine's configuration (no token is in this file).
exec ${node.map(q).join(' ')} ${q(cli)} --config ${q(config)} "$@"
`;
}
