import type { SignalingServerStats } from './signaling';

/**
 * The signaling server's counters as Prometheus text exposition (served at GET /metrics): gauges
 * for what is held now, counters for what was forwarded, dropped, closed and limited, by reason.
 */
export function renderMetrics(stats: SignalingServerStats): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
  };
  const counter = (name: string, help: string, label: string, values: Readonly<Record<string, number>>): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const [key, value] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`${name}{${label}="${key.replace(/["\\\n]/g, '_')}"} ${value}`);
    }
  };
  gauge('lattice_signaling_sockets', 'Open signaling sockets.', stats.sockets);
  gauge('lattice_signaling_unannounced', 'Sockets that have not announced (proven) a node id yet.', stats.unannounced);
  gauge('lattice_signaling_addresses', 'Remote addresses with an open socket.', stats.addresses);
  gauge('lattice_signaling_rooms', 'Lattices with at least one member.', stats.rooms);
  gauge('lattice_signaling_members', 'Announced sockets, over all lattices.', stats.members);
  lines.push(
    '# HELP lattice_signaling_forwarded_total Messages delivered to a member.',
    '# TYPE lattice_signaling_forwarded_total counter',
    `lattice_signaling_forwarded_total ${stats.forwarded}`,
  );
  counter('lattice_signaling_dropped_total', 'Messages dropped, by reason.', 'reason', stats.dropped);
  counter('lattice_signaling_closed_total', 'Sockets closed by the server, by reason.', 'reason', stats.closed);
  counter('lattice_signaling_limit_hits_total', 'Times a limit was hit, by limit.', 'limit', stats.limits);
  return `${lines.join('\n')}\n`;
}
