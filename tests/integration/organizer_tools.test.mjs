// Issue 13, organizer polish: "Duplicate event" opens the create form
// filled from one of the organizer's own events; sending it makes a new
// event (its own key, no participants), the original unchanged. The manage
// page's chart of registrations over time (inline SVG).
import test from 'node:test';
import assert from 'node:assert/strict';
import { sql } from './lib/stack.mjs';
import {
  createEvent, eventFields, eventFile, flashAfter, postForm, signedInClients, unique,
} from './lib/fixtures.mjs';

const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// The form's fields as a browser would send them: the last value of each
// name among text inputs, hidden inputs and checked boxes.
function formFields(html) {
  const form = html.match(/<form[^>]*action="\/events\/create"[^>]*>([\s\S]*?)<\/form>/);
  assert.ok(form, 'a form that posts to /events/create');
  const fields = [];
  for (const tag of form[1].match(/<(input|textarea)\b[^>]*>/g)) {
    const name = tag.match(/\bname="([^"]*)"/)?.[1];
    if (!name) continue;
    const type = tag.match(/\btype="([^"]*)"/)?.[1] ?? 'text';
    if (type === 'checkbox' && !/\bchecked\b/.test(tag)) continue;
    fields.push([name, unescape(tag.match(/\bvalue="([^"]*)"/)?.[1] ?? '')]);
  }
  return fields;
}

test('Duplicate event: the create form filled from the event, a new event made only when sent', async () => {
  const [org, guest, other] = await signedInClients(3);
  const ev = await createEvent(org, { location: 'Room <1>', max_participants: '25', require_approval: '1' });
  assert.equal((await postForm(guest, `/events/register/${ev.key}`)).status, 302);

  const manage = await org.get(`/events/manage/${ev.id}`);
  assert.ok(manage.text.includes(`href="/events/duplicate/${ev.id}"`), 'the manage page links to it');
  const form = await org.get(`/events/duplicate/${ev.id}`);
  assert.equal(form.status, 200);
  assert.match(form.text, /<h1[^>]*>Duplicate Event<\/h1>/);
  const fields = formFields(form.text);
  const value = (n) => fields.filter(([k]) => k === n).at(-1)?.[1];
  assert.equal(value('eventname'), `${ev.name} (copy)`);
  assert.equal(value('location'), 'Room <1>');
  assert.equal(value('max_participants'), '25');
  assert.equal(value('require_approval'), '1');
  assert.equal(value('startdate'), '2030-05-01T09:00');
  assert.match(value('form_token') ?? '', /\S/, 'a create form token: a double submit creates once');
  const before = (await sql('SELECT COUNT(*) FROM events'))[0][0];
  assert.equal((await sql('SELECT COUNT(*) FROM events'))[0][0], before, 'showing the form creates nothing');

  const sent = await org.post('/events/create', fields);
  const { flash, location } = await flashAfter(org, sent);
  assert.equal(flash, 'Event created successfully!');
  const copyId = Number(location.match(/\/events\/manage\/(\d+)$/)[1]);
  assert.notEqual(copyId, Number(ev.id));
  const [[name, key, count]] = await sql(`SELECT eventname, eventkey, participantcount FROM events WHERE eventid = ${copyId}`);
  assert.equal(name, `${ev.name} (copy)`);
  assert.notEqual(key, ev.key);
  assert.equal(Number(count), 0);
  assert.equal(eventFile(copyId).settings.max_participants, 25);
  assert.equal(eventFile(copyId).settings.require_approval, true);
  assert.equal(Number((await sql(`SELECT participantcount FROM events WHERE eventid = ${ev.id}`))[0][0]), 1);

  // Someone else's event, and no event: refused, nothing shown of it.
  const refused = await flashAfter(other, await other.get(`/events/duplicate/${ev.id}`));
  assert.equal(refused.flash, 'You can only duplicate your own events');
  assert.ok(!refused.page.text.includes('Room &lt;1&gt;'));
  assert.equal((await flashAfter(org, await org.get('/events/duplicate/999999999'))).flash, 'Event not found');
});

