// Run by process.test.ts under tsx: starts hang.mjs, then exits abruptly with process.exit() once the agent's
// grandchild is up, to prove the exit hook kills the agent's group. Prints {"leader":n,"grandchild":n}.
import { liveProcessGroups, runProcess } from '../../../src/agent/process.js';

let seen = '';
void runProcess({
  command: process.execPath,
  args: [process.argv[2]!],
  onOutput: (_stream, chunk) => {
    seen += chunk.toString();
    const match = /GRANDCHILD (\d+)/.exec(seen);
    if (!match) return;
    console.log(JSON.stringify({ leader: liveProcessGroups()[0], grandchild: Number(match[1]) }));
    process.exit(0);
  },
});
