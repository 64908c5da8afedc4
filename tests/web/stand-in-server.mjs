// stand-in-server.mjs - a stand-in for `garant serve` in the web harness's
// self-tests (selftest.mjs): it listens on a free port, says so the way
// garant does ("garant: listening on http://127.0.0.1:PORT/"), writes its
// arguments to stderr, answers every request with 200 {}, and ends the way
// STANDIN_MODE says:
//
//   clean    exits with status 0 at SIGTERM, like garant
//   exit23   writes a pretend sanitizer report at SIGTERM, exits with 23
//   reraise  dies by SIGTERM itself at SIGTERM (exit code null in node)
//   ignore   ignores SIGTERM (the harness must kill it and fail)
//   die      dies by SIGKILL at its first request, before anyone stops it
//
// Run as `node stand-in-server.mjs serve --db ... --test-clock INSTANT ...`.

import http from 'node:http';

const mode = process.env.STANDIN_MODE || 'clean';
process.stderr.write(`stand-in: mode ${mode}, argv ${JSON.stringify(process.argv.slice(2))}\n`);

const server = http.createServer((req, res) => {
  if (mode === 'die') process.kill(process.pid, 'SIGKILL');
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end('{}');
});

process.on('SIGTERM', () => {
  if (mode === 'ignore') return;
  if (mode === 'exit23') {
    process.stderr.write('==4242==ERROR: AddressSanitizer: heap-use-after-free (pretend, from the stand-in)\n');
    process.exitCode = 23;
  }
  if (mode === 'reraise') {
    process.removeAllListeners('SIGTERM');
    process.kill(process.pid, 'SIGTERM');
    return;
  }
  server.close();
  server.closeAllConnections();
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`garant: listening on http://127.0.0.1:${server.address().port}/\n`);
});
