/** Time and randomness, injected so the device-flow rules can be driven by a fake clock in tests. */
export class ClockRepository {
  now(): number {
    return Date.now();
  }

  random(): number {
    return Math.random();
  }
}
