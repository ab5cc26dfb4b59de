/**
 * One task as a program or an agent asks for it ({@link TaskSpec}), checked and turned into the message text and
 * files that go to the queue. The CLI, the library API and the worker's delegation broker all build tasks here, so
 * a task is refused for the same reasons whichever way it comes in.
 */
import type { ReportFile } from './report.js';
import { resolveModel, resolveThinking, type ModelSettings } from './models.js';
import { buildTaskText, EMPTY_PROMPT_ERROR, parseTaskText, type TaskTextParts } from './tags.js';

/** A task to submit. */
export interface TaskSpec {
  /** What to do. May carry `[model:X]` and `[thinking:Y]` tags; fleet tags (`[parent:]` …) are refused. */
  prompt: string;
  /** A model alias (`cheap`, `coder` …) or a `provider/model` id. @defaultValue the fleet's `DEFAULT_MODEL` */
  model?: string;
  /** `off`, `minimal`, `low`, `medium`, `high`, `xhigh`. @defaultValue the fleet's `DEFAULT_THINKING` */
  thinking?: string;
  /** Files to attach (the agent finds them in its workspace). @defaultValue [] */
  files?: ReportFile[];
}

/** Tags only the fleet writes, with what they mean (for the refusal message). */
const FLEET_ONLY = ['retry', 'origin', 'author', 'parent', 'depth'] as const;

/** Discord's message limit; longer tasks travel as a TASK.txt attachment. */
export const MESSAGE_LIMIT = 2000;
const PREVIEW_CHARS = 1500;

/** A checked task, ready to post. */
export interface PreparedTask {
  content: string;
  files: ReportFile[];
  /** The resolved `provider/model` id it asks for. */
  model: string;
  thinking: string;
}

/** What the fleet adds to a delegated task's text (see `task/tags.ts`). */
export type FleetParts = Pick<TaskTextParts, 'parent' | 'depth' | 'author'>;

/**
 * Check a task and build its message: the prompt with its tags, fleet tags added by the caller (`fleet`), a long
 * prompt moved to TASK.txt. Returns one sentence per problem instead when it cannot run as written.
 */
export function prepareTask(
  spec: TaskSpec,
  models: Pick<ModelSettings, 'aliases' | 'defaultModel' | 'defaultThinking'>,
  fleet: FleetParts = {},
): { ok: true; task: PreparedTask } | { ok: false; errors: string[] } {
  if (typeof spec.prompt !== 'string') return { ok: false, errors: ['prompt: expected text'] };
  const parsed = parseTaskText(spec.prompt, { trusted: true });
  const errors: string[] = [];
  const forged = FLEET_ONLY.filter((name) => new RegExp(`\\[[ \\t]*${name}[ \\t]*:`, 'i').test(spec.prompt));
  if (forged.length > 0)
    errors.push(
      `the task text holds ${forged.map((n) => `[${n}:]`).join(', ')}: these tags are written by the fleet only; remove them`,
    );
  if (parsed.prompt === '')
    errors.push(
      'the task is empty: give the task text, e.g. dorch submit "Summarise the attached log" --file server.log',
    );
  errors.push(
    ...parsed.errors.filter((e) => e !== EMPTY_PROMPT_ERROR && !FLEET_ONLY.some((n) => e.includes(`[${n}:`))),
  );
  const wantedModel = spec.model ?? parsed.model;
  const wantedThinking = spec.thinking ?? parsed.thinking;
  if (spec.model !== undefined && parsed.model !== undefined && spec.model !== parsed.model)
    errors.push(`the model is given twice ("${spec.model}" and [model:${parsed.model}]); keep one`);
  if (spec.thinking !== undefined && parsed.thinking !== undefined && spec.thinking !== parsed.thinking)
    errors.push(
      `the thinking level is given twice ("${spec.thinking}" and [thinking:${parsed.thinking}]); keep one`,
    );
  const model = resolveModel(wantedModel, models);
  if (!model.ok) errors.push(model.error);
  const thinking = resolveThinking(wantedThinking, models.defaultThinking);
  if (!thinking.ok) errors.push(thinking.error);
  if (errors.length > 0 || !model.ok || !thinking.ok) return { ok: false, errors };

  let text: string;
  try {
    text = buildTaskText({
      prompt: parsed.prompt,
      ...(wantedModel ? { model: wantedModel } : {}),
      ...(wantedThinking ? { thinking: wantedThinking } : {}),
      ...fleet,
    });
  } catch (error) {
    return { ok: false, errors: [(error as Error).message] };
  }
  const files = [...(spec.files ?? [])];
  let content = text;
  if (text.length > MESSAGE_LIMIT) {
    // Too long for one message: the whole prompt goes as TASK.txt, the message keeps the tags and a preview.
    files.push({ name: 'TASK.txt', data: Buffer.from(parsed.prompt) });
    const tags = text.match(/\[(model|thinking|parent|depth|author)\s*:[^\]]*\]/gi)?.join(' ') ?? '';
    content = `${tags} ${parsed.prompt.slice(0, PREVIEW_CHARS)}… (full task in TASK.txt)`.trim();
  }
  return { ok: true, task: { content, files, model: model.model, thinking: thinking.level } };
}
