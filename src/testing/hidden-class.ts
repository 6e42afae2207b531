import { setFlagsFromString } from 'node:v8';
import { runInThisContext } from 'node:vm';

/**
 * Whether V8 gave two objects the same hidden class (map). Hot objects — what a poll reads, the
 * options undici reads on every request — must share one: code that meets a new class at each call
 * goes megamorphic, and making the classes costs time and memory (bench/README.md, "December,
 * twenty-eighth"). For tests only: it turns on V8's natives syntax for the process.
 */
export function sameHiddenClass(a: object, b: object): boolean {
  return haveSameMap()(a, b);
}

let compiled: ((a: object, b: object) => boolean) | null = null;

function haveSameMap(): (a: object, b: object) => boolean {
  if (!compiled) {
    setFlagsFromString('--allow-natives-syntax');
    // Compiled after the flag is set, so V8 parses the intrinsic.
    compiled = runInThisContext('(function sameMap(a, b) { return %HaveSameMap(a, b); })') as (a: object, b: object) => boolean;
  }
  return compiled;
}
