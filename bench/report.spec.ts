import { describe, expect, it } from 'vitest';
import { cpuWaitCell, inSimulatorUnits, lessStandby, machineCell } from './report';

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

describe('inSimulatorUnits', () => {
  const sim = { polls: 9_000, authorizations: 600, peopleCalls: 400 };

  it('divides CPU per 1,000 polls by the simulator’s CPU per 1,000 requests of the same phase', () => {
    // The simulator: 5 s for 10,000 requests, 0.5 s per 1,000; ours 1.2 s per 1,000 polls.
    expect(inSimulatorUnits(1.2, 5, sim)).toBeCloseTo(2.4, 9);
  });

  it('is null where a reading is missing or nothing was answered', () => {
    expect(inSimulatorUnits(null, 5, sim)).toBeNull();
    expect(inSimulatorUnits(1.2, null, sim)).toBeNull();
    expect(inSimulatorUnits(1.2, undefined, sim)).toBeNull();
    expect(inSimulatorUnits(1.2, 0, sim)).toBeNull();
    expect(inSimulatorUnits(1.2, 5, { polls: 0, authorizations: 0, peopleCalls: 0 })).toBeNull();
  });
});
