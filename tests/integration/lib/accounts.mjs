// Account helpers for integration tests: register or sign in through the
// real pages, read the mail outbox.
import { readdirSync, readFileSync } from 'node:fs';
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

// The mails in the outbox addressed to `to`, oldest first, as text.
export function mailsTo(to) {
  const dir = stackEnv().OUTBOX_DIR;
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.eml')).sort();
  } catch {
    return [];
  }
  return names.map((n) => readFileSync(path.join(dir, n), 'utf8')).filter((m) => m.includes(`To: ${to}\r\n`));
}

// Text of the flash banner in a page, or null.
export function flashOf(html) {
  const m = html.match(/<div class="flash[^"]*"[^>]*>([^<]*)<\/div>/);
  return m ? m[1] : null;
}
