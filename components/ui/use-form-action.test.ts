// Every panel form talks to its Server Action through one hook, useFormAction
// (components/ui/use-form-action.ts): it keeps what was typed when the server refuses a
// submit and clears only the forms that ask for it. A form on bare useActionState (or its
// old name useFormState) would get React's reset after every submit, refusals included.
// Checked on the source of app/, components/ and lib/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOOK = 'components/ui/use-form-action.ts';
const DIRS = ['app', 'components', 'lib'];

// A call, an import from React (named, aliased or namespaced use), not a word in a comment.
const BARE_HOOK = /\b(?:React\.)?(?:useActionState|useFormState)\s*\(|import\s*\{[^}]*\b(?:useActionState|useFormState)\b[^}]*\}\s*from\s*['"]react(?:-dom)?['"]/;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return rel === 'lib/generated' ? [] : sourceFiles(rel);
    return /\.tsx?$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name) ? [rel] : [];
  });
}

/** The source without its comments, so a comment may still name the hook it explains. */
const code = (file: string) =>
  fs
    .readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('one form hook', () => {
  const files = DIRS.flatMap(sourceFiles);

  it('finds the panel sources and the hook itself', () => {
    expect(files).toContain(HOOK);
    expect(files.length).toBeGreaterThan(100);
    // The check below would pass on nothing: it must see the hook's own use of useActionState.
    expect(BARE_HOOK.test(code(HOOK))).toBe(true);
  });

  it('no file but use-form-action.ts calls useActionState (or useFormState) directly', () => {
    const offenders = files.filter((file) => file !== HOOK && BARE_HOOK.test(code(file)));
    expect(offenders).toEqual([]);
  });

  it('every client form that submits to an action uses useFormAction', () => {
    // A client component handing a function to <form action> without the hook would post
    // with React's reset; plain server forms (no 'use client') post without JavaScript anyway.
    const client = files.filter((file) => /\.tsx$/.test(file) && /^['"]use client['"]/m.test(code(file)));
    const offenders = client.filter((file) => {
      const source = code(file);
      return /<form\b[^>]*\saction=\{/.test(source) && !/\buseFormAction\(/.test(source);
    });
    expect(offenders).toEqual([]);
  });
});
