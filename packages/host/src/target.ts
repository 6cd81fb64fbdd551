/**
 * Where the tools run. A target names a machine (local, or reached over ssh; docker/kubectl
 * later) and the connection strings of its OVS and OVN databases.
 */

/** OVN/OVSDB SSL files, passed to tools as --private-key/--certificate/--ca-cert. */
export interface SslFiles {
  privateKey: string;
  certificate: string;
  caCert: string;
}

/** OVS and OVN connections of one target. */
export interface TargetConnections {
  /** Directory with ovs-vswitchd's control socket and <bridge>.mgmt (OVS_RUNDIR). */
  ovsRundir?: string;
  /** Directory with ovn-controller's control socket (OVN_RUNDIR). */
  ovnRundir?: string;
  /** Local OVSDB (Open_vSwitch): "unix:/var/run/openvswitch/db.sock". */
  ovsDb?: string;
  /** OVN Northbound / Southbound connection strings: unix:, tcp:, ssl:. */
  ovnNb?: string;
  ovnSb?: string;
  ssl?: SslFiles;
  /** Integration bridge (default br-int). */
  bridge: string;
}

export interface LocalTarget extends TargetConnections {
  kind: 'local';
  name: string;
}

export interface SshTarget extends TargetConnections {
  kind: 'ssh';
  name: string;
  ssh: {
    host: string;
    port?: number;
    user?: string;
    /** Private key (key auth only: BatchMode=yes never prompts). */
    identityFile?: string;
    /** known_hosts file; host keys are checked strictly. */
    knownHostsFile?: string;
    /** Extra -o options ("ConnectTimeout=5"). */
    options?: string[];
    /** ssh binary (default "ssh"). */
    binary?: string;
    /**
     * Connection sharing: with a ControlPath, the first run opens one master connection
     * (ControlMaster=auto, ControlPersist 60 s) and later runs ride on it instead of each paying
     * a TCP + key exchange + auth round (a packet trace runs ~8 tools). The server sets this per
     * host in a private directory of its own and closes the masters when it stops.
     */
    controlPath?: string;
    /** false: no shared connection for this host (config `ssh.shareConnection`; default true). */
    shareConnection?: boolean;
  };
}

/** Room for later: { kind: 'docker', container } and { kind: 'kubectl', pod, namespace, container }. */
export type Target = LocalTarget | SshTarget;
export type TargetKind = Target['kind'];

/** Environment variables the OVS/OVN tools read, for this target. */
export function toolEnv(t: TargetConnections): Record<string, string> {
  const env: Record<string, string> = {};
  if (t.ovsRundir) env.OVS_RUNDIR = t.ovsRundir;
  if (t.ovnRundir ?? t.ovsRundir) env.OVN_RUNDIR = (t.ovnRundir ?? t.ovsRundir)!;
  if (t.ovnNb) env.OVN_NB_DB = t.ovnNb;
  if (t.ovnSb) env.OVN_SB_DB = t.ovnSb;
  return env;
}

/** --private-key/--certificate/--ca-cert for tools that talk to an ssl: OVSDB. */
export function sslArgs(t: TargetConnections): string[] {
  if (!t.ssl) return [];
  return [`--private-key=${t.ssl.privateKey}`, `--certificate=${t.ssl.certificate}`, `--ca-cert=${t.ssl.caCert}`];
}
