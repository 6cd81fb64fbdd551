/** One decoded protocol layer; fields are layer-specific. */
export interface PacketLayer {
  type: string; // 'eth' | 'vlan' | 'arp' | 'ipv4' | 'ipv6' | 'icmp' | 'icmpv6' | 'tcp' | 'udp' | 'sctp' | 'geneve' | 'vxlan' | 'payload'
  offset: number;
  length: number;
  [field: string]: unknown;
}

export interface ChecksumCheck {
  layer: string;
  field: string;
  found: number;
  expected: number;
  ok: boolean;
}

export interface DecodedPacket {
  hex: string;
  /** tcpdump's decoded header line, when the paste had one */
  summary?: string;
  layers: PacketLayer[];
  checksums: ChecksumCheck[];
  line: number;
}

export interface PacketList {
  kind: 'packet';
  packets: DecodedPacket[];
  diagnostics: import('./common').Diagnostic[];
  lineCount: number;
}
