// The whole participant list (manage ?all=1 and the CSV export) is streamed
// while it is rendered (issue 14): the page is byte for byte the buffered
// render, a client that reads slowly or leaves half-way frees its worker,
// and 16 concurrent 10,000-row pages keep every worker's memory bounded.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { baseUrl, binPath, httpPort, poolOn, readLog, sql, waitFor, workerPids } from './lib/stack.mjs';
import { createEvent, signedInClients, storageRoot } from './lib/fixtures.mjs';

const ROWS = 10000;
// For the clients that stop or leave: a page (16 MB) longer than what nginx
// (1 MB in memory) and the kernel's socket buffers (several MB on loopback)
// hold, so the worker is still writing when the client stops or leaves.
const BIG_ROWS = 40000;
const [org] = await signedInClients(1, { names: () => ['Stream', 'Organizer'] });
let ev;
let big;

// A PHP-format participants file of `rows` entries: every third pending,
// and names with every character the page escapes. The uids need no
// account: the page shows the file.
async function eventWithList(rows) {
  const e = await createEvent(org);
  const list = {};
  for (let i = 0; i < rows; i += 1) {
    const uid = String(8100000000 + i);
    list[uid] = {
      uid: Number(uid), joined_at: '2026-11-25 10:00:00', status: i % 3 === 0 ? 'pending' : 'registered',
      name: `Person ${i} <b>&'"`, email: `p${i}@example.test`,
    };
  }
  writeFileSync(path.join(storageRoot(), 'participants', `${e.id}.json`),
    JSON.stringify(list, null, 4).replace(/\//g, '\\/'));
  await sql(`UPDATE events SET participantcount = ${rows} WHERE eventid = ${e.id}`);
  // Takes the "Event created" flash, which would be on the first page only.
  assert.equal((await org.get(`/events/manage/${e.id}`)).status, 200);
  return e;
}

before(async () => {
  ev = await eventWithList(ROWS);
  big = await eventWithList(BIG_ROWS);
});

after(async () => {
  for (const e of [ev, big]) {
    await sql(`DELETE FROM events WHERE eventid = ${e.id}`);
    for (const f of [`participants/${e.id}.json`, `events/${e.id}.json`]) rmSync(path.join(storageRoot(), f), { force: true });
  }
});

// Where two pages first differ, shown with the text around it.
function assertSameBytes(got, want) {
  if (got.equals(want)) return;
  let i = 0;
  while (i < got.length && i < want.length && got[i] === want[i]) i += 1;
  const around = (b) => JSON.stringify(b.subarray(Math.max(0, i - 120), i + 120).toString('utf8'));
  assert.fail(`${got.length} vs ${want.length} bytes, first difference at ${i}:\n got  ${around(got)}\n want ${around(want)}`);
}

const allPath = (e = ev) => `/events/manage/${e.id}?all=1`;

test('a page of the paged list, rendered through the row template, is the buffered render', async () => {
  for (const page of [1, 2, 100]) {
    const fast = await org.get(`/events/manage/${ev.id}?page=${page}`);
    const buffered = await org.get(`/events/manage/${ev.id}?page=${page}&render=buffered`);
    assert.equal(fast.status, 200);
    assert.equal(buffered.status, 200);
    assertSameBytes(fast.buffer, buffered.buffer);
    assert.equal((fast.text.match(/<tr><td>/g) ?? []).length, 100, `page ${page}`);
  }
  assert.match((await org.get(`/events/manage/${ev.id}?page=2`)).text, /Person 100 &lt;b&gt;/);
});

test('the streamed whole list is the buffered render, byte for byte; the CSV has every row', async () => {
  const streamed = await org.get(allPath());
  const buffered = await org.get(`${allPath()}&render=buffered`);
  assert.equal(streamed.status, 200);
  assert.equal(buffered.status, 200);
  assert.equal(streamed.headers.get('content-type'), 'text/html; charset=UTF-8');
  assert.ok(streamed.buffer.length > 4_000_000, `${streamed.buffer.length} bytes`);
  // The CSRF token is the session's, so both renders carry the same one.
  assertSameBytes(streamed.buffer, buffered.buffer);
  assert.equal((streamed.text.match(/<tr><td>/g) ?? []).length, ROWS);
  assert.match(streamed.text, /Person 9999 &lt;b&gt;&amp;&apos;&quot;/);
  assert.match(streamed.text, /<\/html>\n?$/);
  const csv = await org.get(`/events/manage/${ev.id}/participants.csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-disposition'), /^attachment; filename="event-\d+-participants\.csv"$/);
  const lines = csv.text.slice(1).split('\r\n');
  assert.equal(lines.length, ROWS + 2);
  assert.equal(lines[ROWS + 1], '');
  assert.equal(lines[1], '"Person 0 <b>&\'""","p0@example.test","2026-11-25 10:00:00","pending","8100000000"');
  const empty = await createEvent(org);
  const none = await org.get(`/events/manage/${empty.id}?all=1`);
  assert.equal(none.status, 200);
  assert.match(none.text, /No participants yet\./);
  const noCsv = await org.get(`/events/manage/${empty.id}/participants.csv`);
  assert.equal(noCsv.text, '\ufeff"Name","Email","Joined at","Status","User id"\r\n');
  const head = await org.request('HEAD', allPath());
  assert.equal(head.status, 200);
  assert.equal(head.buffer.length, 0);
});

// A raw HTTP/1.1 GET of the page on its own socket, read under the test's
// control: resolves `received` as bytes arrive.
function rawPage(urlPath, { pauseAtFirst = false } = {}) {
  const sock = net.connect({ host: '127.0.0.1', port: httpPort() });
  const state = { sock, received: 0, chunks: [], ended: false };
  state.done = new Promise((resolve) => {
    sock.on('data', (d) => {
      if (pauseAtFirst && !state.received) sock.pause();
      state.received += d.length;
      state.chunks.push(d);
    });
    sock.on('end', () => { state.ended = true; resolve(); });
    sock.on('close', () => resolve());
    sock.on('error', () => resolve());
  });
  sock.write(`GET ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ems_session=${org.sessionId}\r\n` +
    'Connection: close\r\n\r\n');
  return state;
}

async function poolStatus() {
  const res = await fetch(new URL('/status?json&full', baseUrl()));
  return res.json();
}
const busyOnList = async () => (await poolStatus()).processes
  .filter((p) => p.state === 'Running' && p['request uri'] === 'manage_event').length;

// The body of a chunked HTTP/1.1 response.
function dechunk(raw) {
  const at = raw.indexOf('\r\n\r\n');
  let rest = raw.subarray(at + 4);
  const parts = [];
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(rest.subarray(eol + 2, eol + 2 + size));
    rest = rest.subarray(eol + 2 + size + 2);
  }
  return Buffer.concat(parts);
}

const listAnswers = () => readLog('access.log').split('\n')
  .filter((l) => l.includes(`"path":"/events/manage/${big.id}"`)).length;

test('a client that stops reading does not stop the pool; when it reads on, the page arrives whole', async () => {
  const answered = listAnswers();
  const page = rawPage(allPath(big), { pauseAtFirst: true });
  await waitFor(() => page.received > 0, { what: 'the first bytes' });
  // Either the worker waits on the paused client, or the page fitted in
  // nginx's buffers and the sockets' (on loopback the kernel takes several
  // MB) and the worker is done; never a worker lost.
  await waitFor(async () => (await busyOnList()) === 1 || listAnswers() > answered,
    { timeoutMs: 15000, what: 'the worker to be blocked on the client, or done' });
  console.log(`paused client, ${page.received} bytes read: ${listAnswers() > answered
    ? 'the rest fitted in the buffers, the worker was done' : 'the worker waited for it'}`);
  // The other workers serve meanwhile.
  assert.equal((await org.get(`/events/manage/${ev.id}`)).status, 200);
  page.sock.resume();
  await page.done;
  assert.ok(page.ended, 'the response ended');
  const body = dechunk(Buffer.concat(page.chunks));
  const buffered = await org.get(`${allPath(big)}&render=buffered`);
  assertSameBytes(body, buffered.buffer);
  await waitFor(async () => (await busyOnList()) === 0, { what: 'the worker to be idle' });
});

test('a client that leaves half-way frees its worker; nothing is logged as an error and the next page is whole', async () => {
  const errorsBefore = readLog().length;
  for (let round = 0; round < 4; round += 1) {
    const page = rawPage(allPath(big));
    await waitFor(() => page.received > 1_000_000, { timeoutMs: 15000, what: 'the first megabyte' });
    page.sock.destroy();
    await page.done;
    await waitFor(async () => (await busyOnList()) === 0, { timeoutMs: 15000, what: 'the worker to be free' });
  }
  await waitFor(async () => (await busyOnList()) === 0, { timeoutMs: 15000, what: 'every worker to be idle again' });
  const next = await org.get(allPath(big));
  assert.equal((next.text.match(/<tr><td>/g) ?? []).length, BIG_ROWS);
  const logged = readLog().slice(errorsBefore);
  assert.doesNotMatch(logged, /"level":"error"/, logged);
  assert.match(logged, /the client went away during the response/, 'each departure is noted (info)');
});

// VmHWM: the most resident memory a worker ever had.
function peakKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return Number(m[1]);
}

test('16 concurrent 10,000-row pages: every one whole, every worker under 32 MB at its peak', async () => {
  // A fresh pool (peaks start from zero) that lets one organizer load 16 at once.
  await poolOn({ EMS_FULL_LIST_CONCURRENCY: '16' });
  try {
    const pages = await Promise.all(Array.from({ length: 16 }, () => org.get(allPath())));
    for (const p of pages) {
      assert.equal(p.status, 200);
      assert.equal((p.text.match(/<tr><td>/g) ?? []).length, ROWS);
    }
    const peaks = workerPids().map(peakKb);
    console.log(`worker VmHWM after 16 concurrent ${ROWS}-row pages: ${peaks.map((k) => `${(k / 1024).toFixed(1)} MB`).join(', ')}`);
    // The bound is the production build's. The sanitizer build (bin-asan)
    // carries ASan's shadow memory and its quarantine of freed blocks, so
    // there it only has to serve every page whole.
    if (!/asan/.test(path.basename(path.dirname(binPath('ems-fcgi'))))) {
      assert.ok(Math.max(...peaks) < 32 * 1024, `peaks ${peaks} kB`);
    }
  } finally {
    await poolOn();
  }
});
