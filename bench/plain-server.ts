// The baseline server: plain node:http answering every request with one fixed
// JSON body of a given size (argv[2] bytes). Prints {"port": N} once listening.
import { createServer } from 'node:http';

const size = Math.max(32, Number(process.argv[2] ?? '1024'));
const skeleton = (pad: string): string => JSON.stringify({ server: { id: '9f3a1c52-6c1e-4b53-9d0e-3a8c9f0b7e21', padding: pad } });
const body = Buffer.from(skeleton('x'.repeat(Math.max(0, size - skeleton('').length))));

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
