import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

// No Docker engine runs here; Debian's docker-compose still validates the file as an engine
// would read it (interpolation, anchors, profiles, volumes), so a broken compose file fails CI.
// Its resolved form is read back with PyYAML (a dependency of Debian's docker-compose).
it('docker-compose.yml is valid and keeps rspamd off unless its profile is asked for', () => {
  const resolved = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8' });
  const json = execFileSync('/usr/bin/python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: resolved, encoding: 'utf8' });
  const services: Record<string, { profiles?: string[]; restart?: string; healthcheck?: { test: string[] } }> = JSON.parse(json).services;
  const byDefault = Object.keys(services).filter((name) => !services[name].profiles?.length).sort();
  expect(byDefault).toEqual(['daemon', 'panel', 'postgres']);
  expect(services.rspamd.profiles).toEqual(['rspamd']);
  for (const s of Object.values(services)) expect(s.restart).toBe('unless-stopped');
  expect(services.panel.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:3000/api/health');
  expect(services.daemon.healthcheck?.test.join(' ')).toMatch(/POSTERN_HEALTH_PORT \|\| 8025\) \+ '\/readyz'/);
});
