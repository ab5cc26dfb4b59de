// Run by the process tests under tsx: starts the agent named by argv[2] (hang.mjs or daemon.mjs), then exits
// abruptly with process.exit() once the agent reported its child (`GRANDCHILD <pid>`) or daemon (`DAEMON <pid>`),
// to prove the exit hook kills what the agent started. Prints {"leader":n,"grandchild":n} or {"leader":n,"daemon":n}.
import { liveProcessGroups, runProcess } from '../../../src/agent/process.js';

let seen = '';
void runProcess({
  command: process.execPath,
  args: [process.argv[2]!],
  onOutput: (_stream, chunk) => {
    seen += chunk.toString();
    const match = /(GRANDCHILD|DAEMON) (\d+)/.exec(seen);
    if (!match) return;
    const key = match[1] === 'DAEMON' ? 'daemon' : 'grandchild';
    console.log(JSON.stringify({ leader: liveProcessGroups()[0], [key]: Number(match[2]) }));
    process.exit(0);
  },
});
