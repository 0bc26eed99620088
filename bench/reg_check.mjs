// After a registration run (bench/register_bench.mjs) into fresh events:
// were all acknowledged registrations kept, once each, and does
// participantcount say what the file holds?
//   EMS_STACK_DIR=DIR node bench/reg_check.mjs PREFIX EVENT_IDS OK_COUNT
// For each event: the journal's put records are counted before
// `ems-admin compact` folds them (a uid put twice is a duplicate), then the
// keys of the compacted PHP-format file (a key written twice is one too),
// then participantcount. Prints "PREFIX.name value" lines: in_file, count
// (sum of participantcount), lost (acknowledged but not in a file), extra
// (in a file but not acknowledged), duplicates, count_mismatch (events whose
// participantcount differs from their file).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from '../tests/integration/lib/stack.mjs';
import { storageRoot } from '../tests/integration/lib/fixtures.mjs';

const [prefix, idList, okText] = process.argv.slice(2);
const ids = idList.split(',');
const root = storageRoot();
let inFile = 0;
let count = 0;
let duplicates = 0;
let mismatch = 0;

const countDuplicates = (keys) => keys.length - new Set(keys).size;

for (const id of ids) {
  const journal = path.join(root, '.ems', 'journal', `${id}.jnl`);
  if (existsSync(journal)) {
    const puts = readFileSync(journal, 'utf8').split('\n').filter(Boolean).slice(1)
      .map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)))
      .filter((r) => r.op === 'put').map((r) => r.key);
    duplicates += countDuplicates(puts);
  }
  execFileSync('bin/ems-admin', ['compact', '--event', id, '--storage', root], { stdio: 'ignore' });
  const text = readFileSync(path.join(root, 'participants', `${id}.json`), 'utf8');
  // The PHP format puts each top-level key at four spaces' indent.
  const keys = [...text.matchAll(/^ {4}"([^"]+)": \{/gm)].map((m) => m[1]);
  duplicates += countDuplicates(keys);
  const [[n]] = await sql(`SELECT participantcount FROM events WHERE eventid = ${Number(id)}`);
  inFile += keys.length;
  count += Number(n);
  if (Number(n) !== keys.length) mismatch += 1;
}
const ok = Number(okText);
for (const [name, value] of Object.entries({
  in_file: inFile, count, lost: Math.max(0, ok - inFile), extra: Math.max(0, inFile - ok), duplicates,
  count_mismatch: mismatch,
})) console.log(`${prefix}.${name} ${value}`);
