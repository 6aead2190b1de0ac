// mboxrd (the "mboxrd" variant of RFC 4155's family): each message after a "From " line, every
// line that starts with zero or more '>' and then "From " gets one more '>', so a reader removes
// exactly one and gets the message back byte for byte. The message keeps its own line ends
// (CRLF as stored); the From_ line and the blank line after each message end with LF.

const FROM_LINE = /^>*From /;

/** The From_ line: sender "-" (the envelope sender is not kept) and the date in asctime form
 *  (UTC), as Thunderbird writes it. */
export function fromLine(date: Date): string {
  const d = date.toUTCString(); // "Tue, 02 Sep 2025 08:00:00 GMT"
  const [, day, month, year, time] = /^(\w+), \d+ (\w+) (\d+) ([\d:]+)/.exec(d)!.slice(0, 5);
  return `From - ${day.slice(0, 3)} ${month} ${String(date.getUTCDate()).padStart(2, ' ')} ${time} ${year}\n`;
}

/** One message as it goes into an mboxrd file: From_ line, quoted message, separating blank line. */
export function mboxrdEntry(raw: Buffer, date: Date): Buffer {
  const parts: Buffer[] = [Buffer.from(fromLine(date), 'latin1')];
  let start = 0;
  while (start < raw.length) {
    const nl = raw.indexOf(0x0a, start);
    const end = nl < 0 ? raw.length : nl + 1;
    const line = raw.subarray(start, end);
    // Only the first bytes matter; latin1 maps each byte to one character.
    if (line[0] === 0x3e || line[0] === 0x46) {
      if (FROM_LINE.test(line.subarray(0, Math.min(line.length, 256)).toString('latin1'))) parts.push(Buffer.from('>'));
    }
    parts.push(line);
    start = end;
  }
  // A message not ending with a line break gets one: the separator must start a line.
  if (raw.length > 0 && raw[raw.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

/** Splits an mboxrd file back into messages (the reverse of mboxrdEntry, for messages that end
 *  with a line break). Lines are split on LF only: a lone CR is message content. */
export function parseMboxrd(data: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  let current: string[] | null = null;
  const finish = (lines: string[]) => messages.push(Buffer.from(lines.join('').replace(/\n$/, ''), 'latin1'));
  for (const line of data.toString('latin1').split(/(?<=\n)/)) {
    if (line.startsWith('From ')) {
      if (current) finish(current);
      current = [];
    } else if (current) {
      current.push(/^>+From /.test(line) ? line.slice(1) : line);
    }
  }
  if (current) finish(current);
  return messages;
}
