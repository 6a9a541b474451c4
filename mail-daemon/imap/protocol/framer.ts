// Turns the client's byte stream into whole commands: lines joined across literals
// ({n} synchronizing, {n+} LITERAL+, RFC 3516's literal8 ~{n} / ~{n+}), with limits on line
// length, literal size and command size. A command that breaks a limit is consumed (never
// buffered) and reported with its own tag, so the session can answer `tag BAD/NO ...` and go on.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A literal too large to keep in memory, written to a private temporary file. */
export interface Spool {
  path: string;
  size: number;
}

/** `binary`: the literal was a literal8 (RFC 3516 ~{n}), which may carry NUL. */
export type Part = { text: string } | { literal: Buffer; binary?: true } | { spool: Spool; binary?: true };

/** Removes the temporary files of a frame's spooled literals. */
export function releaseFrame(frame: Frame): void {
  for (const p of frame.parts) if ('spool' in p) fs.rm(p.spool.path, { force: true }, () => {});
}

export interface Frame {
  /** The command's parts in order: text, literal, text, ... (first part is text). */
  parts: Part[];
}

export interface FrameError {
  /** The tag as far as we could read it, or '*' when none was readable. */
  tag: string;
  status: 'BAD' | 'NO';
  code?: 'TOOBIG' | 'LIMIT';
  text: string;
}

export interface FramerLimits {
  /** Longest line (without its literals), in bytes. */
  maxLine: number;
  /** Largest literal for a command; APPEND gets the APPENDLIMIT, others a small one. */
  maxLiteral(command: string): number;
  /** Most bytes one command (text and literals together) may take, APPEND excepted. */
  maxCommand: number;
  /** Literals larger than this go to a temporary file instead of memory (default 1 MiB). */
  spoolAbove?: number;
}

export interface FramerSink {
  command(frame: Frame): void;
  /** A synchronizing literal was accepted: the client waits for "+ ...". */
  continuation(): void;
  /** A bare line read in line mode (IDLE's DONE, an AUTHENTICATE response). */
  line(text: string): void;
  error(err: FrameError): void;
}

const LITERAL_AT_END = /(~?)\{(\d{1,20})(\+?)\}$/;
const CRLF = 0x0a;
/**
 * One APPEND (MULTIAPPEND's messages, CATENATE's parts together) may carry this many times the
 * largest message: bounded disk for its spooled literals, room for a batch of full-size messages.
 */
export const APPEND_COMMAND_MESSAGES = 16;

/** The tag and command name, read from the first line as far as it goes. */
export function peekTagAndCommand(firstLine: string): { tag: string; command: string } {
  const m = /^([\x21-\x7e]{1,64}?)(?: +([A-Za-z]+)(?: +([A-Za-z]+))?)?(?: |$)/.exec(firstLine);
  if (!m || m[1].includes('{') || m[1] === '+') return { tag: '*', command: '' };
  const name = (m[2] ?? '').toUpperCase();
  const command = name === 'UID' && m[3] ? `UID ${m[3].toUpperCase()}` : name;
  return { tag: m[1], command };
}

