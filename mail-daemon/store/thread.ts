// THREAD (RFC 5256 4): ORDEREDSUBJECT and REFERENCES over the sort keys of a folder's matching
// messages, read from Postgres in one query (./sort.ts). Pure; the walks are iterative, so a
// reply chain as long as the folder does not exhaust the stack.
import type { ThreadNode } from '@/mail-daemon/imap/backend';

export interface ThreadRow {
  uid: number;
  /** Base subject, i;unicode-casemap'd. */
  subject: string;
  replyOrForward: boolean;
  /** Sent date (RFC 5256 2.2: the Date header, else the internal date), ms since the epoch. */
  date: number;
  messageId: string | null;
  /** References, oldest first (else the first In-Reply-To id). */
  parents: string[];
}

interface Container {
  row: ThreadRow | null;
  parent: Container | null;
  children: Container[];
}

/** The message a container sorts and groups by: its own, or its first child's for a placeholder. */
function lead(c: Container): ThreadRow | null {
  let x: Container | undefined = c;
  while (x && !x.row) x = x.children[0];
  return x?.row ?? null;
}

/** Sent date, then sequence order (RFC 5256: ties and unparseable dates go by sequence number). */
function byDate(a: Container, b: Container): number {
  const x = lead(a);
  const y = lead(b);
  if (!x || !y) return 0;
  return x.date - y.date || x.uid - y.uid;
}

/** Visits every container below `top` children-first; `visit` may rewrite the children of the one it is given. */
function postOrder(top: Container, visit: (c: Container) => void): void {
  const stack: [Container, boolean][] = [[top, false]];
  while (stack.length) {
    const [c, done] = stack.pop()!;
    if (done) {
      visit(c);
      continue;
    }
    stack.push([c, true]);
    for (const child of c.children) stack.push([child, false]);
  }
}

function toNodes(top: Container): ThreadNode[] {
  const out: ThreadNode[] = [];
  const stack: [Container, ThreadNode[]][] = top.children.map((c) => [c, out] as [Container, ThreadNode[]]).reverse();
  while (stack.length) {
    const [c, into] = stack.pop()!;
    const node: ThreadNode = { uid: c.row?.uid ?? null, children: [] };
    into.push(node);
    for (let i = c.children.length - 1; i >= 0; i--) stack.push([c.children[i], node.children]);
  }
  return out;
}

/** RFC 5256 4: ORDEREDSUBJECT. One thread per base subject, its first message the parent of the others. */
export function orderedSubject(rows: readonly ThreadRow[]): ThreadNode[] {
  const sorted = [...rows].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.date - b.date || a.uid - b.uid));
  const threads: { first: ThreadRow; node: ThreadNode }[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j].subject === sorted[i].subject) j++;
    const node: ThreadNode = { uid: sorted[i].uid, children: sorted.slice(i + 1, j).map((r) => ({ uid: r.uid, children: [] })) };
    threads.push({ first: sorted[i], node });
    i = j;
  }
  threads.sort((a, b) => a.first.date - b.first.date || a.first.uid - b.first.uid);
  return threads.map((t) => t.node);
}

function isAncestorOrSelf(candidate: Container, of: Container): boolean {
  if (candidate === of) return true;
  // Without children it is nobody's ancestor: no walk up (a long reply chain stays linear).
  if (!candidate.children.length) return false;
  for (let x: Container | null = of; x; x = x.parent) if (x === candidate) return true;
  return false;
}

function link(child: Container, parent: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Container): void {
  if (!child.parent) return;
  const siblings = child.parent.children;
  siblings.splice(siblings.indexOf(child), 1);
  child.parent = null;
}

/** RFC 5256 4: REFERENCES, steps 1 to 6. */
export function references(rows: readonly ThreadRow[]): ThreadNode[] {
  const byId = new Map<string, Container>();
  const all: Container[] = [];
  const container = (row: ThreadRow | null): Container => {
    const c: Container = { row, parent: null, children: [] };
    all.push(c);
    return c;
  };
  // (1) Link each message's references into a chain, and the message under the last of them.
  for (const row of [...rows].sort((a, b) => a.uid - b.uid)) {
    let previous: Container | null = null;
    for (const id of row.parents) {
      let ref = byId.get(id);
      if (!ref) byId.set(id, (ref = container(null)));
      if (previous && !ref.parent && !isAncestorOrSelf(ref, previous)) link(ref, previous);
      previous = ref;
    }
    // A message without a Message-ID, or with one already taken, gets an id of its own.
    let own = row.messageId !== null ? byId.get(row.messageId) : undefined;
    if (own && !own.row) own.row = row;
    else {
      own = container(row);
      if (row.messageId !== null && !byId.has(row.messageId)) byId.set(row.messageId, own);
    }
    unlink(own);
    if (previous && !isAncestorOrSelf(own, previous)) link(own, previous);
  }
  // (2) Every container without a parent is a first message of a thread.
  const root: Container = { row: null, parent: null, children: [] };
  for (const c of all) if (!c.parent) link(c, root);
  // (3) Placeholders go: without children at once; with children their children take their
  // place, except under the root when there are several of them.
  postOrder(root, (c) => {
    const kept: Container[] = [];
    for (const child of c.children) {
      if (child.row) kept.push(child);
      else if (child.children.length && (c !== root || child.children.length === 1)) {
        for (const g of child.children) {
          g.parent = c;
          kept.push(g);
        }
      } else if (child.children.length) kept.push(child);
    }
    c.children = kept;
  });
  // (4) The threads by sent date (a placeholder by its first child's, its children sorted first).
  for (const c of root.children) if (!c.row) c.children.sort(byDate);
  root.children.sort(byDate);
  // (5) Threads whose first messages share a base subject are gathered.
  const bySubject = new Map<string, Container>();
  for (const c of root.children) {
    const row = lead(c);
    if (!row || row.subject === '') continue;
    const held = bySubject.get(row.subject);
    if (!held || (held.row && (!c.row || (held.row.replyOrForward && !row.replyOrForward)))) bySubject.set(row.subject, c);
  }
  // Merged threads leave the root at the end, so the root's list is never searched.
  const replaced = new Map<Container, Container>();
  for (const c of root.children) {
    const row = lead(c);
    // Skipped: an empty subject, and a thread already moved under another.
    if (!row || row.subject === '' || c.parent !== root) continue;
    const held = bySubject.get(row.subject)!;
    if (held === c) continue;
    const adopt = (child: Container) => {
      child.parent = held;
      held.children.push(child);
    };
    if (!held.row && !c.row) {
      c.children.forEach(adopt);
      c.children = [];
      c.parent = null;
    } else if (!held.row || (c.row && c.row.replyOrForward && !held.row.replyOrForward)) {
      adopt(c);
    } else {
      // A new placeholder holds both, in the place of the one in the table.
      const holder: Container = { row: null, parent: root, children: [held, c] };
      held.parent = holder;
      c.parent = holder;
      replaced.set(held, holder);
      bySubject.set(row.subject, holder);
    }
  }
  root.children = root.children.map((c) => replaced.get(c) ?? c).filter((c) => c.parent === root);
  // (6) Siblings by sent date at every level, the deepest first.
  postOrder(root, (c) => c.children.sort(byDate));
  return toNodes(root);
}
