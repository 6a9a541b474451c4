import type { Command } from 'commander';
import { activateDkimKey, checkDkimDns, dkimDnsRecordsFor, generateDkimKey, listDkimKeys, retireDkimKey } from '@/lib/dkim';
import { bindTxtData } from '@/lib/dns/txt';
import type { CliContext } from '../context';
import { table } from '../output';

// postern dkim …: a domain's DKIM signing keys (RFC 6376, Ed25519 per RFC 8463) and the records to publish.

const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '');

export function registerDkim(program: Command, ctx: CliContext): void {
  const dkim = program.command('dkim').description("a domain's DKIM signing keys: generate, publish, check, activate, retire");

  dkim.command('list <domain>')
    .alias('ls')
    .description("a domain's keys with their status and the last DNS check")
    .option('--json', 'machine-readable output')
    .action(async (domain: string, o: { json?: boolean }) => {
      const r = await listDkimKeys(await ctx.db(), ctx.actor, { domain });
      if (o.json) return ctx.json(r.keys);
      if (!r.keys.length) return ctx.out(`no DKIM keys for ${r.domain}: postern dkim generate ${r.domain}`);
      ctx.out(table(['SELECTOR', 'TYPE', 'STATUS', 'DNS', 'CREATED', 'ACTIVATED', 'RETIRE AFTER'],
        r.keys.map((k) => [k.selector, k.algorithm, k.status, k.dnsStatus ?? 'unchecked', day(k.createdAt), day(k.activatedAt), day(k.retireAfter)])));
    });

  dkim.command('generate <domain>')
    .description('a new key, pending until its record is published, checked and the key activated')
    .option('--type <type>', 'rsa (RSA-2048, default) or ed25519', 'rsa')
    .option('--selector <s>', 'the selector (one DNS label); default p<yyyymmdd><r|e>')
    .action(async (domain: string, o: { type: string; selector?: string }) => {
      const k = await generateDkimKey(await ctx.db(), ctx.actor, { domain, type: o.type as never, selector: o.selector });
      ctx.out(`generated ${k.algorithm} key ${k.selector} for ${k.domain} (pending): publish this record, then postern dkim check ${k.domain} ${k.selector}`);
      ctx.out(`${k.record.name}. IN TXT ${bindTxtData(k.record.value)}`);
    });

  dkim.command('check <domain> <selector>')
    .description("look up the selector's TXT record and compare it with the key")
    .action(async (domain: string, selector: string) => {
      const r = await checkDkimDns(await ctx.db(), ctx.actor, { domain, selector });
      const detail = { found: 'the record is published', different: 'a different record is published', missing: 'no record yet', failed: `the lookup failed (${r.error}): try again` }[r.status];
      ctx.out(`${r.key.record.name}: ${r.status} (${detail})`);
      for (const seen of r.status === 'different' ? r.seen : []) ctx.out(`  seen: ${seen}`);
      if (r.status !== 'found') process.exitCode = 1;
    });

  dkim.command('activate <domain> <selector>')
    .description('sign with this key from now on (its record must just have been found); the old key retires after the grace period')
    .action(async (domain: string, selector: string) => {
      const r = await activateDkimKey(await ctx.db(), ctx.actor, { domain, selector });
      ctx.out(`activated ${r.key.selector} for ${r.key.domain}${r.replaced ? `; ${r.replaced.selector} is retiring until ${day(r.replaced.retireAfter)} (keep its record until then)` : ''}`);
    });

  dkim.command('retire <domain> <selector>')
    .description('retire a key now (retiring the active key leaves the domain unsigned)')
    .action(async (domain: string, selector: string) => {
      const r = await retireDkimKey(await ctx.db(), ctx.actor, { domain, selector });
      ctx.out(`retired ${r.selector}${r.unsigned ? `: ${domain} has no signing key now, its mail leaves unsigned until another key is activated` : ''}`);
    });

  dkim.command('show-dns <domain>')
    .description('the DKIM records to publish now (pending, active and retiring keys), as BIND zone lines')
    .option('--json', 'machine-readable output: selector, status, name, value')
    .action(async (domain: string, o: { json?: boolean }) => {
      const r = await dkimDnsRecordsFor(await ctx.db(), ctx.actor, { domain });
      if (o.json) return ctx.json(r.records);
      if (!r.records.length) return ctx.out(`no DKIM records to publish for ${r.domain}`);
      for (const rec of r.records) ctx.out(`${rec.name}. IN TXT ${bindTxtData(rec.value)} ; ${rec.status}`);
    });
}
