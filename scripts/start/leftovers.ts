import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '@/lib/postgres/embedded';

// A start that was killed outright (SIGKILL, the OOM killer) cannot stop its programs, and
// they run in process groups of their own, so they outlive it, holding their ports: the next
// start would refuse them as taken. So each start notes what it runs, in
// <data dir>/postern.children, and the next one stops whatever of it is still running.
// A process is named by its pid and its start time (/proc/<pid>/stat), so a pid the system
// has since given to another program is never taken for ours. (The postmaster is not noted:
// the next start takes it over, see postgres.ts.)

interface Noted {
  name: string;
  pid: number;
  startTime: string;
}

/** When `pid` started (clock ticks since boot), or undefined when it does not run or there is no /proc. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": starttime is field 22; comm may hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const fileIn = (dataDir: string) => path.join(dataDir, 'postern.children');

function read(file: string): Noted[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.length === 3 && Number(f[1]) > 0)
    .map(([name, pid, startTime]) => ({ name, pid: Number(pid), startTime }));
}

/** The programs this start runs, kept in the data directory while they run. */
export function noteChildren(dataDir: string): { add(name: string, pid: number): void; remove(pid: number): void; clear(): void } {
  const file = fileIn(dataDir);
  const noted = new Map<number, Noted>();
  const write = () => fs.writeFileSync(file, [...noted.values()].map((n) => `${n.name} ${n.pid} ${n.startTime}\n`).join(''), { mode: 0o600 });
  return {
    add(name, pid) {
      const startTime = startTimeOf(pid);
      if (!startTime) return;
      noted.set(pid, { name, pid, startTime });
      write();
    },
    remove(pid) {
      if (noted.delete(pid)) write();
    },
    clear() {
      noted.clear();
      fs.rmSync(file, { force: true });
    },
  };
}

function signalGroup(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    // the group is gone
  }
}

/**
 * Stops what a killed start on `dataDir` left running (SIGTERM to each group, SIGKILL after
 * `graceMs`), before this start checks its ports. Call it holding the data directory's lock.
 */
export async function stopLeftovers(dataDir: string, say: (line: string) => void, graceMs = 10_000): Promise<void> {
  const file = fileIn(dataDir);
  const left = read(file).filter((n) => isAlive(n.pid) && startTimeOf(n.pid) === n.startTime);
  for (const n of left) {
    say(`stopping the ${n.name} (pid ${n.pid}) that a start which was killed left running`);
    signalGroup(n.pid, 'SIGTERM');
  }
  const deadline = Date.now() + graceMs;
  const running = () => left.filter((n) => isAlive(n.pid) && startTimeOf(n.pid) === n.startTime);
  while (running().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const n of running()) signalGroup(n.pid, 'SIGKILL');
  const killed = Date.now() + 5000;
  while (running().length && Date.now() < killed) await new Promise((r) => setTimeout(r, 50));
  fs.rmSync(file, { force: true });
}
