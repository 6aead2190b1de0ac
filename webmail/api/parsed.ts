// Reading a stored message for display: mailparser on the raw blob, with a small cache because
// opening a message asks for it two or three times at once (the JSON, the HTML frame, inline
// images). Large messages are not cached.
import { simpleParser, type ParsedMail } from 'mailparser';
import { BoundedMap } from '../../core/index.js';
import type { Id, Store } from '../../storage/index.js';
import { htmlToPlainText } from '../../core/mail/html-text.js';

const CACHE_ENTRIES = 16;
const CACHE_MAX_BYTES = 4 * 1024 * 1024;

export interface ParsedMessage {
  raw: Buffer;
  mail: ParsedMail;
}

export class MessageReader {
  private readonly cache = new BoundedMap<Id, Promise<ParsedMessage>>(CACHE_ENTRIES);

  constructor(private readonly store: Store) {}

  read(blobId: Id): Promise<ParsedMessage> {
    const hit = this.cache.get(blobId);
    if (hit) {
      this.cache.delete(blobId);
      this.cache.set(blobId, hit);
      return hit;
    }
    const pending = (async () => {
      const raw = await this.store.blobs.get(blobId);
      // cid: links stay as they are: the sanitizer points them at the attachment URL.
      // mailparser's own HTML-to-text takes time quadratic in the nesting it fails to see
      // ("<p><li>" repeated): the text of a message with HTML only is made here, within bounds.
      const mail = await simpleParser(raw, { keepCidLinks: true, skipTextToHtml: true, skipTextLinks: true, skipHtmlToText: true });
      if (!mail.text?.trim() && mail.html) mail.text = htmlToPlainText(mail.html);
      if (raw.length > CACHE_MAX_BYTES) this.cache.delete(blobId);
      return { raw, mail };
    })();
    this.cache.set(blobId, pending);
    pending.catch(() => this.cache.delete(blobId));
    return pending;
  }
}
