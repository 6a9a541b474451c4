// Shared with the panel: lib/certificates/self-signed.ts.
export * from '@/lib/certificates/self-signed';
