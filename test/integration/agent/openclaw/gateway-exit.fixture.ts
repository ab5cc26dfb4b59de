// Run by gateway-runner.test.ts under tsx, with the fake Gateway's environment: starts a gateway-mode runner, runs
// one task, prints {"gateway":pid,"ok":bool}, and then simply ends without close(), as a worker that is done does.
// The process must exit on its own (nothing of the Gateway keeps it alive), and its exit hook must end the Gateway.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOpenClawRunner } from '../../../../src/agent/openclaw/index.js';

const [bin, dir] = process.argv.slice(2) as [string, string];
const runner = createOpenClawRunner({
  workerId: 'exit-1',
  mode: 'gateway',
  bin,
  workDir: join(dir, 'workers'),
  toolsDir: join(dir, 'no-tools'),
  pass: ['REAL_NODE', 'FAKE_GW_LOG'],
});
const workspace = join(dir, 'workers', 'exit-1', 'tasks', 't1');
mkdirSync(workspace, { recursive: true });
writeFileSync(join(workspace, 'TASK.txt'), 'Say hello');
const result = await runner.run({
  taskId: 't1',
  prompt: 'Say hello',
  model: 'fake/fake-model',
  thinking: 'off',
  workspace,
  timeoutMs: 30_000,
  sessionId: 'exit-1-t1',
  workerId: 'exit-1',
});
console.log(JSON.stringify({ gateway: runner.gateway?.pid, ok: result.ok }));
