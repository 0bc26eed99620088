// Mail off the request path (issue 12): with smtp_url set, a request only
// queues its message in the outbox; the pool's mail sender delivers it to
// a real SMTP conversation (a small SMTP server in this file, on loopback),
// retries with a growing delay while the server is away, and gives up into
// outbox/failed/ after mail_max_attempts.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { client, poolOn, readLog, stackEnv, waitFor } from './lib/stack.mjs';
import { formPost, registered } from './lib/accounts.mjs';

// An SMTP server: enough of RFC 5321 for libcurl (EHLO, MAIL, RCPT, DATA,
// QUIT). `hold` delays the greeting until released; recipients in `refuse`
// get 550 at RCPT.
class SmtpServer {
  constructor() {
    this.messages = [];
    this.refuse = new Set();
    this.hold = null;
    this.sockets = new Set();
  }

  listen(port = 0) {
    this.server = net.createServer((socket) => this.session(socket));
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => {
      this.port = this.server.address().port;
      resolve(this.port);
    }));
  }

  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  async session(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    if (this.hold) await this.hold.promise;
    const say = (line) => socket.write(`${line}\r\n`);
    let buffer = '';
    let data = null;
    let rcpt = [];
    say('220 test SMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (data !== null) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          data += buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          this.messages.push({ rcpt, data: Buffer.from(data, 'latin1').toString('utf8') });
          data = null;
          rcpt = [];
          say('250 queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') say('250 test');
        else if (verb === 'MAIL') say('250 ok');
        else if (verb === 'RCPT') {
          const to = line.match(/<([^>]*)>/)?.[1] ?? '';
          if (this.refuse.has(to)) say('550 no such user');
          else {
            rcpt.push(to);
            say('250 ok');
          }
        } else if (verb === 'DATA') {
          data = '';
          say('354 go on');
        } else if (verb === 'QUIT') {
          say('221 bye');
          socket.end();
        } else say('250 ok');
      }
    });
  }

  to(address) {
    return this.messages.filter((m) => m.rcpt.includes(address));
  }
}

const smtp = new SmtpServer();
const outbox = () => stackEnv().OUTBOX_DIR;
const queued = () => readdirSync(outbox()).filter((n) => n.endsWith('.eml'));
const requestReset = (email) => formPost(client(), '/auth/resetRequest', '/auth/resetRequest', { email });

before(async () => {
  // The mails the earlier test files queued (a registration mail each, in
  // the thousands after the storms) are set aside first: these tests wait
  // for an empty queue, and would otherwise wait for all of them.
  const aside = path.join(outbox(), 'set-aside');
  mkdirSync(aside, { recursive: true });
  for (const name of queued()) renameSync(path.join(outbox(), name), path.join(aside, name));
  await smtp.listen();
  await poolOn({ EMS_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, EMS_MAIL_RETRY_FIRST: '1', EMS_MAIL_MAX_ATTEMPTS: '3' });
});
after(async () => {
  await poolOn({});
  await smtp.close().catch(() => {});
});

test('a reset request is answered while the SMTP server has not even greeted; the sender then delivers it and the queue empties', async () => {
  const { email } = await registered();
  let release;
  smtp.hold = { promise: new Promise((resolve) => { release = resolve; }) };
  const res = await requestReset(email); // before this change: waited on SMTP, up to curl's 20 s
  assert.equal(res.status, 302);
  assert.equal(smtp.to(email).length, 0, 'answered before any mail went out');
  release();
  smtp.hold = null;
  const [mail] = await waitFor(() => smtp.to(email).length && smtp.to(email), { timeoutMs: 30000, what: 'the reset mail at the SMTP server' });
  assert.match(mail.data, /Subject: Reset your password/);
  assert.match(mail.data, /\/auth\/resetPassword\/[0-9a-f]+/);
  // The server has the mail before curl's transfer returns and the sender
  // removes its claim from sending/: wait for both to be empty.
  await waitFor(() => queued().length === 0 && readdirSync(path.join(outbox(), 'sending')).length === 0,
    { timeoutMs: 30000, what: 'an empty queue and no claim left in sending/' });
});

test('while the SMTP server is away the message waits and is retried; it is delivered once the server is back', async () => {
  const { email } = await registered();
  const port = smtp.port;
  await smtp.close();
  assert.equal((await requestReset(email)).status, 302);
  await waitFor(() => queued().some((n) => /-r1\.eml$/.test(n)), { timeoutMs: 30000, what: 'a first failed try' });
  await smtp.listen(port);
  await waitFor(() => smtp.to(email).length, { timeoutMs: 60000, what: 'delivery after the server came back' });
  await waitFor(() => queued().length === 0, { timeoutMs: 30000, what: 'an empty queue' });
  assert.equal(smtp.to(email).length, 1, 'sent once');
});

test('a recipient the server refuses: after mail_max_attempts tries the message is kept in failed/, with an error line', async () => {
  const { email } = await registered();
  smtp.refuse.add(email);
  const before = existsSync(path.join(outbox(), 'failed')) ? readdirSync(path.join(outbox(), 'failed')).length : 0;
  assert.equal((await requestReset(email)).status, 302);
  await waitFor(() => readdirSync(path.join(outbox(), 'failed')).length > before, { timeoutMs: 60000, what: 'the message in failed/' });
  assert.equal(queued().length, 0);
  assert.match(readLog(), /mail: \S+ not sent after 3 tries/);
  assert.equal(smtp.to(email).length, 0);
});
