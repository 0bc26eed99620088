// The scanners of `make test` (suite "scan"): sqlmap on every parameter of
// the forms and the JSON API, signed out and signed in, and wapiti signed
// in, against the running stack (scripts/test.sh starts it; stack.env in
// the environment). Their exit codes say nothing, so their outputs are
// read: every scan must finish, find nothing, and see no 500, 429 or 503
// (a refused request proves nothing). A finding judged a false positive is
// named in FALSE_POSITIVES with the reason (docs/SECURITY.md lists them).
//
//   node tests/scan/run.mjs OUTDIR     reports in OUTDIR; last line
//                                      "scan: N passed, N failed"
//
// The pool is restarted for the scan with the application's own throttles
// lifted (sign-in per pair and per address, the hash-slot wait), since a
// scanner sends hundreds of sign-ins from one address; it is restarted as
// it was at the end. sqlmap runs two targets at a time beside wapiti; each
// wapiti module stops after SCAN_WAPITI_ATTACK_SECONDS (40), which keeps
// the whole scan within about 5 minutes on the 2-core test machine; the
// log names the modules that reached it.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { registered, uniqueEmail } from '../integration/lib/accounts.mjs';
import { createEvent } from '../integration/lib/fixtures.mjs';
import { baseUrl, client, csrfFrom, repoRoot, sql, stackDir, waitHealthy } from '../integration/lib/stack.mjs';

const run = promisify(execFile);
const OUT = path.resolve(process.argv[2] ?? path.join(repoRoot, 'tests/output/scan'));
const B = baseUrl();
const stackSh = path.join(repoRoot, 'scripts/stack.sh');

// Findings judged false positives: [tool, pattern, reason]. A wapiti
// finding is named "CATEGORY: METHOD PATH: INFO", a sqlmap one
// "TARGET:PARAMETER"; the pattern must match the whole name. The reasons
// are in docs/SECURITY.md ("Scanners").
const FALSE_POSITIVES = [
  ['wapiti', /^Secure Flag cookie: .*/,
    'the scan runs over plain HTTP on loopback; ems sets Secure when the request is HTTPS'],
  ['wapiti', /^HTTP Secure Headers: GET \/: Strict-Transport-Security is not set$/,
    'HSTS is sent only over HTTPS, where it means something; the scan stack is plain HTTP'],
  ['wapiti', /^HTTP Secure Headers: GET \/: X-XSS-Protection is not set$/,
    'wapiti 3.0.4 wants "1"; browsers dropped the XSS auditor and OWASP advises against enabling it; CSP is used'],
  ['wapiti', /^Cross Site Request Forgery: POST \/dashboard\/uploadProfilePicture: CSRF token 'csrf_token' is not properly checked in backend$/,
    'wapiti (python-requests) sends every field of a multipart form as a file part, so its own request with the '
    + 'right token is refused (403) like the forged one; uploadRefusesForgedToken() below checks the real thing'],
];
const falsePositive = (tool, name) => FALSE_POSITIVES.find(([t, re]) => t === tool && re.test(name));

let passed = 0;
let failed = 0;
function result(name, problems) {
  if (problems.length === 0) {
    passed += 1;
    console.log(`ok ${name}`);
  } else {
    failed += 1;
    for (const p of problems) console.log(`FAIL ${name}: ${p}`);
  }
}

// ---- The stack ----------------------------------------------------------

async function restartPool(extraEnv) {
  await run('bash', [stackSh, 'pool-stop', stackDir()]);
  await run('bash', [stackSh, 'pool-start', stackDir()], { env: { ...process.env, ...extraEnv } });
  await waitHealthy();
}
const LIFTED = {
  EMS_LOGIN_THROTTLE_MAX: '1000000', EMS_LOGIN_ADDRESS_MAX: '1000000',
  EMS_SIGNUP_THROTTLE_MAX: '1000000', EMS_RESET_THROTTLE_MAX: '1000000', EMS_RESET_ACCOUNT_MAX: '1000000',
  EMS_HASH_WAIT_MS: '20000',
};

// ---- Forms ----------------------------------------------------------------

