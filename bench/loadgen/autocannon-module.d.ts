// The part of autocannon's API the runner uses (the package ships no types).
declare module 'autocannon' {
  interface Options {
    url: string;
    method?: string;
    body?: Buffer | string;
    headers?: Record<string, string>;
    connections?: number;
    pipelining?: number;
    duration?: number;
    sampleInt?: number;
    timeout?: number;
  }
  function autocannon(options: Options, done: (err: Error | null, result: unknown) => void): unknown;
  export default autocannon;
}
