// Test fixture: the real routes on node:http, passing verification, that crashes (exit 3) after
// serving CRASH_AFTER requests, so the harness sees a variant die mid-run.
import { writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { createHandler } from '../../dist/servers/routes/routes.js';
import { listeningLine } from '../../dist/shared/serve-protocol.js';

const crashAfter = Number(process.env.CRASH_AFTER ?? 200);
const handle = createHandler();
let served = 0;

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const r = await handle({ method: req.method, target: req.url, body: Buffer.concat(chunks) });
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    res.writeHead(r.status, { Server: 'cbench', 'Content-Type': r.contentType, 'Content-Length': body.length });
    res.end(body);
    if (++served === crashAfter) {
      writeSync(2, `crashing on purpose after ${served} requests\n`); // synchronous: exit follows at once
      process.exit(3);
    }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(listeningLine('127.0.0.1', server.address().port)));
process.on('SIGTERM', () => process.exit(0));
