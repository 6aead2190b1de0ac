// Keyboard use of a list of row links with one tab stop (roving tabindex): j/k or the arrows
// move, Home/End jump, x or Space selects, Delete deletes; Enter follows the link as usual.
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
