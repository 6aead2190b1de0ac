// SORT and UID SORT (RFC 5256 §3) with result options (ESORT, RFC 5267 §3.1: MIN MAX ALL COUNT,
// answered by ESEARCH with ALL in sort order).
import { esearchLine, parseReturnOptions } from '../esearch.js';
import { line } from '../protocol/compiler.js';
import { ParseError } from '../protocol/cursor.js';
import { ok } from '../replies.js';
import { searchMessages } from '../search-eval.js';
import { collectSortInfo } from '../sort-info.js';
import { parseSortCriteria, sortGroups, sortOrder } from '../sort.js';
import { defineCommand, SELECTED } from './command.js';
import { badCharset, CHARSETS } from './search.js';
import { parseSearchProgram } from '../protocol/search-keys.js';

export const sort = defineCommand({
  name: 'SORT',
  states: SELECTED,
  uidForm: true,
  holdsExpunges: true,
  parse(cur) {
    cur.sp();
    const returns = parseReturnOptions(cur);
    if (returns?.includes('SAVE')) throw new ParseError('SAVE is not a SORT return option');
    const criteria = parseSortCriteria(cur);
    cur.sp();
    // SORT's charset is not optional (RFC 5256 §5: sort = ["UID" SP] "SORT" SP sort-criteria SP search-charset SP search-criteria).
    const charset = cur.astring().toString('latin1').toUpperCase();
    cur.sp();
    return { returns, criteria, charset, program: parseSearchProgram(cur) };
  },
  async run(session, { returns, criteria, charset, program }, ctx) {
    if (!CHARSETS.has(charset)) return badCharset();
    const { infos, seqs } = await collectSortInfo(session, await searchMessages(session, program), sortGroups(criteria));
    const numbers = sortOrder(infos, seqs, criteria).map((i) => (ctx.uid ? infos[i].uid : seqs[i]));
    if (returns) {
      const text = esearchLine(ctx.tag, ctx.uid, returns, numbers, null, true);
      if (text) await session.send(line(text));
    } else {
      await session.send(line(`* SORT${numbers.map((n) => ` ${n}`).join('')}`));
    }
    return ok('SORT completed');
  },
});
