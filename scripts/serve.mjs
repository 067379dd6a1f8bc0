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
server.listen(port, host, () => console.log(`[vigil] ready on http://${host}:${port}`));

const stop = () => server.close(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
