// The MX thread writes one line per message ('message accepted'). pino applies the logger's
// wildcard redaction paths ('*.password', core/log.ts) to every field of a line through
// @pinojs/redact, which clones and walks each value against every path: strings and numbers
// included, although a path under a field can only exist in an object. For that line's dozen
// fields this was about 20 µs, more than the rest of the line together. Here plain values are
// written straight as JSON, what the redactor gives them; objects still go through it.
import { pino } from 'pino';
import type { Logger } from '../core/log.js';

type Stringifier = (value: unknown) => string;

/**
 * Makes `log` and the children it has or will have write plain field values without the
 * wildcard redactor. Top-level paths ('password', 'token'...) keep their own stringifiers and
 * so are still censored whatever their value. False if there was nothing to change.
 */
export function skipRedactionOfPlainValues(log: Logger): boolean {
  const symbols = pino.symbols as unknown as { stringifiersSym: symbol; wildcardFirstSym: symbol };
  const stringifiers = (log as unknown as Record<symbol, Record<symbol, Stringifier> | undefined>)[symbols.stringifiersSym];
  const wildcard = stringifiers?.[symbols.wildcardFirstSym];
  // Another pino, or no wildcard path: nothing to do.
  if (!stringifiers || typeof wildcard !== 'function') return false;
  stringifiers[symbols.wildcardFirstSym] = (value) => {
    const t = typeof value;
    return t === 'string' || t === 'number' || t === 'boolean' ? JSON.stringify(value) : wildcard(value);
  };
  return true;
}