const decode = (s) => s.replace(/&(amp|lt|gt|quot|#39|#x27);/g,
  (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]);
const attr = (tag, name) => {
  const m = tag.match(new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i'));
  return m ? decode(m[1] ?? m[2]) : undefined;
};

// The fields of the form posting to `action` in html, as [name, value]
// pairs: every input, textarea and select, with a plausible value where
// the page has none. form_token is left out: it makes a repeated submit
// answer like the first (idempotency), which would hide every difference.
function formFields(html, action) {
  const forms = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/gi) ?? [];
  const form = forms.find((f) => attr(f.match(/<form\b[^>]*>/i)[0], 'action') === action);
  if (!form) throw new Error(`no form posting to ${action}`);
  const fields = [];
  for (const tag of form.match(/<(input|textarea|select)\b[^>]*>/gi) ?? []) {
    const name = attr(tag, 'name');
    const type = (attr(tag, 'type') ?? (tag.startsWith('<input') ? 'text' : 'text')).toLowerCase();
    if (!name || name === 'form_token' || type === 'submit' || type === 'file') continue;
    let value = attr(tag, 'value') ?? '';
    if (type === 'checkbox' || type === 'radio') value = value || '1';
    if (!value) {
      if (type === 'email' || name === 'email') value = uniqueEmail('scan');
      else if (type === 'password' || /password/.test(name)) value = 'Scan-pass-1!';
      else if (type === 'datetime-local') value = '2031-03-01T10:00';
      else if (type === 'date') value = '2031-03-01';
      else if (type === 'number') value = '10';
      else value = 'scan';
    }
    if (!fields.some(([n]) => n === name)) fields.push([name, value]);
  }
  return fields;
}
const encodeForm = (fields) => new URLSearchParams(fields).toString();

// ---- sqlmap -------------------------------------------------------------

// One sqlmap target: { name, url, data?, method?, cookie?, csrfUrl?, json? }.
// A '*' in the URL marks a path parameter to test.
function sqlmapArgs(t, dir) {
  const args = ['-u', t.url, '--batch', '--level', '1', '--risk', '1', '--dbms', 'MySQL',
    '--flush-session', '--output-dir', dir, '--skip-waf', '--disable-coloring', '--drop-set-cookie',
    '--time-sec', '2', '--timeout', '20', '--retries', '1',
    // A redirect (after a form was accepted) is an answer to compare, not a
    // page to fetch as well.
    '--answers', 'follow=N'];
  if (t.data !== undefined) args.push('--data', t.data);
  if (t.method) args.push('--method', t.method);
  if (t.cookie) args.push('--cookie', t.cookie);
  if (t.json) args.push('--headers', 'Content-Type: application/json\nAccept: application/json');
  if (t.csrfUrl) args.push('--csrf-token', 'csrf_token', '--csrf-url', t.csrfUrl);
  if (t.ignoreCode) args.push('--ignore-code', String(t.ignoreCode));
  return args;
}

function runTool(cmd, args, logFile, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('close', (code) => {
      const text = Buffer.concat(chunks).toString('utf8');
      writeFileSync(logFile, text);
      resolve({ code, text });
    });
  });
}

// What a sqlmap log says: injection points, unfinished scans, 500/429/503.
function judgeSqlmap(t, text) {
  const problems = [];
  // A claim sqlmap itself then tests and drops ("checking if the injection
  // point ... is a false positive", "false positive or unexploitable
  // injection point detected", "... does not seem to be injectable") is
  // its own verdict, not a finding: a page whose content changes on every
  // render (a fresh form token) can make its first boolean comparison differ.
  const claims = [...text.matchAll(/parameter '([^']+)' (?:is|appears to be) '([^']+)' injectable/g)];
  const injectable = claims.filter((m) => {
    const next = text.indexOf('testing if', m.index + m[0].length);
    const after = text.slice(m.index, next === -1 ? undefined : next);
    const dropped = after.includes('false positive or unexploitable injection point detected') &&
      after.includes(`parameter '${m[1]}' does not seem to be injectable`);
    if (dropped) console.log(`  judged false positive by sqlmap itself: ${t.name}: parameter '${m[1]}' (${m[2]})`);
    return !dropped;
  });
  for (const [, param, technique] of injectable) {
    if (falsePositive('sqlmap', `${t.name}:${param}`)) continue;
    problems.push(`finding: parameter '${param}' injectable (${technique})`);
  }
  if (/sqlmap identified the following injection point/.test(text) && injectable.length === 0)
    problems.push('finding: sqlmap identified an injection point (see the log)');
  if (!/all tested parameters do not appear to be injectable/.test(text) && injectable.length === 0)
    problems.push('the scan did not finish (no "all tested parameters do not appear to be injectable")');
  const codes = text.match(/HTTP error codes detected during run:\n([^\n]*)/);
  if (codes) {
    for (const m of codes[1].matchAll(/(\d{3}) \(([^)]*)\) - (\d+) times/g)) {
      if (m[1] === '500') problems.push(`finding: ${m[3]} answers 500 (bad input must get a 4xx)`);
      if (m[1] === '429' || m[1] === '503') problems.push(`${m[3]} answers ${m[1]}: the scan was throttled`);
    }
  }
  return problems;
}

