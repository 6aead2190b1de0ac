// XML namespaces of WebDAV, CalDAV, CardDAV and the vendor extensions clients rely on.
export const DAV = 'DAV:';
export const CALDAV = 'urn:ietf:params:xml:ns:caldav';
export const CARDDAV = 'urn:ietf:params:xml:ns:carddav';
/** getctag (CalendarServer extension every sync client still asks for). */
export const CS = 'http://calendarserver.org/ns/';
/** calendar-color, calendar-order (Apple iCal extension). */
export const APPLE = 'http://apple.com/ns/ical/';

/** Prefixes used when writing; any other namespace gets a generated one. */
export const PREFIXES: Record<string, string> = { [DAV]: 'D', [CALDAV]: 'C', [CARDDAV]: 'CR', [CS]: 'CS', [APPLE]: 'A' };

/** Clark notation, "{ns}local": how properties are keyed in maps and in the store. */
export function clark(ns: string, name: string): string {
  return `{${ns}}${name}`;
}

export function parseClark(key: string): { ns: string; name: string } {
  const m = /^\{([^}]*)\}(.+)$/.exec(key);
  return m ? { ns: m[1], name: m[2] } : { ns: '', name: key };
}
