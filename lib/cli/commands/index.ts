import type { Command } from 'commander';
import type { CliContext } from '../context';

/** A command group adds its subcommands (`postern <group> …`) to the program. */
export type CommandGroup = (program: Command, ctx: CliContext) => void;

export interface CommandGroupEntry {
  /** The word after `postern`. */
  name: string;
  load: () => Promise<CommandGroup>;
}

// One line per command group; a new group adds its line here. Groups load lazily: `postern
// mailbox …` never pays for the certificate libraries (~2 s of imports).
export const COMMAND_GROUPS: CommandGroupEntry[] = [
  { name: 'domain', load: async () => (await import('./domain')).registerDomain },
  { name: 'mailbox', load: async () => (await import('./mailbox')).registerMailbox },
  { name: 'alias', load: async () => (await import('./alias')).registerAlias },
  { name: 'admin', load: async () => (await import('./admin')).registerAdmin },
  { name: 'policy', load: async () => (await import('./policy')).registerPolicy },
  { name: 'audit', load: async () => (await import('./audit')).registerAudit },
  { name: 'queue', load: async () => (await import('./queue')).registerQueue },
  { name: 'tls', load: async () => (await import('./tls')).registerTls },
  { name: 'dns', load: async () => (await import('./dns')).registerDns },
  { name: 'ca', load: async () => (await import('./certificates')).registerCa },
  { name: 'cert', load: async () => (await import('./certificates')).registerCert },
  { name: 'smime', load: async () => (await import('./certificates')).registerSmime },
  { name: 'dkim', load: async () => (await import('./dkim')).registerDkim },
  { name: 'token', load: async () => (await import('./token')).registerToken },
  { name: 'status', load: async () => (await import('./status')).registerStatus },
  { name: 'backup', load: async () => (await import('./backup')).registerBackup },
  { name: 'restore', load: async () => (await import('./backup')).registerRestore },
];
