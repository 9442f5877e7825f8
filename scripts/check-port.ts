/**
 * `npm start` builds before it serves; a taken port should say so before a minute of building, in
 * one line, with the way out. Exits 0 when HOST:PORT can be listened on.
 */
import { createServer } from 'node:net';
import { listenAddress, listenProblem } from '../server/listen-address';

const address = listenAddress(process.env);
if (typeof address === 'string') {
  console.error(`lattice-mesh: ${address}`);
  process.exit(1);
}
const probe = createServer();
probe.once('error', (err: Error) => {
  console.error(
    `lattice-mesh: ${listenProblem(err, address) ?? `cannot listen on ${address.host}:${address.port}: ${err.message}`}`,
  );
  process.exit(1);
});
probe.listen(address.port, address.host, () => probe.close());
