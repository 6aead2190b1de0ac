// A recipients field (comma-separated) whose last address is completed from the directory and
// personal contacts: the ARIA 1.2 combobox pattern with a listbox popup.
import { useEffect, useState } from 'preact/hooks';
import { enc, get } from './api';
import { t } from './i18n';

interface Contact { name: string; address: string; source: string }

/** Splits "a@x, \"Martin, J\" <j@x>" on the commas between addresses only. */
export function splitAddresses(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === '<' && !quoted) angle = true;
    else if (ch === '>' && !quoted) angle = false;
    if ((ch === ',' || ch === ';') && !quoted && !angle) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

function formatContact(c: Contact): string {
  if (!c.name) return c.address;
  return /[",;<>@]/.test(c.name) ? `"${c.name.replace(/"/g, '')}" <${c.address}>` : `${c.name} <${c.address}>`;
}

export function AddressInput(props: { id: string; label: string; value: string; onInput(v: string): void; autoFocus?: boolean }) {
  const [items, setItems] = useState<Contact[]>([]);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const token = props.value.slice(Math.max(props.value.lastIndexOf(','), props.value.lastIndexOf(';')) + 1).trim();
  const listId = `${props.id}-suggestions`;

  useEffect(() => {
    if (token.length < 1 || token.includes('<')) { setItems([]); return; }
    let stale = false;
    const timer = setTimeout(() => {
      get<{ contacts: Contact[] }>(`/contacts?q=${enc(token)}`).then(
        (r) => { if (!stale) { setItems(r.contacts); setActive(-1); setOpen(true); } },
        () => { if (!stale) setItems([]); },
      );
    }, 150);
    return () => { stale = true; clearTimeout(timer); };
  }, [token]);

  const pick = (c: Contact) => {
    const cut = Math.max(props.value.lastIndexOf(','), props.value.lastIndexOf(';')) + 1;
    const head = props.value.slice(0, cut).trim();
    props.onInput(`${head ? `${head} ` : ''}${formatContact(c)}, `);
    setItems([]);
    setOpen(false);
  };

  const shown = open && items.length > 0;
  const onKeyDown = (e: KeyboardEvent) => {
    if (!shown) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); setActive((active + 1) % items.length); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((active - 1 + items.length) % items.length); }
    else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); pick(items[active]); }
    else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); setOpen(false); }
  };

  return (
    <div class="field combo">
      <label for={props.id}>{props.label}</label>
      <input id={props.id} type="text" autocomplete="off" spellcheck={false} value={props.value} autoFocus={props.autoFocus}
        role="combobox" aria-autocomplete="list" aria-expanded={shown} aria-controls={listId}
        aria-activedescendant={shown && active >= 0 ? `${listId}-${active}` : undefined}
        onInput={(e) => { props.onInput((e.currentTarget as HTMLInputElement).value); setOpen(true); }}
        onKeyDown={onKeyDown} onBlur={() => setOpen(false)} />
      <ul id={listId} role="listbox" aria-label={t('compose.suggestions')} hidden={!shown}>
        {items.map((c, i) => (
          <li id={`${listId}-${i}`} role="option" aria-selected={i === active} onMouseDown={(e) => { e.preventDefault(); pick(c); }}>
            <span class="name">{c.name || c.address}</span> <span class="meta">{c.address}{c.source === 'directory' ? ` · ${t('compose.directory')}` : ''}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
