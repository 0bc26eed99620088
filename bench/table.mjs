// The `make bench` table: every figure of the run beside its limit (measured
// in the same run) or its target (issue 14), with the ratio, PASS or MISS,
// and the previous run's figure when there is one.
//   node bench/table.mjs MEASUREMENTS LATEST.md [PREVIOUS.md]
// MEASUREMENTS: "name value" lines (bench/http_bench.sh, scripts/bench.sh).
// Writes the markdown table to LATEST.md and prints it. Rows whose figures
// were not measured (BENCH_ONLY) are left out. Exit 1 when a run is broken
// (HTTP errors, registrations lost, duplicated, refused, or participantcount
// not what the file holds); a MISS is not a failure.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [measurementsFile, latestFile, previousFile] = process.argv.slice(2);
const m = {};
for (const line of readFileSync(measurementsFile, 'utf8').split('\n')) {
  const at = line.indexOf(' ');
  if (at > 0) m[line.slice(0, at)] = line.slice(at + 1).trim();
}
const has = (...names) => names.every((n) => m[n] !== undefined && m[n] !== '');
const num = (n) => Number(m[n]);

// The PHP app's figure for the 10,000-row list (issue 14, PHP 8.2 FPM, same machine).
const PHP_10K_RPS = 11.5;

const fmt = (x, digits) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = (x) => `${fmt(x, x >= 100 ? 0 : 1)}`;
const rps = (x) => `${rate(x)} req/s`;
const pct = (x) => `${fmt(100 * x, 0)}%`;
const times = (x) => `${fmt(x, x >= 10 ? 1 : 2)}×`;
const bytes = (n) => (n >= 1e6 ? `${fmt(n / 1e6, 2)} MB` : n >= 1e4 ? `${fmt(n / 1e3, 0)} KB` : `${fmt(n, 0)} B`);

const rows = [];
const broken = [];
const row = (measure, figure, limit, ratio, target, result) => rows.push({ measure, figure, limit, ratio, target, result });
const verdict = (pass) => (pass ? 'PASS' : 'MISS');
const errorsOf = (...names) => names.reduce((s, n) => s + (has(`${n}.errors`) ? num(`${n}.errors`) : 0), 0);

const pageNames = { login: '/auth/login', dashboard: '/dashboard', paged: 'manage paged', all1k: 'manage ?all=1, 1k',
  all10k: 'manage ?all=1, 10k' };
for (const name of ['ping', ...Object.keys(pageNames), ...Object.keys(pageNames).map((n) => `static.${n}`)]) {
  const e = errorsOf(name);
  if (e > 0) broken.push(`${name}: ${e} HTTP or socket errors`);
}

// ---- limits
if (has('ping.rps')) row('limit: GET /ping (pool floor)', rps(num('ping.rps')), '', '', '', 'limit');
for (const [name, label] of Object.entries(pageNames)) {
  if (!has(`static.${name}.rps`, `${name}.bytes`)) continue;
  row(`limit: nginx static, ${label} bytes`, `${rps(num(`static.${name}.rps`))} (${bytes(num(`${name}.bytes`))})`,
    '', has(`${name}.rps`) ? `app ${pct(num(`${name}.rps`) / num(`static.${name}.rps`))}` : '', '', 'limit');
}
for (const [key, label] of [['one', '1 writer'], ['own16', '16 writers, own file each (16 events)'],
  ['locked16', '16 writers, one file, lock across sync'], ['unlocked16', '16 writers, one file, sync after unlock']]) {
  if (has(`fsync.${key}`)) row(`limit: disk, durable appends, ${label}`, `${rate(num(`fsync.${key}`))}/s`, '', '', '', 'limit');
}

// ---- pages against the ping route
const ping = num('ping.rps');
const staticOf = (name) => `static ${rps(num(`static.${name}.rps`))}`;
if (has('login.rps', 'ping.rps')) {
  const r = num('login.rps') / ping;
  row('/auth/login', rps(num('login.rps')), `ping ${rps(ping)}`, pct(r), '≥ 50% of ping', verdict(r >= 0.5));
}
if (has('dashboard.rps', 'ping.rps')) {
  const x = num('dashboard.rps');
  const r = x / ping;
  row('/dashboard, organizer with 200 events', rps(x), `ping ${rps(ping)}`, pct(r), '≥ 4,000 req/s or ≥ 40% of ping',
    verdict(x >= 4000 || r >= 0.4));
}
if (has('paged.rps', 'ping.rps')) {
  const r = num('paged.rps') / ping;
  row('/events/manage/{id} paged, 1,000 participants', rps(num('paged.rps')), `ping ${rps(ping)}`, pct(r),
    '≥ 40% of ping', verdict(r >= 0.4));
}

// ---- whole lists against nginx static for the same bytes, and PHP
for (const [name, n] of [['all1k', '1,000'], ['all10k', '10,000']]) {
  if (!has(`${name}.rps`, `static.${name}.rps`)) continue;
  const r = num(`${name}.rps`) / num(`static.${name}.rps`);
  row(`/events/manage/{id}?all=1, ${n} participants`, rps(num(`${name}.rps`)), staticOf(name), pct(r),
    '≥ 50% of static', verdict(r >= 0.5));
}
if (has('all10k.rps')) {
  const r = num('all10k.rps') / PHP_10K_RPS;
  row('?all=1, 10,000 participants, against PHP', rps(num('all10k.rps')), `PHP ${rps(PHP_10K_RPS)} (issue 14)`,
    times(r), '≥ 25× PHP', verdict(r >= 25));
}

