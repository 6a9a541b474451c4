import { Command, CommanderError } from 'commander';
import { ConfigError } from '@/lib/config/env';
import { isServiceError } from '@/lib/errors';
import { VERSION } from '@/lib/version';
import { COMMAND_GROUPS, type CommandGroup } from './commands';
import { createContext, type CliContext } from './context';

/** One line, naming the field, never a stack trace (set POSTERN_DEBUG=1 for one). */
export function errorLine(err: unknown): string {
  if (isServiceError(err)) return `postern: ${err.field ? `${err.field}: ` : ''}${err.message}`;
  if (err instanceof ConfigError) return `postern: ${err.message}`;
  const e = err as Error;
  return `postern: ${e?.message?.split('\n').find((l) => l.trim()) ?? String(err)}`;
}

/**
 * The groups this invocation needs: just the one named by the first word, or all of
 * them for help, version and unknown words (so commander can list or suggest them).
 */
export async function loadGroups(argv: string[]) {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const chosen = COMMAND_GROUPS.filter((g) => g.name === first);
  return Promise.all((chosen.length ? chosen : COMMAND_GROUPS).map((g) => g.load()));
}

export function buildProgram(ctx: CliContext, groups: CommandGroup[]): Command {
  const program = new Command('postern')
    .description('Administer a Postern mail server: domains, mailboxes, aliases, admins.')
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`postern: ${str.replace(/^error: /, '')}`) });
  for (const register of groups) register(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs one CLI invocation and returns its exit code (0 ok, 1 bad input or failure). */
export async function runCli(argv: string[], ctx: CliContext = createContext()): Promise<number> {
  let code = 0;
  try {
    const program = buildProgram(ctx, await loadGroups(argv));
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      code = err.exitCode === 0 ? 0 : 1;
    } else {
      process.stderr.write(`${errorLine(err)}\n`);
      if (process.env.POSTERN_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
      code = 1;
    }
  } finally {
    await ctx.close().catch(() => {});
  }
  return code || (process.exitCode as number) || 0;
}
