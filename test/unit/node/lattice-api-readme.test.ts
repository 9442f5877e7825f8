import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LatticeApi, PairingApi } from '../../../src/node/lattice-api';
import { NODE_CALLS } from '../../../src/node/node-api';

/**
 * Where the README documents each member of `window.lattice`. A Record over `keyof LatticeApi`: a
 * member added to or removed from the API does not compile until it is placed here, and the test
 * below then fails until the README says it.
 */
const DOCUMENTED_IN: Record<keyof LatticeApi, 'table' | 'mesh paragraph'> = {
  ready: 'table',
  nodeId: 'table',
  lattice: 'table',
  info: 'table',
  create: 'table',
  update: 'table',
  remove: 'table',
  writeMany: 'table',
  get: 'table',
  list: 'table',
  watch: 'table',
  watchCompact: 'table',
  heads: 'table',
  stats: 'table',
  acceptHeld: 'table',
  setSkewLimit: 'table',
  simulate: 'table',
  stopSimulation: 'table',
  simulationTruth: 'table',
  setFusion: 'table',
  fusionStats: 'table',
  approvals: 'table',
  decide: 'table',
  tasks: 'table',
  setApprovalDeadline: 'table',
  setBudget: 'table',
  budgetStats: 'table',
  shapeLinks: 'table',
  invite: 'table',
  join: 'table',
  members: 'table',
  removeMember: 'table',
  peers: 'mesh paragraph',
  partition: 'mesh paragraph',
  heal: 'mesh paragraph',
  syncStatus: 'mesh paragraph',
  securityStats: 'mesh paragraph',
  signaling: 'mesh paragraph',
  pairing: 'mesh paragraph',
};
const PAIRING: Record<keyof PairingApi, true> = {
  createOffer: true,
  acceptOffer: true,
  acceptAnswer: true,
  cancel: true,
};

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(
  readme.indexOf('## Automation handle'),
  readme.indexOf('\n## ', readme.indexOf('## Automation handle') + 1),
);

/** The first cell of each row of the member table: `` `create({id?, components})` `` → `create`. */
function tableMembers(): string[] {
  const lines = section.slice(section.indexOf('| member')).split('\n');
  const rows = lines.slice(
    2,
    lines.findIndex((l) => !l.startsWith('|')),
  );
  return rows.map((r) => /^\| `([A-Za-z]+)/.exec(r)![1]!);
}

const named = (where: 'table' | 'mesh paragraph') =>
  Object.entries(DOCUMENTED_IN)
    .filter(([, w]) => w === where)
    .map(([name]) => name);

describe("the README's window.lattice", () => {
  it('lists in its table every node call, watch, and the handle fields, and nothing else', () => {
    const table = tableMembers();
    expect(new Set(table).size).toBe(table.length);
    expect([...table].sort()).toEqual(named('table').sort());
    for (const call of NODE_CALLS) expect(table).toContain(call);
  });

  it('names every mesh member and every pairing call', () => {
    const paragraph = section.slice(section.indexOf('Mesh members:'));
    for (const member of named('mesh paragraph')) expect(paragraph).toContain(`\`${member}`);
    const pairing = /`pairing\.\{([^}]*)\}`/
      .exec(paragraph.replace(/\s+/g, ' '))?.[1]
      ?.split(',')
      .map((s) => s.trim());
    expect(pairing?.sort()).toEqual(Object.keys(PAIRING).sort());
  });

  it('names every method that does not return a Promise', () => {
    const intro = section.slice(0, section.indexOf('| member'));
    expect(intro).toContain('`watch()`');
    expect(intro).toContain('`pairing.cancel()`');
  });
});
