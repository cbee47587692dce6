#!/usr/bin/env node
// SPDX-License-Identifier: AGPL-3.0-or-later
// A Fedify 1.5 server standing in for "a remote fediverse instance" in Pictor's
// Go tests. It serves HTTPS on 127.0.0.1 with a test certificate, hosts the
// actors bob and carol, and exposes a JSON control API under /_control/.
//
//   node peer.mjs --cert leaf.pem --key leaf-key.pem [--port 0] [--no-shared-inbox]
//
// Env: PEER_PORT, PEER_CERT, PEER_KEY as fallbacks for the flags; FEDIFY_LOG
// (debug|info|warning|error, default warning) for Fedify's own log on stderr;
// NODE_EXTRA_CA_CERTS must name the test CA so the peer trusts other servers.
// When listening it prints exactly one line on stdout: "READY <port>".

import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { parseArgs } from "node:util";
import { configure, getTextFormatter } from "@logtape/logtape";
import { ControlError, controlAPI } from "./control.mjs";
import { buildFederation, PeerState, rawBody } from "./federation.mjs";

const MAX_BODY_BYTES = 4 << 20;

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PEER_PORT ?? "0" },
    cert: { type: "string", default: process.env.PEER_CERT },
    key: { type: "string", default: process.env.PEER_KEY },
    "no-shared-inbox": { type: "boolean", default: false },
  },
});
if (!args.cert || !args.key) {
  console.error("peer.mjs: --cert and --key (or PEER_CERT and PEER_KEY) are required");
  process.exit(2);
}

const format = getTextFormatter();
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: (record) => process.stderr.write(format(record)) },
  loggers: [
    { category: "fedify", lowestLevel: process.env.FEDIFY_LOG || "warning", sinks: ["stderr"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    // Without a shared inbox Fedify warns on every actor fetch; that is the point here.
    ...(args["no-shared-inbox"]
      ? [{ category: ["fedify", "federation", "actor"], lowestLevel: "error", sinks: ["stderr"] }]
      : []),
  ],
});

const state = new PeerState();
await state.generateKeys();
const federation = buildFederation(state, { sharedInbox: !args["no-shared-inbox"] });
let control; // set once the port is known, because actor URIs include it

const server = createServer(
  { cert: readFileSync(args.cert), key: readFileSync(args.key) },
  (req, res) => {
    handle(req, res).catch((err) => {
      console.error(`peer: ${req.method} ${req.url}: ${err?.stack ?? err}`);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String(err?.message ?? err));
    });
  },
);

async function handle(req, res) {
  const url = new URL(req.url, `https://${req.headers.host ?? "127.0.0.1"}`);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
  if (url.pathname.startsWith("/_control/")) return serveControl(req, res, url, body);

  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const request = new Request(url, { method: req.method, headers, body });
  const isInbox = req.method === "POST" && /^\/(users\/[^/]+\/)?inbox$/.test(url.pathname);
  const raw = isInbox ? parseJSON(body) : null;
  const response = await rawBody.run({ raw }, () => federation.fetch(request, { contextData: undefined }));
  const out = Buffer.from(await response.arrayBuffer());
  if (isInbox) {
    state.deliveries.push({
      path: url.pathname,
      status: response.status,
      id: typeof raw?.id === "string" ? raw.id : null,
      type: raw?.type ?? null,
      error: response.ok ? null : out.toString("utf8").slice(0, 2000),
    });
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(out);
}

async function serveControl(req, res, url, body) {
  let status = 200;
  let result;
  try {
    result = await control(req.method, url, body?.length ? JSON.parse(body.toString("utf8")) : {});
  } catch (err) {
    status = err instanceof ControlError ? err.status : err instanceof SyntaxError ? 400 : 502;
    result = { error: String(err?.message ?? err) };
    if (status === 502) console.error(`peer: control ${url.pathname}: ${err?.stack ?? err}`);
  }
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(result ?? null));
}

async function readBody(req) {
  const chunks = [];
  let total = 0;
  for await (const chunk of req) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJSON(buf) {
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch {
    return null;
  }
}

server.listen(Number(args.port), "127.0.0.1", () => {
  const { port } = server.address();
  control = controlAPI(federation, state, `https://127.0.0.1:${port}`);
  process.stdout.write(`READY ${port}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