async function runSqlmap(targets) {
  const queue = [...targets];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const dir = path.join(OUT, 'sqlmap', t.name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const started = Date.now();
      const { text } = await runTool('sqlmap', sqlmapArgs(t, dir), path.join(dir, 'sqlmap.log'));
      result(`sqlmap ${t.name} (${((Date.now() - started) / 1000).toFixed(0)} s)`, judgeSqlmap(t, text));
    }
  };
  await Promise.all([worker(), worker()]);
}

// ---- wapiti ---------------------------------------------------------------

// Debian's wapiti 3.0.4 crashes on Python 3.11 as soon as -x is given: its
// wildcard_translate() puts the (?ms) flags at the end of the pattern,
// which 3.11 refuses. It runs here from a copy of its package with that
// one line fixed; the system's files are not touched.
function patchedWapiti(dir) {
  const src = '/usr/lib/python3/dist-packages/wapitiCore';
  const dst = path.join(dir, 'wapitiCore');
  rmSync(dst, { recursive: true, force: true });
  cpSync(src, dst, { recursive: true, filter: (p) => !p.includes('__pycache__') });
  const crawler = path.join(dst, 'net/crawler.py');
  const before = readFileSync(crawler, 'utf8');
  const after = before.replace("return re.compile(res + r'\\Z(?ms)')", "return re.compile(r'(?ms)' + res + r'\\Z')");
  if (after === before) throw new Error('wapiti: the line to patch in net/crawler.py was not found');
  writeFileSync(crawler, after);
  return dir;
}

const WAPITI_MODULES = 'xss,permanentxss,sql,blindsql,file,exec,crlf,redirect,csrf,http_headers,cookieflags,csp,'
  + 'methods,backup';

