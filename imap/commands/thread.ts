// THREAD and UID THREAD (RFC 5256 §4) with the ORDEREDSUBJECT and REFERENCES algorithms.
import { line } from '../protocol/compiler.js';
import { ParseError } from '../protocol/cursor.js';
import { parseSearchProgram } from '../protocol/search-keys.js';
import { ok } from '../replies.js';
import { searchMessages } from '../search-eval.js';
import { loadSortInfo } from '../sort-info.js';
import { formatThreads, orderedSubject, references } from '../thread.js';
import { defineCommand, SELECTED } from './command.js';
import { badCharset, CHARSETS } from './search.js';

export const ALGORITHMS = ['ORDEREDSUBJECT', 'REFERENCES'] as const;

export const thread = defineCommand({
  name: 'THREAD',
  states: SELECTED,
  uidForm: true,
  holdsExpunges: true,
  parse(cur) {
    cur.sp();
    const algorithm = cur.atom().toUpperCase();
    if (!(ALGORITHMS as readonly string[]).includes(algorithm)) throw new ParseError(`unknown thread algorithm ${algorithm}`);
    cur.sp();
    const charset = cur.astring().toString('latin1').toUpperCase();
    cur.sp();
    return { algorithm, charset, program: parseSearchProgram(cur) };
  },
  async run(session, { algorithm, charset, program }, ctx) {
    if (!CHARSETS.has(charset)) return badCharset();
    const infos = await loadSortInfo(session, await searchMessages(session, program));
    const roots = algorithm === 'REFERENCES' ? references(infos) : orderedSubject(infos);
    const text = formatThreads(roots, (m) => (ctx.uid ? m.uid : m.seq));
    await session.send(line(`* THREAD${text ? ` ${text}` : ''}`));
    return ok('THREAD completed');
  },
});
