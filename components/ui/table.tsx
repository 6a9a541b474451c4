import { cn } from './cn';
import { TableFrame } from './table-frame';

export function Table({ className, children, ...props }: React.TableHTMLAttributes<HTMLTableElement>) {
  return (
    <TableFrame>
      <table className={cn('w-full border-collapse text-sm', className)} {...props}>
        {children}
      </table>
    </TableFrame>
  );
}

export function Th({ className, children, ...props }: React.ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      className={cn('border-b border-border bg-surface-2 px-3 py-2 text-left font-medium text-muted', className)}
      {...props}
    >
      {children}
    </th>
  );
}

export function Td({ className, children, ...props }: React.TdHTMLAttributes<HTMLTableCellElement>) {
  return (
    <td className={cn('border-b border-border px-3 py-2 align-middle', className)} {...props}>
      {children}
    </td>
  );
}
