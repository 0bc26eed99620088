// The files ems writes through the app are the files the PHP app would
// have written: each one's keys in the PHP app's order (the fixtures show
// it), its types (uid and eventcreator JSON numbers on this INT schema),
// and its bytes exactly what PHP's json_encode(JSON_PRETTY_PRINT) makes of
// its own json_decode, checked with php-cli.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { client, sql } from './lib/stack.mjs';
import { formPost, uniqueEmail } from './lib/accounts.mjs';
import { emsAdmin } from './lib/admin.mjs';
import { createEvent, postForm, signedInClients, storageRoot } from './lib/fixtures.mjs';

const run = promisify(execFile);
const fileOf = (...parts) => path.join(storageRoot(), ...parts);

// The file's bytes, after checking PHP re-encodes them identically.
async function phpIdentical(file) {
  const text = readFileSync(file, 'utf8');
  const { stdout } = await run('php', ['-r',
    'echo json_encode(json_decode(file_get_contents($argv[1])), JSON_PRETTY_PRINT);', file]);
  assert.equal(text, stdout, `${file}: PHP writes the same bytes`);
  return text;
}

// Keys in file order (JSON.parse keeps insertion order for non-integer keys).
const keysOf = (object) => Object.keys(object);

test('a new user file has the PHP keys in the PHP order, uid a number', async () => {
  const email = uniqueEmail('phpfile');
  const res = await formPost(client(), '/auth/register', '/auth/register', {
    fname: 'Zoë', mname: 'Q.', lname: 'Ødegård/Ruiz', email, password: 'Passw0rd!', confirm_password: 'Passw0rd!',
  });
  assert.equal(res.status, 302);
  const [[uid]] = await sql(`SELECT CAST(uid AS CHAR) FROM user_credentials WHERE email = '${email}'`);
  const user = JSON.parse(await phpIdentical(fileOf('users', `${uid}.json`)));
  assert.deepEqual(keysOf(user), ['uid', 'fname', 'mname', 'lname', 'email', 'profilepicture',
    'emailverified', 'last_updated', 'created_at']);
  assert.equal(user.uid, Number(uid));
  assert.equal(user.emailverified, 0);
});

test('an event file and a participant entry have the PHP keys, order and types', async () => {
  const [org, guest] = await signedInClients(2);
  const ev = await createEvent(org, { max_participants: '40' });
  const file = JSON.parse(await phpIdentical(fileOf('events', `${ev.id}.json`)));
  assert.deepEqual(keysOf(file), ['eventid', 'eventname', 'startdate', 'enddate', 'location',
    'eventshortinfo', 'eventcreator', 'eventkey', 'eventbadgepath', 'eventinfopath', 'created_at',
    'last_updated', 'settings', 'description', 'listed', 'registration_opens', 'registration_closes',
    'close_at_start']); // ours after the PHP keys (docs/COMPATIBILITY.md)
  assert.deepEqual(keysOf(file.settings), ['registration_open', 'max_participants', 'require_approval']);
  assert.equal(file.eventid, String(ev.id), 'eventid a string, as every PHP view rewrote it');
  assert.equal(file.eventcreator, Number(org.user.uid), 'eventcreator a number, as PHP wrote it');
  assert.equal(file.settings.max_participants, 40);

  const reg = await postForm(guest, `/events/register/${ev.key}`);
  assert.equal(reg.status, 302);
  // The entry reaches participants/<id>.json at compaction (the journal
  // holds it until then): the file PHP reads after a switch back.
  const compacted = await emsAdmin('compact', '--event', String(ev.id), '--storage', storageRoot());
  assert.equal(compacted.code, 0, compacted.out);
  const list = JSON.parse(await phpIdentical(fileOf('participants', `${ev.id}.json`)));
  const entry = list[guest.user.uid];
  assert.deepEqual(keysOf(entry), ['uid', 'joined_at', 'status', 'name', 'email']);
  assert.equal(entry.uid, Number(guest.user.uid));
  assert.equal(entry.status, 'registered');
  assert.match(entry.joined_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
});
