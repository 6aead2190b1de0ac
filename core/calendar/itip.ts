// iTIP (RFC 5546) objects for scheduling by mail (iMIP, RFC 6047): what the organizer's
// server sends when an event with attendees is saved or deleted, and how an attendee's
// REPLY updates the organizer's copy. Pure text in, text out; sending is the delivery
// pipeline's job.
import { Invalid } from '../errors.js';
import { ICAL, ms, parseRoot, textValue, timeValue } from './ical.js';
import type { Component } from './ical.js';
import { mainComponents } from './instances.js';
import { MAX_STORED_BYTES } from './limits.js';
import { calAddress } from './object.js';

export interface ItipMessage {
  method: 'REQUEST' | 'CANCEL';
  uid: string;
  /** Organizer address (mailto: removed), the sender of the message. */
  organizer: string | null;
  /** Attendee addresses to send to (mailto: removed, organizer excluded). */
  recipients: string[];
  summary: string | null;
  /** text/calendar; method=REQUEST|CANCEL body. */
  ics: string;
}

export interface ItipReplyResult {
  /** The organizer's copy, updated (unchanged text when `changed` is false). */
  data: string;
  changed: boolean;
  /** The replying attendee and the status they gave. */
  attendee: string | null;
  partstat: string | null;
}

// RFC 6638 §7.1/§7.3: these parameters are for the organizer's server, not for the wire.
const SCHEDULE_PARAMS = ['schedule-agent', 'schedule-status', 'schedule-force-send'];

function copyOf(root: Component): Component {
  return new ICAL.Component(JSON.parse(JSON.stringify(root.toJSON())));
}

function serialize(root: Component): string {
  return root.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
}

function sequenceOf(comp: Component): number {
  const n = Number(comp.getFirstPropertyValue('sequence') ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

function sameAddress(a: string, b: string): boolean {
  return calAddress(a).toLowerCase() === calAddress(b).toLowerCase();
}

/**
 * The iTIP REQUEST (event saved) or CANCEL (event deleted, or `only` attendees removed)
 * for a stored calendar object. Attendees whose SCHEDULE-AGENT is CLIENT or NONE are
 * handled by their own client (RFC 6638 §7.1) and get nothing.
 */
export function buildItipMessage(text: string, method: 'REQUEST' | 'CANCEL', only?: string[]): ItipMessage {
  const source = parseRoot(text, 'calendar data', MAX_STORED_BYTES);
  if (source.name !== 'vcalendar') throw new Invalid('not an iCalendar object (no VCALENDAR)');
  const comps = mainComponents(source);
  if (comps.length === 0) throw new Invalid('no VEVENT, VTODO or VJOURNAL component');
  const master = comps.find((c) => !c.hasProperty('recurrence-id')) ?? comps[0];
  const uid = textValue(master, 'uid');
  if (!uid) throw new Invalid('no UID');
  const organizerValue = textValue(master, 'organizer');
  const organizer = organizerValue ? calAddress(organizerValue) : null;

  const recipients: string[] = [];
  for (const comp of comps) {
    for (const att of comp.getAllProperties('attendee')) {
      const address = calAddress(String(att.getFirstValue() ?? ''));
      const agent = String(att.getFirstParameter('schedule-agent') ?? 'SERVER').toUpperCase();
      if (!address || agent !== 'SERVER' || !/^[^@\s]+@[^@\s]+$/.test(address)) continue;
      if (organizer && sameAddress(address, organizer)) continue;
      if (only && !only.some((o) => sameAddress(o, address))) continue;
      if (!recipients.some((r) => sameAddress(r, address))) recipients.push(address);
    }
  }

  const out = copyOf(source);
  out.removeAllProperties('method');
  out.addPropertyWithValue('method', method);
  for (const comp of mainComponents(out)) {
    for (const prop of [...comp.getAllProperties('attendee'), ...comp.getAllProperties('organizer')]) {
      for (const p of SCHEDULE_PARAMS) prop.removeParameter(p);
    }
    if (method === 'CANCEL') {
      // RFC 5546 §3.2.5: a CANCEL carries STATUS:CANCELLED and a higher SEQUENCE.
      comp.updatePropertyWithValue('status', 'CANCELLED');
      comp.updatePropertyWithValue('sequence', sequenceOf(comp) + 1);
      if (only) {
        for (const att of comp.getAllProperties('attendee')) {
          const address = String(att.getFirstValue() ?? '');
          if (!only.some((o) => sameAddress(o, address))) comp.removeProperty(att);
        }
      }
    }
  }
  return { method, uid, organizer, recipients, summary: textValue(master, 'summary'), ics: serialize(out) };
}

/**
 * Applies an attendee's iTIP REPLY to the organizer's copy (RFC 5546 §3.2.3): the PARTSTAT
 * of that attendee is updated on the master or on the overridden instance it names. A reply
 * from someone who is not an attendee, for an older SEQUENCE, or for an instance that has no
 * override is ignored (changed: false). A reply that is not an iTIP REPLY for this UID is Invalid.
 */
export function applyItipReply(organizerCopy: string, reply: string): ItipReplyResult {
  const replyRoot = parseRoot(reply, 'iTIP reply');
  if (replyRoot.name !== 'vcalendar') throw new Invalid('the reply is not an iCalendar object');
  if (String(replyRoot.getFirstPropertyValue('method') ?? '').toUpperCase() !== 'REPLY') {
    throw new Invalid('the iCalendar object is not an iTIP REPLY');
  }
  const stored = parseRoot(organizerCopy, 'calendar data', MAX_STORED_BYTES);
  const storedComps = mainComponents(stored);
  const replyComps = mainComponents(replyRoot);
  if (replyComps.length === 0 || storedComps.length === 0) throw new Invalid('no component to reply to');
  const uid = textValue(storedComps[0], 'uid');
  if (replyComps.some((c) => textValue(c, 'uid') !== uid)) throw new Invalid('the reply is for another UID');

  const out = copyOf(stored);
  const outComps = mainComponents(out);
  let changed = false;
  let attendee: string | null = null;
  let partstat: string | null = null;
  for (const rc of replyComps) {
    const atts = rc.getAllProperties('attendee');
    if (atts.length !== 1) throw new Invalid('an iTIP REPLY names exactly one attendee');
    const address = calAddress(String(atts[0].getFirstValue() ?? ''));
    const status = String(atts[0].getFirstParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase();
    attendee = address;
    partstat = status;
    const rid = timeValue(rc, 'recurrence-id');
    const index = storedComps.findIndex((sc) => {
      const srid = timeValue(sc, 'recurrence-id');
      return rid ? srid !== null && ms(srid) === ms(rid) : srid === null;
    });
    if (index < 0) continue;
    if (sequenceOf(rc) < sequenceOf(storedComps[index])) continue;
    for (const prop of outComps[index].getAllProperties('attendee')) {
      if (!sameAddress(String(prop.getFirstValue() ?? ''), address)) continue;
      if (String(prop.getFirstParameter('partstat') ?? '').toUpperCase() !== status) {
        prop.setParameter('partstat', status);
        changed = true;
      }
      prop.removeParameter('rsvp');
    }
  }
  return { data: changed ? serialize(out) : organizerCopy, changed, attendee, partstat };
}
