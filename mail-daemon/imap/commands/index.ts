// THE command table: every IMAP command name → { states, parse, handle }.
// The session dispatches from here and nowhere else.
import { generalCommands } from './general';
import { mailboxCommands } from './mailboxes';
import { messageCommands } from './messages';
import type { CommandSpec } from './types';

export type { Completion, CommandSpec } from './types';

export const COMMANDS: Record<string, CommandSpec> = {
  ...generalCommands,
  ...mailboxCommands,
  ...messageCommands,
};
