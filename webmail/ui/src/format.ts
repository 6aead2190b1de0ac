// Dates, sizes and addresses as the reader expects them in the chosen language.
import type { Address } from './api';
import { lang, t } from './i18n';

export function formatDate(iso: string, long = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  if (long) return new Intl.DateTimeFormat(lang(), { dateStyle: 'full', timeStyle: 'short' }).format(d);
  if (sameDay) return new Intl.DateTimeFormat(lang(), { hour: '2-digit', minute: '2-digit' }).format(d);
  const sameYear = d.getFullYear() === now.getFullYear();
  return new Intl.DateTimeFormat(lang(), sameYear ? { day: 'numeric', month: 'short' } : { dateStyle: 'short' }).format(d);
}

export function formatSize(bytes: number): string {
  const units = [t('unit.b'), t('unit.kb'), t('unit.mb'), t('unit.gb')];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${new Intl.NumberFormat(lang(), { maximumFractionDigits: i > 1 ? 1 : 0 }).format(n)} ${units[i]}`;
}

export function formatAddress(a: Address | null | undefined): string {
  if (!a) return '';
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

export function displayName(a: Address | null | undefined): string {
  if (!a) return t('list.noSender');
  return a.name || a.address;
}

export function formatAddresses(list: Address[] | undefined): string {
  return (list ?? []).map(formatAddress).join(', ');
}
