// The base subject of RFC 5256 §2.1, by which SORT SUBJECT orders and THREAD groups messages:
// the decoded subject without "Re:", "Fwd:", "[list]" leaders, "(fwd)" trailers and
// "[fwd: ...]" wrappers, whitespace collapsed. Comparison is i;ascii-casemap, so the result is
// upper-cased in ASCII only.

const TRAILER = /(?:[ \t]|\(fwd\))+$/i;
// subj-leader: (*subj-blob subj-refwd) / WSP, with subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
const REFWD = /^(?:\[[^[\]]*\][ \t]*)*(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:[ \t]*/i;
const BLOB = /^\[[^[\]]*\][ \t]*/;

export interface BaseSubject {
  base: string;
  /** A leader, trailer or wrapper was removed: the message is a reply or forward (§2.1 note). */
  isReply: boolean;
}

export function baseSubject(subject: string): BaseSubject {
  // Step 1: the subject is already decoded to Unicode; runs of whitespace become one space.
  let s = subject.replace(/[\t\r\n ]+/g, ' ');
  let isReply = false;
  for (;;) {
    // Step 2: subj-trailer, repeatedly.
    for (let t = s.replace(TRAILER, ''); t !== s; t = s.replace(TRAILER, '')) {
      if (/\(fwd\)/i.test(s.slice(t.length))) isReply = true;
      s = t;
    }
    // Steps 3-5: subj-leader and subj-blob at the start, until neither applies.
    for (;;) {
      const before = s;
      s = s.replace(/^[ \t]+/, '');
      const m = REFWD.exec(s);
      if (m) {
        s = s.slice(m[0].length);
        isReply = true;
      }
      const b = BLOB.exec(s);
      // A blob is removed only if something remains (§2.1 step 4).
      if (b && s.length > b[0].length) s = s.slice(b[0].length);
      if (s === before) break;
    }
    // Step 6: "[fwd:" ... "]" wraps the whole subject.
    if (/^\[fwd:/i.test(s) && s.endsWith(']')) {
      s = s.slice(5, -1);
      isReply = true;
      continue;
    }
    break;
  }
  return { base: asciiUpper(s.trim()), isReply };
}

/** i;ascii-casemap (RFC 4790 §9.2): only a-z fold. */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (x) => x.toUpperCase());
}
