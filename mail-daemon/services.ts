import type { DaemonService } from './context';
import { alertsService } from './services/alerts';
import { housekeepingService } from './housekeeping';
import { healthService } from './services/health';
import { createImapService } from './services/imap';
import { junkLearningService } from './services/junk-learning';
import { memoryService } from './services/memory';
import { outboundService } from './services/outbound';
import { createPop3Service } from './services/pop3';
import { searchIndexService } from './services/search-index';
import { smtpService } from './services/smtp';
import { tlsReportsService } from './services/tls-reports';
import { certificateRenewalService } from './tls/renewal';

// The daemon's parts, started in this order and stopped in reverse.
export const services: DaemonService[] = [
  smtpService(),
  createImapService(),
  createPop3Service(),
  outboundService(),
  certificateRenewalService(),
  housekeepingService(),
  tlsReportsService(),
  junkLearningService(),
  healthService(),
  alertsService(),
  memoryService(),
  searchIndexService(),
];
