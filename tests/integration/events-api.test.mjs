// The events JSON API: same rules and messages as the HTML pages, JSON
// errors with 4xx status codes, CSRF for session clients (X-CSRF-Token).
import test from 'node:test';
import assert from 'node:assert/strict';
import { client } from './lib/stack.mjs';
import { countOf, createEvent, postForm, signedInClients } from './lib/fixtures.mjs';

const [org, jose, zoe] = await signedInClients(3);
const api = (c, method, p) => c.request(method, p, { headers: { accept: 'application/json', 'x-csrf-token': c.csrf } });

function assertJsonError(res, status, message) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual(res.json(), { error: message });
}

test('GET /api/events/{id}: owner sees key and settings, participant sees status, others 403', async () => {
  const ev = await createEvent(org, { max_participants: '3', require_approval: '1' });
  const own = (await org.get(`/api/events/${ev.id}`)).json();
  assert.equal(own.eventkey, ev.key);
  assert.deepEqual(own.settings, { registration_open: true, max_participants: 3, require_approval: true,
    listed: false, registration_opens: null, registration_closes: null, close_at_start: false });
  assertJsonError(await jose.get(`/api/events/${ev.id}`), 403, 'You can only view events you created or registered for');
  await postForm(jose, `/events/register/${ev.key}`);
  const seen = (await jose.get(`/api/events/${ev.id}`)).json();
  assert.equal(seen.status, 'pending');
  assert.equal(seen.eventkey, undefined, 'the key is the organizer\'s to share');
  for (const id of ['99999999', 'abc', '0', '1.5']) assertJsonError(await org.get(`/api/events/${id}`), 404, 'Event not found');
});

test('registrations: 201, 200 when already registered (any case), 409 full and closed, DELETE cancels, 404s', async () => {
  const ev = await createEvent(org, { max_participants: '1' });
  const created = await api(jose, 'POST', `/api/events/${ev.key.toLowerCase()}/registrations`);
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json(), { event_id: Number(ev.id), status: 'registered', message: `Successfully registered for ${ev.name}` });
  // A repeat is not an error: a client retrying after a lost answer is told it is in.
  const repeat = await api(jose, 'POST', `/api/events/${ev.key}/registrations`);
  assert.equal(repeat.status, 200, repeat.text);
  assert.deepEqual(repeat.json(), { event_id: Number(ev.id), status: 'registered', message: 'You are already registered for this event' });
  assertJsonError(await api(zoe, 'POST', `/api/events/${ev.key}/registrations`), 409, 'This event is full');
  assert.equal(await countOf(ev.id), 1);
  const cancelled = await api(jose, 'DELETE', `/api/events/${ev.key}/registrations`);
  assert.equal(cancelled.status, 200, cancelled.text);
  assertJsonError(await api(jose, 'DELETE', `/api/events/${ev.key}/registrations`), 404, 'You are not registered for this event');
  assert.equal(await countOf(ev.id), 0);
  assert.equal((await api(zoe, 'POST', `/api/events/${ev.key}/registrations`)).status, 201, 'the seat came back');
  const closed = await createEvent(org, { registration_open: '0' });
  assertJsonError(await api(jose, 'POST', `/api/events/${closed.key}/registrations`), 409, 'Registration is closed for this event');
  for (const key of ['DEADBEEF', 'nothex!!', '123']) {
    assertJsonError(await api(jose, 'POST', `/api/events/${key}/registrations`), 404, 'Invalid event key');
  }
});

test('session clients need X-CSRF-Token; signed-out clients get 401 JSON', async () => {
  const ev = await createEvent(org);
  const res = await jose.request('POST', `/api/events/${ev.key}/registrations`, { headers: { accept: 'application/json' } });
  assert.equal(res.status, 403);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(await countOf(ev.id), 0);
  assertJsonError(await client().get('/api/events'), 401, 'Sign in required');
});

test('GET /api/events/{id}/participants: owner only, paged, bad paging refused', async () => {
  const ev = await createEvent(org);
  const crowd = await signedInClients(25);
  for (const c of crowd) assert.equal((await api(c, 'POST', `/api/events/${ev.key}/registrations`)).status, 201);
  const page = (await org.get(`/api/events/${ev.id}/participants?page=3&per_page=10`)).json();
  assert.equal(page.total, 25);
  assert.equal(page.participants.length, 5);
  assert.deepEqual(page.participants.map((p) => p.uid), crowd.slice(20).map((c) => c.user.uid));
  assert.deepEqual(Object.keys(page.participants[0]).sort(), ['email', 'joined_at', 'name', 'status', 'uid']);
  assertJsonError(await jose.get(`/api/events/${ev.id}/participants`), 403, 'You can only manage your own events');
  for (const qs of ['page=0', 'page=-1', 'per_page=abc', 'page=99999999999']) {
    const res = await org.get(`/api/events/${ev.id}/participants?${qs}`);
    assert.equal(res.status, 400, qs);
  }
  assertJsonError(await org.get('/api/events/abc/participants'), 404, 'Event not found');
});

test('GET /api/events: created and attended lists', async () => {
  const [c] = await signedInClients(1);
  const mine = await createEvent(c);
  const ev = await createEvent(org);
  await api(c, 'POST', `/api/events/${ev.key}/registrations`);
  const body = (await c.get('/api/events')).json();
  assert.deepEqual(body.created.map((e) => [String(e.id), e.eventkey]), [[mine.id, mine.key]]);
  assert.deepEqual(body.attended.map((e) => [String(e.id), e.status]), [[ev.id, 'registered']]);
  assert.equal(body.attended[0].eventkey, undefined);
});
