// A raw POP3 client for transcript tests: sends lines exactly as written, reads response
// lines as they come (a multi-line response is read to its "." with `multiline`).
import { LineWire, openWireSocket, type WireOptions } from './line-wire';

export class Pop3Wire extends LineWire {
  static async connect(port: number, options: WireOptions): Promise<Pop3Wire> {
    return new Pop3Wire(await openWireSocket(port, options));
  }

  protected cut(): void {
    for (let nl = this.buf.indexOf('\r\n'); nl >= 0; nl = this.buf.indexOf('\r\n')) {
      this.lines.push(this.buf.toString('latin1', 0, nl));
      this.buf = this.buf.subarray(nl + 2);
    }
  }

  /** Sends one command line and returns the first response line. */
  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.line();
  }

  /** The lines of a multi-line response after its status line, up to and including ".". */
  async multiline(): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line();
      out.push(l);
      if (l === '.') return out;
    }
  }

  /** Resolves when the server has closed the connection. */
  async closedByServer(ms = 10_000): Promise<string[]> {
    const seen: string[] = [];
    for (;;) {
      try {
        seen.push(await this.line(ms));
      } catch (e) {
        if (this.isClosed) return seen;
        throw e;
      }
    }
  }
}
