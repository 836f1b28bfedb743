// Test fixture: a server the suite did not start, as a user's own app would be: plain node:http,
// its own headers (no Server, no Date required of it), the two bodies the suite knows for
// /plaintext and /json. With the argument `wrong`, its /json body is not the one the suite knows.
import { createServer } from 'node:http';
import { listeningLine } from '../../dist/shared/serve-protocol.js';

const wrong = process.argv[2] === 'wrong';
const server = createServer((req, res) => {
  const path = req.url ?? '';
  const body = path === '/plaintext' ? 'Hello, World!' : path === '/json' ? JSON.stringify({ message: wrong ? 'Hi' : 'Hello, World!' }) : undefined;
  if (body === undefined) {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': path === '/json' ? 'application/json; charset=utf-8' : 'text/plain', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(listeningLine('127.0.0.1', server.address().port)));
process.on('SIGTERM', () => process.exit(0));
