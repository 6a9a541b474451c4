#!/usr/bin/env node
// `postern` launcher: lets Node load the TypeScript CLI directly (no build step), with
// the repo's tsconfig so "@/..." imports resolve from any working directory.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import('./main.ts');
