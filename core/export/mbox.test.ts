import { describe, expect, it } from 'vitest';
import { fromLine, mboxrdEntry, parseMboxrd } from './mbox.js';

describe('mboxrd', () => {
  it('writes an asctime From_ line in UTC', () => {
    expect(fromLine(new Date('2025-09-02T06:05:09Z'))).toBe('From - Tue Sep  2 06:05:09 2025\n');
    expect(fromLine(new Date('2025-12-24T23:00:00Z'))).toBe('From - Wed Dec 24 23:00:00 2025\n');
  });

  it('quotes every >*From line once and reads the messages back byte for byte', () => {
    const messages = [
      Buffer.from('Subject: a\r\n\r\nFrom here\r\n>From there\r\n>>>From far\r\nFrom\r\n', 'latin1'),
      Buffer.from('Subject: b\r\n\r\n\r\nFrom \r\nlone\rFrom cr\r\n\xe9t\xe9\r\n', 'latin1'),
      Buffer.from('Subject: c\n\nunix line ends\n', 'latin1'),
    ];
    const file = Buffer.concat(messages.map((m) => mboxrdEntry(m, new Date('2025-09-02T06:00:00Z'))));
    expect(file.toString('latin1')).toContain('\r\n>From here\r\n>>From there\r\n>>>>From far\r\nFrom\r\n');
    expect(parseMboxrd(file)).toEqual(messages);
  });

  it('ends a message without a final line break with one, so the next From_ starts a line', () => {
    const file = Buffer.concat([mboxrdEntry(Buffer.from('Subject: x\r\n\r\nno end'), new Date(0)), mboxrdEntry(Buffer.from('Subject: y\r\n\r\n'), new Date(0))]);
    expect(parseMboxrd(file).map((m) => m.toString())).toEqual(['Subject: x\r\n\r\nno end\n', 'Subject: y\r\n\r\n']);
  });
});
