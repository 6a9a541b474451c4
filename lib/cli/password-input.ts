import readline from 'node:readline';
import { ServiceError } from '@/lib/errors';
import type { CliContext } from './context';

/** One password from stdin: the whole input minus one trailing newline (spaces inside are kept). */
export async function passwordFromStdin(ctx: CliContext): Promise<string> {
  const text = (await ctx.readStdin()).replace(/\r?\n$/, '');
  if (!text) throw new ServiceError('invalid', 'no password on stdin', 'password');
  if (text.includes('\n')) throw new ServiceError('invalid', 'give one password on one line', 'password');
  return text;
}

/** Asks on the terminal without echo, twice. */
export async function promptPassword(label = 'New password'): Promise<string> {
  const first = await ask(`${label}: `);
  const second = await ask('Again: ');
  if (first !== second) throw new ServiceError('invalid', 'the two passwords differ', 'password');
  if (!first) throw new ServiceError('invalid', 'empty password', 'password');
  return first;
}

/** One answer typed on the terminal without echo. */
export function ask(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Mute echo: readline writes typed characters through _writeToOutput.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(question)) process.stderr.write(question);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** --password-stdin, --password P, a prompt on a terminal, or stdin when piped; undefined = generate. */
export async function readPasswordOption(
  ctx: CliContext,
  opts: { password?: string; passwordStdin?: boolean },
  { required }: { required: boolean },
): Promise<string | undefined> {
  if (opts.password !== undefined && opts.passwordStdin) {
    throw new ServiceError('invalid', 'give --password or --password-stdin, not both', 'password');
  }
  if (opts.passwordStdin) return passwordFromStdin(ctx);
  if (opts.password !== undefined) return opts.password;
  if (!required) return undefined;
  return ctx.stdinIsTty ? promptPassword() : passwordFromStdin(ctx);
}
