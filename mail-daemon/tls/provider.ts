// The TLS provider is shared with the panel's HTTPS server (scripts/start/panel-https.ts).
export * from '@/lib/certificates/tls-provider';
