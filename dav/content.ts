// What a PUT body must be before anything is stored: the right media type, valid data
// (parsed by core/calendar), one component type the calendar accepts, within the size
// limit (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1).
import { parseCalendarObject, parseVCard } from '../core/calendar/index.js';
import { isFacteurError } from '../core/index.js';
import type { DavItemInput } from '../storage/index.js';
import { DavError, precondition } from './errors.js';
import type { CollectionResource } from './resources.js';

export function checkMediaType(parent: CollectionResource, contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (parent.kind === 'calendar') {
    if (type !== 'text/calendar') throw new DavError(415, 'calendar objects are text/calendar', precondition.supportedCalendarData());
  } else if (type !== 'text/vcard' && type !== 'text/x-vcard' && type !== 'text/directory') {
    throw new DavError(415, 'contacts are text/vcard', precondition.supportedAddressData());
  }
}

/** The store record for `text`, or a DavError naming the precondition it breaks. */
export function itemInput(parent: CollectionResource, name: string, text: string, maxBytes: number): DavItemInput {
  try {
    if (parent.kind === 'calendar') {
      const parsed = parseCalendarObject(text, { maxBytes });
      if (!parent.collection.components.includes(parsed.componentType)) {
        throw new DavError(403, `this calendar does not take ${parsed.componentType}`, precondition.supportedCalendarComponent());
      }
      return { name, uid: parsed.uid, data: text, componentType: parsed.componentType, firstStart: parsed.firstStart, lastEnd: parsed.lastEnd };
    }
    const card = parseVCard(text);
    return { name, uid: card.uid, data: text, componentType: 'VCARD', firstStart: null, lastEnd: null };
  } catch (err) {
    if (err instanceof DavError) throw err;
    if (isFacteurError(err) && err.code === 'INVALID') {
      throw new DavError(400, err.message, parent.kind === 'calendar' ? precondition.validCalendarData() : precondition.validAddressData());
    }
    throw err;
  }
}
