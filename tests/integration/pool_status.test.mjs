// php-fpm's pool pages and knobs (issue 11): /ping, /status (?json, ?full),
// /metrics in Prometheus text format, request_terminate_timeout (504, the
// worker replaced) and the slow log, with their figures checked against the
// requests this test sends.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { client, load, poolOn, readLog, stackEnv, waitFor, workerPids } from './lib/stack.mjs';

after(async () => { await poolOn({}); });

const status = async (query = 'json') => (await client().get(`/status?${query}`)).json();

// Prometheus text format 0.0.4: every line a comment (# HELP / # TYPE) or a
// sample `name{label="value",...} number`; returns the samples by
// `name{labels}` as written.
function parseMetrics(text) {
  const samples = new Map();
  const types = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = line.match(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/);
    if (m) {
      if (m[1] === 'TYPE') {
        assert.match(m[3], /^(counter|gauge|histogram|summary|untyped)$/, line);
        types.set(m[2], m[3]);
      }
      continue;
    }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[+-]Inf|NaN)$/);
    assert.ok(m, `not a sample line: ${line}`);
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]) || types.has(family), `sample before its TYPE: ${line}`);
    samples.set(m[1] + (m[2] ?? ''), Number(m[3]));
  }
  return samples;
}
const metrics = async () => parseMetrics((await client().get('/metrics')).text);

test('ping answers pong; status has php-fpm\'s fields, as text and JSON, and a row per worker with ?full', async () => {
  const ping = await client().get('/ping');
  assert.equal(ping.status, 200);
  assert.equal(ping.text, 'pong\n');
  const text = (await client().get('/status')).text;
  for (const field of ['pool', 'process manager', 'start time', 'accepted conn', 'listen queue', 'max listen queue',
    'listen queue len', 'idle processes', 'active processes', 'total processes', 'max active processes',
    'max children reached', 'slow requests']) assert.match(text, new RegExp(`^${field}:`, 'm'));
  const full = await status('json&full');
  assert.equal(full['total processes'], Number(process.env.EMS_WORKERS ?? 4));
  assert.equal(full.processes.length, full['total processes']);
  assert.deepEqual(full.processes.map((p) => p.pid).sort((a, b) => a - b), workerPids());
  assert.equal((await client().post('/status', {})).status, 405);
});

test('the counters move: accepted conn by the requests sent, active processes while one runs, max children reached', async () => {
  const before = (await status())['accepted conn'];
  for (let i = 0; i < 10; i++) assert.equal((await client().get('/auth/login')).status, 200);
  assert.equal((await status())['accepted conn'], before + 11, '10 pages and this status request');

  const logStart = readLog().length;
  const started = () => (readLog().slice(logStart).match(/test_sleep: start/g) ?? []).length;
  const workers = (await status())['total processes'];
  const sleepers = Array.from({ length: workers }, () => client().get('/_test/sleep?ms=1500'));
  await waitFor(() => started() === workers, { what: 'every worker asleep', timeoutMs: 15000 });
  const during = await status(); // queued behind the sleepers
  assert.ok(during['max active processes'] >= workers, JSON.stringify(during));
  assert.ok(during['max children reached'] >= 1, JSON.stringify(during));
  await Promise.all(sleepers);
  const one = client().get('/_test/sleep?ms=1000');
  await waitFor(() => started() === workers + 1, { what: 'one worker asleep' });
  assert.ok((await status())['active processes'] >= 2, 'the sleeper and this request');
  await one;
});

