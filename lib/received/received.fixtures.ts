// Over 300 lines: fixture data, one real-format Received header per case.
/**
 * Real-format Received headers, one per case, each with where the format is documented or seen.
 * "seen:" = a message in a public mailing-list archive (lore.kernel.org and others, as found through code
 * search of repositories that store them); queue ids and dates are as seen unless the case says "shape of".
 * Expected values follow the field meanings in ./types.ts: helo = the token after `from` as written, protocol =
 * the `with` value upper-cased, tls.version normalised, cipher as written, bits only when stated.
 */
import type { ClientCertificate, HopTls, PublicHop } from './types';

export interface ReceivedFixture {
  name: string;
  source: string;
  header: string;
  expect: Partial<Omit<PublicHop, 'tls'>> & { tls: HopTls; clientCert?: Partial<ClientCertificate> | null };
}

const T = (used: boolean | null, version: HopTls['version'] = null, cipher: string | null = null, bits: number | null = null): HopTls => ({
  used,
  version,
  cipher,
  bits,
});

export const RECEIVED_FIXTURES: ReceivedFixture[] = [
  // ---------------------------------------------------------------- Postfix
  {
    name: 'Postfix old: using TLSv1 with cipher … (256/256 bits), No client certificate requested',
    source: 'seen: git mailing list, mail.lysator.liu.se, 14 Dec 2007; format: Postfix smtpd_tls_received_header (postconf(5))',
    header: `Received: from krank (oden.vtab.com [62.20.90.195])
	(using TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits))
	(No client certificate requested)
	by mail.lysator.liu.se (Postfix) with ESMTP id C5A2B1AF4B;
	Fri, 14 Dec 2007 11:59:29 +0100 (CET)`,
    expect: {
      from: { helo: 'krank', name: 'oden.vtab.com', ip: '62.20.90.195' },
      by: 'mail.lysator.liu.se',
      protocol: 'ESMTP',
      date: '2007-12-14T10:59:29.000Z',
      tls: T(true, 'TLSv1.0', 'DHE-RSA-AES256-SHA', 256),
      clientCert: { presented: null, verified: false },
    },
  },
  {
    name: 'Postfix TLSv1.2 from Amazon SES into kernel.org',
    source: 'seen: nvdimm@lists.linux.dev, smtp.subspace.kernel.org, 24 Mar 2026',
    header: `Received: from a11-75.smtp-out.amazonses.com (a11-75.smtp-out.amazonses.com [54.240.11.75])
	(using TLSv1.2 with cipher AES128-SHA256 (128/128 bits))
	(No client certificate requested)
	by smtp.subspace.kernel.org (Postfix) with ESMTPS id A25053346B2
	for <nvdimm@lists.linux.dev>; Tue, 24 Mar 2026 00:41:08 +0000 (UTC)`,
    expect: {
      from: { helo: 'a11-75.smtp-out.amazonses.com', name: 'a11-75.smtp-out.amazonses.com', ip: '54.240.11.75' },
      by: 'smtp.subspace.kernel.org',
      protocol: 'ESMTPS',
      id: 'A25053346B2',
      for: 'nvdimm@lists.linux.dev',
      date: '2026-03-24T00:41:08.000Z',
      tls: T(true, 'TLSv1.2', 'AES128-SHA256', 128),
    },
  },
  {
    name: 'Postfix new: key-exchange, server-signature, server-digest; IPv6 helo literal',
    source: 'seen: lxmhs52.srv.lrz.de / postout2.mail.lrz.de, 26 Jun 2025 (shape of: id); Postfix 3.4+ RELEASE_NOTES "key-exchange"',
    header: `Received: from [IPV6:2a02:2455:1858:e00::6d26] (unknown [IPv6:2a02:2455:1858:e00::6d26])
	(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
	 key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)
	(No client certificate requested)
	by postout2.mail.lrz.de (Postfix) with ESMTPSA id 4bSf0z0Kq1zyTF;
	Thu, 26 Jun 2025 15:49:01 +0200 (CEST)`,
    expect: {
      from: { helo: '[IPV6:2a02:2455:1858:e00::6d26]', name: null, ip: '2a02:2455:1858:e00::6d26' },
      by: 'postout2.mail.lrz.de',
      protocol: 'ESMTPSA',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256),
    },
  },
  {
    name: 'Postfix new: key-exchange X25519 server-signature ECDSA (P-384)',
    source: 'seen: ltp@lists.linux.it, picard.linux.it, 6 Apr 2022 (shape of: from clause)',
    header: `Received: from in-3.smtp.seeweb.it (in-3.smtp.seeweb.it [217.194.8.3])
 (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
 key-exchange X25519 server-signature ECDSA (P-384))
 (No client certificate requested)
 by picard.linux.it (Postfix) with ESMTPS id AE2063CA49C
 for <ltp@lists.linux.it>; Wed,  6 Apr 2022 01:26:00 +0200 (CEST)`,
    expect: {
      from: { helo: 'in-3.smtp.seeweb.it', name: 'in-3.smtp.seeweb.it', ip: '217.194.8.3' },
      by: 'picard.linux.it',
      protocol: 'ESMTPS',
      id: 'AE2063CA49C',
      for: 'ltp@lists.linux.it',
      date: '2022-04-05T23:26:00.000Z',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256),
    },
  },
  {
    name: 'Postfix ESMTPS without the TLS comment (smtpd_tls_received_header=no): RFC 3848 type alone',
    source: 'seen: netdev@vger.kernel.org, lindbergh.monkeyblade.net, 29 Dec 2020',
    header: `Received: from vale.hankala.org (vale.hankala.org [IPv6:2a02:2770:3:0:21a:4aff:fefb:f65c])
        by lindbergh.monkeyblade.net (Postfix) with ESMTPS id 2D4FCC0613D6
        for <netdev@vger.kernel.org>; Tue, 29 Dec 2020 07:09:39 -0800 (PST)`,
    expect: {
      from: { helo: 'vale.hankala.org', name: 'vale.hankala.org', ip: '2a02:2770:3:0:21a:4aff:fefb:f65c' },
      by: 'lindbergh.monkeyblade.net',
      protocol: 'ESMTPS',
      id: '2D4FCC0613D6',
      for: 'netdev@vger.kernel.org',
      date: '2020-12-29T15:09:39.000Z',
      tls: T(true),
    },
  },
  {
    name: 'Postfix cleartext ESMTP from localhost',
    source: 'seen: cdmx.gob.mx, 1 Dec 2019 (lore.kernel.org)',
    header: `Received: from localhost (localhost [127.0.0.1])
        by cdmx.gob.mx (Postfix) with ESMTP id 4C43A1E2685;
        Sun,  1 Dec 2019 10:18:10 -0600 (CST)`,
    expect: {
      from: { helo: 'localhost', name: 'localhost', ip: '127.0.0.1' },
      by: 'cdmx.gob.mx',
      protocol: 'ESMTP',
      id: '4C43A1E2685',
      date: '2019-12-01T16:18:10.000Z',
      tls: T(false),
    },
  },
  {
    name: 'Postfix local pickup: no from, no with',
    source: 'seen: alrua-x1.borgediget.toke.dk, 21 Sep 2023; Postfix pickup(8)',
    header: `Received: by alrua-x1.borgediget.toke.dk (Postfix, from userid 1000)
	id D089FE25AEE; Thu, 21 Sep 2023 11:33:48 +0200 (CEST)`,
    expect: {
      from: { helo: null, name: null, ip: null },
      by: 'alrua-x1.borgediget.toke.dk',
      protocol: null,
      id: 'D089FE25AEE',
      for: null,
      date: '2023-09-21T09:33:48.000Z',
      tls: T(null),
    },
  },
  {
    name: 'Postfix ESMTPSA without comment',
    source: 'seen: elaine.keithp.com, 7 Oct 2019 (lore.kernel.org)',
    header: `Received: from keithp.com (koto.keithp.com [10.0.0.2])
 by elaine.keithp.com (Postfix) with ESMTPSA id 17DB13F29594;
 Mon,  7 Oct 2019 11:16:33 -0700 (PDT)`,
    expect: {
      from: { helo: 'keithp.com', name: 'koto.keithp.com', ip: '10.0.0.2' },
      protocol: 'ESMTPSA',
      tls: T(true),
    },
  },
  {
    name: 'Postfix client certificate verified',
    source: 'documented: Postfix TLS_README "smtpd_tls_received_header" (Client CN …, Issuer … (verified OK)); shape of',
    header: `Received: from relay.example.net (relay.example.net [192.0.2.25])
	(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))
	(Client CN "relay.example.net", Issuer "Example Issuing CA" (verified OK))
	by mx.example.org (Postfix) with ESMTPS id 4F1A2B3C4D
	for <user@example.org>; Mon,  3 Feb 2025 09:00:00 +0000 (UTC)`,
    expect: {
      from: { helo: 'relay.example.net', name: 'relay.example.net', ip: '192.0.2.25' },
      protocol: 'ESMTPS',
      tls: T(true, 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 256),
      clientCert: { presented: true, verified: true },
    },
  },
  {
    name: 'Postfix client did not present a certificate',
    source: 'documented: Postfix TLS_README (smtpd_tls_ask_ccert); shape of',
    header: `Received: from mail.example.com (mail.example.com [198.51.100.7])
	(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)
	 key-exchange X25519MLKEM768 server-signature ECDSA (prime256v1) server-digest SHA256)
	(Client did not present a certificate)
	by mx.example.org (Postfix) with ESMTPS id 9B8C7D6E5F;
	Tue,  4 Feb 2025 10:00:00 +0000 (UTC)`,
    expect: {
      from: { helo: 'mail.example.com', name: 'mail.example.com', ip: '198.51.100.7' },
      tls: T(true, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 128),
      clientCert: { presented: false },
    },
  },
  {
    name: 'Postfix with a folded reverse name',
    source: 'seen: netline-mail3.netline.ch, 19 Jul 2019 (lore.kernel.org)',
    header: `Received: from thor (116.245.63.188.dynamic.wline.res.cust.swisscom.ch
 [188.63.245.116])
 by netline-mail3.netline.ch (Postfix) with ESMTPSA id 00BA92A6042;
 Fri, 19 Jul 2019 17:44:04 +0200 (CEST)`,
    expect: {
      from: { helo: 'thor', name: '116.245.63.188.dynamic.wline.res.cust.swisscom.ch', ip: '188.63.245.116' },
      by: 'netline-mail3.netline.ch',
      protocol: 'ESMTPSA',
      date: '2019-07-19T15:44:04.000Z',
      tls: T(true),
    },
  },
  {
    name: 'amavisd-new LMTP hop below Postfix',
    source: 'seen: elaine.keithp.com, 7 Oct 2019 (lore.kernel.org)',
    header: `Received: from elaine.keithp.com ([127.0.0.1])
 by localhost (elaine.keithp.com [127.0.0.1]) (amavisd-new, port 10024)
 with LMTP id YENfxiy2KoPi; Mon,  7 Oct 2019 11:16:33 -0700 (PDT)`,
    expect: {
      from: { helo: 'elaine.keithp.com', name: null, ip: '127.0.0.1' },
      by: 'localhost',
      protocol: 'LMTP',
      id: 'YENfxiy2KoPi',
      tls: T(false),
    },
  },
  {
    name: 'amavisd-new LMTP with IPv6-mapped literal',
    source: 'seen: bastet.se.axis.com, 15 Mar 2019 (lore.kernel.org)',
    header: `Received: from bastet.se.axis.com ([IPv6:::ffff:127.0.0.1])
	by localhost (bastet.se.axis.com [::ffff:127.0.0.1]) (amavisd-new, port 10024)
	with LMTP id wPRZ9UvIVLX0; Fri, 15 Mar 2019 09:35:02 +0100 (CET)`,
    expect: {
      from: { helo: 'bastet.se.axis.com', name: null, ip: '::ffff:127.0.0.1' },
      protocol: 'LMTP',
      date: '2019-03-15T08:35:02.000Z',
      tls: T(false),
    },
  },
  // ---------------------------------------------------------------- Exim
  {
    name: 'Exim 4.94+: with esmtpsa (TLS1.3) tls TLS_AES_256_GCM_SHA384',
    source: 'seen: www530.your-server.de, 21 Apr 2023 (lore.kernel.org); Exim spec: received_header_text, $tls_in_ver',
    header: `Received: from sslproxy03.your-server.de ([88.198.220.132])
        by www530.your-server.de with esmtpsa  (TLS1.3) tls TLS_AES_256_GCM_SHA384
        (Exim 4.94.2)
        (envelope-from <sean@geanix.com>)
        id 1ppp2t-0002Vs-0u; Fri, 21 Apr 2023 13:35:19 +0200`,
    expect: {
      from: { helo: 'sslproxy03.your-server.de', name: 'sslproxy03.your-server.de', ip: '88.198.220.132' },
      by: 'www530.your-server.de',
      protocol: 'ESMTPSA',
      id: '1ppp2t-0002Vs-0u',
      for: null,
      date: '2023-04-21T11:35:19.000Z',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', null),
    },
  },
  {
    name: 'Exim 4.92 OpenSSL: (TLSv1.3:TLS_AES_256_GCM_SHA384:256), no reverse name',
    source: 'seen: sslproxy03.your-server.de, 21 Apr 2023 (lore.kernel.org); shape of: id and date',
    header: `Received: from [185.17.218.86] (helo=zen..)
        by sslproxy03.your-server.de with esmtpsa (TLSv1.3:TLS_AES_256_GCM_SHA384:256)
        (Exim 4.92)
        (envelope-from <sean@geanix.com>)
        id 1ppp2t-000BcJ-9S; Fri, 21 Apr 2023 13:35:19 +0200`,
    expect: {
      from: { helo: '[185.17.218.86]', name: null, ip: '185.17.218.86' },
      by: 'sslproxy03.your-server.de',
      protocol: 'ESMTPSA',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256),
    },
  },
  {
    name: 'Exim GnuTLS: (TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256) with for',
    source: 'seen: eggs.gnu.org, 4 Mar 2025 (qemu-devel archive)',
    header: `Received: from vps-ovh.mhejs.net ([145.239.82.108])
 by eggs.gnu.org with esmtps (TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)
 (Exim 4.90_1) (envelope-from <mhej@vps-ovh.mhejs.net>)
 id 1tpbEN-00074U-GK
 for qemu-devel@nongnu.org; Tue, 04 Mar 2025 17:59:21 -0500`,
    expect: {
      from: { helo: 'vps-ovh.mhejs.net', name: 'vps-ovh.mhejs.net', ip: '145.239.82.108' },
      by: 'eggs.gnu.org',
      protocol: 'ESMTPS',
      id: '1tpbEN-00074U-GK',
      for: 'qemu-devel@nongnu.org',
      date: '2025-03-04T22:59:21.000Z',
      tls: T(true, 'TLSv1.2', 'ECDHE_RSA_AES_256_GCM_SHA384', 256),
    },
  },
  {
    name: 'Exim submission from a MUA',
    source: 'seen: vps-ovh.mhejs.net, 4 Mar 2025 (qemu-devel archive)',
    header: `Received: from MUA
 by vps-ovh.mhejs.net with esmtpsa  (TLS1.3) tls TLS_AES_256_GCM_SHA384
 (Exim 4.98) (envelope-from <mhej@vps-ovh.mhejs.net>)
 id 1tpaPp-00000000Lar-2q30; Tue, 04 Mar 2025 23:07:05 +0100`,
    expect: {
      from: { helo: 'MUA', name: null, ip: null },
      by: 'vps-ovh.mhejs.net',
      protocol: 'ESMTPSA',
      id: '1tpaPp-00000000Lar-2q30',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', null),
    },
  },
  {
    name: 'Exim old OpenSSL: (TLSv1:RC4-SHA:128), nested comment (Exim 4.72 (FreeBSD))',
    source: 'seen: mail.mailgateway.no, 19 Oct 2013 (git@vger.kernel.org archive)',
    header: `Received: from mail-pa0-f52.google.com ([209.85.220.52])
	by mail.mailgateway.no with esmtpsa (TLSv1:RC4-SHA:128)
	(Exim 4.72 (FreeBSD))
	(envelope-from <johan@herland.net>)
	id 1VXJj9-000IUz-MC
	for git@vger.kernel.org; Sat, 19 Oct 2013 01:45:07 +0200`,
    expect: {
      from: { helo: 'mail-pa0-f52.google.com', name: 'mail-pa0-f52.google.com', ip: '209.85.220.52' },
      protocol: 'ESMTPSA',
      for: 'git@vger.kernel.org',
      date: '2013-10-18T23:45:07.000Z',
      tls: T(true, 'TLSv1.0', 'RC4-SHA', 128),
    },
  },
  {
    name: 'Exim with port and helo= inside the comment, IPv6 loopback',
    source: 'seen: server.aercontechnologies.net, 9 Feb 2015 (git@vger.kernel.org archive)',
    header: `Received: from localhost ([::1]:60047 helo=server.aercontechnologies.net)
	by server.aercontechnologies.net with esmtpsa (TLSv1:DHE-RSA-AES256-SHA:256)
	(Exim 4.84)
	(envelope-from <erik@aercon.net>)
	id 1YKugt-0005t2-9U
	for git@vger.kernel.org; Mon, 09 Feb 2015 15:12:19 -0500`,
    expect: {
      from: { helo: 'localhost', name: 'localhost', ip: '::1' },
      by: 'server.aercontechnologies.net',
      protocol: 'ESMTPSA',
      tls: T(true, 'TLSv1.0', 'DHE-RSA-AES256-SHA', 256),
    },
  },
  {
    name: 'Exim cleartext esmtp',
    source: 'seen: mail12.copyleft.no, 19 Oct 2013 (git@vger.kernel.org archive; reverse name shortened there)',
    header: `Received: from smtp.mailgateway.no ([188.94.218.116] helo=mail.mailgateway.no)
	by mail12.copyleft.no with esmtp (Exim 4.76)
	(envelope-from <johan@herland.net>)
	id 1VXJjA-0006qA-2N
	for git@vger.kernel.org; Sat, 19 Oct 2013 01:45:08 +0200`,
    expect: {
      from: { helo: 'smtp.mailgateway.no', name: 'smtp.mailgateway.no', ip: '188.94.218.116' },
      by: 'mail12.copyleft.no',
      protocol: 'ESMTP',
      id: '1VXJjA-0006qA-2N',
      tls: T(false),
    },
  },
  {
    name: 'Exim local delivery: with local',
    source: 'seen: neilyoung.benandwen.net, 2 Mar 2015 (git@vger.kernel.org archive)',
    header: `Received: from bdwalton by neilyoung.benandwen.net with local (Exim 4.82)
	(envelope-from <bdwalton@benandwen.net>)
	id 1YSVvL-0001Qy-Lm; Mon, 02 Mar 2015 19:22:39 +0000`,
    expect: {
      from: { helo: 'bdwalton', name: null, ip: null },
      by: 'neilyoung.benandwen.net',
      protocol: 'LOCAL',
      id: '1YSVvL-0001Qy-Lm',
      tls: T(null),
    },
  },
  {
    name: 'Exim local-esmtp (batch SMTP from a local process) is not transport',
    source: 'seen: mirrorlynx.com, 19 May 2005 (git@vger.kernel.org archive)',
    header: `Received: from dan (helo=localhost)
	by mirrorlynx.com with local-esmtp (Exim 4.34)
	id 1DYt4v-0004Od-HB
	for git@vger.kernel.org; Thu, 19 May 2005 18:01:18 -0400`,
    expect: {
      from: { helo: 'dan', name: null, ip: null },
      protocol: 'LOCAL-ESMTP',
      tls: T(null),
    },
  },
  {
    name: 'Exim with (auth info: …) between from and by',
    source: 'seen: hendrix.chass.utoronto.ca, 2 Mar 2015 (git@vger.kernel.org archive)',
    header: `Received: from 86-42-129-139-dynamic.b-ras1.bbh.dublin.eircom.net ([86.42.129.139]:47096 helo=neilyoung.benandwen.net)
	 (auth info: dovecot_plain:bwalton@chass.utoronto.ca) by hendrix.chass.utoronto.ca with esmtpsa (TLSv1:AES128-SHA:128)
	 (Exim 4.76)
	 (envelope-from <bdwalton@benandwen.net>)
	 id 1YSVvN-0006it-Uc ; Mon, 02 Mar 2015 14:22:42 -0500`,
    expect: {
      from: {
        helo: '86-42-129-139-dynamic.b-ras1.bbh.dublin.eircom.net',
        name: '86-42-129-139-dynamic.b-ras1.bbh.dublin.eircom.net',
        ip: '86.42.129.139',
      },
      by: 'hendrix.chass.utoronto.ca',
      protocol: 'ESMTPSA',
      id: '1YSVvN-0006it-Uc',
      date: '2015-03-02T19:22:42.000Z',
      tls: T(true, 'TLSv1.0', 'AES128-SHA', 128),
    },
  },
  {
    name: 'Exim 4.98 with client port, for on its own line',
    source: 'seen: www4.stratanet.com, 25 Oct 2024 (netfilter-devel archive)',
    header: `Received: from ec2-35-93-161-92.us-west-2.compute.amazonaws.com ([35.93.161.92]:52675)
	by www4.stratanet.com with esmtpsa  (TLS1.3) tls TLS_AES_256_GCM_SHA384
	(Exim 4.98)
	(envelope-from <info@cataumetca.org>)
	id 1t4QlJ-0000000DOzK-3kR9
	for netfilter-devel@vger.kernel.org;
	Fri, 25 Oct 2024 14:18:22 -0600`,
    expect: {
      from: {
        helo: 'ec2-35-93-161-92.us-west-2.compute.amazonaws.com',
        name: 'ec2-35-93-161-92.us-west-2.compute.amazonaws.com',
        ip: '35.93.161.92',
      },
      for: 'netfilter-devel@vger.kernel.org',
      date: '2024-10-25T20:18:22.000Z',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', null),
    },
  },
  {
    name: 'Exim 4.34 GnuTLS: (TLS-1.0:DHE_RSA_3DES_EDE_CBC_SHA:24) on plain esmtp',
    source: 'seen: monty-python.gnu.org, 14 Dec 2005 (bug-gawk archive quoted in a repository)',
    header: `Received: from [129.99.139.165] (helo=ece03.nas.nasa.gov)
	by monty-python.gnu.org with esmtp (TLS-1.0:DHE_RSA_3DES_EDE_CBC_SHA:24)
	(Exim 4.34)	id 1Emiv5-0006F0-UO	for bug-gawk@gnu.org; Wed,
 14 Dec 2005 21:32:36 -0500`,
    expect: {
      from: { helo: '[129.99.139.165]', name: null, ip: '129.99.139.165' },
      by: 'monty-python.gnu.org',
      protocol: 'ESMTP',
      id: '1Emiv5-0006F0-UO',
      for: 'bug-gawk@gnu.org',
      date: '2005-12-15T02:32:36.000Z',
      tls: T(true, 'TLSv1.0', 'DHE_RSA_3DES_EDE_CBC_SHA', 24),
    },
  },
  // ---------------------------------------------------------------- Sendmail and Proofpoint
  {
    name: 'Sendmail ESMTPS (version=TLSv1.3 cipher=… bits=256 verify=NOT)',
    source: 'seen: mailhost.ac.aixigo.de, 28 Jul 2021 (git archive); sendmail cf/README confRECEIVED_HEADER ${tls_version} ${cipher} ${cipher_bits} ${verify}',
    header: `Received: from vmdpcl078.ac.aixigo.de (vmdpcl078.ac.aixigo.de [172.19.97.224])
        by mailhost.ac.aixigo.de (8.15.2/8.15.2/Debian-14~deb10u1) with ESMTPS id 16S7iPKa038394
        (version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT);
        Wed, 28 Jul 2021 09:44:25 +0200`,
    expect: {
      from: { helo: 'vmdpcl078.ac.aixigo.de', name: 'vmdpcl078.ac.aixigo.de', ip: '172.19.97.224' },
      by: 'mailhost.ac.aixigo.de',
      protocol: 'ESMTPS',
      id: '16S7iPKa038394',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256),
      clientCert: { verified: false },
    },
  },
  {
    name: 'Sendmail (authenticated bits=0) is SASL, TLS bits come from the TLS comment',
    source: 'seen: mailhost.ac.aixigo.de, 21 May 2024 (git archive); sendmail ${auth_ssf}',
    header: `Received: from [172.19.97.128] (dpcl082.ac.aixigo.de [172.19.97.128])
	(authenticated bits=0)
	by mailhost.ac.aixigo.de (8.17.1.9/8.17.1.9/Debian-2) with ESMTPSA id 44LEnkdC843797
	(version=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256 bits=128 verify=NOT);
	Tue, 21 May 2024 16:49:46 +0200`,
    expect: {
      from: { helo: '[172.19.97.128]', name: 'dpcl082.ac.aixigo.de', ip: '172.19.97.128' },
      protocol: 'ESMTPSA',
      tls: T(true, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 128),
    },
  },
  {
    name: 'Sendmail (authenticated bits=0) without TLS: no bits, no TLS',
    source: 'documented: sendmail cf/README confRECEIVED_HEADER "(authenticated bits=${auth_ssf})"; shape of',
    header: `Received: from [10.1.2.3] (laptop.example.org [10.1.2.3])
	(authenticated bits=0)
	by mail.example.org (8.14.4/8.14.4) with ESMTP id u1ABCDEF012345
	for <team@example.org>; Mon, 1 Feb 2016 10:00:00 +0100`,
    expect: {
      from: { helo: '[10.1.2.3]', name: 'laptop.example.org', ip: '10.1.2.3' },
      protocol: 'ESMTP',
      for: 'team@example.org',
      tls: T(false),
    },
  },
  {
    name: 'Sendmail/OpenSSL ambiguous version=TLSv1/SSLv3 gives a null version',
    source: 'documented: OpenSSL SSL_CIPHER_get_version "TLSv1/SSLv3" (OpenSSL < 1.1); seen in Haraka issue https://github.com/haraka/Haraka/issues/2708',
    header: `Received: from mail.example.net (mail.example.net [203.0.113.30])
	by mx.example.org (8.14.4/8.14.4) with ESMTP id r2PFe1aB012345
	(version=TLSv1/SSLv3 cipher=DHE-RSA-AES256-SHA bits=256 verify=NO)
	for <user@example.org>; Mon, 25 Mar 2013 16:40:01 +0100`,
    expect: {
      protocol: 'ESMTP',
      tls: T(true, null, 'DHE-RSA-AES256-SHA', 256),
      clientCert: { presented: false },
    },
  },
  {
    name: 'Sendmail (may be forged) inside the from comment',
    source: 'documented: sendmail op guide, "may be forged" when the reverse lookup does not confirm; shape of',
    header: `Received: from helo.example.com (host-203-0-113-9.example.net [203.0.113.9] (may be forged))
	by mx.example.org (8.15.2/8.15.2) with ESMTP id 12AB34cd005678;
	Wed, 3 Mar 2021 12:00:00 +0100`,
    expect: {
      from: { helo: 'helo.example.com', name: 'host-203-0-113-9.example.net', ip: '203.0.113.9' },
      protocol: 'ESMTP',
      tls: T(false),
    },
  },
  {
    name: 'Sendmail submit: (from user@localhost) comment, no with',
    source: 'documented: sendmail submit.cf header "(from $u@localhost) by $j ($v/$Z/Submit) id $i"; shape of',
    header: `Received: (from root@localhost)
	by host.example.org (8.14.7/8.14.7/Submit) id 0AB1CDEF002345;
	Thu, 5 Nov 2020 10:11:12 +0100`,
    expect: {
      from: { helo: null, name: null, ip: null },
      by: 'host.example.org',
      protocol: null,
      id: '0AB1CDEF002345',
      tls: T(null),
    },
  },
  {
    name: 'Proofpoint (PPS) ESMTPS with sendmail-style TLS comment',
    source: 'seen: mx0a-001b2d01.pphosted.com, 16 May 2025 (lore.kernel.org)',
    header: `Received: from ppma12.dal12v.mail.ibm.com (dc.9e.1632.ip4.static.sl-reverse.com [50.22.158.220])
	by mx0a-001b2d01.pphosted.com (PPS) with ESMTPS id 46p27hgrjx-1
	(version=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384 bits=256 verify=NOT);
	Fri, 16 May 2025 11:48:53 +0000 (GMT)`,
    expect: {
      from: { helo: 'ppma12.dal12v.mail.ibm.com', name: 'dc.9e.1632.ip4.static.sl-reverse.com', ip: '50.22.158.220' },
      by: 'mx0a-001b2d01.pphosted.com',
      protocol: 'ESMTPS',
      id: '46p27hgrjx-1',
      date: '2025-05-16T11:48:53.000Z',
      tls: T(true, 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 256),
    },
  },
  {
    name: 'Proofpoint: with ESMTP plus a TLS comment is TLS',
    source: 'seen: mx0a-001b2d01.pphosted.com, 17 Jul 2019 (qemu-devel archive)',
    header: `Received: from e06smtp03.uk.ibm.com (e06smtp03.uk.ibm.com [195.75.94.99])
 by mx0a-001b2d01.pphosted.com with ESMTP id 2tsw24889h-1
 (version=TLSv1.2 cipher=AES256-GCM-SHA384 bits=256 verify=NOT)
 for <qemu-devel@nongnu.org>; Wed, 17 Jul 2019 04:19:50 -0400`,
    expect: {
      from: { helo: 'e06smtp03.uk.ibm.com', name: 'e06smtp03.uk.ibm.com', ip: '195.75.94.99' },
      protocol: 'ESMTP',
      id: '2tsw24889h-1',
      for: 'qemu-devel@nongnu.org',
      tls: T(true, 'TLSv1.2', 'AES256-GCM-SHA384', 256),
    },
  },
  {
    name: 'Sendmail cleartext SMTP from a local filter',
    source: 'seen: ppma03ams.nl.ibm.com, 21 Nov 2022 (lore.kernel.org)',
    header: `Received: from pps.filterd (ppma03ams.nl.ibm.com [127.0.0.1])
        by ppma03ams.nl.ibm.com (8.16.1.2/8.16.1.2) with SMTP id 2ALLan87016825;
        Mon, 21 Nov 2022 21:41:05 GMT`,
    expect: {
      from: { helo: 'pps.filterd', name: 'ppma03ams.nl.ibm.com', ip: '127.0.0.1' },
      protocol: 'SMTP',
      date: '2022-11-21T21:41:05.000Z',
      tls: T(false),
    },
  },
  // ---------------------------------------------------------------- Google
  {
    name: 'Google: with SMTPS … (Google Transport Security)',
    source: 'seen: mx.google.com, 16 Oct 2018 (linux-mm archive)',
    header: `Received: from mail-sor-f65.google.com (mail-sor-f65.google.com. [209.85.220.65])
        by mx.google.com with SMTPS id z4-v6sor3890102lfh.21.2018.10.16.10.44.19
        for <linux-mm@kvack.org>
        (Google Transport Security);
        Tue, 16 Oct 2018 10:44:20 -0700 (PDT)`,
    expect: {
      from: { helo: 'mail-sor-f65.google.com', name: 'mail-sor-f65.google.com.', ip: '209.85.220.65' },
      by: 'mx.google.com',
      protocol: 'SMTPS',
      id: 'z4-v6sor3890102lfh.21.2018.10.16.10.44.19',
      for: 'linux-mm@kvack.org',
      date: '2018-10-16T17:44:20.000Z',
      tls: T(true),
    },
  },
  {
    name: 'Google inbound: ESMTPS (version=TLS1_2 cipher=… bits=128/128) from Amazon SES',
    source: 'seen: mx.google.com, 25 Mar 2019 (linux-mm archive)',
    header: `Received: from a9-46.smtp-out.amazonses.com (a9-46.smtp-out.amazonses.com. [54.240.9.46])
        by mx.google.com with ESMTPS id y4si1892751qta.151.2019.03.25.07.15.25
        for <linux-mm@kvack.org>
        (version=TLS1_2 cipher=ECDHE-RSA-AES128-SHA bits=128/128);
        Mon, 25 Mar 2019 07:15:26 -0700 (PDT)`,
    expect: {
      from: { helo: 'a9-46.smtp-out.amazonses.com', name: 'a9-46.smtp-out.amazonses.com.', ip: '54.240.9.46' },
      by: 'mx.google.com',
      protocol: 'ESMTPS',
      for: 'linux-mm@kvack.org',
      tls: T(true, 'TLSv1.2', 'ECDHE-RSA-AES128-SHA', 128),
    },
  },
  {
    name: 'Gmail submission: ESMTPSA (version=TLS1_3 …), IPv6 literal',
    source: 'seen: smtp.gmail.com, 25 Oct 2021 (lore.kernel.org)',
    header: `Received: from smtp.gmail.com ([2620:15c:202:201:f5e3:5eb1:d5ee:6893])
        by smtp.gmail.com with ESMTPSA id b7sm9900747pfm.28.2021.10.25.17.01.04
        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);
        Mon, 25 Oct 2021 17:01:05 -0700 (PDT)`,
    expect: {
      from: { helo: 'smtp.gmail.com', name: null, ip: '2620:15c:202:201:f5e3:5eb1:d5ee:6893' },
      by: 'smtp.gmail.com',
      protocol: 'ESMTPSA',
      id: 'b7sm9900747pfm.28.2021.10.25.17.01.04',
      date: '2021-10-26T00:01:05.000Z',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256),
    },
  },
  {
    name: 'Gmail submission with a trailing-dot reverse name',
    source: 'seen: smtp.gmail.com, 24 Feb 2023 (git@vger.kernel.org archive)',
    header: `Received: from localhost (252.157.168.34.bc.googleusercontent.com. [34.168.157.252])
        by smtp.gmail.com with ESMTPSA id y11-20020aa7804b000000b005a909290425sm5096381pfm.172.2023.02.24.12.24.14
        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);
        Fri, 24 Feb 2023 12:24:14 -0800 (PST)`,
    expect: {
      from: { helo: 'localhost', name: '252.157.168.34.bc.googleusercontent.com.', ip: '34.168.157.252' },
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256),
    },
  },
  {
    name: 'Google internal: by … with SMTP id (no from) is an internal hop, TLS unknown, not cleartext',
    source: 'seen: mail-qk1-f177.google.com, 13 Oct 2019 (pvrusb2 archive)',
    header: `Received: by mail-qk1-f177.google.com with SMTP id h126so14356112qke.10
 for <pvrusb2@isely.net>; Sun, 13 Oct 2019 16:59:51 -0700 (PDT)`,
    expect: {
      from: { helo: null, name: null, ip: null },
      by: 'mail-qk1-f177.google.com',
      protocol: 'SMTP',
      id: 'h126so14356112qke.10',
      for: 'pvrusb2@isely.net',
      date: '2019-10-13T23:59:51.000Z',
      tls: T(null),
    },
  },
  // ---------------------------------------------------------------- Microsoft 365 / Exchange
  {
    name: 'Microsoft 365: with Microsoft SMTP Server (version=TLS1_2, cipher=…) via Frontend Transport',
    source: 'seen: SG2PR02CA0012.apcprd02.prod.outlook.com, 4 Jun 2021 (lore.kernel.org); Microsoft Learn "View and interpret message headers"',
    header: `Received: from linux-1xn6.ap.freescale.net (119.31.174.71) by SG2PR02CA0012.apcprd02.prod.outlook.com (2603:1096:3:17::24) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.4195.21 via Frontend Transport; Fri, 4 Jun 2021 06:50:04 +0000`,
    expect: {
      from: { helo: 'linux-1xn6.ap.freescale.net', name: null, ip: '119.31.174.71' },
      by: 'SG2PR02CA0012.apcprd02.prod.outlook.com',
      protocol: 'MICROSOFT SMTP SERVER',
      id: '15.20.4195.21',
      date: '2021-06-04T06:50:04.000Z',
      tls: T(true, 'TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', null),
    },
  },
  {
    name: 'Exchange on-premises: with Microsoft SMTP Server (TLS)',
    source: 'seen: DRHQMAIL105.nvidia.com, 22 Feb 2022 (lore.kernel.org)',
    header: `Received: from rnnvmail201.nvidia.com (10.129.68.8) by DRHQMAIL105.nvidia.com
 (10.27.9.14) with Microsoft SMTP Server (TLS) id 15.0.1497.18; Tue, 22 Feb
 2022 15:10:47 +0000`,
    expect: {
      from: { helo: 'rnnvmail201.nvidia.com', name: null, ip: '10.129.68.8' },
      by: 'DRHQMAIL105.nvidia.com',
      protocol: 'MICROSOFT SMTP SERVER',
      id: '15.0.1497.18',
      date: '2022-02-22T15:10:47.000Z',
      tls: T(true),
    },
  },
  {
    name: 'Exchange: with Microsoft SMTP Server and no TLS statement',
    source: 'seen: mail.nvidia.com, 3 Oct 2020 (lore.kernel.org; shape of: date)',
    header: `Received: from sandstorm.nvidia.com (172.20.13.39) by mail.nvidia.com
 (172.20.187.13) with Microsoft SMTP Server id 15.0.1473.3 via Frontend
 Transport; Sat, 3 Oct 2020 01:17:22 +0000`,
    expect: {
      from: { helo: 'sandstorm.nvidia.com', name: null, ip: '172.20.13.39' },
      by: 'mail.nvidia.com',
      protocol: 'MICROSOFT SMTP SERVER',
      id: '15.0.1473.3',
      tls: T(false),
    },
  },
  {
    name: 'Exchange: with mapi is not SMTP transport',
    source: 'seen: exch02.asrmicro.com, 25 May 2026 (lore.kernel.org)',
    header: `Received: from exch02.asrmicro.com ([::1]) by exch02.asrmicro.com ([::1]) with
 mapi id 15.00.0847.030; Mon, 25 May 2026 09:59:31 +0800`,
    expect: {
      from: { helo: 'exch02.asrmicro.com', name: null, ip: '::1' },
      by: 'exch02.asrmicro.com',
      protocol: 'MAPI',
      id: '15.00.0847.030',
      date: '2026-05-25T01:59:31.000Z',
      tls: T(null),
    },
  },
  {
    name: 'Exchange: TLS comment folded across lines',
    source: 'seen: rnnvmail201.nvidia.com, 22 Feb 2022 (lore.kernel.org; shape of: id and date)',
    header: `Received: from rnnvmail201.nvidia.com (10.129.68.8) by rnnvmail201.nvidia.com
 (10.129.68.8) with Microsoft SMTP Server (version=TLS1_2,
 cipher=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384) id
 15.2.986.9; Tue, 22 Feb 2022 07:10:47 -0800`,
    expect: {
      protocol: 'MICROSOFT SMTP SERVER',
      id: '15.2.986.9',
      tls: T(true, 'TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', null),
    },
  },
  {
    name: 'Gateway without a with clause: (using TLS: TLSv1.2, AES256-SHA)',
    source: 'seen: hqnvemgate24.nvidia.com, 2 Oct 2020 (lore.kernel.org)',
    header: `Received: from hqmail.nvidia.com (Not Verified[216.228.121.13]) by hqnvemgate24.nvidia.com (using TLS: TLSv1.2, AES256-SHA)
        id <B5f77d0bb0000>; Fri, 02 Oct 2020 18:15:39 -0700`,
    expect: {
      from: { helo: 'hqmail.nvidia.com', name: null, ip: '216.228.121.13' },
      by: 'hqnvemgate24.nvidia.com',
      protocol: null,
      id: '<B5f77d0bb0000>',
      tls: T(true, 'TLSv1.2', 'AES256-SHA', null),
    },
  },
  // ---------------------------------------------------------------- Amazon SES
  {
    name: 'Amazon SES submission endpoint: with SMTP (SimpleEmailService-…)',
    source: 'seen: SES notification sample; docs.aws.amazon.com/ses/latest/dg/notification-examples.html',
    header: `Received: from app-message-center-65d45f988-hblgb (ec2-3-127-44-197.eu-central-1.compute.amazonaws.com [3.127.44.197]) by email-smtp.amazonaws.com with SMTP (SimpleEmailService-d-FEESSNZSE) id mXB8fHIYMIbwydw1PFSv for EU.fe.268@ni.dt.ac.fe.ss; Tue, 21 Dec 2021 12:45:46 +0000 (UTC)`,
    expect: {
      from: {
        helo: 'app-message-center-65d45f988-hblgb',
        name: 'ec2-3-127-44-197.eu-central-1.compute.amazonaws.com',
        ip: '3.127.44.197',
      },
      by: 'email-smtp.amazonaws.com',
      protocol: 'SMTP',
      id: 'mXB8fHIYMIbwydw1PFSv',
      for: 'EU.fe.268@ni.dt.ac.fe.ss',
      date: '2021-12-21T12:45:46.000Z',
      tls: T(false),
    },
  },
  {
    name: 'Amazon SES out into Postfix: ECDHE-RSA-AES128-SHA256',
    source: 'seen: smtp.subspace.kernel.org, 7 Jan 2025 (stable@vger.kernel.org archive)',
    header: `Received: from a48-90.smtp-out.amazonses.com (a48-90.smtp-out.amazonses.com [54.240.48.90])
	(using TLSv1.2 with cipher ECDHE-RSA-AES128-SHA256 (128/128 bits))
	(No client certificate requested)
	by smtp.subspace.kernel.org (Postfix) with ESMTPS id AEC2D78F3E
	for <stable@vger.kernel.org>; Tue,  7 Jan 2025 20:59:43 +0000 (UTC)`,
    expect: {
      from: { helo: 'a48-90.smtp-out.amazonses.com', name: 'a48-90.smtp-out.amazonses.com', ip: '54.240.48.90' },
      tls: T(true, 'TLSv1.2', 'ECDHE-RSA-AES128-SHA256', 128),
    },
  },
  // ---------------------------------------------------------------- OpenSMTPD
  {
    name: 'OpenSMTPD: (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO)',
    source: 'seen: lechuck.jsg.id.au, 26 Jan 2024 (lore.kernel.org); OpenSMTPD smtp_session.c received header',
    header: `Received: from largo.jsg.id.au (largo.jsg.id.au [192.168.1.43])
	by lechuck.jsg.id.au (OpenSMTPD) with ESMTPS id 96f08978 (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO);
	Fri, 26 Jan 2024 20:51:12 +1100 (AEDT)`,
    expect: {
      from: { helo: 'largo.jsg.id.au', name: 'largo.jsg.id.au', ip: '192.168.1.43' },
      by: 'lechuck.jsg.id.au',
      protocol: 'ESMTPS',
      id: '96f08978',
      date: '2024-01-26T09:51:12.000Z',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256),
      clientCert: { presented: null, verified: false },
    },
  },
  {
    name: 'OpenSMTPD local submission: [local] is not an IP',
    source: 'seen: largo.jsg.id.au, 26 Jan 2024 (lore.kernel.org)',
    header: `Received: from localhost (largo.jsg.id.au [local])
	by largo.jsg.id.au (OpenSMTPD) with ESMTPA id ffb24e39;
	Fri, 26 Jan 2024 20:51:11 +1100 (AEDT)`,
    expect: {
      from: { helo: 'localhost', name: 'largo.jsg.id.au', ip: null },
      protocol: 'ESMTPA',
      tls: T(false),
    },
  },
  {
    name: 'OpenSMTPD with LibreSSL cipher name and no from clause',
    source: 'seen: vale.hankala.org, 29 Dec 2020 (netdev archive)',
    header: `Received: by vale.hankala.org (OpenSMTPD) with ESMTPS id 4d8bcb7e (TLSv1.3:AEAD-AES256-GCM-SHA384:256:NO);
        Tue, 29 Dec 2020 14:58:08 +0000 (UTC)`,
    expect: {
      from: { helo: null, name: null, ip: null },
      by: 'vale.hankala.org',
      protocol: 'ESMTPS',
      tls: T(true, 'TLSv1.3', 'AEAD-AES256-GCM-SHA384', 256),
    },
  },
  {
    name: 'OpenSMTPD TLSv1.2 with verify FAIL and for',
    source: 'seen: example.com (OpenSMTPD), 10 Sep 2019, in a mail parser test suite',
    header: `Received: from mail-ed1-f43.google.com (mail-ed1-f43.google.com [209.85.208.43])
	by example.com (OpenSMTPD) with ESMTPS id ecf00d9e (TLSv1.2:ECDHE-RSA-CHACHA20-POLY1305:256:FAIL)
	for <example@example.com>;
	Tue, 10 Sep 2019 02:47:32 +0000 (UTC)`,
    expect: {
      for: 'example@example.com',
      tls: T(true, 'TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305', 256),
      clientCert: { presented: true, verified: false },
    },
  },
  {
    name: 'OpenSMTPD cleartext ESMTP',
    source: 'seen: largo.jsg.id.au, 13 May 2019 (dri-devel archive; shape of: date)',
    header: `Received: from largo.jsg.id.au (localhost [127.0.0.1])
 by largo.jsg.id.au (OpenSMTPD) with ESMTP id 532b68c4
 for <dri-devel@lists.freedesktop.org>;
 Mon, 13 May 2019 02:50:49 +1000 (AEST)`,
    expect: {
      from: { helo: 'largo.jsg.id.au', name: 'localhost', ip: '127.0.0.1' },
      protocol: 'ESMTP',
      for: 'dri-devel@lists.freedesktop.org',
      date: '2019-05-12T16:50:49.000Z',
      tls: T(false),
    },
  },
  // ---------------------------------------------------------------- qmail TLS patches / qpsmtpd
  {
    name: 'qmail TLS patch: with (DHE-RSA-AES256-SHA encrypted) SMTP',
    source: 'seen: peff.net, 4 Aug 2007 (git@vger.kernel.org archive); qmail-smtpd TLS patch (F. Vermeulen)',
    header: `Received: from unknown (HELO sigill.intra.peff.net) (10.0.0.7)
  by peff.net with (DHE-RSA-AES256-SHA encrypted) SMTP; 4 Aug 2007 17:58:34 -0000`,
    expect: {
      from: { helo: 'unknown', name: null, ip: '10.0.0.7' },
      by: 'peff.net',
      protocol: 'SMTP',
      id: null,
      date: '2007-08-04T17:58:34.000Z',
      tls: T(true, null, 'DHE-RSA-AES256-SHA', null),
    },
  },
  {
    name: 'qpsmtpd: with (TLS_AES_256_GCM_SHA384 encrypted) ESMTPS',
    source: 'seen: peff.net, 7 Sep 2020 (git@vger.kernel.org archive)',
    header: `Received: from coredump.intra.peff.net (HELO sigill.intra.peff.net) (10.0.0.2)
 by peff.net (qpsmtpd/0.94) with (TLS_AES_256_GCM_SHA384 encrypted) ESMTPS; Mon, 07 Sep 2020 04:25:13 -0400`,
    expect: {
      from: { helo: 'coredump.intra.peff.net', name: 'coredump.intra.peff.net', ip: '10.0.0.2' },
      by: 'peff.net',
      protocol: 'ESMTPS',
      date: '2020-09-07T08:25:13.000Z',
      tls: T(true, null, 'TLS_AES_256_GCM_SHA384', null),
    },
  },
  {
    name: 'qmail: (qmail N invoked by uid N) has no from/by/with',
    source: 'seen: peff.net, 7 Sep 2020 (git@vger.kernel.org archive); qmail-queue(8)',
    header: `Received: (qmail 14559 invoked by uid 111); 7 Sep 2020 08:25:13 -0000`,
    expect: {
      from: { helo: null, name: null, ip: null },
      by: null,
      protocol: null,
      id: null,
      for: null,
      date: '2020-09-07T08:25:13.000Z',
      tls: T(null),
    },
  },
  // ---------------------------------------------------------------- Courier
  {
    name: 'Courier: (TLS: TLSv1/SSLv3,256bits,…) and the id after the date',
    source: 'seen: mail.cs.helsinki.fi, 21 Mar 2020 (lore.kernel.org); Courier courieresmtpd',
    header: `Received: from whs-18.cs.helsinki.fi (whs-18.cs.helsinki.fi [128.214.166.46])
  (TLS: TLSv1/SSLv3,256bits,AES256-GCM-SHA384)
  by mail.cs.helsinki.fi with ESMTPS; Sat, 21 Mar 2020 00:40:12 +0200
  id 00000000005A1C77.000000005E75464C.00004771`,
    expect: {
      from: { helo: 'whs-18.cs.helsinki.fi', name: 'whs-18.cs.helsinki.fi', ip: '128.214.166.46' },
      by: 'mail.cs.helsinki.fi',
      protocol: 'ESMTPS',
      id: '00000000005A1C77.000000005E75464C.00004771',
      date: '2020-03-20T22:40:12.000Z',
      tls: T(true, null, 'AES256-GCM-SHA384', 256),
    },
  },
  {
    name: 'Courier with an IPv4-mapped IPv6 literal',
    source: 'seen: cnc.isely.net, 13 Oct 2019 (pvrusb2 archive)',
    header: `Received: from mail-qk1-f177.google.com (mail-qk1-f177.google.com
 [::ffff:209.85.222.177]) (TLS: TLSv1/SSLv3,128bits,AES128-GCM-SHA256)
 by cnc.isely.net with ESMTPS; Sun, 13 Oct 2019 18:59:51 -0500
 id 0000000000142524.000000005DA3BA77.00005B54`,
    expect: {
      from: { helo: 'mail-qk1-f177.google.com', name: 'mail-qk1-f177.google.com', ip: '::ffff:209.85.222.177' },
      id: '0000000000142524.000000005DA3BA77.00005B54',
      tls: T(true, null, 'AES128-GCM-SHA256', 128),
    },
  },
  {
    name: 'Courier cleartext with (IDENT: …)',
    source: 'seen: cnc.isely.net, 13 Oct 2019 (pvrusb2 archive)',
    header: `Received: from cnc.isely.net (cnc.isely.net [::ffff:192.168.23.2])
  (IDENT: list)
  by cnc.isely.net with ESMTP; Sun, 13 Oct 2019 18:59:53 -0500
  id 00000000001425CB.000000005DA3BA79.00005B68`,
    expect: {
      from: { helo: 'cnc.isely.net', name: 'cnc.isely.net', ip: '::ffff:192.168.23.2' },
      protocol: 'ESMTP',
      date: '2019-10-13T23:59:53.000Z',
      tls: T(false),
    },
  },
  {
    name: 'Courier-style TLS comment on a gateway writing "with smtp"',
    source: 'seen: smarthost3.atos.net, 27 Aug 2019 (linux-nfs archive)',
    header: `Received: from mail2-ext.my-it-solutions.net (mail2-ext.my-it-solutions.net) by smarthost3.atos.net with smtp
        (TLS: TLSv1/SSLv3,256bits,ECDHE-RSA-AES256-GCM-SHA384)
         id 4e32_9550_2168e048_2739_4706_8909_166f550daa28;
        Tue, 27 Aug 2019 01:28:26 +0200`,
    expect: {
      from: { helo: 'mail2-ext.my-it-solutions.net', name: null, ip: null },
      by: 'smarthost3.atos.net',
      protocol: 'SMTP',
      id: '4e32_9550_2168e048_2739_4706_8909_166f550daa28',
      tls: T(true, null, 'ECDHE-RSA-AES256-GCM-SHA384', 256),
    },
  },
  // ---------------------------------------------------------------- Stalwart
  {
    name: 'Stalwart: (using TLSv1.3 with cipher TLS13_AES_256_GCM_SHA384), AS comment nested',
    source: 'seen: mail.example.org (Stalwart SMTP), 16 Jun 2025, in a mail test suite; stalwartlabs/mail-server smtp inbound/data.rs',
    header: `Received: from mail-yw1-f174.google.com (mail-yw1-f174.google.com [209.85.128.174] (AS15169 Google LLC, US))
                    (using TLSv1.3 with cipher TLS13_AES_256_GCM_SHA384)
                    by mail.example.org (Stalwart SMTP) with ESMTPS id 36DAF29F3A02098;
                    Mon, 16 Jun 2025 13:33:03 +0000`,
    expect: {
      from: { helo: 'mail-yw1-f174.google.com', name: 'mail-yw1-f174.google.com', ip: '209.85.128.174' },
      by: 'mail.example.org',
      protocol: 'ESMTPS',
      id: '36DAF29F3A02098',
      date: '2025-06-16T13:33:03.000Z',
      tls: T(true, 'TLSv1.3', 'TLS13_AES_256_GCM_SHA384', null),
    },
  },
  {
    name: 'Stalwart cleartext ESMTP',
    source: 'seen: localhost (Stalwart SMTP), 9 Sep 2026, verbatim from a Stalwart dev setup in a repository test',
    header: `Received: from seed.mel.dev (pop-os [172.19.0.1])
	by localhost (Stalwart SMTP) with ESMTP id 48F8FC996C00000;
	Wed, 9 Sep 2026 20:57:54 +0000`,
    expect: {
      from: { helo: 'seed.mel.dev', name: 'pop-os', ip: '172.19.0.1' },
      by: 'localhost',
      protocol: 'ESMTP',
      id: '48F8FC996C00000',
      tls: T(false),
    },
  },
  // ---------------------------------------------------------------- mox
  {
    name: 'mox: via tcp with ESMTPS id … (TLS1.3 TLS_AES_128_GCM_SHA256) for …',
    source: 'seen: mail.provable.dev, 25 May 2025; mjl-/mox smtpserver/server.go received header',
    header: `Received: from mail-ed1-f45.google.com ([209.85.208.45]) by
	mail.provable.dev ([85.215.130.119]) via tcp with ESMTPS id
	BoOKs2ZberuJVAqcReGyiw (TLS1.3 TLS_AES_128_GCM_SHA256) for
	<Test@mail.provable.dev>; 25 May 2025 20:17:36 +0000`,
    expect: {
      from: { helo: 'mail-ed1-f45.google.com', name: null, ip: '209.85.208.45' },
      by: 'mail.provable.dev',
      protocol: 'ESMTPS',
      id: 'BoOKs2ZberuJVAqcReGyiw',
      for: 'Test@mail.provable.dev',
      date: '2025-05-25T20:17:36.000Z',
      tls: T(true, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', null),
    },
  },
  {
    name: 'mox submission ESMTPSA with IPv6: literals',
    source: 'seen: mail.km42.nl, 15 Nov 2023, in a JMAP test fixture',
    header: `Received: from mail.km42.nl by mail.km42.nl ([46.19.33.172]) via tcp with
	ESMTPSA id Kn4f0j26XW4HmrhWCoWxTQ (TLS1.3 TLS_AES_128_GCM_SHA256) for
	<jmap@km42.nl>; 15 Nov 2023 21:38:59 +0100`,
    expect: {
      from: { helo: 'mail.km42.nl', name: null, ip: null },
      by: 'mail.km42.nl',
      protocol: 'ESMTPSA',
      for: 'jmap@km42.nl',
      date: '2023-11-15T20:38:59.000Z',
      tls: T(true, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', null),
    },
  },
  {
    name: 'mox inbound with IPv6: literal in from',
    source: 'seen: mail.km42.nl, 15 Nov 2023, in a JMAP test fixture',
    header: `Received: from mail.km42.nl ([IPv6:2a02:2770::21a:4aff:fe09:2980]) by
	mail.km42.nl ([IPv6:2a02:2770::21a:4aff:fe09:2980]) via tcp with ESMTPS id
	7_jO3KP4COnlTQm3SYtefQ (TLS1.3 TLS_AES_128_GCM_SHA256) for <jmap@km42.nl>;
	15 Nov 2023 21:38:59 +0100`,
    expect: {
      from: { helo: 'mail.km42.nl', name: null, ip: '2a02:2770::21a:4aff:fe09:2980' },
      protocol: 'ESMTPS',
      id: '7_jO3KP4COnlTQm3SYtefQ',
      tls: T(true, 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', null),
    },
  },
  // ---------------------------------------------------------------- Haraka
  {
    name: 'Haraka 1.x: (authenticated bits=0) next to (version=TLSv1/SSLv3 cipher=AES128-SHA verify=FAIL)',
    source: 'documented: https://github.com/haraka/Haraka/pull/241',
    header: `Received: from 188-223-62-1.zone14.bethere.co.uk ([192.168.30.103] [188.223.62.1])
    by mail1-ec2.fsl.com (Haraka/1.3.3) with ESMTPSA id E5D4345F-0627-48D5-ABB8-367D3A753E15.1
    envelope-from <steve.freegard@fsl.com> (authenticated bits=0)
    (version=TLSv1/SSLv3 cipher=AES128-SHA verify=FAIL);
    Tue, 28 Aug 2012 15:26:19 +0000`,
    expect: {
      from: { helo: '188-223-62-1.zone14.bethere.co.uk', name: null, ip: '192.168.30.103' },
      by: 'mail1-ec2.fsl.com',
      protocol: 'ESMTPSA',
      id: 'E5D4345F-0627-48D5-ABB8-367D3A753E15.1',
      date: '2012-08-28T15:26:19.000Z',
      tls: T(true, null, 'AES128-SHA', null),
      clientCert: { presented: true, verified: false },
    },
  },
  {
    name: 'Haraka 2.8: envelope-from clause and (version=TLSv1.2 cipher=…)',
    source: 'documented: https://github.com/haraka/Haraka/pull/2916 ("Before")',
    header: `Received: from smtp.github.com (out-26.smtp.github.com [192.30.252.209])
        by censored (Haraka) with ESMTPS id 8C63B826-630C-4AC8-A969-09AF5E3EA70C.1
        envelope-from <noreply@github.com>
        (version=TLSv1.2 cipher=ECDHE-RSA-AES128-GCM-SHA256);
        Sun, 24 Jan 2021 18:12:30 +0000`,
    expect: {
      from: { helo: 'smtp.github.com', name: 'out-26.smtp.github.com', ip: '192.30.252.209' },
      by: 'censored',
      protocol: 'ESMTPS',
      id: '8C63B826-630C-4AC8-A969-09AF5E3EA70C.1',
      date: '2021-01-24T18:12:30.000Z',
      tls: T(true, 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', null),
    },
  },
  {
    name: 'Haraka 2.8.26+: RFC 8314 tls clause',
    source: 'documented: https://github.com/haraka/Haraka/pull/2916 ("After"); RFC 8314 section 7.4',
    header: `Received: from smtp.github.com (out-17.smtp.github.com [192.30.252.200])
        by censored (Haraka) with ESMTPS id A1FA2F1F-87C5-4DE6-B712-A76A1073EB0D.1
        envelope-from <noreply@github.com>
        tls TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
        Mon, 25 Jan 2021 03:08:26 +0000`,
    expect: {
      from: { helo: 'smtp.github.com', name: 'out-17.smtp.github.com', ip: '192.30.252.200' },
      protocol: 'ESMTPS',
      id: 'A1FA2F1F-87C5-4DE6-B712-A76A1073EB0D.1',
      tls: T(true, null, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', null),
    },
  },
  {
    name: 'Haraka 2.8.24: ambiguous TLSv1/SSLv3 version',
    source: 'documented: https://github.com/haraka/Haraka/issues/2708 (shape of: date)',
    header: `Received: from sending-server (mail.sending-server.domain [1.1.1.1])
	by my-server.domain (Haraka/2.8.24) with ESMTPS id 07416364-7082-4B6B-A773-581B2714D96B.1
	envelope-from <me@gmail.com>
	(version=TLSv1/SSLv3 cipher=ECDHE-RSA-AES128-GCM-SHA256 verify=FAIL);
	Tue, 01 Oct 2019 10:00:00 +0000`,
    expect: {
      from: { helo: 'sending-server', name: 'mail.sending-server.domain', ip: '1.1.1.1' },
      tls: T(true, null, 'ECDHE-RSA-AES128-GCM-SHA256', null),
    },
  },
  {
    name: 'Haraka 3 submission on uberspace: qmail-style from',
    source: 'seen: hermippe.uberspace.de (Haraka/3.0.1), 5 Nov 2024 (linux-media archive)',
    header: `Received: from unknown (HELO unkown) (::1)
	by hermippe.uberspace.de (Haraka/3.0.1) with ESMTPSA; Tue, 05 Nov 2024 18:50:23 +0100`,
    expect: {
      from: { helo: 'unknown', name: null, ip: '::1' },
      by: 'hermippe.uberspace.de',
      protocol: 'ESMTPSA',
      id: null,
      date: '2024-11-05T17:50:23.000Z',
      tls: T(true),
    },
  },
  // ---------------------------------------------------------------- Cyrus / Dovecot LMTP
  {
    name: 'Cyrus lmtpd: with LMTPA',
    source: 'seen: mail.uni-paderborn.de (Cyrus 3.0.10), 18 Jul 2019, in a repository script; RFC 3848 LMTPA',
    header: `Received: from telepax.uni-paderborn.de (telepax.uni-paderborn.de [131.234.189.14])
	 by mail.uni-paderborn.de (Cyrus 3.0.10) with LMTPA;
	 Thu, 18 Jul 2019 22:39:29 +0200`,
    expect: {
      from: { helo: 'telepax.uni-paderborn.de', name: 'telepax.uni-paderborn.de', ip: '131.234.189.14' },
      by: 'mail.uni-paderborn.de',
      protocol: 'LMTPA',
      id: null,
      date: '2019-07-18T20:39:29.000Z',
      tls: T(false),
    },
  },
  {
    name: 'Fastmail Cyrus LMTPA',
    source: 'seen: sloti33d1t06 (Cyrus 3.0-git-fastmail-10960), 10 Apr 2015, in a stored mbox',
    header: `Received: from compute4.internal (compute4.nyi.internal [10.202.2.44])
	 by sloti33d1t06 (Cyrus 3.0-git-fastmail-10960) with LMTPA;
	 Fri, 10 Apr 2015 16:31:40 -0400`,
    expect: {
      from: { helo: 'compute4.internal', name: 'compute4.nyi.internal', ip: '10.202.2.44' },
      by: 'sloti33d1t06',
      protocol: 'LMTPA',
      tls: T(false),
    },
  },
  {
    name: 'Dovecot LMTP with envelope-from comment',
    source: 'seen: Dovecot lmtp, 10 Oct 2022, in a mail indexer test; dovecot src/lmtp received header',
    header: `Received: from mail.someserver.org ([::1])
	by e1acdba3bd07 with LMTP
	id KBKZGD2YR2NTCgQAjubtDA
	(envelope-from <mail@someserver.de>)
	for <mail@someserver.de>; Wed, 10 Oct 2022 11:40:46 +0200`,
    expect: {
      from: { helo: 'mail.someserver.org', name: null, ip: '::1' },
      by: 'e1acdba3bd07',
      protocol: 'LMTP',
      id: 'KBKZGD2YR2NTCgQAjubtDA',
      for: 'mail@someserver.de',
      date: '2022-10-10T09:40:46.000Z',
      tls: T(false),
    },
  },
  {
    name: 'Dovecot LMTP hop without IP or date',
    source: 'seen: mail.weesky.net, in a header reader test of a repository',
    header: `Received: from mail.weesky.net
	by mail.weesky.net with LMTP
	id QMLkIi5tYGrC9QEA`,
    expect: {
      from: { helo: 'mail.weesky.net', name: null, ip: null },
      by: 'mail.weesky.net',
      protocol: 'LMTP',
      id: 'QMLkIi5tYGrC9QEA',
      date: null,
      tls: T(false),
    },
  },
  // ---------------------------------------------------------------- RFC 3848 / RFC 6531 types alone, RFC 8314
  {
    name: 'RFC 3848 LMTPS alone',
    source: 'documented: RFC 3848 section 2 (LMTPS: LMTP with STARTTLS); shape of',
    header: `Received: from mx1.example.org by store.example.org with LMTPS id 8a7b6c; Mon, 6 Jan 2025 08:00:00 +0000`,
    expect: {
      from: { helo: 'mx1.example.org', name: null, ip: null },
      by: 'store.example.org',
      protocol: 'LMTPS',
      id: '8a7b6c',
      tls: T(true),
    },
  },
  {
    name: 'RFC 3848 LMTPSA alone',
    source: 'documented: RFC 3848 section 2; shape of',
    header: `Received: from mx2.example.org by store.example.org with LMTPSA; Mon, 6 Jan 2025 08:00:01 +0000`,
    expect: { protocol: 'LMTPSA', tls: T(true) },
  },
  {
    name: 'RFC 3848 ESMTPA alone is SMTP without TLS',
    source: 'documented: RFC 3848 section 2 (ESMTPA: AUTH without STARTTLS); shape of',
    header: `Received: from laptop.example.org (laptop.example.org [198.51.100.20]) by smtp.example.org with ESMTPA id 77; Mon, 6 Jan 2025 08:00:02 +0000`,
    expect: { protocol: 'ESMTPA', tls: T(false) },
  },
  {
    name: 'RFC 6531 UTF8SMTPS',
    source: 'documented: RFC 6531 section 3.7.3 (UTF8SMTPS, UTF8SMTPSA…); shape of',
    header: `Received: from relay.example.net (relay.example.net [192.0.2.50]) by mx.example.org with UTF8SMTPS id 99; Mon, 6 Jan 2025 08:00:03 +0000`,
    expect: { protocol: 'UTF8SMTPS', tls: T(true) },
  },
  {
    name: 'RFC 6531 UTF8SMTPA',
    source: 'documented: RFC 6531 section 3.7.3; shape of',
    header: `Received: from relay.example.net (relay.example.net [192.0.2.51]) by mx.example.org with UTF8SMTPA id 100; Mon, 6 Jan 2025 08:00:04 +0000`,
    expect: { protocol: 'UTF8SMTPA', tls: T(false) },
  },
  {
    name: 'RFC 8314 tls clause with an IANA cipher suite name',
    source: 'documented: RFC 8314 section 4.3 and 7.4 (Received "tls" clause); shape of',
    header: `Received: from client.example.net (client.example.net [192.0.2.7])
	by mail.example.org with ESMTPS id 12345 for <u@example.org>
	tls TLS_AES_128_GCM_SHA256; Mon, 6 Jan 2025 08:00:05 +0000`,
    expect: {
      from: { helo: 'client.example.net', name: 'client.example.net', ip: '192.0.2.7' },
      for: 'u@example.org',
      tls: T(true, null, 'TLS_AES_128_GCM_SHA256', null),
    },
  },
  // ---------------------------------------------------------------- Postern's own (as mail-daemon/smtp writes them)
  {
    name: 'Postern TLS 1.3 (shape of the header Postern writes)',
    source: 'documented: the Received header Postern writes',
    header: `Received: from client.example.net (client.example.net [203.0.113.9]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) by mx.postern.test (Postern) with ESMTPS id 7F3A9C01 for <alice@postern.test> tls TLS_AES_256_GCM_SHA384; Tue, 24 Nov 2026 00:00:00 +0000`,
    expect: {
      from: { helo: 'client.example.net', name: 'client.example.net', ip: '203.0.113.9' },
      by: 'mx.postern.test',
      protocol: 'ESMTPS',
      id: '7F3A9C01',
      for: 'alice@postern.test',
      date: '2026-11-24T00:00:00.000Z',
      tls: T(true, 'TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256),
    },
  },
  {
    name: 'Postern TLS 1.2 submission: the comment cipher (OpenSSL name) wins over the tls clause (IANA name)',
    source: 'documented: the Received header Postern writes',
    header: `Received: from [192.168.1.20] (unknown [198.51.100.4]) (using TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)) by mx.postern.test (Postern) with ESMTPSA id 0B1C2D3E tls TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; Tue, 24 Nov 2026 00:00:01 +0000`,
    expect: {
      from: { helo: '[192.168.1.20]', name: null, ip: '198.51.100.4' },
      protocol: 'ESMTPSA',
      for: null,
      tls: T(true, 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 128),
    },
  },
  {
    name: 'Postern cleartext',
    source: 'documented: the Received header Postern writes (comment and tls clause absent in cleartext)',
    header: `Received: from sender.example (unknown [198.51.100.77]) by mx.postern.test (Postern) with ESMTP id 5E6F7A8B for <bob@postern.test>; Tue, 24 Nov 2026 00:00:02 +0000`,
    expect: {
      from: { helo: 'sender.example', name: null, ip: '198.51.100.77' },
      protocol: 'ESMTP',
      for: 'bob@postern.test',
      tls: T(false),
    },
  },
  // ---------------------------------------------------------------- others seen in the wild
  {
    name: 'Webmail: (Horde Framework) with HTTP is not SMTP transport',
    source: 'seen: server.aercontechnologies.net, 9 Feb 2015 (git@vger.kernel.org archive)',
    header: `Received: from 69.27.55.4 ([69.27.55.4]) by server.aercontechnologies.net
 (Horde Framework) with HTTP; Mon, 09 Feb 2015 20:12:18 +0000`,
    expect: {
      from: { helo: '69.27.55.4', name: null, ip: '69.27.55.4' },
      by: 'server.aercontechnologies.net',
      protocol: 'HTTP',
      tls: T(null),
    },
  },
  {
    name: 'ZMailer (vger.kernel.org): ([ip]:port "EHLO x" rhost-flags…) and ORCPT comment',
    source: 'seen: vger.kernel.org, 26 Feb 2022 (linux-kselftest archive)',
    header: `Received: from lindbergh.monkeyblade.net ([23.128.96.19]:56882 "EHLO
        lindbergh.monkeyblade.net" rhost-flags-OK-OK-OK-OK) by vger.kernel.org
        with ESMTP id S231795AbiBZNaz (ORCPT
        <rfc822;linux-kselftest@vger.kernel.org>);
        Sat, 26 Feb 2022 08:30:55 -0500`,
    expect: {
      from: { helo: 'lindbergh.monkeyblade.net', name: 'lindbergh.monkeyblade.net', ip: '23.128.96.19' },
      by: 'vger.kernel.org',
      protocol: 'ESMTP',
      id: 'S231795AbiBZNaz',
      date: '2022-02-26T13:30:55.000Z',
      tls: T(false),
    },
  },
  {
    name: 'Isode M-Switch: via TCP with ESMTPSA, id as an angle address',
    source: 'seen: rufus.isode.com, 11 Jun 2008 (git@vger.kernel.org archive)',
    header: `Received: from [172.16.0.138] (shiny.isode.com [62.3.217.250]) 
          by rufus.isode.com (submission channel) via TCP with ESMTPSA 
          id <SE=vcQBZBLpQ@rufus.isode.com> for <git@vger.kernel.org>;
          Wed, 11 Jun 2008 16:29:53 +0100`,
    expect: {
      from: { helo: '[172.16.0.138]', name: 'shiny.isode.com', ip: '62.3.217.250' },
      by: 'rufus.isode.com',
      protocol: 'ESMTPSA',
      id: '<SE=vcQBZBLpQ@rufus.isode.com>',
      for: 'git@vger.kernel.org',
      tls: T(true),
    },
  },
  {
    name: 'Cellopoint gateway: "Generic MTA with TLSv1.2 … 256/256" and a [(ip)] literal',
    source: 'seen: mailgw02.mediatek.com, 26 Jul 2022 (lore.kernel.org)',
    header: `Received: from mtkexhb01.mediatek.inc [(172.21.101.102)] by mailgw02.mediatek.com
        (envelope-from <peter.wang@mediatek.com>)
        (Generic MTA with TLSv1.2 ECDHE-RSA-AES256-SHA384 256/256)
        with ESMTP id 1069186743; Tue, 26 Jul 2022 16:42:43 +0800`,
    expect: {
      from: { helo: 'mtkexhb01.mediatek.inc', name: null, ip: '172.21.101.102' },
      by: 'mailgw02.mediatek.com',
      protocol: 'ESMTP',
      id: '1069186743',
      date: '2022-07-26T08:42:43.000Z',
      tls: T(true, 'TLSv1.2', 'ECDHE-RSA-AES256-SHA384', 256),
    },
  },
  {
    name: 'Unreadable vendor text in the with clause gives unknown, not a guess',
    source: 'seen: e06smtp03.uk.ibm.com, 17 Jul 2019 (qemu-devel archive; shape of: date)',
    header: `Received: from localhost
 by e06smtp03.uk.ibm.com with IBM ESMTP SMTP Gateway: Authorized Use Only!
 Violators will be prosecuted
 for <qemu-devel@nongnu.org> from <sbhat@linux.ibm.com>;
 Wed, 17 Jul 2019 09:19:48 +0100`,
    expect: {
      from: { helo: 'localhost', name: null, ip: null },
      by: 'e06smtp03.uk.ibm.com',
      protocol: 'IBM ESMTP SMTP GATEWAY: AUTHORIZED USE ONLY! VIOLATORS WILL BE PROSECUTED',
      for: 'qemu-devel@nongnu.org',
      tls: T(null),
    },
  },
  // ---------------------------------------------------------------- from Apache SpamAssassin's Received parser tests
  {
    name: 'CommuniGate Pro: the HELO literal in the comment is not the client address',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (silver.ucsc.edu, CommuniGate Pro SMTP 4.3.7)',
    header: `Received: from [128.114.2.223] (account user@example.edu HELO [10.10.10.10]) by silver.ucsc.edu (CommuniGate Pro SMTP 4.3.7) with ESMTPSA id 88402416 for user@example.edu; Mon, 04 Dec 2006 13:15:07 -0800`,
    expect: {
      from: { helo: '[128.114.2.223]', name: null, ip: '128.114.2.223' },
      by: 'silver.ucsc.edu',
      protocol: 'ESMTPSA',
      id: '88402416',
      for: 'user@example.edu',
      date: '2006-12-04T21:15:07.000Z',
      tls: T(true),
    },
  },
  {
    name: 'ecelerity: no from value, ([ip:port] helo=…)',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (m12.prod.democracyinaction.com, ecelerity 2.1)',
    header: `Received: from ([192.168.1.205:50387] helo=i6.prod.democracyinaction.com) by m12.prod.democracyinaction.com (ecelerity 2.1.1.3 r(11743)) with ESMTP id 80/0A-02454-4DCB6054 for <example@vandinter.org>; Tue, 12 Sep 2006 09:57:40 -0400`,
    expect: {
      from: { helo: null, name: null, ip: '192.168.1.205' },
      by: 'm12.prod.democracyinaction.com',
      protocol: 'ESMTP',
      id: '80/0A-02454-4DCB6054',
      for: 'example@vandinter.org',
      tls: T(false),
    },
  },
  {
    name: 'Hotmail web: from <client ip> by … with HTTP',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (by1fd.bay1.hotmail.msn.com)',
    header: `Received: from 24.8.231.233 by by1fd.bay1.hotmail.msn.com with HTTP; Wed, 17 Mar 2004 02:12:31 GMT`,
    expect: {
      from: { helo: '24.8.231.233', name: null, ip: '24.8.231.233' },
      by: 'by1fd.bay1.hotmail.msn.com',
      protocol: 'HTTP',
      date: '2004-03-17T02:12:31.000Z',
      tls: T(null),
    },
  },
  {
    name: 'Exim 3: [ip.port] literal after the comment',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (lisbeth.i.pinwand.net, Exim 3.35)',
    header: `Received: from helene8.i.pinwand.net (helene.cats.ms) [10.0.8.6.13219] (mail) by lisbeth.i.pinwand.net with esmtp (Exim 3.35 #1 (Debian)) id 1CO5y7-0001vC-00; Sun, 31 Oct 2004 04:01:23 +0100`,
    expect: {
      from: { helo: 'helene8.i.pinwand.net', name: null, ip: '10.0.8.6' },
      by: 'lisbeth.i.pinwand.net',
      protocol: 'ESMTP',
      id: '1CO5y7-0001vC-00',
      tls: T(false),
    },
  },
  {
    name: 'fetchmail: with IMAP is not SMTP transport',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (fetchmail-6.2.4)',
    header: `Received: from localhost [127.0.0.1] by localhost with IMAP (fetchmail-6.2.4) for zzzzz@localhost (single-drop); Mon, 08 Mar 2004 16:13:23 -0800 (PST)`,
    expect: {
      from: { helo: 'localhost', name: null, ip: '127.0.0.1' },
      by: 'localhost',
      protocol: 'IMAP',
      for: 'zzzzz@localhost',
      date: '2004-03-09T00:13:23.000Z',
      tls: T(null),
    },
  },
  {
    name: 'IIS: with Microsoft SMTPSVC(version) is SMTP without TLS',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (bass.bass.com.eg, Microsoft SMTPSVC 5.0)',
    header: `Received: from 0 ([61.31.135.91]) by bass.bass.com.eg with Microsoft SMTPSVC(5.0.2195.6713); Tue, 21 Sep 2004 08:59:06 +0300`,
    expect: {
      from: { helo: '0', name: null, ip: '61.31.135.91' },
      by: 'bass.bass.com.eg',
      protocol: 'MICROSOFT SMTPSVC',
      id: null,
      tls: T(false),
    },
  },
  {
    name: 'from <unavailable> and a doubled angle in for',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (pps01.tyson.com, sendmail 8.12.11)',
    header: `Received: from <unavailable> by pps01.tyson.com (8.12.11/8.12.11) with ESMTP id k4MC0Jdu015089 for <<tysonrecipemail@listserv.tyson.com>>; Mon, 22 May 2006 07:00:20 -0500`,
    expect: {
      from: { helo: '<unavailable>', name: null, ip: null },
      by: 'pps01.tyson.com',
      protocol: 'ESMTP',
      id: 'k4MC0Jdu015089',
      for: 'tysonrecipemail@listserv.tyson.com',
      tls: T(false),
    },
  },
  {
    name: 'Courier (older): (AUTH: LOGIN …, SSL: TLSv1/SSLv3,128bits,RC4-MD5), id after the date',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (mydomain.com, Courier)',
    header: `Received: from gorkcomputer (my.dns.com [1.2.3.4]) (AUTH: LOGIN gork@mydomain.com, SSL: TLSv1/SSLv3,128bits,RC4-MD5) by mydomain.com with esmtp; Thu, 10 Nov 2005 08:24:21 -0600 id 000000DB.43735815.00001E11`,
    expect: {
      from: { helo: 'gorkcomputer', name: 'my.dns.com', ip: '1.2.3.4' },
      by: 'mydomain.com',
      protocol: 'ESMTP',
      id: '000000DB.43735815.00001E11',
      date: '2005-11-10T14:24:21.000Z',
      tls: T(true, null, 'RC4-MD5', 128),
    },
  },
  {
    name: 'Exim 4.34 GnuTLS on the pre-RFC 3848 "asmtp" protocol',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (moonflower.de, Exim 4.34)',
    header: `Received: from p5483b7c0.dip.t-dialin.net ([84.131.183.192] helo=192.168.1.23) by moonflower.de with asmtp (TLS-1.0:RSA_ARCFOUR_MD5:16) (Exim 4.34) id 1CIoQP-0006SN-GV for linux-thinkpad@linux-thinkpad.org; Sat, 16 Oct 2004 15:16:47 +0200`,
    expect: {
      from: { helo: 'p5483b7c0.dip.t-dialin.net', name: 'p5483b7c0.dip.t-dialin.net', ip: '84.131.183.192' },
      protocol: 'ASMTP',
      tls: T(true, 'TLSv1.0', 'RSA_ARCFOUR_MD5', 16),
    },
  },
  {
    name: 'TIS smtpd: via SMTP (no with), "by host," and a ctime date',
    source: 'seen: Apache SpamAssassin t/rcvd_parser.t (st.tahina.priv.at)',
    header: `Received: from TCE-E-7-182-54.bta.net.cn(202.106.182.54) via SMTP by st.tahina.priv.at, id smtpdEDUB8h; Sun Nov 13 14:50:12 2005`,
    expect: {
      from: { helo: 'TCE-E-7-182-54.bta.net.cn', name: null, ip: '202.106.182.54' },
      by: 'st.tahina.priv.at',
      protocol: null,
      id: 'smtpdEDUB8h',
      date: '2005-11-13T14:50:12.000Z',
      tls: T(null),
    },
  },
  {
    name: 'Garbage gives nulls',
    source: 'robustness: not a Received header at all',
    header: `Received: this is not what a Received header looks like (at all`,
    expect: {
      from: { helo: null, name: null, ip: null },
      by: null,
      protocol: null,
      id: null,
      for: null,
      date: null,
      tls: T(null),
    },
  },
];
