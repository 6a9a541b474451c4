import type { DaemonService } from './context';
import { createImapService } from './imap/service';
import { smtpService } from './smtp/service';
import { certificateRenewalService } from './tls/renewal';

// The daemon's parts, started in this order and stopped in reverse.
// The SMTP and IMAP issues add their listeners here.
export const services: DaemonService[] = [smtpService(), createImapService(), certificateRenewalService()];
