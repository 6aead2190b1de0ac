// Calendars and address books as the files people import elsewhere: one iCalendar object per
// calendar (RFC 5545), one vCard file per address book (RFC 6350 §3.1 allows several vCards).
import ICAL from 'ical.js';

/** Merges the items of a calendar (each a VCALENDAR) into one, each VTIMEZONE once. */
export function calendarFile(items: string[], name: string): string {
  const out = new ICAL.Component('vcalendar');
  out.addPropertyWithValue('version', '2.0');
  out.addPropertyWithValue('prodid', '-//Facteur//export//EN');
  out.addPropertyWithValue('x-wr-calname', name);
  const zones = new Set<string>();
  for (const data of items) {
    const cal = new ICAL.Component(ICAL.parse(data));
    // A copy: adding a component elsewhere removes it from this parent's live list.
    for (const sub of [...cal.getAllSubcomponents()]) {
      if (sub.name === 'vtimezone') {
        const tzid = String(sub.getFirstPropertyValue('tzid'));
        if (zones.has(tzid)) continue;
        zones.add(tzid);
      }
      out.addSubcomponent(sub);
    }
  }
  return out.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
}

export function vcardFile(items: string[]): string {
  return items.map((data) => data.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '\r\n')).join('');
}