test('/metrics parses as Prometheus text; requests by route match what was sent, across worker recycling', async () => {
  await poolOn({ EMS_MAX_REQUESTS: '5' });
  const before = await metrics();
  const key = 'ems_http_requests_total{route="login",status="200"}';
  const results = await load(30, 4, () => client().get('/auth/login'));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
  const afterwards = await metrics();
  assert.equal((afterwards.get(key) ?? 0) - (before.get(key) ?? 0), 30);
  assert.ok(afterwards.get('ems_worker_restarts_total{cause="recycled"}') >= 5, 'workers were recycled');
  const count = afterwards.get('ems_http_request_duration_seconds_count{route="login"}');
  assert.equal(count, afterwards.get('ems_http_request_duration_seconds_bucket{route="login",le="+Inf"}'));
  assert.ok(afterwards.has('ems_pool_processes{state="idle"}'));
  assert.ok(afterwards.has('ems_registrations_total{outcome="registered"}'));
});

test('the pages are for this host: a relayed request gets 403 unless it has the status_token', async () => {
  await poolOn({ EMS_STATUS_TOKEN: 'tok-3f9a' });
  const relayed = { 'X-Forwarded-For': '203.0.113.9' };
  for (const p of ['/status', '/metrics', '/ping']) {
    const res = await client().get(p, { headers: relayed });
    assert.equal(res.status, 403, p);
    assert.match(res.json().error, /monitoring/);
  }
  assert.equal((await client().get('/status', { headers: { ...relayed, Authorization: 'Bearer wrong' } })).status, 403);
  assert.equal((await client().get('/status?full', { headers: { ...relayed, Authorization: 'Bearer tok-3f9a' } })).status, 200);
  // A long query changes nothing: the page is bounded by the number of workers.
  const long = await client().get(`/status?full&${'x'.repeat(4000)}`);
  assert.equal(long.status, 200);
  assert.ok(long.text.length < 16384, `${long.text.length} bytes`);
});

test('request_terminate_timeout: the request gets a 504 page, the error log names it, its worker is replaced, others go on', async () => {
  await poolOn({ EMS_REQUEST_TERMINATE_TIMEOUT: '2' });
  const pidsBefore = workerPids();
  const logStart = readLog().length;
  const res = await client().get('/_test/sleep?ms=9000');
  assert.equal(res.status, 504);
  assert.match(res.text, /This took too long/);
  await waitFor(() => /request_terminate_timeout: worker \d+ ran GET test_sleep request_id=\S+ for \d+ s; answered 504 and replaced/
    .test(readLog().slice(logStart)), { what: 'the error log line' });
  await waitFor(() => workerPids().length === pidsBefore.length && workerPids().some((p) => !pidsBefore.includes(p)),
    { what: 'a new worker in the place of the ended one' });
  for (let i = 0; i < 8; i++) assert.equal((await client().get('/auth/login')).status, 200);
  assert.ok((await metrics()).get('ems_worker_restarts_total{cause="terminated"}') >= 1);
});

test('request_slowlog_timeout: a slow request writes one slow-log line with its route and phases', async () => {
  await poolOn({ EMS_REQUEST_SLOWLOG_TIMEOUT: '1' });
  const slowLog = path.join(stackEnv().LOG_DIR, 'slow.log');
  const lines = () => (existsSync(slowLog) ? readFileSync(slowLog, 'utf8').split('\n').filter(Boolean) : []);
  const before = lines().length;
  assert.equal((await client().get('/_test/sleep?ms=1200')).status, 200);
  assert.equal((await client().get('/auth/login')).status, 200); // fast: no line
  await waitFor(() => lines().length > before, { what: 'the slow-log line' });
  const added = lines().slice(before).map((l) => JSON.parse(l));
  assert.equal(added.length, 1);
  const [entry] = added;
  assert.equal(entry.route, 'test_sleep');
  assert.equal(entry.method, 'GET');
  assert.ok(entry.duration_ms >= 1200, JSON.stringify(entry));
  for (const k of ['db_ms', 'storage_ms', 'render_ms', 'other_ms', 'request_id', 'pid']) assert.ok(k in entry, k);
  assert.ok(entry.other_ms >= 1000, 'the sleep is neither database, storage nor render');
  assert.equal((await status())['slow requests'] >= 1, true);
});
