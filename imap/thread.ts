// THREAD (RFC 5256 §4): ORDEREDSUBJECT (group by base subject, order by sent date) and
// REFERENCES (the Zawinski algorithm: link by Message-ID/References, prune dummies, gather
// roots by base subject, sort siblings by sent date), and the response's nested-list form.
import type { SortInfo } from './sort-info.js';

export interface ThreadNode {
  msg: SortInfo | null;
  children: ThreadNode[];
  parent: ThreadNode | null;
}

const node = (msg: SortInfo | null): ThreadNode => ({ msg, children: [], parent: null });
const byDate = (a: SortInfo, b: SortInfo) => a.sent - b.sent || a.seq - b.seq;

/** RFC 5256 §3 ORDEREDSUBJECT: per base subject, the earliest message is the parent of all others. */
export function orderedSubject(infos: readonly SortInfo[]): ThreadNode[] {
  const groups = new Map<string, SortInfo[]>();
  for (const m of [...infos].sort(byDate)) {
    const g = groups.get(m.subject);
    if (g) g.push(m);
    else groups.set(m.subject, [m]);
  }
  const roots = [...groups.values()].map((g) => {
    const root = node(g[0]);
    for (const m of g.slice(1)) adopt(root, node(m));
    return root;
  });
  return roots.sort((a, b) => byDate(a.msg!, b.msg!));
}

function adopt(parent: ThreadNode, child: ThreadNode): void {
  if (child.parent) child.parent.children = child.parent.children.filter((c) => c !== child);
  child.parent = parent;
  parent.children.push(child);
}

function isAncestor(a: ThreadNode, of: ThreadNode): boolean {
  for (let p: ThreadNode | null = of; p; p = p.parent) if (p === a) return true;
  return false;
}

/** RFC 5256 §4 REFERENCES. */
export function references(infos: readonly SortInfo[]): ThreadNode[] {
  // (1) Containers by Message-ID; a missing or duplicate id gets a unique one.
  const table = new Map<string, ThreadNode>();
  const all: ThreadNode[] = [];
  const container = (id: string) => {
    let c = table.get(id);
    if (!c) {
      c = node(null);
      table.set(id, c);
      all.push(c);
    }
    return c;
  };
  for (const m of infos) {
    let id = m.messageId;
    if (!id || table.get(id)?.msg) id = `\0${m.uid}`;
    const self = container(id);
    self.msg = m;
    // (1B) each reference is the parent of the next, unless already linked or a loop would form.
    let prev: ThreadNode | null = null;
    for (const ref of m.references) {
      const c = container(ref);
      if (prev && c !== prev && !c.parent && !isAncestor(c, prev)) adopt(prev, c);
      prev = c;
    }
    // (1C) the last reference is this message's parent; this link may replace an earlier one.
    if (prev && prev !== self && !isAncestor(self, prev)) adopt(prev, self);
    else if (!prev && self.parent) {
      self.parent.children = self.parent.children.filter((c) => c !== self);
      self.parent = null;
    }
  }
  // (2) The root set; (4) dummies pruned.
  let roots = prune(all.filter((c) => !c.parent), true);
  for (const r of roots) r.parent = null;
  // (6, first half) siblings by sent date, so that a dummy's first child is its earliest.
  for (const r of roots) sortTree(r);
  // (5) Roots with the same base subject gathered.
  roots = gatherBySubject(roots);
  for (const r of roots) sortTree(r);
  return roots.sort((a, b) => byDate(firstMsg(a), firstMsg(b)));
}

/** (4) A dummy without children goes; a dummy's children take its place, except at the root
 *  when there are several of them. */
function prune(list: ThreadNode[], atRoot: boolean): ThreadNode[] {
  const out: ThreadNode[] = [];
  for (const c of list) {
    c.children = prune(c.children, false);
    for (const k of c.children) k.parent = c;
    if (c.msg) out.push(c);
    else if (c.children.length === 0) continue;
    else if (atRoot && c.children.length > 1) out.push(c);
    else {
      for (const k of c.children) k.parent = c.parent;
      out.push(...(atRoot ? prune(c.children, true) : c.children));
    }
  }
  return out;
}

function firstMsg(n: ThreadNode): SortInfo {
  return n.msg ?? firstMsg(n.children[0]);
}

function sortTree(n: ThreadNode): void {
  for (const c of n.children) sortTree(c);
  n.children.sort((a, b) => byDate(firstMsg(a), firstMsg(b)));
}

function gatherBySubject(roots: ThreadNode[]): ThreadNode[] {
  const subjectOf = (r: ThreadNode) => firstMsg(r).subject;
  const table = new Map<string, ThreadNode>();
  // (5A) Prefer a dummy, then a message that is not a reply.
  for (const r of roots) {
    const s = subjectOf(r);
    if (s === '') continue;
    const old = table.get(s);
    if (!old || (!r.msg && old.msg) || (old.msg?.isReply && r.msg && !r.msg.isReply)) table.set(s, r);
  }
  // (5B) Merge.
  const out: ThreadNode[] = [];
  const replaced = new Map<ThreadNode, ThreadNode>();
  for (const r of roots) {
    if (r.parent) continue; // already merged under a dummy made for an earlier root
    const s = subjectOf(r);
    let t = s === '' ? undefined : table.get(s);
    if (t) t = replaced.get(t) ?? t;
    if (!t || t === r) {
      out.push(r);
      continue;
    }
    if (!t.msg && !r.msg) {
      for (const k of [...r.children]) adopt(t, k);
    } else if (!t.msg && r.msg) {
      adopt(t, r);
    } else if (t.msg && !t.msg.isReply && r.msg?.isReply) {
      adopt(t, r);
    } else {
      const dummy = node(null);
      const at = out.indexOf(t);
      adopt(dummy, t);
      adopt(dummy, r);
      if (at >= 0) out[at] = dummy;
      else out.push(dummy);
      replaced.set(t, dummy);
      table.set(s, dummy);
    }
  }
  return out.filter((r) => !r.parent);
}

/** "(1 2 (3)(4 5))": a chain for a single child, one parenthesized list per child otherwise. */
export function formatThreads(roots: readonly ThreadNode[], num: (m: SortInfo) => number): string {
  const body = (n: ThreadNode): string => {
    const head = n.msg ? String(num(n.msg)) : '';
    if (n.children.length === 0) return head;
    if (n.children.length === 1 && n.msg) return `${head} ${body(n.children[0])}`;
    const kids = n.children.map((c) => `(${body(c)})`).join('');
    return head ? `${head} ${kids}` : kids;
  };
  return roots.map((r) => `(${body(r)})`).join('');
}
