// GDPR export: a user's mail, calendars and contacts as one archive (CLI now, webmail later).
export * from './archive.js';
export * from './mbox.js';
export { calendarFile, vcardFile } from './dav-files.js';
export { TarWriter } from './tar.js';