async function runWapiti(cookies) {
  const dir = path.join(OUT, 'wapiti');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pythonPath = patchedWapiti(path.join(os.tmpdir(), `ems-wapiti-${process.pid}`));
  const host = new URL(B).hostname;
  const jar = { [host]: { '/': Object.fromEntries(Object.entries(cookies).map(([k, v]) => [k, {
    value: v, version: 0, expires: null, secure: false, port: null }])) } };
  writeFileSync(path.join(dir, 'cookies.json'), JSON.stringify(jar));
  const report = path.join(dir, 'report.json');
  // Debian's python, which has wapiti's dependencies (not another python3 on PATH).
  const args = ['-c', 'import sys; from wapitiCore.main.wapiti import wapiti_main; sys.exit(wapiti_main())',
    '-u', `${B}/`, '--scope', 'folder', '-m', WAPITI_MODULES, '-c', path.join(dir, 'cookies.json'),
    // Signing out would end the scan's session; deleting events only
    // removes pages the scan still has to attack.
    '-x', `${B}/auth/logout`, '-x', `${B}/events/delete/*`, '-x', `${B}/_test/*`,
    '-d', '3', '--max-links-per-page', '40', '--max-scan-time', '60',
    '--max-attack-time', process.env.SCAN_WAPITI_ATTACK_SECONDS ?? '40',
    '--flush-session', '--store-session', path.join(dir, 'session'), '--store-config', path.join(dir, 'config'),
    '-t', '20', '-f', 'json', '-o', report];
  const started = Date.now();
  const { text } = await runTool('/usr/bin/python3', args, path.join(dir, 'wapiti.log'),
    { env: { ...process.env, PYTHONPATH: pythonPath } });
  rmSync(pythonPath, { recursive: true, force: true });
  const name = `wapiti signed in (${((Date.now() - started) / 1000).toFixed(0)} s)`;
  for (const m of text.matchAll(/Max attack time was reached for module (\w+)/g))
    console.log(`  wapiti module ${m[1]} stopped at its time bound`);
  if (!existsSync(report)) {
    result(name, [`no report written; see ${path.join(dir, 'wapiti.log')}: ${text.slice(-300)}`]);
    return;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const problems = [];
  for (const [kind, list] of [...Object.entries(r.vulnerabilities ?? {}), ...Object.entries(r.anomalies ?? {})]) {
    for (const v of list ?? []) {
      const finding = `${kind}: ${v.method} ${v.path}: ${v.info}`.replace(/\s+/g, ' ');
      const fp = falsePositive('wapiti', finding);
      if (fp) console.log(`  judged false positive: ${finding} (${fp[2]})`);
      else problems.push(`finding: ${finding}${v.parameter ? ` (parameter ${v.parameter})` : ''}`);
    }
  }
  // A scan that found few pages (a lost session) proved little.
  const found = Number(text.match(/Wapiti found (\d+) URLs and forms/)?.[1] ?? 0);
  if (found < 15) problems.push(`only ${found} URLs and forms found: was the session lost?`);
  result(name, problems);
}

// The check behind the uploadProfilePicture false positive: a forged token
// is refused and the right one accepted, on the real multipart form.
async function uploadRefusesForgedToken(c) {
  const send = (token) => {
    const fd = new FormData();
    fd.append('csrf_token', token);
    fd.append('profile_picture', new Blob([Buffer.from('GIF89a')], { type: 'image/gif' }), 'pix.gif');
    return c.postMultipart('/dashboard/uploadProfilePicture', fd);
  };
  const forged = await send('f'.repeat(64));
  const real = await send(c.csrf);
  result('upload form refuses a forged CSRF token', [
    ...(forged.status === 403 ? [] : [`forged token answered ${forged.status}, not 403`]),
    ...(real.status !== 403 ? [] : ['the right token answered 403']),
  ]);
}

// ---- Targets ----------------------------------------------------------------

async function signedOutTargets() {
  const c = client();
  const targets = [];
  const form = async (name, pagePath, action = pagePath, star = '') => {
    const page = await c.get(pagePath);
    const fields = formFields(page.text, action);
    targets.push({ name, url: `${B}${action}${star}`, data: encodeForm(fields), cookie: `ems_csrf=${c.jar.get('ems_csrf')}`,
      csrfUrl: `${B}${pagePath}` });
  };
  await form('login', '/auth/login');
  await form('register', '/auth/register');
  await form('reset-request', '/auth/resetRequest');
  // A made-up token shows no form; the form's fields are the reset page's.
  const token = 'a'.repeat(64);
  targets.push({ name: 'reset-password', url: `${B}/auth/resetPassword/${token}`, cookie: `ems_csrf=${c.jar.get('ems_csrf')}`,
    data: encodeForm([['csrf_token', c.jar.get('ems_csrf')], ['password', 'Scan-pass-1!'],
      ['confirm_password', 'Scan-pass-1!']]), csrfUrl: `${B}/auth/resetRequest` });
  targets.push({ name: 'reset-password-token', url: `${B}/auth/resetPassword/${token}*` });
  targets.push({ name: 'verify-email', url: `${B}/auth/verifyEmail/${token}*` });
  // Wrong credentials answer 401, which sqlmap takes for "needs HTTP auth".
  targets.push({ name: 'api-login', url: `${B}/api/auth/login`, json: true, ignoreCode: 401,
    data: JSON.stringify({ email: 'nobody@example.test', password: 'x' }) });
  targets.push({ name: 'api-register', url: `${B}/api/auth/register`, json: true,
    data: JSON.stringify({ fname: 'Scan', mname: '', lname: 'Ner', email: uniqueEmail('scanapi'),
      password: 'Scan-pass-1!', confirm_password: 'Scan-pass-1!' }) });
  targets.push({ name: 'api-reset-request', url: `${B}/api/auth/resetRequest`, json: true,
    data: JSON.stringify({ email: 'nobody@example.test' }) });
  return targets;
}

async function signedInTargets() {
  const { c, password } = await registered({ fname: 'Scan', lname: 'Owner' });
  const other = await registered({ fname: 'Scan', lname: 'Guest' });
  const dash = await c.get('/dashboard');
  c.csrf = csrfFrom(dash.text);
  const ev = await createEvent(c);
  const spare = await createEvent(c);
  // The guest registers, so the owner has a participant to approve.
  const regPage = await other.c.get(`/events/register/${ev.key}`);
  const reg = await other.c.post(`/events/register/${ev.key}`, formFields(regPage.text, `/events/register/${ev.key}`));
  if (reg.status >= 400) throw new Error(`scan setup: registration answered ${reg.status}`);
  const [[guestUid]] = await sql(`SELECT CAST(uid AS CHAR) FROM user_credentials WHERE email = '${other.email}'`);
  const cookie = Object.entries(c.cookies()).map(([k, v]) => `${k}=${v}`).join('; ');
  const targets = [];
  const form = async (name, pagePath, action, star = '') => {
    const page = await c.get(pagePath);
    targets.push({ name, url: `${B}${action}${star}`, data: encodeForm(formFields(page.text, action)), cookie,
      csrfUrl: `${B}${pagePath}` });
  };
  await form('profile', '/dashboard/profile', '/dashboard/profile');
  const pw = await c.get('/dashboard/profile');
  const pwFields = formFields(pw.text, '/dashboard/changePassword')
    .map(([n, v]) => [n, n === 'current_password' ? 'not-the-password' : v]);
  targets.push({ name: 'change-password', url: `${B}/dashboard/changePassword`, data: encodeForm(pwFields), cookie,
    csrfUrl: `${B}/dashboard/profile` });
  await form('api-token-create', '/dashboard/profile', '/dashboard/apiTokens');
  targets.push({ name: 'api-token-revoke', url: `${B}/dashboard/apiTokens/revoke`, cookie,
    data: encodeForm([['csrf_token', c.csrf], ['token_id', '1']]), csrfUrl: `${B}/dashboard/profile` });
  await form('event-create', '/events/create', '/events/create');
  await form('event-edit', `/events/edit/${ev.id}`, `/events/edit/${ev.id}`);
  targets.push({ name: 'event-edit-id', url: `${B}/events/edit/${ev.id}*`, cookie });
  targets.push({ name: 'event-manage', url: `${B}/events/manage/${ev.id}?all=1&page=1`, cookie });
  targets.push({ name: 'event-manage-id', url: `${B}/events/manage/${ev.id}*`, cookie });
  targets.push({ name: 'event-csv', url: `${B}/events/manage/${ev.id}*/participants.csv`, cookie });
  targets.push({ name: 'event-approve', url: `${B}/events/manage/${ev.id}/participants/${guestUid}*/approve`, cookie,
    data: encodeForm([['csrf_token', c.csrf]]), csrfUrl: `${B}/events/manage/${ev.id}` });
  targets.push({ name: 'event-decline-page', url: `${B}/events/manage/${ev.id}/participants/${guestUid}*/decline`, cookie });
  targets.push({ name: 'event-register-key', url: `${B}/events/register/${ev.key}*`, cookie });
  targets.push({ name: 'event-cancel-id', url: `${B}/events/cancel/${ev.id}*`, cookie });
  targets.push({ name: 'event-delete', url: `${B}/events/delete/${spare.id}*`, cookie,
    data: encodeForm([['csrf_token', c.csrf]]), csrfUrl: `${B}/dashboard/profile` });
  targets.push({ name: 'api-me', url: `${B}/api/me`, cookie, json: true,
    data: JSON.stringify({ fname: 'Scan', mname: 'M', lname: 'Owner' }) });
  targets.push({ name: 'api-me-password', url: `${B}/api/me/password`, cookie, json: true,
    data: JSON.stringify({ current_password: `not-${password}`, new_password: 'Scan-pass-2!',
      confirm_password: 'Scan-pass-2!' }) });
  targets.push({ name: 'api-events', url: `${B}/api/events?page=1&per_page=10`, cookie });
  targets.push({ name: 'api-event-create', url: `${B}/api/events`, cookie, json: true, data: JSON.stringify({
    eventname: 'Scan API event', startdate: '2031-03-01T10:00', enddate: '2031-03-01T12:00', location: 'Hall',
    eventshortinfo: 'scan', registration_open: true }) });
  targets.push({ name: 'api-event-id', url: `${B}/api/events/${ev.id}*`, cookie });
  targets.push({ name: 'api-event-patch', url: `${B}/api/events/${ev.id}`, method: 'PATCH', cookie, json: true,
    data: JSON.stringify({ location: 'Hall B', eventshortinfo: 'patched' }) });
  targets.push({ name: 'api-participants', url: `${B}/api/events/${ev.id}/participants?page=1&per_page=10`, cookie });
  targets.push({ name: 'api-registration-key', url: `${B}/api/events/${ev.key}*/registrations`, cookie,
    method: 'POST', json: true, data: '{}' });
  return { targets, owner: c };
}

// ---- Main -------------------------------------------------------------------

mkdirSync(OUT, { recursive: true });
const only = process.env.SCAN_ONLY; // e.g. SCAN_ONLY=sqlmap or wapiti, for a run by hand
const started = Date.now();
try {
  await restartPool(LIFTED);
  const out = await signedOutTargets();
  const { targets: inside, owner } = await signedInTargets();
  // wapiti's own account and event, so that what it changes never shows in
  // the pages sqlmap compares; the two run at once.
  const scanner = await registered({ fname: 'Wapiti', lname: 'Scan' });
  scanner.c.csrf = csrfFrom((await scanner.c.get('/dashboard')).text);
  await createEvent(scanner.c);
  await Promise.all([
    only === 'wapiti' ? null : runSqlmap([...out, ...inside]),
    only === 'sqlmap' ? null : runWapiti(scanner.c.cookies()),
  ]);
  await uploadRefusesForgedToken(owner);
} catch (e) {
  result('scan setup', [e.stack ?? String(e)]);
} finally {
  await restartPool({});
}
console.log(`scan time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`scan: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
