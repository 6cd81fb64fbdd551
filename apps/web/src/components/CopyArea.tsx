import { useState } from 'react';

export type CopyState = { kind: 'idle' } | { kind: 'copied'; what: string } | { kind: 'blocked'; what: string };

/** Writes to the clipboard; a browser that refuses (no focus, no permission) leaves the text selectable. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function useCopy() {
  const [state, setState] = useState<CopyState>({ kind: 'idle' });
  const [text, setText] = useState('');
  async function copy(what: string, value: string) {
    setText(value);
    const ok = await copyText(value);
    setState(ok ? { kind: 'copied', what } : { kind: 'blocked', what });
  }
  return { state, text, copy };
}

export function copyStateText(s: CopyState): string {
  switch (s.kind) {
    case 'idle':
      return '';
    case 'copied':
      return `${s.what} copied to the clipboard.`;
    case 'blocked':
      return `The browser did not allow clipboard access; select the ${s.what.toLowerCase()} below and copy it.`;
  }
}
