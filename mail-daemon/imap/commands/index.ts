// THE command table: every IMAP command name → { states, parse, handle }.
// server.ts hands it to every session, which dispatches from it and nothing else.
import { generalCommands } from './general';
import { authenticatedCommands } from './authenticated';
import { appendCommands } from './append';
import { compressCommands } from './compress';
import { listCommands } from './list';
import { notifyCommands } from './notify';
import { selectedCommands } from './selected';
import { sortCommands } from './sort';
import { contextCommands } from './context';
import type { CommandTable } from './types';

export type { Completion, CommandSpec } from './types';

export const COMMANDS: CommandTable = {
  ...generalCommands,
  ...authenticatedCommands,
  ...appendCommands,
  ...compressCommands,
  ...listCommands,
  ...notifyCommands,
  ...selectedCommands,
  ...sortCommands,
  ...contextCommands,
};
