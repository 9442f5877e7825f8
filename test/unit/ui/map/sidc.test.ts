import { describe, expect, it } from 'vitest';
import { DISPOSITIONS, ENVIRONMENTS } from '../../../../src/core/entity/component-types';
import { ALL_SIDCS, AFFILIATION, DIMENSION, sidcOf, UNCLASSIFIED_SIDC } from '../../../../src/ui/map/sidc';

const classification = (disposition: string, environment: string) => ({
  label: 'x',
  disposition,
  environment,
  confidence: 1,
});

describe('sidcOf', () => {
  it('follows the documented table, row by row (docs/ui.md)', () => {
    // The table as docs/ui.md prints it: a change to either side must change both.
    expect(AFFILIATION).toEqual({
      HOSTILE: 'H',
      SUSPICIOUS: 'S',
      UNKNOWN: 'U',
      PENDING: 'P',
      NEUTRAL: 'N',
      ASSUMED_FRIENDLY: 'A',
      FRIENDLY: 'F',
    });
    expect(DIMENSION).toEqual({ AIR: 'A', SURFACE: 'S', SUB_SURFACE: 'U', LAND: 'G', SPACE: 'P' });
  });

  it('builds a 15-character 2525C warfighting code from identity and dimension', () => {
    expect(sidcOf(classification('HOSTILE', 'AIR'))).toBe('SHAP-----------');
    expect(sidcOf(classification('FRIENDLY', 'LAND'))).toBe('SFGP-----------');
    expect(sidcOf(classification('NEUTRAL', 'SURFACE'))).toBe('SNSP-----------');
    expect(sidcOf(classification('PENDING', 'SUB_SURFACE'))).toBe('SPUP-----------');
    expect(sidcOf(classification('ASSUMED_FRIENDLY', 'SPACE'))).toBe('SAPP-----------');
    for (const d of DISPOSITIONS) {
      for (const e of ENVIRONMENTS) {
        const sidc = sidcOf(classification(d, e));
        expect(sidc).toHaveLength(15);
        expect(sidc.slice(0, 4)).toBe(`S${AFFILIATION[d]}${DIMENSION[e]}P`);
      }
    }
  });

  it('gives every disposition its own identity and every environment its own dimension', () => {
    expect(new Set(Object.values(AFFILIATION)).size).toBe(DISPOSITIONS.length);
    expect(new Set(Object.values(DIMENSION)).size).toBe(ENVIRONMENTS.length);
  });

  it('lists in ALL_SIDCS every code sidcOf gives, fallbacks included, so the sprite has a cell for each', () => {
    const given = new Set<string>([sidcOf(undefined), sidcOf({})]);
    for (const d of [...DISPOSITIONS, 'NOT_A_DISPOSITION']) {
      for (const e of [...ENVIRONMENTS, 'NOT_AN_ENVIRONMENT']) given.add(sidcOf(classification(d, e)));
    }
    expect([...given].filter((sidc) => !ALL_SIDCS.includes(sidc))).toEqual([]);
    expect(ALL_SIDCS).toHaveLength(given.size);
  });

  it('draws an unclassified or unreadable track as unknown, never as another identity', () => {
    expect(sidcOf(undefined)).toBe(UNCLASSIFIED_SIDC);
    expect(sidcOf({})).toBe('SUZP-----------');
    expect(sidcOf(classification('HOSTILE', 'ORBIT'))).toBe('SHZP-----------');
    expect(sidcOf(classification('toString', 'AIR'))).toBe('SUAP-----------');
  });
});
