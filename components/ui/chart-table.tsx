/**
 * A chart's numbers as a table for screen readers (the drawing itself is hidden from them):
 * the same rows the chart draws, one column per series.
 */
export function ChartTable({ caption, rows, columns }: { caption: string; rows: Record<string, string | number | null>[]; columns: { key: string; label: string }[] }) {
  return (
    <table className="sr-only" data-testid="chart-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} scope="col">
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {columns.map((c, j) =>
              j === 0 ? (
                <th key={c.key} scope="row">
                  {r[c.key] ?? '—'}
                </th>
              ) : (
                <td key={c.key}>{r[c.key] ?? '—'}</td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
