// FETCH attributes (RFC 3501 6.4.5, CONDSTORE's MODSEQ, RFC 3516 BINARY): macros, simple items,
// BODY[section]<partial>, BINARY[part]<partial> and BINARY.SIZE[part], parsed into typed items
// the FETCH handler serves.
import { ParseError, type Reader } from './reader';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  /** Part path, e.g. [1, 2] for "1.2"; empty for the whole message. */
  part: number[];
  text?: SectionText;
  /** Field names for HEADER.FIELDS (.NOT), as the client wrote them. */
  fields?: string[];
}

export type SimpleItem =
  | 'UID'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'MODSEQ'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT';

export type FetchItem =
  | { kind: SimpleItem }
  | { kind: 'BODY[]'; peek: boolean; section: Section; partial?: { start: number; length: number } }
  /** RFC 3516 4.2: the part with its content-transfer-encoding undone. */
  | { kind: 'BINARY[]'; peek: boolean; part: number[]; partial?: { start: number; length: number } }
  /** RFC 3516 4.3: the size BINARY[part] would have. */
  | { kind: 'BINARY.SIZE'; part: number[] };

const SIMPLE = new Set<string>([
  'UID',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODY',
  'BODYSTRUCTURE',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
]);

const MACROS: Record<string, SimpleItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

export function readSection(r: Reader): Section {
  r.expect('[');
  const section: Section = { part: [] };
  if (r.accept(']')) return section;
  // section-part: nz-number *("." nz-number), then maybe "." section-text
  while (/[0-9]/.test(r.peek())) {
    section.part.push(r.nzNumber());
    if (!r.accept('.')) break;
    // "1." must go on: with a part number or a section text.
    if (r.peek() === ']') throw new ParseError('Bad section');
  }
  if (r.peek() !== ']') {
    const word = r.word().toUpperCase();
    if (!['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME'].includes(word)) {
      throw new ParseError('Bad section');
    }
    section.text = word as SectionText;
    if (section.text === 'MIME' && section.part.length === 0) throw new ParseError('MIME needs a part number');
    if (section.text === 'HEADER.FIELDS' || section.text === 'HEADER.FIELDS.NOT') {
      r.sp();
      section.fields = r.list(() => r.astring(), false);
    }
  }
  r.expect(']');
  return section;
}

/** RFC 3516 section-binary: "[" [section-part] "]", part numbers only. */
function readBinaryPart(r: Reader): number[] {
  r.expect('[');
  const part: number[] = [];
  while (r.peek() !== ']') {
    if (part.length) r.expect('.');
    part.push(r.nzNumber());
  }
  r.expect(']');
  return part;
}

function readPartial(r: Reader): { start: number; length: number } | undefined {
  if (!r.accept('<')) return undefined;
  const start = r.number();
  r.expect('.');
  const length = r.nzNumber();
  r.expect('>');
  return { start, length };
}

function readOne(r: Reader): FetchItem {
  // Read the item name up to '[', ' ', ')' or end.
  let name = '';
  for (let c = r.peek(); c && c !== '[' && c !== ' ' && c !== ')' && c !== '('; c = r.peek()) {
    name += c;
    r.expect(c);
  }
  name = name.toUpperCase();
  if (name === 'BODY' || name === 'BODY.PEEK') {
    if (r.peek() !== '[') {
      if (name === 'BODY.PEEK') throw new ParseError('BODY.PEEK needs a section');
      return { kind: 'BODY' };
    }
    const section = readSection(r);
    const item: FetchItem = { kind: 'BODY[]', peek: name === 'BODY.PEEK', section };
    const partial = readPartial(r);
    if (partial) item.partial = partial;
    return item;
  }
  if (name === 'BINARY' || name === 'BINARY.PEEK') {
    const item: FetchItem = { kind: 'BINARY[]', peek: name === 'BINARY.PEEK', part: readBinaryPart(r) };
    const partial = readPartial(r);
    if (partial) item.partial = partial;
    return item;
  }
  if (name === 'BINARY.SIZE') return { kind: 'BINARY.SIZE', part: readBinaryPart(r) };
  if (SIMPLE.has(name)) return { kind: name as SimpleItem };
  throw new ParseError('Unknown fetch item');
}

/** fetch-att list, a single item, or a macro. */
export function readFetchItems(r: Reader): FetchItem[] {
  if (r.peek() === '(') return r.list(() => readOne(r), false);
  const save = r.peek();
  if (save === '') throw new ParseError('Expected fetch items');
  const item = readOne(r);
  return [item];
}

/** Expands ALL/FAST/FULL, which readOne does not know. */
export function readFetchSpec(r: Reader): FetchItem[] {
  for (const [macro, items] of Object.entries(MACROS)) {
    if (r.accept(macro)) {
      const next = r.peek();
      if (next === '' || next === ' ' || next === ')') return items.map((kind) => ({ kind }));
      throw new ParseError('Bad fetch macro');
    }
  }
  return readFetchItems(r);
}

/** BINARY[1.2]<0> and BINARY.SIZE[1.2] in a response. */
export function binaryLabel(item: 'BINARY' | 'BINARY.SIZE', part: number[], partialStart?: number): string {
  return `${item}[${part.join('.')}]${partialStart !== undefined ? `<${partialStart}>` : ''}`;
}

/** The label a fetched section gets in the response, e.g. BODY[1.HEADER.FIELDS (SUBJECT)]<0>. */
export function sectionLabel(section: Section, partialStart?: number): string {
  const parts = section.part.join('.');
  let spec = parts;
  if (section.text) spec += (spec ? '.' : '') + section.text;
  if (section.fields) spec += ` (${section.fields.map((f) => (/^[!#-'*+\-.0-9A-Z^-z|~]+$/i.test(f) ? f : JSON.stringify(f))).join(' ')})`;
  return `BODY[${spec}]${partialStart !== undefined ? `<${partialStart}>` : ''}`;
}
