import { describe, expect, it } from 'vitest';
import { lessStandby } from './report';

describe('lessStandby', () => {
  const standby = { seconds: 25, kiosks: 10_000, serviceCpuS: 2 };

  it('takes off what standing by costs at the measured rate over the phase', () => {
    // 0.08 s of CPU per second standing by, over a 120 s phase: 9.6 s of the 50 s.
    expect(lessStandby(50, 120, standby)).toBeCloseTo(40.4, 9);
  });

  it('is null without a standby reading, or without the phase’s', () => {
    expect(lessStandby(50, 120, null)).toBeNull();
    expect(lessStandby(50, 120, { ...standby, serviceCpuS: null })).toBeNull();
    expect(lessStandby(50, 120, { ...standby, seconds: 0 })).toBeNull();
    expect(lessStandby(null, 120, standby)).toBeNull();
  });
});
