// bench/cpu-profile.ts: what a V8 CPU profile (`--cpu-prof DIR` of bench/smtp/run.ts or
// bench/imap/run.ts) spent its time on, summed: the share of idle time, the functions with the
// most self time, and each package's share, a sample counted to the nearest node_modules package
// on its stack (else to the daemon's own code and Node's). --callers NAME: where NAME's self time
// was called from, as the three nearest frames outside Node's own modules. --window FROM-TO: only
// the samples inside one measured window, as bench/imap/run.ts --cpu-prof prints them (µs on the
// monotonic clock the profile is timed by).
//
//   npx tsx bench/cpu-profile.ts FILE.cpuprofile [--top 25] [--callers writeUtf8String] [--window FROM-TO]
import fs from 'node:fs';
import { arg } from './database';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

const file = process.argv[2];
const TOP = arg('top', 25);
const callersAt = process.argv.indexOf('--callers');
const CALLERS = callersAt > 0 ? process.argv[callersAt + 1] : null;
const windowAt = process.argv.indexOf('--window');
const [FROM, TO] = windowAt > 0 ? process.argv[windowAt + 1].split('-').map(Number) : [-Infinity, Infinity];

function packageOf(url: string): string | null {
  const rest = url.split('/node_modules/').pop();
  if (rest === undefined || rest === url) return null;
  const parts = rest.split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function main(): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const callers = new Map<string, number>();
  let total = 0;
  let clock = profile.startTime;
  profile.samples.forEach((id, i) => {
    clock += profile.timeDeltas[i];
    if (clock < FROM || clock > TO) return;
    // A sample's time is the gap to the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    total += us;
    const { functionName, url } = nodes.get(id)!.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.split('/node_modules/').pop()!.replace(/^file:\/\/.*?\/(lib|mail-daemon|bench)\//, '$1/')}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    let pkg: string | null = null;
    for (let at: number | undefined = id; at !== undefined && !pkg; at = parent.get(at)) pkg = packageOf(nodes.get(at)!.callFrame.url);
    const where = pkg ?? (functionName === '(idle)' ? '(idle)' : 'own code and Node');
    byPackage.set(where, (byPackage.get(where) ?? 0) + us);
    if (functionName === CALLERS) {
      const frames: string[] = [];
      for (let up = parent.get(id); up !== undefined && frames.length < 3; up = parent.get(up)) {
        const f = nodes.get(up)!.callFrame;
        if (f.url && !f.url.startsWith('node:')) frames.push(`${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}`);
      }
      const key = frames.join(' < ');
      callers.set(key, (callers.get(key) ?? 0) + us);
    }
  });
  const line = (us: number, label: string) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${label}`;
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s`);
  console.log('self time, by function:');
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(line(us, name));
  console.log('by package (a sample counted to the nearest package on its stack):');
  for (const [name, us] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(line(us, name));
  if (CALLERS) {
    console.log(`${CALLERS}, called from:`);
    for (const [name, us] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(line(us, name));
  }
}

main();
