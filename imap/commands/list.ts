// LIST and LSUB (RFC 3501 §6.3.8-9) with the attributes of CHILDREN (RFC 3348) and
// SPECIAL-USE (RFC 6154). The LIST-EXTENDED forms clients send to ask for special-use
// folders, "LIST (SPECIAL-USE) "" *" and "RETURN (SPECIAL-USE)" (RFC 6154 §5.1-2), are
// understood, with the SUBSCRIBED selection option.
import type { Mailbox } from '../../storage/index.js';
import { atom, line, str } from '../protocol/compiler.js';
import { ParseError, type Cursor } from '../protocol/cursor.js';
import { mailboxFromWire, mailboxToWire, normalizeInbox, SEPARATOR } from '../mailbox-name.js';
import { ok } from '../replies.js';
import type { Session } from '../session.js';
import { AUTHENTICATED, defineCommand } from './command.js';

interface ListArgs {
  reference: string;
  patterns: string[];
  selectSpecialUse: boolean;
  selectSubscribed: boolean;
  returnSubscribed: boolean;
}

const SELECTION = new Set(['SPECIAL-USE', 'SUBSCRIBED', 'REMOTE']);
const RETURNS = new Set(['SPECIAL-USE', 'SUBSCRIBED', 'CHILDREN']);

function parseList(cur: Cursor): ListArgs {
  cur.sp();
  const selection = cur.peek() === 0x28 ? cur.list(() => cur.atom().toUpperCase()) : null;
  if (selection) {
    for (const s of selection) if (!SELECTION.has(s)) throw new ParseError(`unsupported selection option ${s}`);
    cur.sp();
  }
  const reference = mailboxFromWireLoose(cur.astring());
  cur.sp();
  const patterns = cur.peek() === 0x28 && selection
    ? cur.list(() => mailboxFromWireLoose(cur.listMailbox()), false)
    : [mailboxFromWireLoose(cur.listMailbox())];
  let returns: string[] = [];
  if (cur.trySp()) {
    cur.expect('RETURN');
    cur.sp();
    returns = cur.list(() => cur.atom().toUpperCase());
    for (const r of returns) if (!RETURNS.has(r)) throw new ParseError(`unsupported return option ${r}`);
  }
  return {
    reference,
    patterns,
    selectSpecialUse: selection?.includes('SPECIAL-USE') ?? false,
    selectSubscribed: selection?.includes('SUBSCRIBED') ?? false,
    returnSubscribed: returns.includes('SUBSCRIBED') || (selection?.includes('SUBSCRIBED') ?? false),
  };
}

/** Patterns may hold wildcards, which are not part of modified UTF-7 but pass through it. */
function mailboxFromWireLoose(raw: Buffer): string {
  try {
    return mailboxFromWire(raw);
  } catch {
    throw new ParseError('mailbox name is not valid modified UTF-7');
  }
}

export const list = defineCommand({
  name: 'LIST',
  states: AUTHENTICATED,
  parse: parseList,
  async run(session, args) {
    const all = await session.store.mail.listMailboxes(session.user!.id);
    for (const pattern of args.patterns) {
      if (pattern === '' && args.patterns.length === 1) {
        // The hierarchy delimiter and root (RFC 3501 §6.3.8).
        await session.send(line('* LIST (\\Noselect) "/" ""'));
        continue;
      }
      const matcher = compilePattern(args.reference + pattern);
      for (const node of tree(all)) {
        if (!matcher.test(node.name)) continue;
        if (args.selectSpecialUse && !node.mailbox?.specialUse) continue;
        if (args.selectSubscribed && !node.mailbox?.subscribed) continue;
        const attrs = attributes(node);
        if (args.returnSubscribed && node.mailbox?.subscribed) attrs.push('\\Subscribed');
        await sendEntry(session, 'LIST', attrs, node.name);
      }
    }
    return ok('LIST completed');
  },
});

export const lsub = defineCommand({
  name: 'LSUB',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    const reference = mailboxFromWireLoose(cur.astring());
    cur.sp();
    return { reference, pattern: mailboxFromWireLoose(cur.listMailbox()) };
  },
  async run(session, { reference, pattern }) {
    if (pattern === '') {
      await session.send(line('* LSUB (\\Noselect) "/" ""'));
      return ok('LSUB completed');
    }
    const subscribed = (await session.store.mail.listMailboxes(session.user!.id)).filter((m) => m.subscribed);
    const full = reference + pattern;
    const matcher = compilePattern(full);
    const names = new Set(subscribed.map((m) => m.name));
    const sent = new Set<string>();
    for (const m of subscribed) {
      if (matcher.test(m.name)) {
        sent.add(m.name);
        await sendEntry(session, 'LSUB', [], m.name);
      } else if (full.endsWith('%')) {
        // RFC 3501 §6.3.9: with "%", an unsubscribed parent of a subscribed mailbox that the
        // pattern matches is listed with \Noselect.
        for (const parent of ancestors(m.name)) {
          if (!names.has(parent) && !sent.has(parent) && matcher.test(parent)) {
            sent.add(parent);
            await sendEntry(session, 'LSUB', ['\\Noselect'], parent);
          }
        }
      }
    }
    return ok('LSUB completed');
  },
});

interface Node {
  name: string;
  mailbox: Mailbox | null;
  hasChildren: boolean;
}

/** Every mailbox, plus the parents that do not exist themselves (shown \Noselect), in name order. */
function tree(mailboxes: Mailbox[]): Node[] {
  const nodes = new Map<string, Node>();
  for (const m of mailboxes) nodes.set(m.name, { name: m.name, mailbox: m, hasChildren: false });
  for (const m of mailboxes) {
    for (const parent of ancestors(m.name)) {
      const node = nodes.get(parent);
      if (node) node.hasChildren = true;
      else nodes.set(parent, { name: parent, mailbox: null, hasChildren: true });
    }
  }
  return [...nodes.values()].sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function ancestors(name: string): string[] {
  const out: string[] = [];
  for (let i = name.indexOf(SEPARATOR); i > 0; i = name.indexOf(SEPARATOR, i + 1)) out.push(name.slice(0, i));
  return out;
}

function attributes(node: Node): string[] {
  const attrs = [node.hasChildren ? '\\HasChildren' : '\\HasNoChildren'];
  if (!node.mailbox) attrs.unshift('\\Noselect');
  else if (node.mailbox.specialUse) attrs.push(node.mailbox.specialUse);
  return attrs;
}

async function sendEntry(session: Session, kind: 'LIST' | 'LSUB', attrs: string[], name: string): Promise<void> {
  await session.send(line(`* ${kind} `, attrs.map(atom), ' "/" ', str(mailboxToWire(name))));
}

/** "*" matches anything, "%" anything but the separator (RFC 3501 §6.3.8); INBOX in any case. */
export function compilePattern(pattern: string): RegExp {
  const normalized = normalizeInbox(pattern);
  const source = [...normalized].map((c) => (c === '*' ? '.*' : c === '%' ? '[^/]*' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 'su');
}
