// Go's time.ParseDuration, which metav1.Duration uses for refreshInterval ("1h0m0s", "30s", "1.5h", "0").
// Returns milliseconds; throws an Error naming the bad value and the accepted form.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export function parseGoDuration(text: string): number {
  const bad = () =>
    new Error(
      `invalid duration "${text}": use a Go duration such as "1h0m0s", "15m" or "30s" (units ns, us, ms, s, m, h)`,
    );
  let s = text.trim();
  if (s === '') throw bad();
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  const part = /^(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const match = part.exec(s);
    if (!match || match[1] === '' || match[1] === '.') throw bad();
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    s = s.slice(match[0].length);
  }
  return sign * total;
}

/** A refreshInterval as ESO reads it: absent means the CRD default of one hour. */
export function refreshIntervalMs(value: string | undefined): number {
  if (value === undefined || value === null) return 3_600_000;
  return parseGoDuration(value);
}
