'use client';

import { useEffect, useRef } from 'react';

/** Gives every body cell without a label of its own the text of its column's header (data-label). */
function labelCells(table: HTMLTableElement): void {
  const head = table.tHead?.rows[table.tHead.rows.length - 1];
  if (!head) return;
  const names: string[] = [];
  for (const th of head.cells) for (let i = 0; i < th.colSpan; i++) names.push(th.textContent?.trim() ?? '');
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      let column = 0;
      for (const cell of row.cells) {
        const name = names[column];
        if (name && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', name);
        column += cell.colSpan;
      }
    }
  }
}

/** A frame that scrolls must be reachable by keyboard to be scrolled (WCAG 2.1.1); one that does not stays out of the tab order. */
function markScrollable(frame: HTMLDivElement, table: HTMLTableElement): void {
  if (frame.scrollWidth > frame.clientWidth + 1) {
    frame.tabIndex = 0;
    frame.setAttribute('role', 'region');
    frame.setAttribute('aria-label', `${table.getAttribute('aria-label') ?? 'Table'} (scrolls sideways)`);
  } else {
    frame.removeAttribute('tabindex');
    frame.removeAttribute('role');
    frame.removeAttribute('aria-label');
  }
}

/**
 * The frame of every panel table. On wide screens it scrolls sideways when the table is
 * wider than the page; below 640 px globals.css shows each row as a card whose cells are
 * labelled by their column header — the labels are set here, once for every table, and
 * again when rows change (filters, actions).
 */
export function TableFrame({ children }: { children: React.ReactNode }) {
  const frame = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const div = frame.current;
    const table = div?.querySelector(':scope > table');
    if (!div || !(table instanceof HTMLTableElement)) return;
    labelCells(table);
    markScrollable(div, table);
    const rows = new MutationObserver(() => labelCells(table));
    rows.observe(table, { childList: true, subtree: true });
    const size = new ResizeObserver(() => markScrollable(div, table));
    size.observe(div);
    size.observe(table);
    return () => {
      rows.disconnect();
      size.disconnect();
    };
  }, []);
  return (
    <div ref={frame} className="table-cards overflow-x-auto rounded-lg border border-border bg-surface">
      {children}
    </div>
  );
}
