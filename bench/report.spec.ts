import { describe, expect, it } from 'vitest';
import { cpuWaitCell, lessStandby, machineCell } from './report';

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

describe('cpuWaitCell', () => {
  const p = { name: 'service', pid: 1, cpuS: 60, peakRssBytes: null };

  it('gives the wait, its share of the CPU time and its mean per run', () => {
    expect(cpuWaitCell({ ...p, cpuWait: { waitS: 3, slices: 50_000 } })).toBe('service 3.0 s (5%, 60 µs a run)');
  });

  it('leaves out what it cannot divide by', () => {
    expect(cpuWaitCell({ ...p, cpuS: 0, cpuWait: { waitS: 0, slices: 0 } })).toBe('service 0.0 s');
  });

  it('says when the wait was not read (older results, no scheduler statistics)', () => {
    expect(cpuWaitCell(p)).toBe('service —');
    expect(cpuWaitCell({ ...p, cpuWait: null })).toBe('service —');
  });
});

describe('machineCell', () => {
  it('gives the busy CPU seconds of all of them, and what the host took', () => {
    expect(machineCell({ busyS: 60, idleS: 99.6, stealS: 0.4 })).toBe('60.0 of 160.0 (38%); stolen 0.4 s');
  });

  it('is a dash when not measured', () => {
    expect(machineCell(undefined)).toBe('—');
    expect(machineCell(null)).toBe('—');
  });
});
