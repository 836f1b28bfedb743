// Watches a server's process tree on the host it runs on, for a harness on another host
// (`--server-host`; server-watch.ts starts it over ssh): reads the tree's CPU time when started,
// samples its summed RSS every 100 ms, and when its input ends reads the CPU time again and prints
// one JSON line, `{"watch": {userSec, systemSec, wallSec, peakRssBytes}}`. It says `{"ready":true}`
// once its first reading is taken.

import { cpuSince, readCpu } from './cpu-window.js';
import { PeakRss, processTree, READY_LINE } from './processes.js';

const pid = Number(process.argv[2]);
if (!Number.isInteger(pid) || pid < 1) {
  process.stderr.write(`server-watch: not a pid: ${process.argv[2]}\n`);
  process.exit(2);
}
const before = readCpu(processTree(pid), null);
const rss = new PeakRss(pid);
rss.start();
process.stdout.write(`${READY_LINE}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  // Workers that started in between (a replaced cluster worker) count from zero.
  const span = cpuSince(before, processTree(pid), null);
  const peakRssBytes = rss.stop();
  process.stdout.write(`${JSON.stringify({ watch: { userSec: span.userSec, systemSec: span.systemSec, wallSec: span.wallSec, peakRssBytes } })}\n`, () =>
    process.exit(0),
  );
});
