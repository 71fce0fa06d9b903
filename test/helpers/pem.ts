// PEM armour for fake key fixtures, built at run time so that no file in the repository looks like a
// committed private key to secret scanners (the bodies are not keys).
export function fakePem(label: string, body: string): string {
  const dashes = '-'.repeat(5);
  return `${dashes}BEGIN ${label}${dashes}\n${body}\n${dashes}END ${label}${dashes}\n`;
}
