import * as Comlink from 'comlink';
import { loadNodeSigner } from '../adapters/identity/node-signer';
import type { WorkerApi } from '../node/worker-api';
import '../ui/app-shell';
import { registerServiceWorker } from '../ui/register-sw';
import { createLatticeHandle, type LatticeHandle } from './lattice-handle';
import { parsePaths, startMesh } from './mesh/start-mesh';

declare global {
  interface Window {
    lattice: LatticeHandle;
  }
}

const SESSION_KEY = 'lattice-mesh:node-id';
const params = new URLSearchParams(location.search);
const lattice = params.get('lattice') ?? 'default';
// `?node=` asks for a given identity (scripts reopening a closed tab's node); else this tab's last one.
const preferredId = params.get('node') ?? sessionStorage.getItem(SESSION_KEY) ?? undefined;

const worker = new Worker(new URL('../../workers/node-worker.ts', import.meta.url), {
  type: 'module',
  name: 'lattice-node',
});
const remote = Comlink.wrap<WorkerApi>(worker);
// `?signal=broadcast,websocket,relay` limits the signaling paths (default: all of them).
const paths = parsePaths(params.get('signal'));
// `?invite=TOKEN` joins with an invitation; `?open=1` founds the lattice open (docs/security.md).
const invitation = params.get('invite') ?? undefined;
const handle = createLatticeHandle(
  remote,
  lattice,
  preferredId,
  (info) =>
    startMesh({ self: info.nodeId, lattice: info.lattice, worker: remote, paths, signer: loadNodeSigner(info.nodeId) }),
  {
    ...(invitation === undefined ? {} : { invitation }),
    open: params.get('open') === '1',
    base: `${location.origin}${location.pathname}`,
    navigate: (url) => location.assign(url),
  },
);
window.lattice = handle;

handle.ready.then(
  (info) => sessionStorage.setItem(SESSION_KEY, info.nodeId),
  (error: unknown) => console.error('[lattice] node failed to start', error),
);

const shell = document.querySelector('lm-app');
if (shell !== null) {
  shell.client = handle;
  shell.mesh = handle;
  shell.roster = handle;
}
registerServiceWorker();
