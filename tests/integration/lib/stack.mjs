// Helpers for tests that drive a real ems stack (MariaDB, the pool, nginx)
// started by scripts/stack.sh. scripts/test.sh starts one stack and exports
// EMS_STACK_DIR; every value is read from <dir>/stack.env, so a test that
// restarts the pool or nginx sees the current ports.
import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const stackScript = path.join(repoRoot, 'scripts/stack.sh');
// A program of the build under test: bin/NAME, or EMS_BIN_DIR/NAME when set
// (scripts/test.sh sets it to bin-asan for the sanitizer run).
export const binPath = (name) => path.resolve(repoRoot, process.env.EMS_BIN_DIR || 'bin', name);

export function stackDir() {
  const dir = process.env.EMS_STACK_DIR;
  if (!dir) throw new Error('EMS_STACK_DIR is not set: run the tests through scripts/test.sh');
  return dir;
}

// stack.env: KEY=value lines written with printf %q (plain for our values).
export function stackEnv() {
  const env = {};
  for (const line of readFileSync(path.join(stackDir(), 'stack.env'), 'utf8').split('\n')) {
    const m = line.match(/^([A-Z_]+)=(.*)$/);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/\\(.)/g, '$1');
  }
  return env;
}

export const baseUrl = () => stackEnv().BASE_URL;
export const httpPort = () => Number(stackEnv().HTTP_PORT);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls fn until it returns a truthy value; throws after timeoutMs.
export async function waitFor(fn, { timeoutMs = 5000, intervalMs = 25, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---- HTTP ---------------------------------------------------------------

// A browser-like client: keeps cookies, never follows redirects, reads the
// whole body. Every call resolves to
// { status, headers, text, buffer, location, json() }.
export function client({ base = baseUrl(), timeoutMs = 15000 } = {}) {
  const jar = new Map();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  function remember(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v = ''] = a.trim().split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(v) < Date.now();
        return false;
      });
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
  async function request(method, urlPath, { body, headers = {} } = {}) {
    const h = { ...headers };
    if (jar.size && !('cookie' in h)) h.cookie = cookieHeader();
    const send = () => fetch(new URL(urlPath, base), {
      method, body, headers: h, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
    });
    let res;
    try {
      res = await send();
    } catch (e) {
      // A pooled keep-alive connection that the server closed as the request
      // went out (an nginx reload retires its old workers): a GET or HEAD is
      // sent again once on a new connection, as browsers do. Anything else,
      // and every other error, stands.
      const code = e?.cause?.code;
      if (!['GET', 'HEAD'].includes(method) || !['UND_ERR_SOCKET', 'ECONNRESET'].includes(code)) throw e;
      res = await send();
    }
    remember(res);
    const buffer = Buffer.from(await res.arrayBuffer());
    const text = buffer.toString('utf8');
    return {
      status: res.status, headers: res.headers, buffer, text,
      location: res.headers.get('location'),
      json: () => JSON.parse(text),
    };
  }
  return {
    jar,
    cookies: () => Object.fromEntries(jar),
    request,
    get: (p, opts) => request('GET', p, opts),
    // fields: an object or [name, value] pairs, sent urlencoded.
    post: (p, fields = {}, { headers = {} } = {}) => request('POST', p, {
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    }),
    postMultipart: (p, formData, opts = {}) => request('POST', p, { ...opts, body: formData }),
    json: (method, p, body) => request(method, p, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    }),
  };
}

const entities = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };
const unescapeHtml = (s) => s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e) => entities[e]);

// The CSRF token of the first form in html (attributes in either order).
export function csrfFrom(html) {
  for (const tag of html.match(/<input\b[^>]*>/gi) ?? []) {
    if (!/\bname\s*=\s*["']csrf_token["']/i.test(tag)) continue;
    const m = tag.match(/\bvalue\s*=\s*"([^"]*)"|\bvalue\s*=\s*'([^']*)'/i);
    if (m) return unescapeHtml(m[1] ?? m[2]);
  }
  throw new Error('no csrf_token input in page');
}

// The headers every response must carry (the app's and nginx's alike).
export function missingSecurityHeaders(headers) {
  const missing = [];
  if (!headers.get('content-security-policy')) missing.push('Content-Security-Policy');
  if (headers.get('x-content-type-options')?.toLowerCase() !== 'nosniff') missing.push('X-Content-Type-Options: nosniff');
  if (headers.get('x-frame-options')?.toUpperCase() !== 'DENY') missing.push('X-Frame-Options: DENY');
  if (!headers.get('referrer-policy')) missing.push('Referrer-Policy');
  return missing;
}

// Writes raw bytes to nginx and collects what comes back, for requests that
// fetch refuses to send (bad framing, huge or broken headers). Resolves to
// { status (0 when none), raw, closed, timedOut, ms }; never rejects on
// resets. halfClose ends our side after writing, like a client that gave up.
export function rawRequest(bytes, { timeoutMs = 5000, halfClose = false, port = httpPort() } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks = [];
    let settled = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    const finish = (closed, timedOut) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = raw.match(/^HTTP\/1\.[01] (\d{3})/);
      resolve({ status: m ? Number(m[1]) : 0, raw, closed, timedOut, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false, true), timeoutMs);
    sock.on('connect', () => {
      sock.write(bytes);
      if (halfClose) sock.end();
    });
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => finish(true, false));
    sock.on('close', () => finish(true, false));
    sock.on('error', () => finish(true, false));
  });
}

