import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { PushSource, PushedTask } from '../../../src/bus/bus.js';
import { PushRelay } from '../../../src/manager/push-relay.js';
import type { Supervisor, WorkerSlot } from '../../../src/manager/supervisor.js';
import { RelayedPush, type RelayMessage } from '../../../src/worker/relayed-push.js';

/** A source the test fills; `forgotten` records what the relay said was claimed. */
class Source implements PushSource {
  live = false;
  epoch = 0;
  readonly tasks: PushedTask[] = [];
  readonly forgotten: string[] = [];
  readonly #events = new EventEmitter();
  add(taskId: string): void {
    this.tasks.push({ taskId, payload: { id: taskId } });
    this.#events.emit('change');
  }
  set(state: { live?: boolean; epoch?: number }): void {
    Object.assign(this, state);
    this.#events.emit('change');
  }
  take(): PushedTask | null {
    return this.tasks.shift() ?? null;
  }
  onChange(listener: () => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }
  forget(taskId: string): void {
    this.forgotten.push(taskId);
  }
}

/** A supervisor stand-in: slots with processes that record what they are sent. */
function supervisor(n: number) {
  const events = new EventEmitter();
  const sent = new Map<number, RelayMessage[]>();
  const slots = Array.from({ length: n }, (_, k) => {
    const box: RelayMessage[] = [];
    sent.set(k + 1, box);
    return {
      index: k + 1,
      workerId: `worker-${k + 1}`,
      process: { connected: true, send: (m: RelayMessage) => box.push(m) },
    } as unknown as WorkerSlot;
  });
  const s = Object.assign(events, { slots }) as unknown as Supervisor;
  return { s, slots, sent, emit: (event: string, ...args: unknown[]) => events.emit(event, ...args) };
}

const tasksOf = (messages: RelayMessage[]) =>
  messages.flatMap((m) => (m.type === 'task' ? [m.pushed.taskId] : []));

describe('PushRelay', () => {
  it('hands each pushed task to one waiting worker, and keeps the rest until a worker is free', async () => {
    const source = new Source();
    const { s, slots, sent, emit } = supervisor(3);
    const relay = new PushRelay(s, source);
    relay.start();
    emit('worker-message', slots[0], { type: 'waiting' });
    emit('worker-message', slots[2], { type: 'waiting' });
    source.add('t1');
    source.add('t2');
    source.add('t3');
    expect(tasksOf(sent.get(1)!)).toEqual(['t1']);
    expect(tasksOf(sent.get(2)!)).toEqual([]);
    expect(tasksOf(sent.get(3)!)).toEqual(['t2']);
    // Nobody else is waiting: t3 stays in the source until a worker is.
    expect(source.tasks.map((t) => t.taskId)).toEqual(['t3']);
    emit('worker-message', slots[1], { type: 'waiting' });
    expect(tasksOf(sent.get(2)!)).toEqual(['t3']);
    expect(relay.handedOut).toBe(3);
    relay.stop();
  });

  it('tells every worker whether pushes flow, and a starting worker at once', () => {
    const source = new Source();
    const { s, slots, sent, emit } = supervisor(2);
    const relay = new PushRelay(s, source);
    relay.start();
    source.set({ live: true });
    expect(sent.get(1)).toEqual([{ type: 'push', live: true, epoch: 0 }]);
    expect(sent.get(2)).toEqual([{ type: 'push', live: true, epoch: 0 }]);
    source.set({ epoch: 1 });
    expect(sent.get(2)!.at(-1)).toEqual({ type: 'push', live: true, epoch: 1 });
    emit('worker-start', slots[0]);
    expect(sent.get(1)!.at(-1)).toEqual({ type: 'push', live: true, epoch: 1 });
    relay.stop();
  });

  it('a worker that claimed or exited is no longer waiting; a claimed task is forgotten by the source', () => {
    const source = new Source();
    const { s, slots, sent, emit } = supervisor(2);
    const relay = new PushRelay(s, source);
    relay.start();
    emit('worker-message', slots[0], { type: 'waiting' });
    emit('worker-message', slots[1], { type: 'waiting' });
    emit('worker-message', slots[0], { type: 'claimed', claim: { task: { id: 'polled' } } });
    emit('worker-exit', slots[1]);
    source.add('t1');
    expect(tasksOf(sent.get(1)!)).toEqual([]);
    expect(tasksOf(sent.get(2)!)).toEqual([]);
    expect(source.forgotten).toEqual(['polled']);
    relay.stop();
  });
});

describe('RelayedPush (the worker side)', () => {
  it('takes what the manager sends, says when it waits, and ignores anything else', () => {
    const said: unknown[] = [];
    const relay = new RelayedPush((m) => said.push(m));
    let changes = 0;
    relay.onChange(() => changes++);
    expect(relay.live).toBe(false);
    relay.receive({ type: 'push', live: true, epoch: 2 });
    relay.receive({ type: 'task', pushed: { taskId: 'discord-1', payload: { id: '1' } } });
    relay.receive({ type: 'task', pushed: { payload: {} } });
    relay.receive('junk');
    relay.receive({ type: 'status' });
    expect([relay.live, relay.epoch, changes]).toEqual([true, 2, 2]);
    expect(relay.take()).toEqual({ taskId: 'discord-1', payload: { id: '1' } });
    expect(relay.take()).toBeNull();
    relay.waiting();
    expect(said).toEqual([{ type: 'waiting' }]);
  });
});
