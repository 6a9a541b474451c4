import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '@/lib/postgres/embedded';
import { tmpDir } from '@/mail-daemon/testing/certificates';

// Debian's rspamd on loopback for tests, from a configuration of our own rather than
// /etc/rspamd: no C filters and only two Lua plugins, multimap and force_actions, with rules on
// local files (so no RBL, SURBL, DNS or URL lists, fuzzy servers or maps fetched from the
// network), a resolver that leads nowhere, only the controller worker (it serves /checkv2 and
// the learn endpoints), and every file — pid, statistics, learn cache, hyperscan cache, maps —
// in the world's own directory. What remains is rspamd's core: GTUBE (→ reject) and its test
// siblings, the actions, and the Bayes classifier on Debian 3.4's sqlite3 backend, so learning
// needs no Redis; min_learns = 1 makes one learn of each class enough to score.
//
// rspamd's test patterns name no soft reject or greylist, so a test header forces them: a
// multimap rule gives a symbol for a listed value of X-Postern-Test-Action, and a force_actions
// rule on that symbol sets the action (https://rspamd.com/doc/modules/force_actions.html).

export interface TestRspamd {
  /** The controller's URL: POSTERN_RSPAMD_URL. */
  url: string;
  /** The controller's enable password, needed for learning: POSTERN_RSPAMD_PASSWORD. */
  password: string;
  /** rspamd's counters (/stat): `learned` counts accepted learns. */
  stat(): Promise<{ scanned: number; learned: number; statfiles: { symbol: string; revision: number }[] }>;
  /** The first line of rspamd's log matching `pattern`, once it is written (each scan logs its envelope). */
  logLine(pattern: RegExp): Promise<string>;
  stop(): Promise<void>;
}

/** GTUBE: rspamd answers `reject`. */
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
/** rspamd's test variants of GTUBE (enable_test_patterns, on here): `add header` and `rewrite subject`. */
export const GTUBE_ADD_HEADER = 'Y' + GTUBE.slice(1);
export const GTUBE_REWRITE_SUBJECT = 'Z' + GTUBE.slice(1);
/** A header field that makes the test rspamd answer `soft reject`. */
export const FORCE_SOFT_REJECT = 'X-Postern-Test-Action: soft-reject';
/** A header field that makes the test rspamd answer `greylist`. */
export const FORCE_GREYLIST = 'X-Postern-Test-Action: greylist';

export async function startRspamd(): Promise<TestRspamd> {
  const dir = tmpDir();
  const port = await freePort();
  const dead = await freePort();
  const password = 'rspamd-test-password';
  const tld = path.join(dir, 'tld.dat');
  // The URL detector compiles the public suffix list at start (seconds); a few suffixes do for tests.
  fs.writeFileSync(tld, 'com\nnet\norg\nexample\ntest\n');
  const softRejectMap = path.join(dir, 'soft-reject.map');
  const greylistMap = path.join(dir, 'greylist.map');
  fs.writeFileSync(softRejectMap, 'soft-reject\n');
  fs.writeFileSync(greylistMap, 'greylist\n');
  // Of Debian's rules/rspamd.lua only the global helpers Lua plugins call (none of its rules).
  const lua = path.join(dir, 'rspamd.lua');
  fs.writeFileSync(lua, 'require "global_functions" ()\n');
  const config = path.join(dir, 'rspamd.conf');
  fs.writeFileSync(config, `
options {
  pidfile = "${dir}/rspamd.pid";
  filters = "";
  hs_cache_dir = "${dir}";
  url_tld = "${tld}";
  # GTUBE's siblings (YJS… → add header, ZJS… → rewrite subject), so tests reach every action.
  enable_test_patterns = true;
  tempdir = "${dir}";
  dns { nameserver = ["127.0.0.1:${dead}"]; timeout = 0.2s; retransmits = 1; }
}
logging { type = "console"; level = "notice"; }
actions { reject = 15; "rewrite subject" = 8; "add header" = 6; greylist = 4; }
lua = "${lua}";
modules { path = "/usr/share/rspamd/plugins"; }
multimap {
  TEST_SOFT_REJECT { type = "header"; header = "X-Postern-Test-Action"; map = "${softRejectMap}"; score = 0.0; }
  TEST_GREYLIST { type = "header"; header = "X-Postern-Test-Action"; map = "${greylistMap}"; score = 0.0; }
}
force_actions {
  rules {
    TEST_SOFT_REJECT { action = "soft reject"; expression = "TEST_SOFT_REJECT"; }
    TEST_GREYLIST { action = "greylist"; expression = "TEST_GREYLIST"; }
  }
}
worker "controller" {
  bind_socket = "127.0.0.1:${port}";
  count = 1;
  enable_password = "${password}";
  secure_ip = [];
  stats_path = "${dir}/stats.ucl";
}
classifier "bayes" {
  tokenizer { name = "osb"; }
  backend = "sqlite3";
  min_tokens = 1;
  min_learns = 1;
  cache { type = "sqlite3"; path = "${dir}/learn_cache.sqlite"; }
  statfile { symbol = "BAYES_HAM"; spam = false; path = "${dir}/bayes.ham.sqlite"; }
  statfile { symbol = "BAYES_SPAM"; spam = true; path = "${dir}/bayes.spam.sqlite"; }
}
`);
  // As root rspamd refuses to run without -u/-g; it then stays root, which owns the directory.
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root', '-g', 'root'] : [];
  const child = spawn('/usr/bin/rspamd', ['-f', '-c', config, ...asRoot, '--var', `DBDIR=${dir}`, '--var', `RUNDIR=${dir}`, '--var', `LOGDIR=${dir}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const waiting = new Set<() => void>();
  // RSPAMD_TEST_LOG=1 shows rspamd's own log (one line per scan: envelope, action, symbols).
  const collect = (d: Buffer) => {
    logs += d;
    if (process.env.RSPAMD_TEST_LOG) process.stderr.write(d);
    for (const look of waiting) look();
  };
  const logLine = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const look = () => {
        const line = logs.split('\n').find((l) => pattern.test(l));
        if (line === undefined) return;
        waiting.delete(look);
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        waiting.delete(look);
        reject(new Error(`rspamd never logged ${pattern}`));
      }, 5000);
      waiting.add(look);
      look();
    });
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`rspamd exited: ${logs}`);
      if (i > 600) throw new Error(`rspamd never answered /ping: ${logs}`);
      const pong = await fetch(`${url}/ping`).then((r) => r.text(), () => '');
      if (pong.trim() === 'pong') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    password,
    async stat() {
      const res = await fetch(`${url}/stat`, { headers: { Password: password } });
      return (await res.json()) as Awaited<ReturnType<TestRspamd['stat']>>;
    },
    logLine,
    stop,
  };
}
