// The site's identity from the configuration (issue 13): site_name in every
// title, the header, the footer and the From of mails; the optional logo
// and the footer's privacy and imprint links; a bad link stops the start.
// The pool is restarted with EMS_SITE_* variables and as configured at the end.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binPath, client, poolOn, stackEnv } from './lib/stack.mjs';
import { formPost, mailsTo, registered } from './lib/accounts.mjs';

const run = promisify(execFile);
after(async () => { await poolOn({}); });

test('the default name, and no footer links or logo when they are not set', async () => {
  const page = await client().get('/auth/login');
  assert.equal(page.status, 200);
  assert.match(page.text, /<title>Login - Event Management System<\/title>/);
  assert.match(page.text, /<a class="brand" href="\/">Event Management System<\/a>/);
  assert.doesNotMatch(page.text, /Privacy|Imprint|class="logo"/);
});

test('site_name, the logo and the footer links show on every page and in mails', async () => {
  await poolOn({
    EMS_SITE_NAME: 'Kurse & Events Süd',
    EMS_SITE_LOGO_URL: '/static/favicon.svg',
    EMS_PRIVACY_URL: '/privacy',
    EMS_IMPRINT_URL: 'https://example.org/imprint',
  });
  const { c, email } = await registered();
  for (const [url, title] of [['/dashboard', 'Dashboard'], ['/dashboard/profile', 'Edit Profile'], ['/events/create', 'Create Event']]) {
    const page = await c.get(url);
    assert.equal(page.status, 200, url);
    assert.ok(page.text.includes(`<title>${title} - Kurse &amp; Events Süd</title>`), url);
    assert.ok(page.text.includes('<img class="logo" src="/static/favicon.svg" alt="" width="32" height="32">Kurse &amp; Events Süd</a>'), url);
    assert.ok(page.text.includes('<li><a href="/privacy">Privacy</a></li>'), url);
    assert.ok(page.text.includes('<li><a href="https://example.org/imprint">Imprint</a></li>'), url);
    assert.ok(!page.text.includes('Event Management System'), `${url} still names the old site`);
  }
  // Error pages too (a 404 rendered by the app).
  const missing = await c.get('/no/such/page');
  assert.equal(missing.status, 404);
  assert.match(missing.text, /<title>[^<]+ - Kurse &amp; Events Süd<\/title>/);
  // The reset mail's From carries the name, as an RFC 2047 word (not ASCII).
  const before = mailsTo(email).length;
  const anon = client();
  const res = await formPost(anon, '/auth/resetRequest', '/auth/resetRequest', { email });
  assert.equal(res.status, 302);
  const mails = mailsTo(email);
  assert.equal(mails.length, before + 1);
  const from = mails.at(-1).match(/^From: (.*)\r$/m)[1];
  const word = from.match(/^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?= <[^<>]+>$/);
  assert.ok(word, from);
  assert.equal(Buffer.from(word[1], 'base64').toString('utf8'), 'Kurse & Events Süd');
});

test('links that could leave the site or break the attribute are refused at start (-t)', async () => {
  const check = async (env) => {
    try {
      const { stdout, stderr } = await run(binPath('ems-fcgi'), ['-t', '-c', stackEnv().CONF], { env: { ...process.env, ...env } });
      return stdout + stderr;
    } catch (err) {
      return String(err.stdout) + String(err.stderr);
    }
  };
  for (const [key, value] of [
    ['EMS_PRIVACY_URL', 'javascript:alert(1)'],
    ['EMS_IMPRINT_URL', '//evil.example/imprint'],
    ['EMS_IMPRINT_URL', 'https://example.org/" onclick="x'],
    ['EMS_SITE_LOGO_URL', 'https://cdn.example.org/logo.png'],
    ['EMS_SITE_NAME', ''],
  ]) {
    const out = await check({ [key]: value });
    const name = key.slice(4).toLowerCase();
    assert.match(out, new RegExp(`config: ${name} must be`), `${key}=${value}: ${out}`);
  }
  assert.match(await check({ EMS_PRIVACY_URL: '/privacy', EMS_SITE_NAME: 'Mine' }), /configuration OK/);
});
