// Test fixture: a server that answers every route but gets the /plaintext body wrong, so the
// harness must refuse to measure it.
import { createServer } from 'node:http';
import { listeningLine } from '../../dist/shared/serve-protocol.js';

const server = createServer((req, res) => {
  const body = req.url === '/plaintext' ? 'Hello, World?' : 'nope';
  res.writeHead(200, { Server: 'cbench', 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(listeningLine('127.0.0.1', server.address().port)));
process.on('SIGTERM', () => process.exit(0));
