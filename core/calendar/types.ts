// Result shapes of the calendar/contact module (see index.ts).

export interface CalendarAttendee { address: string; partstat: string; name: string | null }

export interface ParsedCalendarObject {
  uid: string;
  componentType: 'VEVENT' | 'VTODO' | 'VJOURNAL';
  /** Start of the earliest occurrence (null for a VTODO/VJOURNAL without dates). */
  firstStart: Date | null;
  /** End of the latest occurrence; null when the recurrence is unbounded or there are no dates. */
  lastEnd: Date | null;
  organizer: string | null;
  attendees: CalendarAttendee[];
  summary: string | null;
}

export interface ParsedVCard { uid: string; version: '3.0' | '4.0'; fn: string; emails: string[] }

export interface VCardInput {
  uid: string;
  fn: string;
  emails: string[];
  org?: string;
  title?: string;
  kind?: 'individual' | 'group';
  /** Member URIs (e.g. `urn:uuid:...` or `mailto:...`) for a group card. */
  members?: string[];
}

export interface Occurrence {
  /** The resource name the occurrence came from (as given by the caller). */
  name: string;
  uid: string;
  summary: string | null;
  start: Date;
  end: Date;
  allDay: boolean;
  /** RECURRENCE-ID of the instance in UTC iCalendar form (or date form for all-day), null when not recurring. */
  recurrenceId: string | null;
}
