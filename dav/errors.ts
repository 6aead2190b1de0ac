// The one place where failures become HTTP/DAV replies: typed core/store errors, XML that
// is refused, and the DAV preconditions (RFC 4918 §16, RFC 4791 §1.3, RFC 6352 §6.3.2.1,
// RFC 6578 §3.7) carried as an element inside DAV:error.
import { TooManyInstances, isFacteurError } from '../core/index.js';
import { BodyTooLarge } from '../core/http/index.js';
import { CALDAV, CARDDAV, DAV } from './xml/names.js';
import { XmlRefused } from './xml/parse.js';
import { el, type XNode } from './xml/write.js';

export class DavError extends Error {
  constructor(readonly status: number, message: string, readonly condition: XNode | null = null, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export const precondition = {
  validCalendarData: () => el(CALDAV, 'valid-calendar-data'),
  validCalendarObject: () => el(CALDAV, 'valid-calendar-object-resource'),
  supportedCalendarData: () => el(CALDAV, 'supported-calendar-data'),
  supportedCalendarComponent: () => el(CALDAV, 'supported-calendar-component'),
  calendarMaxSize: () => el(CALDAV, 'max-resource-size'),
  calendarNoUidConflict: (href: string | null) => el(CALDAV, 'no-uid-conflict', href ? el(DAV, 'href', href) : null),
  validAddressData: () => el(CARDDAV, 'valid-address-data'),
  supportedAddressData: () => el(CARDDAV, 'supported-address-data'),
  addressMaxSize: () => el(CARDDAV, 'max-resource-size'),
  addressNoUidConflict: (href: string | null) => el(CARDDAV, 'no-uid-conflict', href ? el(DAV, 'href', href) : null),
  validSyncToken: () => el(DAV, 'valid-sync-token'),
  /** RFC 4791 §7.8, RFC 6352 §8.6.1, RFC 6578 §3.6: more results than the server hands out. */
  numberOfMatchesWithinLimits: () => el(DAV, 'number-of-matches-within-limits'),
  /** RFC 4331 §6: what the user may keep is used up (with 507). */
  quotaNotExceeded: () => el(DAV, 'quota-not-exceeded'),
  supportedReport: () => el(DAV, 'supported-report'),
  finiteDepth: () => el(DAV, 'propfind-finite-depth'),
  resourceMustBeNull: () => el(DAV, 'resource-must-be-null'),
  validResourceType: () => el(DAV, 'valid-resourcetype'),
  calendarCollectionLocationOk: () => el(CALDAV, 'calendar-collection-location-ok'),
  addressbookCollectionLocationOk: () => el(CARDDAV, 'addressbook-collection-location-ok'),
  /** RFC 3744 §7.1.1: what the user lacks on which resource. */
  needPrivileges: (href: string, privilege: string) =>
    el(DAV, 'need-privileges', el(DAV, 'resource', el(DAV, 'href', href), el(DAV, 'privilege', el(DAV, privilege)))),
};

export const notFound = () => new DavError(404, 'not found');
export const readOnly = (href: string) => new DavError(403, 'read-only', precondition.needPrivileges(href, 'write'));

/** What the caller should answer for `err`; `fault` is true when the error is ours (a 500,
 *  to be logged) rather than the client's. */
export function toDavError(err: unknown, context: { kind?: 'calendar' | 'addressbook' } = {}): { error: DavError; fault: boolean } {
  if (err instanceof DavError) return { error: err, fault: false };
  if (err instanceof BodyTooLarge) {
    // A calendar object or vCard over the limit names CALDAV/CARDDAV:max-resource-size
    // (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1). The rest of the body is not read: the
    // connection is closed after the answer.
    const condition = context.kind === 'calendar' ? precondition.calendarMaxSize() : context.kind === 'addressbook' ? precondition.addressMaxSize() : null;
    return { error: new DavError(413, `body larger than ${err.limit} bytes`, condition, { connection: 'close' }), fault: false };
  }
  if (err instanceof XmlRefused) return { error: new DavError(400, err.message), fault: false };
  // A REPORT whose range holds too many instances (dav/limits.ts): refused whole, since a
  // partial expansion or free-busy answer would look complete to the client (RFC 4791
  // §7.8 names the condition; RFC 3253 §1.6 puts a violated condition in a 403).
  if (err instanceof TooManyInstances) {
    return { error: new DavError(403, `more than ${err.limit} instances in the range`, precondition.numberOfMatchesWithinLimits()), fault: false };
  }
  if (err instanceof SyntaxError) return { error: new DavError(400, err.message), fault: false };
  if (isFacteurError(err)) {
    switch (err.code) {
      // NotFound also covers "exists but not yours": never tell the two apart.
      case 'NOT_FOUND': return { error: notFound(), fault: false };
      case 'FORBIDDEN': return { error: notFound(), fault: false };
      case 'ALREADY_EXISTS': return {
        error: new DavError(409, err.message, context.kind === 'addressbook' ? precondition.addressNoUidConflict(null)
          : context.kind === 'calendar' ? precondition.calendarNoUidConflict(null) : null),
        fault: false,
      };
      case 'CONFLICT': return { error: new DavError(409, err.message), fault: false };
      case 'PRECONDITION_FAILED': return { error: new DavError(412, 'precondition failed'), fault: false };
      case 'OVER_QUOTA': return { error: new DavError(507, 'over quota', precondition.quotaNotExceeded()), fault: false };
      case 'INVALID': return {
        error: new DavError(400, err.message, context.kind === 'addressbook' ? precondition.validAddressData()
          : context.kind === 'calendar' ? precondition.validCalendarData() : null),
        fault: false,
      };
      case 'UNAVAILABLE': return { error: new DavError(503, 'temporarily unavailable', null, { 'retry-after': '30' }), fault: true };
    }
  }
  return { error: new DavError(500, 'internal error'), fault: true };
}