test('Duplicate event: a name of 255 characters keeps " (copy)" within 255 characters, none cut in half', async () => {
  const [org] = await signedInClients(1);
  const name = `${unique('Ü')}${'ä'.repeat(300)}`.slice(0, 255);
  const ev = await createEvent(org, { eventname: name });
  const fields = formFields((await org.get(`/events/duplicate/${ev.id}`)).text);
  const copy = fields.find(([k]) => k === 'eventname')[1];
  assert.equal([...copy].length, 255);
  assert.ok(copy.endsWith(' (copy)'));
  assert.ok(name.startsWith(copy.slice(0, -' (copy)'.length)));
  const sent = await flashAfter(org, await org.post('/events/create', fields));
  assert.equal(sent.flash, 'Event created successfully!');
});

test('the manage page draws registrations over time as inline SVG; an event without registrations has no chart', async () => {
  const [org, ...people] = await signedInClients(4);
  const ev = await createEvent(org);
  const empty = await org.get(`/events/manage/${ev.id}`);
  assert.ok(!empty.text.includes('class="chart"'));
  for (const c of people) assert.equal((await postForm(c, `/events/register/${ev.key}`)).status, 302);
  for (const url of [`/events/manage/${ev.id}`, `/events/manage/${ev.id}?all=1`]) {
    const page = await org.get(url);
    assert.equal(page.status, 200);
    const figure = page.text.match(/<figure class="chart">[\s\S]*?<\/figure>/)?.[0];
    assert.ok(figure, url);
    assert.match(figure, /<svg viewBox="0 0 600 140" aria-hidden="true"/);
    // All three joined today: a flat line at the top, 3 on the axis.
    assert.match(figure, /class="chart-line" d="M44\.0 8\.0L592\.0 8\.0"/);
    assert.match(figure, />3<\/text>/);
    assert.match(figure, /Registrations over time: 3 registered on \d{1,2} \w{3} \d{4}\./);
    assert.ok(!/<script/i.test(figure));
  }
});

test('a description of several lines: the whole text in the event file, its first 255 characters on one line in the PHP column; an edit by the PHP app wins', async () => {
  const [org] = await signedInClients(1);
  const lines = ['Doors open at 18:00.', '', 'Bring <your> laptop & charger.'];
  const description = `${lines.join('\r\n')}\r\n${'Ö'.repeat(400)}`;
  const ev = await createEvent(org, { eventshortinfo: description });
  const stored = description.replace(/\r\n/g, '\n');
  const file = eventFile(ev.id);
  assert.equal(file.description, stored);
  const [[column]] = await sql(`SELECT eventshortinfo FROM events WHERE eventid = ${ev.id}`);
  assert.equal([...column].length, 255);
  assert.equal(column, [...stored.replace(/\n/g, ' ')].slice(0, 255).join(''));
  assert.equal(file.eventshortinfo, column, 'the PHP key of the file is the column');

  const manage = await org.get(`/events/manage/${ev.id}`);
  const shown = manage.text.match(/<dd class="description">([\s\S]*?)<\/dd>/)[1];
  assert.equal(shown, stored.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  const edit = await org.get(`/events/edit/${ev.id}`);
  assert.equal(edit.text.match(/<textarea id="eventshortinfo" name="eventshortinfo"[^>]*>([\s\S]*?)<\/textarea>/)?.[1], shown,
    'the edit form has the whole text');
  const api = (await org.json('GET', `/api/events/${ev.id}`)).json();
  assert.equal(api.description, stored);
  assert.equal(api.shortinfo, column);

  // The PHP app (after a rollback) edits only the column: its text is shown.
  await sql(`UPDATE events SET eventshortinfo = 'Changed by the PHP app' WHERE eventid = ${ev.id}`);
  const after = await org.get(`/events/manage/${ev.id}`);
  assert.match(after.text, /<dd class="description">Changed by the PHP app<\/dd>/);
  // 5001 characters: refused, nothing changed.
  const tooLong = await postForm(org, `/events/edit/${ev.id}`, eventFields({ eventname: ev.name, eventshortinfo: 'x'.repeat(5001) }));
  assert.equal(tooLong.status, 422);
  assert.match(tooLong.text, /Please use at most 5000 characters/);
  assert.equal((await sql(`SELECT eventshortinfo FROM events WHERE eventid = ${ev.id}`))[0][0], 'Changed by the PHP app');
});
