// ENABLE (RFC 5161): CONDSTORE (RFC 7162 §3.1), QRESYNC (RFC 7162 §3.2.3, which enables
// CONDSTORE too), IMAP4rev2 (RFC 9051 §6.3.1) and UTF8=ACCEPT (RFC 6855 §3). Unknown names
// are ignored; the answer lists what this command enabled, not what was already on.
import { line } from '../protocol/compiler.js';
import { ok } from '../replies.js';
import type { Session } from '../session.js';
import { defineCommand } from './command.js';

/** Upper-case name -> the spelling echoed in ENABLED. */
const ENABLEABLE = new Map([['CONDSTORE', 'CONDSTORE'], ['QRESYNC', 'QRESYNC'], ['IMAP4REV2', 'IMAP4rev2'], ['UTF8=ACCEPT', 'UTF8=ACCEPT']]);

export const enable = defineCommand({
  name: 'ENABLE',
  // Only in the authenticated state, not with a mailbox selected (RFC 5161 §3.1).
  states: ['authenticated'],
  parse(cur) {
    const names: string[] = [];
    while (cur.trySp()) names.push(cur.atom().toUpperCase());
    if (names.length === 0) cur.sp(); // at least one capability name
    return { names };
  },
  async run(session, { names }) {
    const enabled: string[] = [];
    for (const name of names) {
      const spelling = ENABLEABLE.get(name);
      if (!spelling || !session.capabilityList().some((c) => c.toUpperCase() === name)) continue;
      if (turnOn(session, name)) enabled.push(spelling);
    }
    await session.send(line(`* ENABLED${enabled.map((n) => ` ${n}`).join('')}`));
    return ok('ENABLE completed');
  },
});

function turnOn(session: Session, name: string): boolean {
  if (name === 'CONDSTORE') {
    if (session.condstore) return false;
    session.condstore = true;
    return true;
  }
  if (session.enabled.has(name)) return false;
  session.enabled.add(name);
  if (name === 'QRESYNC') session.condstore = true;
  return true;
}
