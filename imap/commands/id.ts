// ID (RFC 2971): what the client says it is goes to the audit log with the login; the
// server answers with its name only (no version, which would only help an attacker).
import { line, str } from '../protocol/compiler.js';
import { ParseError } from '../protocol/cursor.js';
import { ok } from '../replies.js';
import { ANY, defineCommand } from './command.js';

export const id = defineCommand({
  name: 'ID',
  states: ANY,
  parse(cur) {
    cur.sp();
    if (cur.acceptWord('NIL')) return { fields: [] as [string, string | null][] };
    const items = cur.list(() => {
      const v = cur.nstring();
      return v === null ? null : v.toString('utf8');
    });
    // RFC 2971 §3.3: at most 30 pairs, field names at most 30 octets, values at most 1024.
    if (items.length % 2 !== 0 || items.length > 60) throw new ParseError('ID takes up to 30 field-value pairs');
    const fields: [string, string | null][] = [];
    for (let i = 0; i < items.length; i += 2) {
      const name = items[i];
      if (name === null || name.length > 30 || (items[i + 1]?.length ?? 0) > 1024) throw new ParseError('invalid ID field');
      fields.push([name, items[i + 1]]);
    }
    return { fields };
  },
  async run(session, { fields }) {
    const get = (k: string) => fields.find(([n]) => n.toLowerCase() === k)?.[1] ?? null;
    const name = get('name');
    if (name) {
      const version = get('version');
      session.clientName = `${name}${version ? ` ${version}` : ''}`.slice(0, 200);
      session.log = session.log.child({ client: session.clientName });
    }
    await session.send(line('* ID ', [str('name'), str('Facteur'), str('vendor'), str('Facteur')]));
    return ok('ID completed');
  },
});
