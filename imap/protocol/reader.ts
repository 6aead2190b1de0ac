// Framing of client commands (RFC 9051 §2.2.1, §4.3): splits the byte stream into whole
// commands, each one line plus the literals it announces. It is a pull parser: the session
// asks for the next command only when it has answered the previous one, so a continuation
// request ("+ ") for a synchronizing literal is never written in the middle of another
// command's responses, and bytes pipelined after STARTTLS can be dropped unread.
//
// Limits are checked before any byte of a literal is kept: a synchronizing literal above the
// limit is refused instead of being asked for (RFC 7888 §4 / RFC 7889 §4: NO [TOOBIG]); a
// non-synchronizing one, which the client sends anyway, is read and thrown away so that the
// session stays in step, and the command is refused.

/** A whole command: its bytes as sent, final CRLF excluded, literals inline. */
export interface CommandFrame {
  kind: 'command';
  bytes: Buffer;
}

/** A command the reader refused without reading all of it. */
export interface RefusedFrame {
  kind: 'refused';
  /** The tag if the start of the line had a valid one. */
  tag: string | null;
  reason: 'line-too-long' | 'literal-too-big' | 'command-too-big';
}

export type Frame = CommandFrame | RefusedFrame;

export interface ReaderLimits {
  /** Longest line (between literals), CRLF excluded. */
  maxLine: number;
  /** Largest literal for commands other than APPEND. */
  maxLiteral: number;
  /** Largest APPEND literal (the message size limit, APPENDLIMIT). */
  maxAppendLiteral: number;
  /** Largest command in total (lines and literals) other than APPEND. */
  maxCommand: number;
}

export const DEFAULT_LIMITS: ReaderLimits = {
  maxLine: 64 * 1024,
  maxLiteral: 64 * 1024,
  maxAppendLiteral: 50 * 1024 * 1024,
  maxCommand: 1024 * 1024,
};

