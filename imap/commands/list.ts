// LIST and LSUB (RFC 3501 §6.3.8-9, RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258: selection
// options SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE; return options SUBSCRIBED, CHILDREN,
// SPECIAL-USE; several patterns), LIST-STATUS (RFC 5819: RETURN (STATUS (...))), the
// attributes of CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154).
import type { Mailbox } from '../../storage/index.js';
import { atom, line, str, type Value } from '../protocol/compiler.js';
import { ParseError, type Cursor } from '../protocol/cursor.js';
import { SEPARATOR } from '../mailbox-name.js';
import { compilePattern } from '../list-pattern.js';
import { bad, ok } from '../replies.js';
import type { Session } from '../session.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { parseStatusItems, sendStatus } from './status.js';

interface ListArgs {
  /** Null for the basic form (no selection options). */
  selection: string[] | null;
  reference: Buffer;
  patterns: Buffer[];
  returns: string[];
  statusItems: string[] | null;
}

const SELECTION = new Set(['SPECIAL-USE', 'SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH']);
const RETURNS = new Set(['SPECIAL-USE', 'SUBSCRIBED', 'CHILDREN', 'STATUS']);

function parseList(cur: Cursor): ListArgs {
  cur.sp();
  const selection = cur.peek() === 0x28 ? cur.list(() => cur.atom().toUpperCase()) : null;
  if (selection) {
    for (const s of selection) if (!SELECTION.has(s)) throw new ParseError(`unsupported selection option ${s}`);
    // RFC 5258 §3.1: RECURSIVEMATCH alone (or with REMOTE only) is a syntax error.
    if (selection.includes('RECURSIVEMATCH') && !selection.some((s) => s === 'SUBSCRIBED' || s === 'SPECIAL-USE')) {
      throw new ParseError('RECURSIVEMATCH needs another selection option');
    }
    cur.sp();
  }
  const reference = Buffer.from(cur.astring());
  cur.sp();
  const patterns = cur.peek() === 0x28
    ? cur.list(() => Buffer.from(cur.listMailbox()), false)
    : [Buffer.from(cur.listMailbox())];
  const returns: string[] = [];
  let statusItems: string[] | null = null;
  if (cur.trySp()) {
    cur.expect('RETURN');
    cur.sp();
    cur.list(() => {
      const r = cur.atom().toUpperCase();
      if (!RETURNS.has(r)) throw new ParseError(`unsupported return option ${r}`);
      if (r === 'STATUS') {
        cur.sp();
        statusItems = parseStatusItems(cur);
      }
      returns.push(r);
    });
  }
  return { selection, reference, patterns, returns, statusItems };
}

/** Patterns may hold wildcards, which pass through modified UTF-7 decoding unchanged. */
function patternText(session: Session, raw: Buffer): string {
  try {
    return session.mailboxFromWire(raw);
  } catch {
    throw new ParseError('mailbox name is not valid in this session\'s encoding');
  }
}

export const list = defineCommand({
  name: 'LIST',
  states: AUTHENTICATED,
  parse: parseList,
  async run(session, args) {
    const reference = patternText(session, args.reference);
    const patterns = args.patterns.map((p) => patternText(session, p));
    const selection = new Set(args.selection ?? []);
    if (args.selection === null && patterns.length === 1 && patterns[0] === '') {
      // The hierarchy delimiter and root (RFC 9051 §6.3.9).
      await session.send(line('* LIST (\\Noselect) "/" ""'));
      return ok('LIST completed');
    }
    const returnSubscribed = args.returns.includes('SUBSCRIBED') || selection.has('SUBSCRIBED');
    const recursive = selection.has('RECURSIVEMATCH');
    const selected = (node: Node) => (!selection.has('SUBSCRIBED') || !!node.mailbox?.subscribed)
      && (!selection.has('SPECIAL-USE') || !!node.mailbox?.specialUse);
    const matchers = patterns.filter((p) => p !== '').map((p) => compilePattern(reference + p));
    if (matchers.length === 0) return ok('LIST completed');
    const matches = (name: string) => matchers.some((m) => m.test(name));
    const nodes = tree(await session.store.mail.listMailboxes(session.user!.id));
    for (const node of nodes) {
      if (!matches(node.name)) continue;
      // RFC 5258 §3.5: with RECURSIVEMATCH, a mailbox is also listed, with CHILDINFO, when one
      // of its descendants meets the selection but is not itself matched by the pattern.
      const childInfo = recursive && nodes.some((d) => d.name.startsWith(`${node.name}${SEPARATOR}`) && selected(d) && !matches(d.name));
      if (!selected(node) && !childInfo) continue;
      const attrs = attributes(node);
      if (returnSubscribed && node.mailbox?.subscribed) attrs.push('\\Subscribed');
      const extended: Value[] = [];
      if (childInfo) extended.push(str('CHILDINFO'), [str(selection.has('SUBSCRIBED') ? 'SUBSCRIBED' : 'SPECIAL-USE')]);
      await sendEntry(session, 'LIST', attrs, node.name, extended);
      // RFC 5819 §2: a STATUS after the LIST of each selectable mailbox.
      if (args.statusItems && node.mailbox) await sendStatus(session, node.mailbox, args.statusItems);
    }
    return ok('LIST completed');
  },
});

export const lsub = defineCommand({
  name: 'LSUB',
  states: AUTHENTICATED,
  parse(cur) {
    cur.sp();
    const reference = Buffer.from(cur.astring());
    cur.sp();
    return { reference, pattern: Buffer.from(cur.listMailbox()) };
  },
  async run(session, args) {
    // LSUB is gone from IMAP4rev2 (RFC 9051 §6.3.9 LIST (SUBSCRIBED) replaces it).
    if (session.rev2) return bad('LSUB is not part of IMAP4rev2; use LIST (SUBSCRIBED)');
    const reference = patternText(session, args.reference);
    const pattern = patternText(session, args.pattern);
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

async function sendEntry(session: Session, kind: 'LIST' | 'LSUB', attrs: string[], name: string, extended: Value[] = []): Promise<void> {
  const tail: (string | Value)[] = extended.length > 0 ? [' ', extended] : [];
  await session.send(line(`* ${kind} `, attrs.map(atom), ' "/" ', str(session.mailboxName(name)), ...tail));
}