// Runs total calls of fn(i) with at most `concurrency` in flight; collects
// { i, status, error } per call, in order.
export async function load(total, concurrency, fn) {
  const results = new Array(total);
  let next = 0;
  async function lane() {
    while (next < total) {
      const i = next++;
      try {
        results[i] = { i, status: (await fn(i)).status };
      } catch (error) {
        results[i] = { i, status: 0, error };
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

// ---- Processes -------------------------------------------------------------

// A zombie counts as gone (it has exited; only its parent has not reaped it).
export function processAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function poolPid() {
  try {
    const pid = Number(readFileSync(stackEnv().POOL_PID_FILE, 'utf8').trim());
    return pid > 0 && processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

// Live children of the master, sorted. Read from /proc without spawning
// pgrep so it can be polled during a load test.
export function workerPids(master = poolPid()) {
  if (!master) return [];
  let text;
  try {
    text = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8');
  } catch {
    return [];
  }
  return text.split(/\s+/).filter(Boolean).map(Number).filter(processAlive).sort((a, b) => a - b);
}

async function stack(...args) {
  const { stdout } = await run('bash', [stackScript, ...args], { maxBuffer: 64 << 20 });
  return stdout;
}

export const poolStart = () => stack('pool-start', stackDir());
export const poolStop = () => stack('pool-stop', stackDir());
export async function poolRestart() {
  await poolStop();
  await poolStart();
}

// Stops the pool and starts it again with these EMS_* variables added to the
// environment (none: as configured), then waits for /health.
function nginxWorkers() {
  const pid = Number(readFileSync(path.join(stackDir(), 'nginx', 'nginx.pid'), 'utf8').trim());
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean);
}

// Reloads nginx with `env` (e.g. STACK_NGINX_LIMITS, EMS_UPLOADS_DIR) and
// returns once every worker of the old configuration is gone: their idle
// keep-alive connections are then closed, so no request (a POST is never
// sent twice) goes out on a socket a retiring worker is about to drop.
export async function nginxReload(env = {}) {
  const old = nginxWorkers();
  await run('bash', [stackScript, 'nginx-reload', stackDir()], { env: { ...process.env, ...env } });
  await waitFor(() => {
    const now = nginxWorkers();
    return now.length > 0 && !now.some((p) => old.includes(p));
  }, { timeoutMs: 60000, what: 'the old nginx workers to exit' });
}

export async function poolOn(env = {}) {
  const options = { env: { ...process.env, ...env }, maxBuffer: 64 << 20 };
  await run('bash', [stackScript, 'pool-stop', stackDir()], options);
  await run('bash', [stackScript, 'pool-start', stackDir()], options);
  await waitHealthy();
}

// Mounting needs root and a kernel that lets this process mount: the tests
// of read-only or full folders skip with a clear message where it does not.
export async function mountAllowed() {
  try {
    await run('bash', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m ems-probe "$d" && umount "$d"; rc=$?; rmdir "$d"; exit $rc']);
    return true;
  } catch {
    return false;
  }
}

export async function waitHealthy(timeoutMs = 15000) {
  return waitFor(async () => {
    try {
      return (await fetch(new URL('/health', baseUrl()), { signal: AbortSignal.timeout(2000) })).status === 200;
    } catch {
      return false;
    }
  }, { timeoutMs, intervalMs: 100, what: 'GET /health to answer 200' });
}

// Runs SQL as the ems user on the ems database; resolves to rows of strings.
export async function sql(query) {
  const out = await stack('sql', stackDir(), '--batch', '--skip-column-names', '--raw', '-e', query);
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

export function readLog(name = 'error.log') {
  try {
    return readFileSync(path.join(stackEnv().LOG_DIR, name), 'utf8');
  } catch {
    return '';
  }
}
