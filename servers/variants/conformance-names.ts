// The names of the conformance cases (conformance.cases.ts), apart from the suite itself so that
// a variant can list the cases it skips without importing test code.

export const caseNames = [
  'routes and required headers',
  'keep-alive',
  'pipelining in request order',
  'a valid request pipelined before a bad one is answered',
  'one-byte fragmentation',
  'chunked upload',
  'HEAD',
  'Connection: close',
  'HTTP/1.0',
  'HTTP/1.0 keep-alive',
  'error then close',
  'no looser than llhttp',
  'limits',
  'Expect: 100-continue',
  'slowloris dropped with 408',
  'idle keep-alive timeout',
  'client disconnects mid-body',
  'graceful close',
] as const;

/** A case of the suite, by name. */
export type CaseName = (typeof caseNames)[number];

/** Cases a variant does not run, each with the reason it differs. */
export type Skips = Partial<Record<CaseName, string>>;
