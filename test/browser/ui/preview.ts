import '../../../src/ui/app-shell';
import { openTestNode } from './test-node';

/** Sample picture for preview.html: a few tracks of each kind, one conflict. */
const params = new URLSearchParams(location.search);
const client = await openTestNode({
  nodeId: 'k7Qm2xVfPz0aLrT9hYc4dWbE1uNsG8oJ',
  lattice: 'exercise-north',
  backend: 'indexeddb',
});
const OTHER = 'Zp3rN5tYwq8KdL2vB6mXc0AhJ4eUgF7s';
/** A request id is the encoded timestamp of the threat write that raised it (docs/c2-pipeline.md). */
const REQUEST = `${Date.now().toString(16).padStart(12, '0')}0000${OTHER}`;

await client.create({
  id: 'trk-0042',
  components: {
    position: { lat: 59.91273, lon: 10.74609, alt: 3200, accuracy: 25 },
    velocity: { east: 180, north: -40 },
    classification: { label: 'Fighter', disposition: 'HOSTILE', environment: 'AIR', confidence: 0.86 },
    threat: { level: 'HIGH' },
    source: { sensorId: 'radar-1', sensorType: 'radar' },
  },
});
// The request, as the other node's gate raised it (only a gate writes approvals; here it is a peer's).
client.remoteWrite(
  'trk-0042',
  'approval',
  {
    requestId: REQUEST,
    state: 'pending',
    reason: 'HOSTILE 0.86, closing 185 m/s, 14.0 km, 76 s to go',
    requestedAt: Date.now(),
    deadline: Date.now() + 30_000,
  },
  OTHER,
);
await client.create({
  id: 'trk-0043',
  components: {
    position: { lat: 59.8811, lon: 10.6123 },
    velocity: { east: 4, north: 6 },
    classification: { label: 'Fishing vessel', disposition: 'NEUTRAL', environment: 'SURFACE', confidence: 0.7 },
    threat: { level: 'LOW' },
    source: { sensorId: 'eo-2', sensorType: 'eo' },
  },
});
await client.create({
  id: 'trk-0044',
  components: {
    position: { lat: 59.95, lon: 10.9, alt: 800 },
    classification: { label: 'UAV', disposition: 'SUSPICIOUS', environment: 'AIR', confidence: 0.55 },
    threat: { level: 'MEDIUM' },
    speed: { kts: 85 },
  },
});
await client.create({
  id: 'fused-7',
  components: {
    position: { lat: 59.9001, lon: 10.7001 },
    fusion: { sources: ['trk-0043', 'trk-0050'], position: { lat: 59.9001, lon: 10.7001 }, confidence: 0.92 },
    threat: { level: 'NONE' },
  },
});
await client.create({
  id: 'blue-1',
  components: {
    position: { lat: 59.93, lon: 10.72 },
    classification: { label: 'Patrol 1', disposition: 'FRIENDLY', environment: 'LAND', confidence: 1 },
    task: { task: 'patrol', requestId: REQUEST, status: 'executing', assignedBy: OTHER, updatedAt: Date.now() },
  },
});
// Another node raised trk-0044 without seeing our write: a visible conflict.
client.remoteWrite('trk-0044', 'threat', { level: 'HIGH' }, OTHER, Date.now() + 5);
client.remoteWrite('trk-0044', 'position', { lat: 59.951, lon: 10.902, alt: 790 }, OTHER, Date.now() + 5);

// Storage trouble as the adapter reports it (IndexedDB full, or closed under the node).
const storage = params.get('storage');
if (storage === 'full') {
  client.node.reportStorage(
    'full',
    'QuotaExceededError: the origin is out of storage; new writes are kept in memory only',
  );
} else if (storage === 'error') {
  client.node.reportStorage('error', 'UnknownError: the database connection closed');
}

const extra = Number(params.get('tracks') ?? 0);
for (let i = 0; i < extra; i++) {
  await client.create({
    id: `sim-${i}`,
    components: {
      position: { lat: 59 + (i % 100) / 100, lon: 10 + i / 1000 },
      threat: { level: (['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const)[i % 4]! },
    },
  });
}

const app = document.querySelector('lm-app')!;
app.client = client;
const select = params.get('select');
if (select !== null) {
  await app.updateComplete;
  await new Promise((r) => setTimeout(r, 50));
  app.dispatchEvent(new CustomEvent('entity-select', { detail: { id: select } }));
}
