// `prisma generate` insists on a schema-engine binary even though generate never
// runs it; point it at /bin/true unless the environment provides a real one.
import { execFileSync } from 'node:child_process';

execFileSync('npx', ['prisma', 'generate'], {
  stdio: 'inherit',
  env: { PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1', ...process.env },
});
