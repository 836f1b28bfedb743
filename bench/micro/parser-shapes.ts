// The request shapes the parser benchmarks feed, each as the reads it arrives in.

const browserGet =
  'GET /assets/app.js?v=8f3a1c HTTP/1.1\r\n' +
  'Host: www.example.com\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n' +
  'Accept-Language: en-GB,en;q=0.9\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Referer: https://www.example.com/index.html\r\n' +
  'Cookie: session=4f1c2a9b8e7d6c5b; theme=dark; consent=yes\r\n' +
  'Connection: keep-alive\r\n' +
  'Cache-Control: max-age=0\r\n' +
  'Sec-Fetch-Mode: navigate\r\n' +
  'Upgrade-Insecure-Requests: 1\r\n\r\n';

const plaintext =
  'GET /plaintext HTTP/1.1\r\nHost: localhost\r\n' +
  'Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n' +
  'Connection: keep-alive\r\n\r\n';

const chunk = 'x'.repeat(1024);
const chunkedPost =
  'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n' +
  `400\r\n${chunk}\r\n`.repeat(4) +
  '0\r\n\r\n';

/** A request shape: its bytes as they arrive, and how many requests they hold. */
export interface Shape {
  name: string;
  /** The bytes as they arrive: one read each, in order. */
  pieces: Buffer[];
  /** Their total length. */
  bytes: number;
  requests: number;
}

function shape(name: string, text: string, requests: number, cuts: number[] = []): Shape {
  const all = Buffer.from(text, 'latin1');
  const at = [0, ...cuts, all.length];
  return { name, pieces: at.slice(1).map((end, i) => all.subarray(at[i], end)), bytes: all.length, requests };
}

export const shapes: Shape[] = [
  shape('minimal GET', 'GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n', 1),
  shape('browser-like GET', browserGet, 1),
  // The same head in two reads, as when it crosses a segment boundary: the resumable path.
  shape('browser-like GET, 2 reads', browserGet, 1, [300]),
  shape('16 pipelined plaintext', plaintext.repeat(16), 16),
  shape('chunked POST 4 KiB', chunkedPost, 1),
];
