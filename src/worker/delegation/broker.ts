/**
 * The delegation endpoint a worker serves to the agent of one running task (protocol: `task/delegation.ts`). The
 * agent gets its capability URL, never a Discord token; the worker posts each child as its own bot with
 * `[parent:<task id>] [depth:n] [author:<the parent's origin author>]`, so a child runs only while the person behind
 * the parent may submit, and strangers cannot forge the tags (they count only in fleet bots' messages). Beyond
 * `maxDepth` it refuses, saying so. It answers only about its own children, and stops with the task.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus } from '../../bus/bus.js';
import type { DiscordBus } from '../../bus/discord/discord-bus.js';
import { lookAt, type TaskLook } from '../../bus/look.js';
import { errorMessage } from '../../lib/errors.js';
import type {
  DelegateError,
  DelegateLook,
  DelegateSubmitBody,
  DelegateSubmitted,
} from '../../task/delegation.js';
import { parseReportHeader, readFamily, type ChildrenCost } from '../../task/format.js';
import type { ModelSettings } from '../../task/models.js';
import { prepareTask } from '../../task/spec.js';
import type { Task } from '../../task/task.js';

/** Options of {@link DelegationBroker}. */
export interface DelegationBrokerOptions {
  /** The running task (its id, depth and origin author go into its children). */
  parent: Pick<Task, 'id' | 'depth' | 'authorId'>;
  /** `MAX_TASK_DEPTH`. */
  maxDepth: number;
  models: ModelSettings;
  /** Where children are posted (the worker's bus: Discord, or the local queue while Discord is down). */
  bus: Pick<Bus, 'submit' | 'findResult'>;
  /** The worker's Discord bus, to follow and cancel children; null when there is none. */
  discord: Pick<DiscordBus, 'follow' | 'findResultMessage' | 'cancel'> | null;
  /** Who cancels, as a CANCELLED result names it (the worker id). */
  workerId: string;
  /** Children one task may submit. @defaultValue 50 */
  maxChildren?: number;
  /** Largest request body, bytes (files travel base64). @defaultValue 40 MiB */
  maxBodyBytes?: number;
}

/** One task's delegation endpoint. `start()`, give the agent {@link url}, `close()` when the task ends. */
export class DelegationBroker {
  readonly #o: DelegationBrokerOptions;
  readonly #secret = randomBytes(24).toString('base64url');
  readonly #children: string[] = [];
  #server: Server | null = null;
  #url: string | null = null;

  constructor(options: DelegationBrokerOptions) {
    if (!Number.isInteger(options.maxDepth) || options.maxDepth < 0)
      throw new TypeError(`Expected \`maxDepth\` to be an integer >= 0, got \`${options.maxDepth}\``);
    this.#o = options;
  }

  /** The running task's depth. */
  get depth(): number {
    return this.#o.parent.depth ?? 0;
  }

  /** Children submitted so far, in order. */
  get children(): readonly string[] {
    return this.#children;
  }

