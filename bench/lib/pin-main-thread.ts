// Loaded first (`node --import`) by a Node.js load generator or client the harness pins: moves
// the process's main thread, the one that runs its JavaScript, to the CPUs named in
// CBENCH_MAIN_THREAD_CPUS and leaves V8's helper threads (garbage collection, compilation),
// started before any module runs, where they were: free to run on any CPU. See pinnedNode.

import { execFileSync } from 'node:child_process';
import { MAIN_THREAD_CPUS_ENV } from './processes.js';

const cpus = process.env[MAIN_THREAD_CPUS_ENV];
if (cpus !== undefined) {
  delete process.env[MAIN_THREAD_CPUS_ENV];
  // The main thread's id is the process's: taskset -p sets that one thread's CPUs, no other.
  // Its stderr passes through, so a failure says why.
  execFileSync('taskset', ['-p', '-c', cpus, String(process.pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
}