// A line ending in a literal announcement: "{123}" or "{123+}" (RFC 7888 LITERAL+). Ten
// digits at most: anything larger is above every limit anyway.
const LITERAL_MARK = /\{(\d{1,10})(\+?)\}$/;
const TAG_AND_NAME = /^([\x21-\x7e]+?) +(?:UID +)?([A-Za-z]+)/i;
const TAG = /^([^\x00-\x20\x7f(){%*"\\+]+)[ \r\n]/;

type Mode =
  | { kind: 'line' }
  | { kind: 'literal'; remaining: number }
  | { kind: 'discard-line' }
  | { kind: 'discard-literal'; remaining: number };

export class CommandReader {
  private buf: Buffer = Buffer.alloc(0);
  private mode: Mode = { kind: 'line' };
  /** Pieces of the command being assembled. */
  private parts: Buffer[] = [];
  private size = 0;
  private firstLine: string | null = null;
  private refusal: RefusedFrame | null = null;

  constructor(
    private readonly limits: ReaderLimits,
    /** Writes "+ ..." when a synchronizing literal may be sent. */
    private readonly askForLiteral: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** Bytes received and not yet consumed (for backpressure decisions). */
  get buffered(): number {
    return this.buf.length;
  }

  /** Forgets everything received so far (after STARTTLS: RFC 9051 §6.2.1, no plaintext
   *  command may be carried over into the TLS session). */
  reset(): void {
    this.buf = Buffer.alloc(0);
    this.mode = { kind: 'line' };
    this.startCommand();
  }

  /** Hands over the bytes received after the last whole command (they belong to a new
   *  layer: COMPRESS, RFC 4978 §3) and forgets them. */
  takeUnread(): Buffer {
    const out = this.buf;
    this.buf = Buffer.alloc(0);
    return out;
  }

  /** The next whole command, or null if more bytes are needed. */
  next(): Frame | null {
    for (;;) {
      switch (this.mode.kind) {
        case 'literal': {
          const take = Math.min(this.mode.remaining, this.buf.length);
          // A literal of length zero ("{0}", an empty string) is complete at once.
          if (take === 0 && this.mode.remaining > 0) return null;
          this.addPart(this.buf.subarray(0, take));
          this.buf = this.buf.subarray(take);
          this.mode.remaining -= take;
          if (this.mode.remaining > 0) return null;
          this.mode = { kind: 'line' };
          break;
        }
        case 'discard-literal': {
          const take = Math.min(this.mode.remaining, this.buf.length);
          if (take === 0 && this.mode.remaining > 0) return null;
          this.buf = this.buf.subarray(take);
          this.mode.remaining -= take;
          if (this.mode.remaining > 0) return null;
          this.mode = { kind: 'discard-line' };
          break;
        }
        case 'line':
        case 'discard-line': {
          const lf = this.buf.indexOf(0x0a);
          if (lf < 0) {
            if (this.mode.kind === 'line' && this.buf.length > this.limits.maxLine) {
              this.refuse('line-too-long', this.buf);
              this.buf = Buffer.alloc(0);
              this.mode = { kind: 'discard-line' };
            } else if (this.mode.kind === 'discard-line') {
              // Keep only what could be the start of a literal mark at the end of the line.
              this.buf = this.buf.subarray(Math.max(0, this.buf.length - 16));
            }
            return null;
          }
          const end = lf > 0 && this.buf[lf - 1] === 0x0d ? lf - 1 : lf;
          const line = this.buf.subarray(0, end);
          this.buf = this.buf.subarray(lf + 1);
          const frame = this.mode.kind === 'line' ? this.onLine(line) : this.onDiscardedLine(line);
          if (frame) return frame;
          break;
        }
      }
    }
  }

  private onLine(line: Buffer): Frame | null {
    if (line.length > this.limits.maxLine) {
      this.refuse('line-too-long', line);
      return this.onDiscardedLine(line);
    }
    if (this.firstLine === null) this.firstLine = line.subarray(0, 64).toString('latin1');
    const mark = LITERAL_MARK.exec(line.subarray(Math.max(0, line.length - 14)).toString('latin1'));
    if (!mark) {
      this.addPart(line);
      return this.finish();
    }
    const length = Number(mark[1]);
    const synchronizing = mark[2] !== '+';
    const isAppend = TAG_AND_NAME.exec(this.firstLine)?.[2].toUpperCase() === 'APPEND';
    const limit = isAppend ? this.limits.maxAppendLiteral : Math.min(this.limits.maxLiteral, this.limits.maxCommand - this.size - line.length);
    if (length > limit) {
      this.refuse(isAppend || length > this.limits.maxLiteral ? 'literal-too-big' : 'command-too-big', line);
      if (synchronizing) return this.takeRefusal(); // the client waits for "+" that never comes
      this.mode = { kind: 'discard-literal', remaining: length };
      return null;
    }
    this.addPart(line);
    this.addPart(CRLF);
    if (synchronizing) this.askForLiteral();
    this.mode = { kind: 'literal', remaining: length };
    return null;
  }

  /** A line of a command already refused: only its literal marks matter, to stay in step. */
  private onDiscardedLine(line: Buffer): Frame | null {
    const mark = LITERAL_MARK.exec(line.subarray(Math.max(0, line.length - 14)).toString('latin1'));
    if (mark && mark[2] === '+') {
      this.mode = { kind: 'discard-literal', remaining: Number(mark[1]) };
      return null;
    }
    this.mode = { kind: 'line' };
    return this.takeRefusal();
  }

  private refuse(reason: RefusedFrame['reason'], line: Buffer): void {
    if (this.refusal) return;
    const start = this.firstLine ?? line.subarray(0, 64).toString('latin1');
    const tag = TAG.exec(start)?.[1] ?? null;
    this.refusal = { kind: 'refused', tag, reason };
    this.parts = [];
    this.size = 0;
  }

  private takeRefusal(): Frame {
    const frame = this.refusal!;
    this.mode = { kind: 'line' };
    this.startCommand();
    return frame;
  }

  /** Views on the socket's chunks until the command is whole; finish() copies them out. */
  private addPart(part: Buffer): void {
    if (part.length === 0) return;
    this.parts.push(part);
    this.size += part.length;
  }

  private finish(): Frame {
    // One copy into a buffer of the command's own, so that no socket chunk stays alive whole
    // behind a view (concat copies; a lone part is copied too).
    const bytes = this.parts.length === 1 ? Buffer.from(this.parts[0]) : Buffer.concat(this.parts, this.size);
    this.startCommand();
    return { kind: 'command', bytes };
  }

  private startCommand(): void {
    this.parts = [];
    this.size = 0;
    this.firstLine = null;
    this.refusal = null;
  }
}

const CRLF = Buffer.from('\r\n');
