import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerAdmin } from './admin';
import { registerAlias } from './alias';
import { registerAudit } from './audit';
import { registerCa, registerCert, registerSmime } from './certificates';
import { registerDomain } from './domain';
import { registerMailbox } from './mailbox';
import { registerPolicy } from './policy';
import { registerTls } from './tls';

/** A command group adds its subcommands (`postern <group> …`) to the program. */
export type CommandGroup = (program: Command, ctx: CliContext) => void;

// One line per group; other rooms add theirs here (ca, cert, smime, tls…).
export const COMMAND_GROUPS: CommandGroup[] = [registerDomain, registerMailbox, registerAlias, registerAdmin, registerPolicy, registerAudit, registerTls, registerCa, registerCert, registerSmime];
