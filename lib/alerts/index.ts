export { composeAlert, type AlertMail } from './compose';
export { firingAlerts, type Firing } from './conditions';
export { recordAlerts } from './pass';
export { getMonitoringSettings, monitoringSettingsSchema, updateMonitoringSettings, type MonitoringSettingsDto, type MonitoringSettingsInput } from './settings';
export { alertOverview, type AlertOverview } from './recent';
export { sendTestAlert } from './test-alert';
