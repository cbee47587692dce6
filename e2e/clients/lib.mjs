// Shared helpers of the client scripts that e2e/clientapi_test.go drives.
//
// A script talks to the Go test over stdio: it prints `STEP {"step": ...}`
// when it needs the test to act (complete the browser login, make the
// Fedify peer reply) and reads the answer as one JSON line on stdin. It
// prints `DONE {...}` at the end and exits non-zero on any failure.
import readline from "node:readline";

// masto.js 8 uses Promise.withResolvers, which Node 22 has and Node 20 lacks.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const rl = readline.createInterface({ input: process.stdin });
const answers = [];
const waiters = [];
rl.on("line", (line) => {
  const w = waiters.shift();
  if (w) w(line);
  else answers.push(line);
});

function nextLine() {
  if (answers.length > 0) return Promise.resolve(answers.shift());
  return new Promise((resolve) => waiters.push(resolve));
}

/** ask prints a step for the Go test and returns its JSON answer. */
export async function ask(step, data = {}) {
  process.stdout.write(`STEP ${JSON.stringify({ step, ...data })}\n`);
  const answer = JSON.parse(await nextLine());
  if (answer.error) throw new Error(`test could not ${step}: ${answer.error}`);
  return answer;
}

/** done reports success and ends the script. */
export function done(summary) {
  process.stdout.write(`DONE ${JSON.stringify(summary)}\n`);
  rl.close();
  process.exit(0);
}

/** check throws with msg unless cond holds. */
export function check(cond, msg, detail) {
  if (!cond) {
    throw new Error(`${msg}${detail === undefined ? "" : ": " + JSON.stringify(detail).slice(0, 2000)}`);
  }
}

/** log writes a progress line the Go test shows with t.Log. */
export function log(...args) {
  process.stdout.write(`LOG ${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}\n`);
}

/** eventually retries fn until it returns a truthy value or timeoutMs passes. */
export async function eventually(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? ": " + last.message : ""}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** withTimeout rejects if p does not settle within ms. */
export function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** env reads a required environment variable. */
export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/** The OAuth redirect URI the scripts register: a custom scheme, as mobile apps use. */
export const REDIRECT_URI = "org.pictor.e2e:/oauth-callback";

/** authorizeURL builds /oauth/authorize for an app. */
export function authorizeURL(base, clientId, scope) {
  const q = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: REDIRECT_URI, scope });
  return `${base}/oauth/authorize?${q}`;
}

process.on("unhandledRejection", (err) => {
  process.stderr.write(`unhandled: ${err?.stack ?? err}\n`);
  process.exit(1);
});