export class CommandFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private parts: Part[] = [];
  private tag = '*';
  private command = '';
  private commandBytes = 0;
  /** Bytes of the current literal still to read (and whether they are kept). */
  private literalLeft = 0;
  private literalChunks: Buffer[] | null = null;
  private literalBinary = false;
  /** Literal bytes of the current command held in memory (beyond spoolAbove, literals go to disk). */
  private memoryBytes = 0;
  private spool: { fd: number; path: string; size: number } | null = null;
  /** Set once a command broke a limit: the rest of it is consumed and dropped. */
  private failure: FrameError | null = null;
  /** Dropping the rest of an over-long line. */
  private discardingLine = false;
  private lineMode = false;
  private stopped = false;

  constructor(
    private readonly limits: FramerLimits,
    private readonly sink: FramerSink,
  ) {}

  /** The next line is delivered raw to sink.line (IDLE, AUTHENTICATE). */
  expectLine(on: boolean): void {
    this.lineMode = on;
  }

  /** Part of a command is held: a line without its CRLF, or a literal not yet complete. */
  get commandInProgress(): boolean {
    return this.literalLeft > 0 || this.pendingBytes > 0;
  }

  /** Forget buffered input and stop (STARTTLS hand-over, logout). */
  stop(): void {
    this.stopped = true;
    this.dropSpool();
    for (const p of this.parts) if ('spool' in p) fs.rm(p.spool.path, { force: true }, () => {});
    this.parts = [];
    this.literalLeft = 0;
    this.pending = [];
    this.pendingBytes = 0;
  }

  resume(): void {
    this.stopped = false;
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    let data = chunk;
    while (data.length > 0 && !this.stopped) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, data.length);
        if (this.spool) fs.writeSync(this.spool.fd, data, 0, take);
        else if (this.literalChunks) this.literalChunks.push(data.subarray(0, take));
        this.literalLeft -= take;
        data = data.subarray(take);
        if (this.literalLeft === 0) this.finishLiteral();
        continue;
      }
      const nl = data.indexOf(CRLF);
      if (nl < 0) {
        if (this.discardingLine) return;
        this.pending.push(data);
        this.pendingBytes += data.length;
        if (this.pendingBytes > this.limits.maxLine) this.lineTooLong();
        return;
      }
      const head = data.subarray(0, nl + 1);
      data = data.subarray(nl + 1);
      if (this.discardingLine) {
        this.discardingLine = false;
        this.endCommand();
        continue;
      }
      let line: Buffer;
      if (this.pending.length) {
        this.pending.push(head);
        line = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingBytes = 0;
      } else line = head;
      if (line.length - 1 > this.limits.maxLine) {
        this.lineTooLong(line);
        this.discardingLine = false;
        this.endCommand();
        continue;
      }
      let end = line.length - 1;
      if (end > 0 && line[end - 1] === 0x0d) end--;
      this.onLine(line.toString('utf8', 0, end));
    }
  }

  private lineTooLong(start?: Buffer): void {
    const first = start ?? Buffer.concat(this.pending);
    if (this.parts.length === 0 && !this.lineMode) {
      const peek = peekTagAndCommand(first.toString('latin1', 0, Math.min(first.length, 200)));
      this.tag = peek.tag;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.failure ??= { tag: this.tag, status: 'BAD', code: 'TOOBIG', text: 'Command line too long' };
    this.discardingLine = true;
  }

  private onLine(text: string): void {
    if (this.lineMode && this.parts.length === 0) {
      this.lineMode = false;
      this.sink.line(text);
      return;
    }
    if (this.parts.length === 0) {
      const peek = peekTagAndCommand(text);
      this.tag = peek.tag;
      this.command = peek.command;
      this.commandBytes = 0;
    }
    this.commandBytes += text.length;
    const m = LITERAL_AT_END.exec(text);
    if (!m) {
      if (!this.failure) this.parts.push({ text });
      this.endCommand();
      return;
    }
    const size = Number(m[2]);
    const synchronizing = m[3] !== '+';
    if (!this.failure) this.parts.push({ text: text.slice(0, m.index) });
    const limit = this.limits.maxLiteral(this.command);
    const over = !Number.isSafeInteger(size) || size > limit;
    const append = this.command === 'APPEND';
    const commandOver = this.commandBytes + size > (append ? limit * APPEND_COMMAND_MESSAGES : this.limits.maxCommand);
    if (!this.failure && (over || commandOver)) {
      this.failure = !append
        ? { tag: this.tag, status: 'BAD', code: 'TOOBIG', text: 'Literal too large' }
        : over
          ? { tag: this.tag, status: 'NO', code: 'TOOBIG', text: `Message larger than the limit of ${limit} bytes` }
          : { tag: this.tag, status: 'NO', code: 'TOOBIG', text: `One APPEND may carry at most ${APPEND_COMMAND_MESSAGES} times the message limit` };
    }
    if (this.failure && synchronizing) {
      // The client waits for our "+": it will not send the literal. The command ends here.
      this.endCommand();
      return;
    }
    this.commandBytes += size;
    this.literalLeft = Number.isSafeInteger(size) ? size : Number.MAX_SAFE_INTEGER;
    this.literalChunks = this.failure ? null : [];
    this.literalBinary = m[1] === '~';
    // One large literal, or many small ones together (MULTIAPPEND, CATENATE), go to disk.
    const spoolAbove = this.limits.spoolAbove ?? 1024 * 1024;
    if (!this.failure && (size > spoolAbove || this.memoryBytes + size > spoolAbove)) {
      const file = path.join(os.tmpdir(), `postern-imap-${randomBytes(12).toString('hex')}`);
      this.spool = { fd: fs.openSync(file, 'wx', 0o600), path: file, size };
    }
    if (synchronizing) this.sink.continuation();
    if (this.literalLeft === 0) this.finishLiteral();
  }

  private finishLiteral(): void {
    const binary = this.literalBinary ? { binary: true as const } : {};
    if (this.spool) {
      fs.closeSync(this.spool.fd);
      this.parts.push({ spool: { path: this.spool.path, size: this.spool.size }, ...binary });
      this.spool = null;
    } else if (this.literalChunks) {
      const literal = Buffer.concat(this.literalChunks);
      this.memoryBytes += literal.length;
      this.parts.push({ literal, ...binary });
    }
    this.literalChunks = null;
    this.literalBinary = false;
  }

  /** Drops a literal being spooled (connection gone mid-literal). */
  private dropSpool(): void {
    if (!this.spool) return;
    fs.closeSync(this.spool.fd);
    fs.rm(this.spool.path, { force: true }, () => {});
    this.spool = null;
  }

  private endCommand(): void {
    const failure = this.failure;
    const parts = this.parts;
    this.parts = [];
    this.failure = null;
    this.tag = '*';
    this.command = '';
    this.commandBytes = 0;
    this.memoryBytes = 0;
    if (failure && this.lineMode && parts.length === 0) {
      // An over-long AUTHENTICATE response or IDLE line: the waiting command gets an empty line.
      this.lineMode = false;
      this.sink.line('');
    } else if (failure) this.sink.error(failure);
    else if (parts.length === 1 && (parts[0] as { text: string }).text === '') return; // blank line
    else this.sink.command({ parts });
  }
}
