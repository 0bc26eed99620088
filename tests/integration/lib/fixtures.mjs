// Fast test data for the event tests: users straight into user_credentials
// with a precomputed bcrypt hash, and sessions straight into ems_sessions,
// so a test can have hundreds of signed-in clients in a second instead of
// paying a bcrypt per sign-in.
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { client, csrfFrom, sql, stackEnv } from './stack.mjs';

// bcrypt of "Secret123!" (cost 10), from ../shared/fixtures/php-v2.0.2/password-hashes.tsv.
export const PASSWORD = 'Secret123!';
const HASH = '$2y$10$q2Pp93MU.gWivZyK6rTI0O4XDuOxU5FTSzDPenGUN.cM8DY35ivvW';

const hex = (bytes) => randomBytes(bytes).toString('hex');
// SQL string literal; the values here are ours, but quote properly anyway.
export const q = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

let serial = 0;
export const unique = (prefix = 'u') => `${prefix}${Date.now().toString(36)}${(serial++).toString(36)}${hex(2)}`;

// Creates n users; names can be given per index. Resolves to
// [{ uid, email, fname, lname, fullname }] in creation order.
export async function createUsers(n, { prefix = unique('user'), names = () => null } = {}) {
  const rows = [];
  const users = [];
  for (let i = 0; i < n; i += 1) {
    const [fname, lname] = names(i) ?? ['Test', `User ${i}`];
    const email = `${prefix}.${i}@example.test`;
    users.push({ email, fname, lname, fullname: `${fname} ${lname}` });
    rows.push(`(${q(fname)}, '', ${q(lname)}, ${q(`${fname} ${lname}`)}, ${q(email)}, ${q(HASH)}, 1, '[]', 'default.png')`);
  }
  for (let i = 0; i < rows.length; i += 500) {
    await sql(`INSERT INTO user_credentials (fname, mname, lname, fullname, email, password, emailverified,
      attendedevents, profilepicture) VALUES ${rows.slice(i, i + 500).join(',')}`);
  }
  const found = await sql(`SELECT CAST(uid AS CHAR), email FROM user_credentials WHERE email LIKE ${q(`${prefix}.%`)}`);
  const byEmail = new Map(found.map(([uid, email]) => [email, uid]));
  for (const u of users) u.uid = byEmail.get(u.email);
  return users;
}

// A signed-in client per user: a session row and its cookie. Each client
// gets .user and .csrf (the session's token, for forms and X-CSRF-Token).
export async function signIn(users) {
  const now = Math.floor(Date.now() / 1000);
  const clients = users.map((user) => {
    const c = client();
    c.user = user;
    c.sessionId = hex(16);
    c.csrf = hex(32);
    c.jar.set('ems_session', c.sessionId);
    return c;
  });
  for (let i = 0; i < clients.length; i += 500) {
    const values = clients.slice(i, i + 500)
      .map((c) => `(${q(c.sessionId)}, ${q(c.user.uid)}, ${q(c.csrf)}, ${now}, ${now}, '127.0.0.1')`);
    await sql(`INSERT INTO ems_sessions (id, uid, csrf_token, created_at, last_seen, ip) VALUES ${values.join(',')}`);
  }
  return clients;
}

export async function signedInClients(n, options) {
  return signIn(await createUsers(n, options));
}

// Posts a form with the client's CSRF token added.
// Fields set to undefined are left out (an unchecked checkbox).
export const postForm = (c, p, fields = {}) => c.post(p, Object.fromEntries(
  Object.entries({ csrf_token: c.csrf, ...fields }).filter(([, v]) => v !== undefined)));

export const eventFields = (over = {}) => ({
  eventname: unique('Event '),
  startdate: '2030-05-01T09:00',
  enddate: '2030-05-01T17:00',
  location: 'Hall A',
  eventshortinfo: 'About the event',
  registration_open: '1',
  ...over,
});

// Creates an event through the app; resolves to { id, key, name }.
export async function createEvent(c, over = {}) {
  const fields = eventFields(over);
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  const res = await postForm(c, '/events/create', fields);
  if (res.status !== 302) throw new Error(`create event: ${res.status} ${res.text.slice(0, 300)}`);
  const [row] = await sql(`SELECT eventid, eventkey FROM events WHERE eventname = ${q(fields.eventname)}`);
  return { id: row[0], key: row[1], name: fields.eventname };
}

export const storageRoot = () => stackEnv().STORAGE_ROOT;

// The participants of an event as the PHP encoder would read them
// (participants/<id>.json plus the journal, through the app's own view:
// the API). Falls back to the file alone when given no owner client.
export async function participantsOf(owner, id) {
  const res = await owner.get(`/api/events/${id}/participants?per_page=1000&page=1`);
  if (res.status !== 200) throw new Error(`participants: ${res.status} ${res.text}`);
  const body = res.json();
  let all = body.participants;
  for (let page = 2; all.length < body.total; page += 1) {
    all = all.concat((await owner.get(`/api/events/${id}/participants?per_page=1000&page=${page}`)).json().participants);
  }
  return all;
}

export function eventFile(id) {
  const p = path.join(storageRoot(), 'events', `${id}.json`);
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null;
}

export async function countOf(id) {
  const rows = await sql(`SELECT participantcount FROM events WHERE eventid = ${Number(id)}`);
  return rows.length ? Number(rows[0][0]) : null;
}

export async function attendedOf(uid) {
  const [[text]] = await sql(`SELECT COALESCE(attendedevents, '') FROM user_credentials WHERE uid = ${q(uid)}`);
  return text ? JSON.parse(text).map(String) : [];
}

// The flash shown on the next page after a redirect.
export async function flashAfter(c, res) {
  if (res.status !== 302) return { status: res.status, text: res.text };
  const next = await c.get(res.location);
  const m = next.text.match(/<div class="flash[^"]*"[^>]*>([^<]*)<\/div>/);
  return { status: res.status, location: res.location, flash: m ? m[1] : null, page: next };
}

export { csrfFrom };
