// imap: the IMAP4rev1/IMAP4rev2 server (service.ts), its protocol layer (protocol/), MIME structure
// (mime/) and one module per command (commands/).
export { createImapService, type ImapServiceOptions } from './service.js';
