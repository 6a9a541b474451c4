// The parser's own output shape (prom2json's), for the tests that read /metrics.
declare module 'parse-prometheus-text-format' {
  export interface ParsedFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'HISTOGRAM' | 'UNTYPED';
    metrics: { labels?: Record<string, string>; value: string }[];
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
