import { z } from 'zod';
import type { Actor } from '@/lib/actor';
import { audit } from '@/lib/audit/audit';
import type { DbOrTx } from '@/lib/audit/types';
import { parseTrustedProxies } from '@/lib/auth/client-ip';
import type { Db } from '@/lib/db/prisma';
import { requireGlobal } from '@/lib/domains/scope';
import { parseInput } from '@/lib/queue/validations';
import { normalizeAddress } from '@/lib/validations/address';

export interface MonitoringSettingsDto {
  metricsAllow: string[];
  alertRecipients: string[];
  webhookUrl: string | null;
  certDays: number;
  daemonSilentMinutes: number;
  queueThreshold: number;
  sendLimitAlerts: boolean;
}

const select = {
  metricsAllow: true, alertRecipients: true, webhookUrl: true, certDays: true,
  daemonSilentMinutes: true, queueThreshold: true, sendLimitAlerts: true,
} as const;

/** The one settings row (its migration creates it). */
export async function getMonitoringSettings(db: DbOrTx): Promise<MonitoringSettingsDto> {
  return (await db.monitoringSettings.findUnique({ where: { id: 1 }, select })) ?? {
    metricsAllow: [], alertRecipients: [], webhookUrl: null, certDays: 14, daemonSilentMinutes: 5, queueThreshold: 1000, sendLimitAlerts: true,
  };
}

const list = (s: string) => s.split(/[\s,;]+/).map((v) => v.trim()).filter(Boolean);

export const monitoringSettingsSchema = z.object({
  metricsAllow: z.string().max(4000).transform((s, ctx) => {
    const entries = list(s);
    try {
      parseTrustedProxies(entries.join(','));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
    return entries;
  }),
  alertRecipients: z.string().max(4000).transform((s, ctx) => {
    const out: string[] = [];
    for (const a of list(s)) {
      try {
        out.push(normalizeAddress(a).address);
      } catch {
        ctx.addIssue({ code: 'custom', message: `not an address: ${a}` });
        return z.NEVER;
      }
    }
    return [...new Set(out)].slice(0, 50);
  }),
  webhookUrl: z
    .string()
    .trim()
    .max(2000)
    .transform((s) => s || null)
    .refine((s) => s === null || /^https?:\/\/[^\s]+$/i.test(s), 'an http:// or https:// URL'),
  certDays: z.coerce.number().int('whole days').min(1, 'at least 1 day').max(365, 'at most 365 days'),
  daemonSilentMinutes: z.coerce.number().int('whole minutes').min(1, 'at least 1 minute').max(1440, 'at most a day'),
  queueThreshold: z.coerce.number().int().min(1, 'at least 1').max(10_000_000),
  sendLimitAlerts: z.coerce.boolean(),
});
export type MonitoringSettingsInput = z.input<typeof monitoringSettingsSchema>;

/** Global admins and the CLI only: where alerts go and who may scrape are the whole cluster's. */
export async function updateMonitoringSettings(db: Db, actor: Actor, input: MonitoringSettingsInput): Promise<MonitoringSettingsDto> {
  requireGlobal(actor, 'change the monitoring settings');
  const v = parseInput(monitoringSettingsSchema, input);
  return db.$transaction(async (tx) => {
    const before = await getMonitoringSettings(tx);
    const after = await tx.monitoringSettings.upsert({ where: { id: 1 }, create: { id: 1, ...v }, update: v, select });
    await audit(tx, actor, 'monitoring.settings', null, before, after);
    return after;
  });
}