  /** The capability URL (after `start`). */
  get url(): string {
    if (!this.#url) throw new Error('DelegationBroker: not started');
    return this.#url;
  }

  /** Listen on 127.0.0.1 (a free port); resolves with the URL. */
  async start(): Promise<string> {
    if (this.#url) return this.#url;
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${this.#secret}`;
    return this.#url;
  }

  /** Stop answering (the task ended). Idempotent. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * What the children cost, for the parent's report: each child's own cost plus its children's, as their results
   * show now; children without a result yet are counted as unfinished.
   */
  async childrenCost(): Promise<ChildrenCost | undefined> {
    if (this.#children.length === 0) return undefined;
    let costUsd = 0;
    let unfinished = 0;
    for (const id of this.#children) {
      const look = await this.#look(id).catch(() => null);
      if (look?.state !== 'result') {
        if (look?.state !== 'refused') unfinished++;
        continue;
      }
      costUsd += parseReportHeader(look.found.content)?.costUsd ?? 0;
      costUsd += readFamily(look.found.content).children?.costUsd ?? 0;
    }
    return { count: this.#children.length, costUsd: Number(costUsd.toFixed(6)), unfinished };
  }

  #look(taskId: string): Promise<TaskLook> {
    const discord = taskId.startsWith('discord-') ? this.#o.discord : null;
    return lookAt({ discord, bus: this.#o.bus }, taskId);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, given = '', ...rest] = url.pathname.split('/');
    if (!sameSecret(given, this.#secret)) {
      // A wrong secret learns nothing, not even that the route exists (compared in constant time).
      res.writeHead(404).end();
      return;
    }
    const route = `${req.method} ${rest.length ? `/${rest.join('/')}` : ''}`;
    try {
      if (route === 'POST /submit')
        return send(res, 200, await this.#submit(await readJson(req, this.#max())));
      if (route === 'GET /look')
        return send(res, 200, await this.#lookChild(url.searchParams.get('task') ?? ''));
      if (route === 'POST /cancel') {
        const body = (await readJson(req, 64 * 1024)) as { taskId?: unknown };
        return send(res, 200, await this.#cancel(String(body.taskId ?? '')));
      }
      return fail(res, 404, 'BAD_REQUEST', `no route ${route}`);
    } catch (error) {
      if (error instanceof Refusal) return fail(res, error.status, error.code, error.message);
      return fail(res, 502, 'UNAVAILABLE', `the worker could not reach the queue: ${errorMessage(error)}`);
    }
  }

  #max(): number {
    return this.#o.maxBodyBytes ?? 40 * 1024 * 1024;
  }

  async #submit(raw: unknown): Promise<DelegateSubmitted> {
    const body = raw as Partial<DelegateSubmitBody> | null;
    if (!body || typeof body !== 'object' || typeof body.prompt !== 'string')
      throw new Refusal(400, 'BAD_REQUEST', 'expected {"prompt": "…", "model"?, "thinking"?, "files"?}');
    const depth = this.depth + 1;
    if (depth > this.#o.maxDepth)
      throw new Refusal(
        403,
        'DEPTH_LIMIT',
        this.#o.maxDepth === 0
          ? 'delegation is off on this fleet (MAX_TASK_DEPTH=0): do the work in this task'
          : `this task is already ${this.depth} level${this.depth === 1 ? '' : 's'} deep and the fleet allows ` +
              `${this.#o.maxDepth} (MAX_TASK_DEPTH): do this part in this task instead of delegating it`,
      );
    const max = this.#o.maxChildren ?? 50;
    if (this.#children.length >= max)
      throw new Refusal(403, 'CHILD_LIMIT', `this task has submitted ${max} tasks, the most one task may`);
    const files = [];
    for (const f of body.files ?? []) {
      if (typeof f?.name !== 'string' || typeof f.base64 !== 'string')
        throw new Refusal(400, 'BAD_REQUEST', 'each file needs "name" and "base64"');
      files.push({ name: f.name, data: Buffer.from(f.base64, 'base64') });
    }
    const author = /^\d{1,20}$/.test(this.#o.parent.authorId) ? this.#o.parent.authorId : undefined;
    const prepared = prepareTask(
      {
        prompt: body.prompt,
        ...(typeof body.model === 'string' ? { model: body.model } : {}),
        ...(typeof body.thinking === 'string' ? { thinking: body.thinking } : {}),
        files,
      },
      this.#o.models,
      { parent: this.#o.parent.id, depth, ...(author ? { author } : {}) },
    );
    if (!prepared.ok) throw new Refusal(400, 'TASK_INVALID', prepared.errors.join('; '));
    const posted = await this.#o.bus.submit(prepared.task.content, { files: prepared.task.files });
    this.#children.push(posted.taskId);
    return { taskId: posted.taskId, via: posted.via, depth };
  }

  async #lookChild(taskId: string): Promise<DelegateLook> {
    this.#ownChild(taskId);
    const look = await this.#look(taskId);
    if (look.state === 'result') return { state: 'result', taskId: look.taskId, found: look.found };
    if (look.state === 'refused') return look;
    const live = look.live;
    const detail = !live
      ? 'queued'
      : live.state === 'running'
        ? `running on ${live.worker ?? 'a worker'}`
        : live.state === 'waiting'
          ? 'waiting in #task-queue'
          : live.state;
    return { state: 'pending', taskId, detail };
  }

  async #cancel(taskId: string): Promise<{ ok: boolean }> {
    this.#ownChild(taskId);
    if (!this.#o.discord || !taskId.startsWith('discord-')) return { ok: false };
    try {
      await this.#o.discord.cancel(taskId, {
        name: this.#o.workerId,
        how: `by its parent task ${this.#o.parent.id}`,
      });
      return { ok: true };
    } catch (error) {
      if ((error as { code?: string }).code === 'TASK_INVALID') return { ok: false };
      throw error;
    }
  }

  #ownChild(taskId: string): void {
    if (!this.#children.includes(taskId))
      throw new Refusal(404, 'NOT_A_CHILD', `${taskId || 'that id'} is not a task this task submitted`);
  }
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: DelegateError['error']['code'],
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function fail(
  res: ServerResponse,
  status: number,
  code: DelegateError['error']['code'],
  message: string,
): void {
  send(res, status, { error: { code, message } } satisfies DelegateError);
}

async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new Refusal(400, 'BAD_REQUEST', `request larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Refusal(400, 'BAD_REQUEST', 'the request body is not JSON');
  }
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
