import { Command, CommanderError } from 'commander';
import { ConfigError } from '@/lib/config/env';
import { isServiceError } from '@/lib/errors';
import { VERSION } from '@/lib/version';
import { COMMAND_GROUPS } from './commands';
import { createContext, type CliContext } from './context';

/** One line, naming the field, never a stack trace (set POSTERN_DEBUG=1 for one). */
export function errorLine(err: unknown): string {
  if (isServiceError(err)) return `postern: ${err.field ? `${err.field}: ` : ''}${err.message}`;
  if (err instanceof ConfigError) return `postern: ${err.message}`;
  const e = err as Error;
  return `postern: ${e?.message?.split('\n').find((l) => l.trim()) ?? String(err)}`;
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('postern')
    .description('Administer a Postern mail server: domains, mailboxes, aliases, admins.')
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`postern: ${str.replace(/^error: /, '')}`) });
  for (const register of COMMAND_GROUPS) register(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs one CLI invocation and returns its exit code (0 ok, 1 bad input or failure). */
export async function runCli(argv: string[], ctx: CliContext = createContext()): Promise<number> {
  const program = buildProgram(ctx);
  let code = 0;
  try {
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
