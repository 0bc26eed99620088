// bin/ems-admin against the test stack's configuration, and the helpers
// tests use to read `check --json` for the things they made (the stack is
// shared by every test file, so a test asserts on its own events and users,
// never on the whole database being clean).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binPath, stackEnv } from './stack.mjs';

const run = promisify(execFile);

// Resolves to { code, out } whatever the exit status.
export async function emsAdmin(...args) {
  try {
    const { stdout, stderr } = await run(binPath('ems-admin'), ['-c', stackEnv().CONF, ...args],
      { maxBuffer: 64 << 20 });
    return { code: 0, out: `${stdout}${stderr}`, stdout };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, out: `${e.stdout}${e.stderr}`, stdout: e.stdout };
  }
}

// `check --json` (with --repair when asked): { code, report }.
export async function checkJson({ repair = false } = {}) {
  const { code, out, stdout } = await emsAdmin('check', '--json', ...(repair ? ['--repair'] : []));
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    throw new Error(`check --json printed no JSON (exit ${code}):\n${out.slice(0, 2000)}`);
  }
  return { code, report };
}

// The problems of a report that name one of these events or users.
export function problemsAbout(report, { events = [], users = [] } = {}) {
  const subjects = new Set([...events.map((e) => `event ${e}`), ...users.map((u) => `user ${u}`)]);
  return report.problems.filter((p) => subjects.has(p.subject));
}
