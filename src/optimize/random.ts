/**
 * Seeded pseudo-random numbers. A sampler draws each trial's point from a generator seeded by
 * (sweep seed, trial index), so a point never depends on how many trials ran before it or in
 * which order workers finished them.
 */

/** splitmix32 step: mixes an integer into a well-spread 32-bit value. */
function mix(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

/** xoshiro128** seeded from the given integers. */
export function rngFor(...seeds: number[]): Rng {
  let h = 0x1234567;
  for (const s of seeds) h = mix(h ^ mix(Math.trunc(s) | 0) ^ Math.trunc(s / 4294967296));
  const st = new Uint32Array([mix(h), mix(h + 1), mix(h + 2), mix(h + 3)]);
  if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
  const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(st[1], 5), 7), 9) >>> 0;
    const t = st[1] << 9;
    st[2] ^= st[0];
    st[3] ^= st[1];
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl(st[3], 11);
    return result / 4294967296;
  };
  return {
    next,
    normal() {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int: (n) => Math.floor(next() * n),
  };
}
