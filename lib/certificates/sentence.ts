/** A check's detail ("the private key does not belong…") as the sentence an admin reads ("The private key does not belong….") — browser-safe, no node:crypto. */
export const sentence = (detail: string): string => `${detail.charAt(0).toUpperCase()}${detail.slice(1)}${/[.!?]$/.test(detail) ? '' : '.'}`;
