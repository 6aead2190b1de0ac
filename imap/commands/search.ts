// SEARCH and UID SEARCH (RFC 9051 §6.4.4) with result options (ESEARCH, RFC 4731), the saved
// result "$" (SEARCHRES, RFC 5182) and MODSEQ (RFC 7162 §3.1.5). The evaluation itself is
// in ../search-eval.ts, shared with SORT and THREAD.
import { esearchLine, parseReturnOptions, savedPart, type ReturnOption } from '../esearch.js';
import { line } from '../protocol/compiler.js';
import type { Cursor } from '../protocol/cursor.js';
import { parseSearchProgram, type SearchKey } from '../protocol/search-keys.js';
import { no, ok, type Reply } from '../replies.js';
import { hasModseqKey, searchMessages, type Match } from '../search-eval.js';
import { defineCommand, SELECTED } from './command.js';

/** RFC 9051 §6.4.4: US-ASCII and UTF-8 must be supported; anything else is BADCHARSET. */
export const CHARSETS = new Set(['UTF-8', 'US-ASCII']);

export interface SearchArgs {
  returns: ReturnOption[] | null;
  charset: string | null;
  program: SearchKey;
}

/** [CHARSET astring SP] search-key *(SP search-key) */
export function parseCharsetAndProgram(cur: Cursor): { charset: string | null; program: SearchKey } {
  let charset: string | null = null;
  if (cur.acceptWord('CHARSET')) {
    cur.sp();
    charset = cur.astring().toString('latin1').toUpperCase();
    cur.sp();
  }
  return { charset, program: parseSearchProgram(cur) };
}

export const badCharset = (): Reply => no('Unsupported charset', 'BADCHARSET (UTF-8 US-ASCII)');

export const search = defineCommand({
  name: 'SEARCH',
  states: SELECTED,
  uidForm: true,
  holdsExpunges: true,
  parse(cur): SearchArgs {
    cur.sp();
    const returns = parseReturnOptions(cur);
    return { returns, ...parseCharsetAndProgram(cur) };
  },
  async run(session, { returns, charset, program }, ctx) {
    const sel = session.selected!;
    const save = returns?.includes('SAVE') ?? false;
    let matches: Match[];
    try {
      if (charset !== null && !CHARSETS.has(charset)) return badCharset();
      matches = await searchMessages(session, program);
    } finally {
      // RFC 5182 §2.1: a SEARCH with SAVE that fails leaves "$" empty.
      if (save) sel.saved = [];
    }
    const withModseq = hasModseqKey(program);
    if (withModseq) session.condstore = true;
    const number = (m: Match) => (ctx.uid ? m.entry.uid : m.seq);
    // IMAP4rev2 answers every SEARCH with ESEARCH (RFC 9051 §6.4.4, §7.3.4).
    const options = returns ?? (session.rev2 ? ['ALL'] as ReturnOption[] : null);
    if (options) {
      if (save) sel.saved = savedPart(options, matches, number).map((m) => m.entry.uid);
      // With MIN or MAX only, MODSEQ is that of the messages returned (RFC 7162 §3.1.5).
      const shown = options.includes('ALL') || options.includes('COUNT') ? matches : savedPart(options.filter((o) => o !== 'SAVE'), matches, number);
      const modseq = withModseq ? highest(shown) : null;
      const text = esearchLine(ctx.tag, ctx.uid, options, matches.map(number), modseq);
      if (text) await session.send(line(text));
      return ok('SEARCH completed');
    }
    const modseq = withModseq && matches.length > 0 ? ` (MODSEQ ${highest(matches)})` : '';
    await session.send(line(`* SEARCH${matches.map((m) => ` ${number(m)}`).join('')}${modseq}`));
    return ok('SEARCH completed');
  },
});

function highest(matches: readonly Match[]): number {
  return matches.reduce((m, x) => Math.max(m, x.entry.modseq), 0);
}
