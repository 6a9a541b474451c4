// What the import actions hand to the browser: plain data, no database rows.

export interface PreviewRow {
  /** Line in the file (the header, when present, is line 1). */
  line: number;
  address: string;
  name: string | null;
  quota: string;
  password: 'given' | 'generated';
  problems: string[];
}

export interface Preview {
  rows: PreviewRow[];
  valid: number;
  invalid: number;
  /** The checked text, sent back with the import so exactly this is imported. */
  csv: string;
}

export interface Imported {
  created: { address: string; password: string | null }[];
}

// Server Actions accept bodies up to 1 MB by default; the file plus form overhead must fit.
export const MAX_CSV_BYTES = 960 * 1024;
