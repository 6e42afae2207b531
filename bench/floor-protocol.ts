/** Messages between the bench and its floor process (see floor.ts). */
export type FloorRequest = { type: 'start'; n: number } | { type: 'stop' };

export type FloorReply =
  | { type: 'ready' }
  | { type: 'started'; n: number; userCode: string }
  | { type: 'failed'; n: number; error: string }
  | { type: 'final'; n: number; status: string; at: number };
