/** One CSV field, quoted when it holds a separator, quote or line break (RFC 4180). */
export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Values are written verbatim (a generated password must survive byte for byte),
  // so no spreadsheet-formula prefixing here.
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows to RFC 4180 CSV text with CRLF line ends and a header row. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
