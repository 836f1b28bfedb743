// The first line of an error's message: what a one-line report or reason shows of it.

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
