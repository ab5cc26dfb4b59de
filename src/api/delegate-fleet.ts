/**
 * The fleet from inside a running task: asks the worker running it (its delegation endpoint, `DORCH_DELEGATE_URL`,
 * see `task/delegation.ts`), which posts the task as a child of this one. No Discord token is needed or given.
 */
import { BusUnavailableError, TaskInvalidError } from '../lib/errors.js';
import type {
  DelegateError,
  DelegateLook,
  DelegateSubmitBody,
  DelegateSubmitted,
} from '../task/delegation.js';
import type { TaskSpec } from '../task/spec.js';
import { DelegationRefusedError } from './errors.js';
import type { Fleet, Look, Submission } from './fleet.js';
import { resultFromMessage } from './result.js';
import { withFullText } from './fleet.js';

/** The fleet through the worker running this task. */
export class DelegateFleet implements Fleet {
  readonly kind = 'delegate';
  readonly #url: string;
  readonly #fetch: typeof fetch;

  /** `url`: the value of `DORCH_DELEGATE_URL`. */
  constructor(url: string, fetcher: typeof fetch = fetch) {
    if (!/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+$/.test(url))
      throw new TypeError('Expected `DORCH_DELEGATE_URL` to be the URL the worker gave, got something else');
    this.#url = url;
    this.#fetch = fetcher;
  }

  async submit(spec: TaskSpec): Promise<Submission> {
    const body: DelegateSubmitBody = {
      prompt: spec.prompt,
      ...(spec.model !== undefined ? { model: spec.model } : {}),
      ...(spec.thinking !== undefined ? { thinking: spec.thinking } : {}),
      ...(spec.files?.length
        ? { files: spec.files.map((f) => ({ name: f.name, base64: f.data.toString('base64') })) }
        : {}),
    };
    const answer = await this.#call<DelegateSubmitted>('POST', '/submit', body);
    return { taskId: answer.taskId, via: answer.via };
  }

  async look(taskId: string): Promise<Look> {
    const look = await this.#call<DelegateLook>('GET', `/look?task=${encodeURIComponent(taskId)}`);
    if (look.state !== 'result') return look;
    return {
      state: 'result',
      result: await withFullText(resultFromMessage(taskId, look.taskId, look.found)),
    };
  }

  async cancel(taskId: string): Promise<boolean> {
    const answer = await this.#call<{ ok: boolean }>('POST', '/cancel', { taskId });
    return answer.ok;
  }

  async close(): Promise<void> {}

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#url}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (error) {
      throw new BusUnavailableError(
        'the worker running this task does not answer (the task may have ended)',
        { cause: error },
      );
    }
    const json = (await response.json().catch(() => null)) as T | DelegateError | null;
    if (response.ok && json) return json as T;
    const error = (json as DelegateError | null)?.error;
    const message = error?.message ?? `the worker answered HTTP ${response.status}`;
    if (error?.code === 'TASK_INVALID' || error?.code === 'BAD_REQUEST') throw new TaskInvalidError(message);
    if (error?.code === 'DEPTH_LIMIT' || error?.code === 'CHILD_LIMIT' || error?.code === 'NOT_A_CHILD')
      throw new DelegationRefusedError(error.code, message);
    throw new BusUnavailableError(message);
  }
}
