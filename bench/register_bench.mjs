// Registrations through nginx (POST /api/events/<key>/registrations), each
// by a distinct signed-in user (SESSIONS_FILE: "session csrf" per line).
//
//   node bench/register_bench.mjs BASE_URL KEYS SESSIONS_FILE [CONCURRENCY] [PREFIX]
//     CONCURRENCY clients (keep-alive) register the users in the file, until
//     all are registered or BENCH_REG_SECONDS (8) have passed;
//     client i registers into KEYS[i % n] (KEYS: comma-separated event keys),
//     so one key is 16 clients into one event, 16 keys one event each.
//   node bench/register_bench.mjs --sequential BASE_URL KEY_A,KEY_B SESSIONS_FILE COUNT [PREFIX]
//     one client; users 1..COUNT register into KEY_A then KEY_B, one at a
//     time, alternating so the machine's load falls on both alike; the
//     first 16 of each are a warm-up (each worker's cache of the list) and
//     are left out of the figures.
//
// Prints "PREFIX.name value" lines (scripts/bench.sh's measurements):
// rps, p50_ms, p99_ms, ok (201) and refused (anything else) in the first
// form; a.p50_ms, b.p50_ms, a.p90_ms, b.p90_ms, ok and refused in the second.
import { readFileSync } from 'node:fs';

const sequential = process.argv[2] === '--sequential';
const args = process.argv.slice(sequential ? 3 : 2);
const [base, keyList, file] = args;
const keys = keyList.split(',');
const users = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
let ok = 0;
let refused = 0;
const statuses = new Map();

async function register(key, [session, csrf]) {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/events/${key}/registrations`, {
    method: 'POST',
    headers: { cookie: `ems_session=${session}`, 'x-csrf-token': csrf, accept: 'application/json' },
  });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status === 201) ok += 1;
  else {
    refused += 1;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
  return ms;
}

const pct = (sorted, p) => sorted[Math.floor((sorted.length - 1) * p)].toFixed(3);
const out = (name, value) => console.log(`${args[4] ?? 'reg'}.${name} ${value}`);

if (sequential) {
  const count = Number(args[3]);
  const warmup = 16;
  if (users.length < count + warmup) throw new Error(`need ${count + warmup} users, have ${users.length}`);
  const times = keys.map(() => []);
  for (let i = 0; i < count + warmup; i += 1) {
    for (let k = 0; k < keys.length; k += 1) {
      const ms = await register(keys[k], users[i]);
      if (i >= warmup) times[k].push(ms);
    }
  }
  times.forEach((t, k) => {
    t.sort((a, b) => a - b);
    const name = String.fromCharCode(97 + k);
    out(`${name}.p50_ms`, pct(t, 0.5));
    out(`${name}.p90_ms`, pct(t, 0.9));
  });
} else {
  const conc = Number(args[3] ?? 16);
  const limitMs = 1000 * Number(process.env.BENCH_REG_SECONDS ?? 8);
  let next = 0;
  const latencies = [];
  const start = performance.now();
  const lane = async (i) => {
    while (next < users.length && performance.now() - start < limitMs) {
      latencies.push(await register(keys[i % keys.length], users[next++]));
    }
  };
  await Promise.all(Array.from({ length: conc }, (_, i) => lane(i)));
  const secs = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  out('rps', (latencies.length / secs).toFixed(latencies.length / secs >= 100 ? 0 : 1));
  out('p50_ms', pct(latencies, 0.5));
  out('p99_ms', pct(latencies, 0.99));
}
out('ok', ok);
out('refused', refused);
if (statuses.size) console.error(`refused: ${[...statuses].map(([s, n]) => `${n} x ${s}`).join(', ')}`);
