/** One decoded protocol layer; fields are layer-specific. */
export interface PacketLayer {
  /**
   * 'eth' | 'sll' | 'sll2' | 'vlan' | 'arp' | 'ipv4' | 'ipv6' | 'ipv6-hop-by-hop' | 'ipv6-routing' |
   * 'ipv6-fragment' | 'ipv6-dest-opts' | 'icmp' | 'icmpv6' | 'tcp' | 'udp' | 'sctp' | 'geneve' |
   * 'vxlan' | 'payload' | 'padding'
   */
  type: string;
  /** Byte offset of the layer in the packet's bytes. */
  offset: number;
  length: number;
  /** 0 for the outer packet, 1 for the frame inside a Geneve/VXLAN tunnel, and so on. */
  depth?: number;
  /** The layer ran past the end of the captured bytes (snaplen or a cut paste). */
  truncated?: boolean;
  /** The header is whole but the payload it announces was cut by the capture (IPv4/IPv6). */
  payloadTruncated?: boolean;
  [field: string]: unknown;
}

export interface ChecksumCheck {
  layer: string;
  field: string;
  found: number;
  expected: number;
  ok: boolean;
  /** Offset of the layer whose checksum this is (tunnels carry several layers of one type). */
  offset?: number;
  /**
   * The found value is the pseudo-header sum alone: the sender left the checksum to NIC offload
   * (CHECKSUM_PARTIAL) and the capture saw the packet before the NIC filled it in.
   */
  partial?: boolean;
}

/** What the first byte of the hex is: tcpdump -x/-X start at the network layer, -xx/-XX at the link layer. */
export type PacketLinkType = 'ethernet' | 'sll' | 'sll2' | 'ipv4' | 'ipv6' | 'arp';

export interface DecodedPacket {
  hex: string;
  /** tcpdump's decoded header line(s), when the paste had them (continuation lines joined by a space) */
  summary?: string;
  /** tcpdump's timestamp from the header line ("06:36:29.407037"), when present */
  timestamp?: string;
  layers: PacketLayer[];
  checksums: ChecksumCheck[];
  /** 1-based line where the packet starts in the input (its header line, else its first hex line). */
  line: number;
  /** 1-based last line that belongs to the packet. */
  lineEnd?: number;
  /** Number of bytes. */
  length?: number;
  linkType?: PacketLinkType;
  /**
   * The bytes start above the link layer (tcpdump -x/-X, or -i any's cooked header): ofproto/trace
   * and ovn-trace need an Ethernet header supplied before the packet can be traced.
   */
  needsEthernet?: boolean;
  /** tracemap's own one-line description (summarizePacket). */
  description?: string;
}

export interface PacketList {
  kind: 'packet';
  packets: DecodedPacket[];
  diagnostics: import('./common').Diagnostic[];
  lineCount: number;
}
