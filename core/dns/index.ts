// core/dns: the one injectable resolver used for SPF/DKIM/DMARC/ARC (mailauth) and MX lookup.
export { asResolver, DnsError, isNoRecord, ZONE_RR_TYPES } from './types.js';
export type { DnsAnswer, DnsErrorCode, MxRecord, Resolver, ZoneRRType } from './types.js';
export { systemResolver } from './system.js';
export type { SystemResolverOptions } from './system.js';
export { parseZone, Zone, ZoneFileError } from './zonefile.js';
export type { OwnerData } from './zonefile.js';
export { zoneFileResolver, zoneResolver, zoneTextResolver } from './zone-resolver.js';
export type { ZoneFileResolverOptions, ZoneResolverOptions } from './zone-resolver.js';
export { resolveMx } from './mx.js';
export type { MxFailure, MxHost, MxResolution, ResolveMxOptions } from './mx.js';
