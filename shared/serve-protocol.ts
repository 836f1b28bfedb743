// What `cbench serve` tells the process that started it, and how that process reads it: one
// module for both sides, so the format cannot drift between writer and readers.
//
//   stdout: listening on http://127.0.0.1:40123      (once, when the variant accepts connections)
//   stderr: cluster: workers=2 schedule=rr restarts=0 (what the variant reports about itself)

/** What a variant reports about itself: worker count, scheduling, pool settings. */
export type ServerInfo = Record<string, string | number>;

/** The line `cbench serve` prints on stdout once it listens. */
export function listeningLine(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `listening on http://${shown}:${port}\n`;
}

/** The port from a server's output, once its listening line is complete; undefined before. */
export function parseListening(output: string): number | undefined {
  const m = /listening on http:\/\/\S+:(\d+)\n/.exec(output);
  return m === null ? undefined : Number(m[1]);
}

/** The `NAME: key=value ...` line about a variant, or null when it has nothing to say. Values hold no spaces. */
export function infoLine(name: string, info: ServerInfo): string | null {
  const pairs = Object.entries(info);
  if (pairs.length === 0) return null;
  for (const [k, v] of pairs) {
    if (/[\s=]/.test(k) || /\s/.test(String(v))) throw new Error(`infoLine: ${k}=${v} would not read back`);
  }
  return `${name}: ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
}

/** The info a variant reported in a server's output (numbers as numbers); {} when there is no line. */
export function parseInfo(name: string, output: string): ServerInfo {
  const line = output.split('\n').find((l) => l.startsWith(`${name}: `));
  const info: ServerInfo = {};
  for (const pair of line?.slice(name.length + 2).split(' ') ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const v = pair.slice(eq + 1);
    info[pair.slice(0, eq)] = /^\d+$/.test(v) ? Number(v) : v;
  }
  return info;
}
