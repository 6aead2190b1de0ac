// A user's data as one .tar.gz, for a GDPR access/portability request (RGPD art. 15 and 20):
//   <address>/manifest.json           who, when, what is inside, each message's flags and date
//   <address>/mail/<folder>.mbox      every folder as mboxrd, messages byte-exact
//   <address>/calendars/<slug>.ics    every calendar as one iCalendar object
//   <address>/contacts/<slug>.vcf     every address book as a vCard file
// Folders can be large: each mbox is written to a temporary file (owner-only) beside the
// archive, then streamed into it, so memory stays flat whatever the mailbox size.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Actor } from '../accounts/service.js';
import type { Store, User } from '../../storage/index.js';
import { calendarFile, vcardFile } from './dav-files.js';
import { mboxrdEntry } from './mbox.js';
import { TarWriter } from './tar.js';

export interface ExportSummary {
  address: string;
  folders: { name: string; file: string; messages: number }[];
  calendars: { name: string; file: string; items: number }[];
  addressBooks: { name: string; file: string; items: number }[];
}

const BATCH = 200;

/** A path segment safe in any archive reader: no separators, no "." or "..", no control characters. */
export function safeSegment(name: string): string {
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? `_${cleaned}` : cleaned;
}

/** Writes the archive of `user` to `output` (gzip-compressed tar) and ends it. `tmpDir` holds
 *  the temporary mbox files and must be private to the server (mode 0700). */
export async function writeUserArchive(store: Store, user: User, output: Writable, options: { tmpDir: string; now?: Date }): Promise<ExportSummary> {
  const now = options.now ?? new Date();
  const gzip = createGzip();
  gzip.pipe(output);
  // A reader that goes away (an HTTP client closing) must not leave the writer waiting for a
  // 'drain' that never comes: failing the gzip stream fails the pending write.
  let finished = false;
  output.once('close', () => { if (!finished) gzip.destroy(new Error('the archive output closed early')); });
  const tar = new TarWriter(gzip);
  const root = safeSegment(user.address);
  const summary: ExportSummary = { address: user.address, folders: [], calendars: [], addressBooks: [] };
  const messages: { folder: string; uid: number; internalDate: Date; flags: string[]; size: number }[] = [];

  for (const mailbox of await store.mail.listMailboxes(user.id)) {
    const file = `mail/${mailbox.name.split('/').map(safeSegment).join('/')}.mbox`;
    const tmp = path.join(options.tmpDir, `.facteur-export-${randomBytes(8).toString('hex')}.mbox`);
    let count = 0;
    try {
      const out = createWriteStream(tmp, { mode: 0o600 });
      const index = await store.mail.listMessageIndex(mailbox.id);
      for (let i = 0; i < index.length; i += BATCH) {
        for (const record of await store.mail.getMessages(mailbox.id, index.slice(i, i + BATCH).map((m) => m.uid))) {
          const raw = await store.blobs.get(record.blobId);
          if (!out.write(mboxrdEntry(raw, record.internalDate))) await once(out, 'drain');
          messages.push({ folder: mailbox.name, uid: record.uid, internalDate: record.internalDate, flags: record.flags, size: record.size });
          count++;
        }
      }
      out.end();
      await once(out, 'close');
      await tar.addFile(`${root}/${file}`, tmp, (await stat(tmp)).size, now);
    } finally {
      await rm(tmp, { force: true });
    }
    summary.folders.push({ name: mailbox.name, file, messages: count });
  }

  for (const collection of await store.dav.listCollections('user', user.id)) {
    const items = await store.dav.listItems(collection.id);
    const slug = safeSegment(collection.slug);
    if (collection.kind === 'calendar') {
      const file = `calendars/${slug}.ics`;
      await tar.addBuffer(`${root}/${file}`, Buffer.from(calendarFile(items.map((i) => i.data), collection.displayName), 'utf8'), now);
      summary.calendars.push({ name: collection.displayName, file, items: items.length });
    } else {
      const file = `contacts/${slug}.vcf`;
      await tar.addBuffer(`${root}/${file}`, Buffer.from(vcardFile(items.map((i) => i.data)), 'utf8'), now);
      summary.addressBooks.push({ name: collection.displayName, file, items: items.length });
    }
  }

  const manifest = {
    format: 'facteur-export-1',
    exportedAt: now.toISOString(),
    user: { address: user.address, name: user.displayName, unit: user.unit, role: user.role, createdAt: user.createdAt, quotaBytes: user.quotaBytes, usedBytes: user.usedBytes },
    ...summary,
    messages,
  };
  await tar.addBuffer(`${root}/manifest.json`, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'), now);
  await tar.finish();
  gzip.end();
  await once(output, 'finish');
  finished = true;
  return summary;
}

/** The audit entry of an export: whose data left the server, by whose hand. */
export async function auditExport(store: Pick<Store, 'audit'>, user: User, summary: ExportSummary, actor: Actor): Promise<void> {
  await store.audit.append({
    actor: actor.name, ip: actor.ip ?? null, action: 'user.export', target: user.address, unit: user.unit, success: true,
    details: { folders: summary.folders.length, messages: summary.folders.reduce((n, f) => n + f.messages, 0) },
  });
}
