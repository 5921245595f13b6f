/**
 * Random choices of the load mix: weighted picks, and a seeded source that the Artillery workers and the runner
 * replay identically (to recompute what a request held without writing it down).
 */
import { createHmac } from 'node:crypto';

/** `[value, weight]` pairs. */
export type Weighted<T> = ReadonlyArray<readonly [T, number]>;

/**
 * Picks from a weighted list.
 *
 * @param items - `[value, weight]` pairs
 * @param random - a number in [0, 1)
 */
export function pick<T>(items: Weighted<T>, random: number = Math.random()): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let at = random * total;
  for (const [value, weight] of items) {
    at -= weight;
    if (at < 0) return value;
  }
  return items[items.length - 1]![0];
}

/**
 * A deterministic random source in [0, 1): HMAC-SHA256 of `label` under `seed`, in counter mode. The same seed and
 * label give the same sequence in every Artillery worker and in the runner.
 *
 * @param seed - the run's secret seed
 * @param label - what the sequence is for, e.g. `number#<eventId>`
 */
export function seededRandom(seed: string, label: string): () => number {
  let block = 0;
  let bytes = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset + 4 > bytes.length) {
      bytes = createHmac('sha256', seed).update(`${label}#${block}`).digest();
      block += 1;
      offset = 0;
    }
    const value = bytes.readUInt32BE(offset) / 2 ** 32;
    offset += 4;
    return value;
  };
}
