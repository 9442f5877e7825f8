import { describe, expect, it } from 'vitest';
import { compass, latLonText, mgrsText, readable } from '../../../src/ui/readable';

describe('components as a person reads them', () => {
  it('writes bearings as three digits and a 16-point compass name', () => {
    expect(compass(0)).toBe('000° N');
    expect(compass(243)).toBe('243° WSW');
    expect(compass(359.6)).toBe('000° N');
    expect(compass(-90)).toBe('270° W');
    expect(compass(45)).toBe('045° NE');
  });

  it('writes latitude and longitude with hemispheres', () => {
    expect(latLonText(51.4775, -0.4614)).toBe('51.47750° N, 0.46140° W');
    expect(latLonText(-33.8688, 151.2093)).toBe('33.86880° S, 151.20930° E');
  });

  it('writes MGRS grid references spaced as read aloud (the mgrs package), degrees beyond its latitudes', () => {
    expect(mgrsText(51.4775, -0.4614)).toBe('30U XC 76285 05983');
    expect(mgrsText(59.33, 18.06)).toBe('34V CL 32744 80490');
    expect(mgrsText(85, 10)).toBe('85.00000° N, 10.00000° E');
  });

  it('gives position, error, speed in m/s and knots and heading as fields', () => {
    expect(readable('position', { lat: 51.4775, lon: -0.4614, alt: 120.4, accuracy: 250 }, 'mgrs')).toEqual([
      { label: 'MGRS', text: '30U XC 76285 05983' },
      { label: 'Altitude', text: '120 m' },
      { label: 'Error (1σ)', text: '± 250 m' },
    ]);
    // Variance 900 north and 100 east: the major axis points north.
    expect(readable('position', { lat: 0, lon: 0, covariance: [900, 0, 100] }, 'latlon')[1]).toEqual({
      label: 'Error (1σ)',
      text: '± 30 m × 10 m, axis 000° N',
    });
    expect(readable('velocity', { east: -120, north: -60 }, 'latlon')).toEqual([
      { label: 'Speed', text: '134.2 m/s (261 kn)' },
      { label: 'Heading', text: '243° WSW' },
    ]);
    expect(readable('velocity', { east: 0, north: 0 }, 'latlon')[1]).toEqual({ label: 'Heading', text: 'still' });
  });

  it('names identity and domain in words, and shows an unknown kind as its JSON', () => {
    expect(
      readable(
        'classification',
        { label: 'Ferry', disposition: 'ASSUMED_FRIENDLY', environment: 'SUB_SURFACE', confidence: 0.87 },
        'latlon',
      ),
    ).toEqual([
      { label: 'Label', text: 'Ferry' },
      { label: 'Identity', text: 'Assumed friendly' },
      { label: 'Domain', text: 'Sub surface' },
      { label: 'Confidence', text: '87 %' },
    ]);
    expect(readable('speed', { kts: 250 }, 'latlon')).toEqual([{ label: 'Value', text: '{"kts":250}' }]);
  });

  it('lists a fused track`s sources, where it was fused and its confidence', () => {
    const position = { lat: 51.4775, lon: -0.4614, accuracy: 5 };
    expect(readable('fusion', { sources: ['eo-1', 'radar-1'], position, confidence: 0.2 }, 'latlon')).toEqual([
      { label: 'Sources', text: '2: eo-1, radar-1' },
      { label: 'Fused at', text: '51.47750° N, 0.46140° W' },
      { label: 'Confidence', text: '20 %' },
    ]);
  });
});
