// Serves the built app like `next start`, with one difference that matters for an audit
// log: the client address the app records, rate-limits and blocks is the socket's, not
// whatever X-Forwarded-For a client sends — unless VIGIL_TRUST_PROXY=1 says a proxy in
// front of Vigil sets that header.
//
//   node scripts/serve.mjs [start|dev] [host] [port]
import http from "node:http";
import next from "next";

const [mode = "start", host = "127.0.0.1", portArg = "3000"] = process.argv.slice(2);
const port = Number(portArg);
const trustProxy = process.env.VIGIL_TRUST_PROXY === "1";

const app = next({ dev: mode === "dev", hostname: host, port, dir: process.cwd() });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  if (!trustProxy) {
    req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "";
    delete req.headers["x-real-ip"];
  }
  handle(req, res);
});
server.on("error", (err) => {
  console.error(
    err.code === "EADDRINUSE"
      ? `[vigil] Port ${port} on ${host} is already in use. Stop what holds it, or set PORT to another port.`
      : `[vigil] The server could not listen on ${host}:${port}: ${err.message}`,
  );
  process.exit(1);
});
server.listen(port, host, () => console.log(`[vigil] ready on http://${host}:${port}`));

// Started by `npm start`: when that parent is killed (even with SIGKILL), don't linger
// holding the port; the next `npm start` would find it taken.
const parent = process.ppid;
if (process.env.VIGIL_EXIT_WITH_PARENT === "1") {
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
}

const stop = () => server.close(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
