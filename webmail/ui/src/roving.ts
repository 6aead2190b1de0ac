// Keyboard use of a list of row links with one tab stop (roving tabindex): j/k or the arrows
// move, Home/End jump, x or Space selects, Delete deletes; Enter follows the link as usual.
import { useEffect, useRef, useState } from 'preact/hooks';
export interface RovingActions {
  moveTo(index: number): void;
  toggle?(index: number): void;
  remove?(index: number): void;
}

/** The index of the focused row link of `list` (a click may have moved focus since the last render). */
export function focusedRow(list: HTMLElement | null, fallback: number): number {
  const links = [...(list?.querySelectorAll('a.row') ?? [])];
  const at = links.indexOf(document.activeElement as Element);
  return at >= 0 ? at : fallback;
}

/** Focuses row `i` of `list` (clamped); returns the index focused, or null when the list is empty. */
export function focusRow(list: HTMLElement | null, i: number): number | null {
  const links = list?.querySelectorAll<HTMLAnchorElement>('a.row');
  if (!links || links.length === 0) return null;
  const next = Math.max(0, Math.min(links.length - 1, i));
  links[next].focus();
  return next;
}

export function rovingKey(e: KeyboardEvent, index: number, count: number, on: RovingActions): void {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  switch (e.key) {
    case 'j': case 'ArrowDown': e.preventDefault(); on.moveTo(index + 1); break;
    case 'k': case 'ArrowUp': e.preventDefault(); on.moveTo(index - 1); break;
    case 'Home': e.preventDefault(); on.moveTo(0); break;
    case 'End': e.preventDefault(); on.moveTo(count - 1); break;
    case 'x': case ' ':
      if (index < count && on.toggle) { e.preventDefault(); on.toggle(index); }
      break;
    case 'Delete': case 'Backspace':
      if (index < count && on.remove) { e.preventDefault(); on.remove(index); }
      break;
  }
}

/**
 * The focus of a roving list of `rows` (message rows, conversation rows): the index holding the
 * tab stop (kept inside the list as it shrinks), the list's ref, and its keydown handler. When
 * `returnTo` changes to a new object naming a row (`isTarget`), focus goes back to that row,
 * once: coming back from a message puts focus on its row, and later refreshes of the list do
 * not pull focus back while the user moves on.
 */
export function useRovingList<R, T extends object>(rows: readonly R[], returnTo: T | null | undefined, isTarget: (row: R, target: T) => boolean) {
  const [focus, setFocus] = useState(0);
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => { if (focus >= rows.length) setFocus(Math.max(0, rows.length - 1)); }, [rows.length, focus]);
  const restored = useRef<T | null>(null);
  useEffect(() => {
    if (!returnTo || restored.current === returnTo) return;
    const i = rows.findIndex((row) => isTarget(row, returnTo));
    if (i >= 0) {
      restored.current = returnTo;
      setFocus(i);
      focusRow(listRef.current, i);
    }
  }, [returnTo, rows]);

  const moveTo = (i: number) => {
    const at = focusRow(listRef.current, i);
    if (at !== null) setFocus(at);
  };
  return {
    focus,
    setFocus,
    listRef,
    onKeyDown: (e: KeyboardEvent, on: Omit<RovingActions, 'moveTo'>) => rovingKey(e, focusedRow(listRef.current, focus), rows.length, { moveTo, ...on }),
  };
}
