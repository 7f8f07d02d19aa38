// Providers that ignore dots in the local part: a.da@gmail.com and ada@gmail.com are one inbox.
const dotlessDomains: ReadonlyMap<string, string> = new Map([
  ['gmail.com', 'gmail.com'],
  ['googlemail.com', 'gmail.com'],
]);

/**
 * The inbox an address delivers to, as far as spelling goes: lower-case, without a `+tag` (plus-addressing,
 * which most providers offer), without dots at Gmail. For counting mails per inbox only; mail still goes to
 * the address as written.
 */
export function mailboxOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address.toLowerCase();
  const domainWritten = address
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  const domain = dotlessDomains.get(domainWritten) ?? domainWritten;
  const local = address.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  const untagged = plus > 0 ? local.slice(0, plus) : local;
  return `${dotlessDomains.has(domainWritten) ? untagged.replaceAll('.', '') : untagged}@${domain}`;
}
