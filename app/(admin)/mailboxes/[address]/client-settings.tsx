import { Card } from '@/components/ui/card';
import { describeSecurity, type ClientServer } from '@/lib/client-setup/settings';
import { getClientSettings } from '@/lib/dal/client-setup';

function ServerRows({ label, servers, username }: { label: string; servers: ClientServer[]; username: string }) {
  return (
    <>
      {servers.map((s, i) => (
        <tr key={`${s.port}-${s.security}`} className="border-t border-border">
          <th scope="row" className="py-1 pr-3 text-left font-medium">
            {label}
            {i > 0 ? <span className="block text-xs font-normal text-muted">if the first is blocked</span> : null}
          </th>
          <td className="py-1 pr-3 font-mono">{s.hostname}</td>
          <td className="py-1 pr-3 tabular-nums">{s.port}</td>
          <td className="py-1 pr-3">{describeSecurity(s.security)}</td>
          <td className="py-1 font-mono break-all">{username}</td>
        </tr>
      ))}
    </>
  );
}

/**
 * The servers a mail client needs, in words, and the Apple profile. Users cannot sign in to
 * the panel, so the admin hands these over (or the file). Thunderbird and Outlook find the
 * same settings themselves through autoconfig and autodiscover.
 */
export async function ClientSettingsCard({ address }: { address: string }) {
  const settings = await getClientSettings(address);
  return (
    <Card aria-labelledby="client-settings-title">
      <h2 id="client-settings-title" className="mb-2 text-base font-semibold">
        Mail client settings
      </h2>
      {settings ? (
        <>
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left text-xs text-muted">
                <th className="pr-3 font-medium">Server</th>
                <th className="pr-3 font-medium">Host name</th>
                <th className="pr-3 font-medium">Port</th>
                <th className="pr-3 font-medium">Security</th>
                <th className="font-medium">Username</th>
              </tr>
            </thead>
            <tbody>
              <ServerRows label="Incoming (IMAP)" servers={settings.incoming} username={address} />
              <ServerRows label="Incoming (POP3, to download)" servers={settings.pop3} username={address} />
              <ServerRows label="Outgoing (SMTP)" servers={settings.outgoing} username={address} />
            </tbody>
          </table>
          <p className="mt-2 text-xs text-muted">Password: the mailbox password, sent only inside TLS. Thunderbird and Outlook find these settings by themselves from the address.</p>
          <a
            href={`/mailboxes/${encodeURIComponent(address)}/mobileconfig`}
            download
            className="mt-3 inline-block text-sm text-accent hover:underline"
          >
            Download the Apple profile (.mobileconfig) for iPhone, iPad and Mac →
          </a>
          <p className="mt-1 text-xs text-muted">Give the file to the mailbox’s user: it holds no password, and it is unsigned, so the device shows it as not verified.</p>
        </>
      ) : (
        <p className="text-sm text-muted">The domain is disabled: nothing is offered to mail clients for it.</p>
      )}
    </Card>
  );
}
