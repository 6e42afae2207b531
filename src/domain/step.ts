/** What a step of work on a session asks for next: a poll, a profile read, a refresh. */
export type StepOutcome =
  | { kind: 'done' }
  | { kind: 'later'; at: number }
  /** Like `later`, after every call with this client id pauses for `pauseMs` (a 429 is per client id). */
  | { kind: 'paused'; at: number; pauseMs: number };
