/**
 * Whether to send the gzip copy, by RFC 9110 §12.5.3: `coding *( OWS ";" OWS "q=" qvalue )` per entry,
 * coding names case-insensitive, `x-gzip` the same as `gzip` (§8.4.1.3), `*` for any coding not named, and
 * q=0 meaning "not acceptable". gzip goes out when it is acceptable and not liked less than identity.
 * No header means no preference: the plain body, as most clients that omit it cannot decode anything.
 */
export function prefersGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  const weights = weightsOf(acceptEncoding);
  const any = weights.get('*');
  const gzipQ = weights.get('gzip') ?? any ?? 0;
  // identity competes only when named (itself or by `*`): `gzip;q=0.5` alone still asks for gzip.
  const identityQ = weights.get('identity') ?? any ?? 0;
  return gzipQ > 0 && gzipQ >= identityQ;
}

/** Each coding's q (the lowest, when named twice: a refusal stands); malformed entries are skipped. */
function weightsOf(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const entry of header.split(',')) {
    const [name = '', ...parameters] = entry.split(';').map((part) => part.trim());
    const coding = name.toLowerCase() === 'x-gzip' ? 'gzip' : name.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(coding)) continue;
    const q = weightOf(parameters);
    if (q === undefined) continue;
    weights.set(coding, Math.min(q, weights.get(coding) ?? 1));
  }
  return weights;
}

/** The q parameter (`q=0`, `Q=0.5`, `q=1.000`); 1 when absent, undefined when malformed. */
function weightOf(parameters: readonly string[]): number | undefined {
  let q = 1;
  for (const parameter of parameters) {
    const match = /^q\s*=\s*(.*)$/i.exec(parameter);
    if (!match) continue;
    const value = match[1] ?? '';
    if (!/^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(value)) return undefined;
    q = Number(value);
  }
  return q;
}
