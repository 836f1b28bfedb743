// The part of jstat's API used here (the package ships no types; it is CommonJS).
declare module 'jstat' {
  const jstat: {
    jStat: {
      studentt: { cdf(t: number, df: number): number; inv(p: number, df: number): number };
      noncentralt: { cdf(t: number, df: number, ncp: number): number };
    };
  };
  export default jstat;
}
