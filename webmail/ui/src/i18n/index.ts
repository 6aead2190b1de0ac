// A tiny dictionary per language; French is the source of keys. t() reads the language chosen
// last (the App re-renders everything when it changes) and fills {name} placeholders.
import en from './en';
import fr from './fr';

export type Key = keyof typeof fr;
export type Lang = 'fr' | 'en';
export const LANGS: Lang[] = ['fr', 'en'];
const dictionaries: Record<Lang, Record<Key, string>> = { fr, en };
const STORAGE_KEY = 'facteur.lang';

let current: Lang = initialLang();

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'fr' || saved === 'en') return saved;
  } catch { /* storage disabled: French */ }
  return 'fr';
}

export function lang(): Lang { return current; }

export function setLang(next: string): Lang {
  current = next === 'en' ? 'en' : 'fr';
  document.documentElement.lang = current;
  try { localStorage.setItem(STORAGE_KEY, current); } catch { /* not remembered */ }
  return current;
}

export function t(key: Key, vars?: Record<string, string | number>): string {
  const text = dictionaries[current][key] ?? fr[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : text;
}
