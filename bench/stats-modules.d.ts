// The part of jstat's API used here (the package ships no types).
declare module 'jstat' {
  export const jStat: { studentt: { cdf(t: number, df: number): number } };
}
