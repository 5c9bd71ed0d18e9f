import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into newline-terminated lines, decoding UTF-8 across
 * chunk boundaries. A line longer than `maxLineBytes` is dropped as it arrives
 * (memory stays bounded whatever the child prints) and reported through
 * `onOversize` once its end is reached.
 */
export class LineFramer {
  private readonly decoder = new StringDecoder('utf8');
  private pending: string[] = [];
  private pendingBytes = 0;
  private discarding = false;
  private discardedBytes = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onOversize: (bytes: number) => void = () => {},
  ) {}

  push(chunk: Buffer): string[] {
    const text = this.decoder.write(chunk);
    const lines: string[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      this.append(text.slice(start, newline));
      const line = this.take();
      if (line !== undefined) lines.push(line);
      start = newline + 1;
    }
    this.append(text.slice(start));
    return lines;
  }

  /** The last line, if the stream ended without a newline. */
  end(): string[] {
    this.append(this.decoder.end());
    const line = this.take();
    return line === undefined || line === '' ? [] : [line];
  }

  private append(piece: string): void {
    if (piece.length === 0) return;
    if (this.discarding) {
      this.discardedBytes += Buffer.byteLength(piece);
      return;
    }
    this.pending.push(piece);
    this.pendingBytes += Buffer.byteLength(piece);
    if (this.pendingBytes > this.maxLineBytes) {
      this.discardedBytes = this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
    }
  }

  private take(): string | undefined {
    if (this.discarding) {
      this.discarding = false;
      this.onOversize(this.discardedBytes);
      this.discardedBytes = 0;
      return undefined;
    }
    const line = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }
}
