// Blobs an append of this process has written but not yet committed a reference to. An
// expunge that drops the last reference must not unlink such a file: the append is about to
// reference it. (Appends of another process are covered by FileBlobs.ensurePresent.)
import type { SqliteContext } from './index.js';

export class BlobPins {
  private readonly counts = new Map<string, number>();

  pin(id: string): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  unpin(id: string): void {
    const n = (this.counts.get(id) ?? 0) - 1;
    if (n > 0) this.counts.set(id, n);
    else this.counts.delete(id);
  }

  has(id: string): boolean {
    return this.counts.has(id);
  }
}

const pinsOf = new WeakMap<SqliteContext['blobs'], BlobPins>();

/** The pins of one store (shared by its mail and account parts). */
export function blobPins(ctx: SqliteContext): BlobPins {
  let pins = pinsOf.get(ctx.blobs);
  if (!pins) {
    pins = new BlobPins();
    pinsOf.set(ctx.blobs, pins);
  }
  return pins;
}

/** After a commit: removes the files of these blobs if nothing references or pins them. */
export function unlinkReleased(ctx: SqliteContext, ids: Iterable<string>): void {
  const pins = blobPins(ctx);
  ctx.blobs.unlinkUnreferenced([...new Set(ids)].filter((id) => !pins.has(id)));
}
