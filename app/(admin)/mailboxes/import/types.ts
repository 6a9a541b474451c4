// What the import actions hand to the browser: plain data, no database rows.

export interface PreviewRow {
  /** 1-based line in the file (the header is line 1). */
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
  /** File-level problems (no header, too many rows…). */
  problems: string[];
}

export interface ImportResult {
  created: { address: string; password: string | null }[];
  skipped: number;
}
