// Reload on change: fs.watch on the folders of the certificate and key (a renewal usually
// replaces the files by a rename, which a watch on the file itself would miss), debounced so
// that writing the key then the certificate makes one reload, not two (or one in between).
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export function watchFiles(files: string[], onChange: () => void, options: { debounceMs?: number; onError?: (err: Error) => void } = {}): () => void {
  const debounceMs = options.debounceMs ?? 500;
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const abs = path.resolve(f);
    const dir = path.dirname(abs);
    if (!byDir.has(dir)) byDir.set(dir, new Set());
    byDir.get(dir)!.add(path.basename(abs));
  }
  let timer: NodeJS.Timeout | null = null;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; onChange(); }, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        // Some platforms give no name: then any change in the folder counts.
        if (name === null || names.has(name.toString())) fire();
      });
      w.on('error', (err) => options.onError?.(err));
      watchers.push(w);
    } catch (err) {
      options.onError?.(err as Error);
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
