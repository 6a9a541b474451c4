import fs from 'node:fs';
import path from 'node:path';

export class AlreadyRunning extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the data directory for this `npm start`: a second one on the same
 * directory refuses instead of starting a second set of processes on one cluster.
 * A lock left by a crashed start (its pid is gone) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const file = path.join(dataDir, 'postern.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (pid > 0 && alive(pid)) {
        throw new AlreadyRunning(`Postern is already running on ${dataDir} (pid ${pid}); stop it first or use another POSTERN_DATA_DIR`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new AlreadyRunning(`could not lock ${file}`);
}
