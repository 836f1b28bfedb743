// What a remote agent (builtin.child.ts with `gate: 'stdin'`) and its coordinator (hosts.ts) say
// to each other over the agent's standard streams: it prints the ready line once its connections
// are warm, and starts its measured window on the go line.

/** The line an agent prints when its connections are ready. */
export const READY_LINE = '{"ready":true}';
/** The line it waits for on its standard input before it starts. */
export const GO_LINE = 'go';
