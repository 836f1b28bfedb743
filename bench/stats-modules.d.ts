// The part of jstat's API used here (the package ships no types; it is CommonJS).
declare module 'jstat' {
  const jstat: { jStat: { studentt: { cdf(t: number, df: number): number } } };
  export default jstat;
}
