// THE command table: every IMAP command name → { states, parse, handle }.
// server.ts hands it to every session, which dispatches from it and nothing else.
import { generalCommands } from './general';
import { authenticatedCommands } from './authenticated';
import { listCommands } from './list';
import { selectedCommands } from './selected';
import type { CommandTable } from './types';

export type { Completion, CommandSpec } from './types';

export const COMMANDS: CommandTable = {
  ...generalCommands,
  ...authenticatedCommands,
  ...listCommands,
  ...selectedCommands,
};
