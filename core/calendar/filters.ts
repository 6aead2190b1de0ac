// Query filters decoded from CalDAV calendar-query (RFC 4791 §9.7) and CardDAV
// addressbook-query (RFC 6352 §10.5). The DAV layer parses the XML into these;
// core evaluates them against calendar / contact data.

/** Half-open [start, end); a null bound is unbounded on that side (RFC 4791 §9.9). */
export interface TimeRange { start: Date | null; end: Date | null }

export interface TextMatch {
  value: string;
  collation: 'i;ascii-casemap' | 'i;octet' | 'i;unicode-casemap';
  negate: boolean;
  matchType: 'equals' | 'contains' | 'starts-with' | 'ends-with';
}

export interface ParamFilter { name: string; isNotDefined: boolean; textMatch: TextMatch | null }

export interface PropFilter {
  name: string;
  isNotDefined: boolean;
  timeRange: TimeRange | null;
  textMatches: TextMatch[];
  paramFilters: ParamFilter[];
  /** Only meaningful for CardDAV (RFC 6352 §10.5.2); CalDAV prop-filters are always allof. */
  test: 'anyof' | 'allof';
}

export interface CompFilter {
  name: string;
  isNotDefined: boolean;
  timeRange: TimeRange | null;
  propFilters: PropFilter[];
  compFilters: CompFilter[];
}

export interface CardFilter { test: 'anyof' | 'allof'; propFilters: PropFilter[] }
