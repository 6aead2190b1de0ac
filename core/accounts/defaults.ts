// What every new user gets: the special-use folders clients look for (RFC 6154), a calendar
// and an address book.
import type { SpecialUse } from '../../storage/index.js';

export const DEFAULT_MAILBOXES: { name: string; specialUse: SpecialUse | null }[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

export const DEFAULT_CALENDAR = { slug: 'default', displayName: 'Agenda', components: ['VEVENT', 'VTODO'] };
export const DEFAULT_ADDRESSBOOK = { slug: 'default', displayName: 'Contacts' };
