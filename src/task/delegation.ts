/**
 * Delegation from inside a running task: the wire between an agent (through `dorch submit` or the library API) and
 * the worker that runs it. The worker serves a small HTTP endpoint on 127.0.0.1 for the length of one task and gives
 * the agent its address, a capability URL with a random secret, in `DORCH_DELEGATE_URL`. The agent gets no Discord
 * token: the worker posts the child task as its own bot, with `[parent:<task id>] [depth:n] [author:<origin author>]`
 * (fleet tags, honoured only in fleet bots' messages), and answers only about the children it posted.
 *
 * Routes (JSON bodies, `Content-Type: application/json`):
 * - `POST <url>/submit` {@link DelegateSubmitBody} → {@link DelegateSubmitted}
 * - `GET <url>/look?task=<id>` → {@link DelegateLook}
 * - `POST <url>/cancel` `{ taskId }` → `{ ok: true }`
 * Errors: status 400 (bad task), 403 (depth limit), 404 (not a child of this task), 502 (Discord) with
 * {@link DelegateError}.
 */

/** The capability URL of this task's delegation endpoint. */
export const DELEGATE_URL_ENV = 'DORCH_DELEGATE_URL';
/** The running task's id (the parent of whatever it submits). */
export const TASK_ID_ENV = 'DORCH_TASK_ID';
/** How deep the running task is (0: submitted by a person or a program). */
export const TASK_DEPTH_ENV = 'DORCH_TASK_DEPTH';
/** How deep tasks may nest (`MAX_TASK_DEPTH`). */
export const MAX_DEPTH_ENV = 'DORCH_MAX_DEPTH';

/**
 * The same as a file in the task's workspace (JSON: `taskId`, `depth`, `maxDepth`, `url`), for agents whose tools do
 * not get the task's environment (OpenClaw's Gateway mode). Dot-named, so it is never attached to the result.
 */
export const DELEGATE_FILE_NAME = '.dorch-delegate.json';

/** One file, base64 in JSON. */
export interface DelegateFile {
  name: string;
  base64: string;
}

/** What `POST /submit` takes. */
export interface DelegateSubmitBody {
  prompt: string;
  model?: string;
  thinking?: string;
  files?: DelegateFile[];
}

/** What `POST /submit` answers. */
export interface DelegateSubmitted {
  taskId: string;
  via: string;
  depth: number;
}

/** A found result message, as the endpoint passes it on. */
export interface DelegateFound {
  content: string;
  attachments: { name: string; url: string; size: number }[];
  postedAt: string;
}

/** What `GET /look` answers: where a child is now. */
export type DelegateLook =
  | { state: 'pending'; taskId: string; detail: string }
  | { state: 'refused'; taskId: string }
  | { state: 'result'; taskId: string; found: DelegateFound };

/** An error answer. `code` says what kind (`DEPTH_LIMIT`, `TASK_INVALID`, `NOT_A_CHILD`, `UNAVAILABLE`). */
export interface DelegateError {
  error: {
    code: 'DEPTH_LIMIT' | 'CHILD_LIMIT' | 'TASK_INVALID' | 'NOT_A_CHILD' | 'UNAVAILABLE' | 'BAD_REQUEST';
    message: string;
  };
}