// ---- worker memory
if (has('memory.hwm_kb')) {
  const mb = num('memory.hwm_kb') / 1024;
  if (num('memory.errors') > 0) broken.push(`memory: ${m['memory.errors']} of 100 full lists failed`);
  row('worker VmHWM after 100 × 10k full list', `${fmt(mb, 1)} MB`, '16 MB', `${fmt(mb / 16, 2)}×`, '≤ 16 MB',
    verdict(mb <= 16));
}

// ---- registrations
for (const [p, label, target, disk] of [['reg1', 'one event', 2000, 'unlocked16'], ['reg16', '16 events', 3000, 'own16']]) {
  if (!has(`${p}.rps`)) continue;
  const x = num(`${p}.rps`);
  row(`registrations, 16 clients into ${label}`, `${rate(x)}/s (p50 ${fmt(num(`${p}.p50_ms`), 1)} ms)`,
    has(`fsync.${disk}`) ? `disk ${rate(num(`fsync.${disk}`))} appends/s` : '',
    `${fmt(x / target, 2)}× target`, `≥ ${fmt(target, 0)}/s`, verdict(x >= target));
  if (!has(`${p}.lost`)) continue;
  const [ok, refused, lost, extra, dup, mismatch] = ['ok', 'refused', 'lost', 'extra', 'duplicates', 'count_mismatch']
    .map((k) => num(`${p}.${k}`));
  const sound = refused === 0 && lost === 0 && extra === 0 && dup === 0 && mismatch === 0;
  if (!sound) broken.push(`registrations into ${label}: ${refused} refused, ${lost} lost, ${extra} unacknowledged in file, ${dup} duplicates, ${mismatch} events with participantcount != file`);
  row(`registrations into ${label}: lost / duplicates / count = file`,
    `${lost} / ${dup} / ${fmt(num(`${p}.count`), 0)} = ${fmt(num(`${p}.in_file`), 0)}`,
    `${fmt(ok, 0)} acknowledged, ${refused} refused`, '', '0 / 0 / equal', sound ? 'PASS' : 'BROKEN');
}
if (has('lat.a.p50_ms', 'lat.b.p50_ms')) {
  const [a, b] = [num('lat.a.p50_ms'), num('lat.b.p50_ms')];
  if (num('lat.refused') > 0) broken.push(`latency run: ${m['lat.refused']} registrations refused`);
  row('registration p50, 100,000 participants', `${fmt(b, 2)} ms (p90 ${fmt(num('lat.b.p90_ms'), 2)})`,
    `100 participants: ${fmt(a, 2)} ms (p90 ${fmt(num('lat.a.p90_ms'), 2)})`, times(b / a), '≤ 1.2×', verdict(b / a <= 1.2));
}

// ---- the public listing's query at 100,000 events (issue 13)
for (const [key, label] of [['first', 'first page'], ['search', 'a search (a fifth match)'], ['deep', 'page 500']]) {
  if (!has(`listing.${key}.ms`)) continue;
  const x = num(`listing.${key}.ms`);
  row(`listing query, 100,000 events: ${label}`, `${fmt(x, 2)} ms`, 'MariaDB SHOW PROFILES, median of 15', '', '≤ 10 ms', verdict(x <= 10));
}

// ---- storage micro-benchmarks and migration (bin/bench-*, bench/migrate_bench.sh): figures, no target
if (has('storage.add_ms.100', 'storage.add_ms.100000')) {
  const [a, b] = [num('storage.add_ms.100'), num('storage.add_ms.100000')];
  row('storage: add one participant, 100,000 list (warm)', `${fmt(b, 3)} ms`, `100 list: ${fmt(a, 3)} ms`, times(b / a),
    '', 'info');
}
if (has('storage.load_cold_ms.100000', 'storage.load_cached_ms.100000')) {
  row('storage: load 100,000 list, cold (compacted)', `${fmt(num('storage.load_cold_ms.100000'), 1)} ms`,
    `cached: ${fmt(num('storage.load_cached_ms.100000'), 4)} ms`, '', '', 'info');
}
if (has('migration.rows_per_s')) {
  row('migration: ems-admin migrate-to-files', `${fmt(num('migration.rows_per_s'), 0)} rows/s`, '', '', '', 'info');
}

// ---- previous run: its figure column, by measure
const previous = new Map();
if (previousFile && existsSync(previousFile)) {
  for (const line of readFileSync(previousFile, 'utf8').split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length >= 2 && !/^-+$/.test(cells[0])) previous.set(cells[0], cells[1]);
  }
}
const header = ['measure', 'figure', 'limit (same run)', 'ratio', 'target', 'result'];
if (previous.size) header.push('previous');
const body = rows.map((r) => {
  const cells = [r.measure, r.figure, r.limit || '—', r.ratio || '—', r.target || '—', r.result];
  if (previous.size) cells.push(previous.get(r.measure) ?? '—');
  return cells;
});
const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
const table = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
const title = process.env.BENCH_TITLE ? `${process.env.BENCH_TITLE}\n\n` : '';
writeFileSync(latestFile, `${title}${table}\n`);
console.log(table);
if (broken.length) {
  console.error(`\nBROKEN:\n  ${broken.join('\n  ')}`);
  process.exit(1);
}
