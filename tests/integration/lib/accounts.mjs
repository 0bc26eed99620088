// Account helpers for integration tests: register or sign in through the
// real pages, read the mail outbox.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { client, csrfFrom, stackEnv } from './stack.mjs';

let counter = 0;
export const uniqueEmail = (tag = 'user') => `${tag}.${process.pid}.${Date.now()}.${++counter}@example.test`;

export async function formPost(c, pagePath, postPath, fields) {
  const page = await c.get(pagePath);
  return c.post(postPath, { csrf_token: csrfFrom(page.text), ...fields });
}

// A new signed-in client; resolves to { c, email, password }.
export async function registered({ fname = 'Test', lname = 'User', password = 'Passw0rd!', email = uniqueEmail() } = {}) {
  const c = client();
  const res = await formPost(c, '/auth/register', '/auth/register', {
    fname, mname: '', lname, email, password, confirm_password: password,
  });
  assert.equal(res.status, 302, `register failed: ${res.status} ${res.text.slice(0, 300)}`);
  assert.equal(res.location, '/dashboard');
  return { c, email, password };
}

export async function signIn(email, password, c = client()) {
  const res = await formPost(c, '/auth/login', '/auth/login', { email, password });
  return { c, res };
}

// The mails in the outbox addressed to `to`, oldest first (by the file's
// time: names only have the second), as text. A queued file never changes,
// so each is read once per process (the outbox holds a registration mail
// for each of the suite's thousands of registrations).
const outboxCache = new Map(); // file name -> { to, text, mtime }
export function mailsTo(to) {
  const dir = stackEnv().OUTBOX_DIR;
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.eml'));
  } catch {
    return [];
  }
  const out = [];
  for (const n of names) {
    let m = outboxCache.get(n);
    if (!m) {
      let text;
      let mtime;
      try {
        mtime = statSync(path.join(dir, n), { bigint: true }).mtimeNs;
        text = readFileSync(path.join(dir, n), 'utf8');
      } catch {
        continue; // sent and removed since the listing
      }
      m = { to: text.match(/\r\nTo: ([^\r]*)\r\n/)?.[1], text, mtime };
      outboxCache.set(n, m);
    }
    if (m.to === to) out.push(m);
  }
  return out.sort((a, b) => (a.mtime < b.mtime ? -1 : a.mtime > b.mtime ? 1 : 0)).map((m) => m.text);
}

// Text of the flash banner in a page, or null.
export function flashOf(html) {
  const m = html.match(/<div class="flash[^"]*"[^>]*>([^<]*)<\/div>/);
  return m ? m[1] : null;
}
