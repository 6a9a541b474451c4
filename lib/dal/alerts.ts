import 'server-only';
import { alertOverview, getMonitoringSettings, type AlertOverview, type MonitoringSettingsDto } from '@/lib/alerts';
import { db } from './db';
import { requireGlobalAdmin } from './session';

export type { MonitoringSettingsDto };

export interface AlertsView {
  settings: MonitoringSettingsDto;
  firing: { key: string; summary: string; firingSince: Date }[];
  notices: AlertOverview['notices'];
}

/** The monitoring settings, what fires now and the recent notices; global admins only. */
export async function getAlerts(): Promise<AlertsView> {
  const admin = await requireGlobalAdmin();
  const database = db();
  const [settings, overview] = await Promise.all([getMonitoringSettings(database), alertOverview(database, admin)]);
  return {
    settings,
    firing: overview.firing.map((f) => ({ key: f.key, summary: f.summary, firingSince: f.firingSince })),
    notices: overview.notices,
  };
}
