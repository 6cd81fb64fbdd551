/**
 * Splits the live output of `tcpdump -l -nn -XX` (read from a pty, so lines end in \r\n and
 * arrive in arbitrary chunks, even mid-line: "\t" then "0x0030:  0000 67b1 ...") into one text
 * block per packet, plus tcpdump's own chatter:
 *
 *   tcpdump: verbose output suppressed, use -v[v]... for full protocol decode     <- chatter
 *   listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes  <- chatter
 *   06:58:50.110966 IP 192.168.0.11 > 192.168.1.11: ICMP echo request, id 1670, seq 1, length 64
 *   \t0x0000:  4044 0000 0003 4044 0000 0001 0800 4500  @D....@D......E.
 *   ...
 *   2 packets captured                                                             <- chatter
 *
 * A packet block ends at the next header line, at a chatter line, or when the caller says the
 * stream went quiet (`completePending`): tcpdump writes nothing after a packet's last hex line
 * until the next packet arrives, so the quiet period is how the last packet gets out in time.
 */

/** tcpdump's timestamp forms at the start of a header line: default `06:58:50.110966`, -tttt, -tt. */
const HEADER = /^(\d{1,2}:\d{2}:\d{2}\.\d+|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+|\d{9,}\.\d+)\s/;

export interface TcpdumpStreamHandlers {
  /** A complete packet block: its header line (if any) and its hex lines, "\n"-terminated. */
  packet(text: string): void;
  /** A line that is not part of a packet ("listening on ...", "2 packets captured", errors). */
  chatter(line: string): void;
}

export class TcpdumpStream {
  private partial = '';
  private block: string[] = [];

  constructor(private readonly on: TcpdumpStreamHandlers) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) this.line(raw.replace(/\r$/, ''));
  }

  /** True when a packet block is open and no half line is waiting (so it may be complete). */
  get pending(): boolean {
    return this.block.length > 0 && this.partial === '';
  }

  /** The stream went quiet: hand out the open block if no half line is still waiting. */
  completePending(): void {
    if (this.pending) this.emitBlock();
  }

  /** End of output: everything left goes out. */
  end(): void {
    if (this.partial) {
      const last = this.partial.replace(/\r$/, '');
      this.partial = '';
      this.line(last);
    }
    this.emitBlock();
  }

  private line(line: string): void {
    if (line.trim() === '') return;
    if (HEADER.test(line)) {
      this.emitBlock();
      this.block.push(line);
    } else if (/^\s/.test(line)) {
      // Hex lines ("\t0x0010:  ...") and -v continuation lines belong to the open block; a hex
      // line with no header before it (a capture started mid-stream) opens a block of its own.
      this.block.push(line);
    } else {
      this.emitBlock();
      this.on.chatter(line);
    }
  }

  private emitBlock(): void {
    if (this.block.length === 0) return;
    const text = this.block.join('\n') + '\n';
    this.block = [];
    this.on.packet(text);
  }
}
