// Registrations/s into one event: 16 concurrent clients (keep-alive), each
// registration by a distinct signed-in user, all through nginx.
//   node bench/register_bench.mjs BASE_URL KEY SESSIONS_FILE [CONCURRENCY]
import { readFileSync } from 'node:fs';

const [base, key, file, conc = '16'] = process.argv.slice(2);
const users = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
let next = 0;
let ok = 0;
let other = 0;
const latencies = [];
async function lane() {
  while (next < users.length) {
    const [session, csrf] = users[next++];
    const t0 = performance.now();
    const res = await fetch(`${base}/api/events/${key}/registrations`, {
      method: 'POST',
      headers: { cookie: `ems_session=${session}`, 'x-csrf-token': csrf, accept: 'application/json' },
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (res.status === 201) ok += 1;
    else other += 1;
  }
}
const start = performance.now();
await Promise.all(Array.from({ length: Number(conc) }, lane));
const secs = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => `${latencies[Math.floor((latencies.length - 1) * p)].toFixed(2)}ms`;
console.log(`${(users.length / secs).toFixed(0)} ${pct(0.5)} ${pct(0.99)} ${ok} ${other}`);
