// Client settings (host name, ports, URLs) shared by autoconfiguration and DNS records.
export * from './settings.js';
export * from './dns-records.js';
