/**
 * ssh joins its arguments with spaces and hands the result to the remote user's shell, so each
 * argv element is quoted for a POSIX shell: 'it'\''s' -> it's. Single quotes keep everything
 * literal ($, `, \, ;, |, newlines); only the quote itself needs the close-escape-reopen dance.
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new ArgvError('argument contains a NUL byte');
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export class ArgvError extends Error {
  readonly kind = 'bad-argv' as const;
}

/** Every element must be a string without NUL (execve would cut it short silently). */
export function checkArgv(argv: readonly string[]): void {
  if (argv.length === 0) throw new ArgvError('empty argv');
  for (const [i, a] of argv.entries()) {
    if (typeof a !== 'string') throw new ArgvError(`argv[${i}] is not a string`);
    if (a.includes('\0')) throw new ArgvError(`argv[${i}] contains a NUL byte`);
  }
  if (!argv[0]) throw new ArgvError('empty program name');
}
