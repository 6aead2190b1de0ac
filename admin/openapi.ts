// The OpenAPI 3.1 description of the admin API, written by hand next to the routes
// (routes/*.ts). tests/admin/api.test.ts checks that it names exactly the routes served.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema?: unknown) => (schema ? { description, ...json(schema) } : { description });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const path = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const query = (name: string, description: string, schema: unknown = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const body = (schema: unknown) => ({ required: true, ...json(schema) });

const address = path('address', 'An e-mail address (percent-encode "/", "?" and "#").');
const domain = path('domain', 'A domain name.');
const common = { 401: error('No valid token (missing, unknown, revoked or expired).'), 400: error('Invalid input; `field` names it.') };
const notFound = { 404: error('Unknown, or outside the units of a unit-admin token.') };
const districtOnly = { 403: error('District admins only.') };

const list = (key: string, item: string) => ({ type: 'object', properties: { [key]: { type: 'array', items: ref(item) } } });

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Facteur admin API',
    version: '1',
    description: 'Provisioning for district and unit admins. Authenticate with a token from `facteur token create` as '
      + '`Authorization: Bearer <token>`. A unit-admin token reaches only the users and groups of its units and their sub-units: '
      + 'anything else answers 404. PUT is idempotent, so a directory sync can run again safely. Every change is written to the audit log.',
  },
  servers: [{ url: '/api/admin' }],
  security: [{ bearer: [] }],
  paths: {
    '/domains': {
      get: { summary: 'List domains with their number of users (of the token\'s units)', responses: { 200: ok('Domains', list('domains', 'Domain')), ...common } },
    },
    '/domains/{domain}': {
      parameters: [domain],
      put: { summary: 'Serve a domain (idempotent)', responses: { 200: ok('Already served', ref('Domain')), 201: ok('Added', ref('Domain')), ...common, ...districtOnly } },
      delete: { summary: 'Stop serving a domain (it must be empty)', responses: { 204: ok('Removed'), 409: error('Users, aliases or groups remain'), ...common, ...districtOnly, ...notFound } },
    },
    '/domains/{domain}/dkim': {
      parameters: [domain],
      get: { summary: 'List DKIM keys, newest first, with their DNS records', responses: { 200: ok('Keys', list('keys', 'DkimRecord')), ...common, ...districtOnly, ...notFound } },
      post: {
        summary: 'Generate a DKIM key and return the TXT record to publish',
        requestBody: { required: false, ...json({ type: 'object', properties: { selector: { type: 'string' }, algorithm: { enum: ['rsa', 'ed25519'] } } }) },
        responses: { 201: ok('Generated', ref('DkimRecord')), 409: error('Selector taken'), ...common, ...districtOnly, ...notFound },
      },
    },
    '/units': {
      get: { summary: 'List the organisational units the token sees', responses: { 200: ok('Units', list('units', 'Unit')), ...common } },
    },
    '/units/{unit}/hidden': {
      parameters: [path('unit', 'A unit name (percent-encode "/").')],
      put: {
        summary: 'Hide a unit from other units in the directory, or show it again (idempotent)',
        requestBody: body({ type: 'object', required: ['hidden'], properties: { hidden: { type: 'boolean' } } }),
        responses: { 200: ok('The unit', ref('Unit')), ...common, ...districtOnly, ...notFound },
      },
    },
    '/users': {
      get: {
        summary: 'List users by address (keyset pagination)',
        parameters: [query('domain', 'Only this domain'), query('unit', 'Only this unit'), query('after', 'Addresses after this one (the `next` of the previous page)'),
          query('limit', 'Page size, 1-1000 (default 100)', { type: 'integer', minimum: 1, maximum: 1000 })],
        responses: { 200: ok('A page of users', { type: 'object', properties: { users: { type: 'array', items: ref('User') }, next: { type: ['string', 'null'] } } }), ...common },
      },
    },
    '/users/{address}': {
      parameters: [address],
      get: { summary: 'Get a user', responses: { 200: ok('The user', ref('User')), ...common, ...notFound } },
      put: {
        summary: 'Create or update a user (idempotent); the password is used only on creation',
        requestBody: body(ref('UserInput')),
        responses: { 200: ok('Updated (or unchanged)', ref('User')), 201: ok('Created', ref('User')), 403: error('Role or unit beyond the token\'s rights'), ...common, ...notFound },
      },
      patch: {
        summary: 'Change some fields of a user',
        requestBody: body(ref('UserPatch')),
        responses: { 200: ok('Updated', ref('User')), 403: error('Role or unit beyond the token\'s rights'), ...common, ...notFound },
      },
      delete: {
        summary: 'Delete a user with all their mail, calendars and contacts (after the grace period, if one is configured)',
        responses: {
          204: ok('Deleted'), 202: ok('Disabled now, purged after the grace period', { type: 'object', properties: { address: { type: 'string' }, purgeAfter: { type: 'string', format: 'date-time' } } }),
          409: error('Deletion already scheduled'), ...common, ...notFound,
        },
      },
    },
    '/users/{address}/quota': {
      parameters: [address],
      get: { summary: 'Quota and use', responses: { 200: ok('Quota', ref('Quota')), ...common, ...notFound } },
      put: {
        summary: 'Set the quota', requestBody: body({ type: 'object', required: ['quota'], properties: { quota: ref('Size') } }),
        responses: { 200: ok('Quota', ref('Quota')), ...common, ...notFound },
      },
    },
    '/users/{address}/password': {
      parameters: [address],
      post: {
        summary: 'Set the password', requestBody: body({ type: 'object', required: ['password'], properties: { password: { type: 'string', minLength: 8 } } }),
        responses: { 204: ok('Changed'), ...common, ...notFound },
      },
    },
    '/users/{address}/export': {
      parameters: [address],
      get: {
        summary: 'Download the user\'s data (GDPR): every folder as mbox, calendars as .ics, contacts as .vcf, in a .tar.gz',
        responses: { 200: { description: 'The archive', content: { 'application/gzip': { schema: { type: 'string', contentMediaType: 'application/gzip' } } } }, ...common, ...notFound },
      },
    },
    '/users/{address}/restore': {
      parameters: [address],
      post: { summary: 'Cancel a pending deletion; the account is back as it was', responses: { 200: ok('The user', ref('User')), ...common, ...notFound } },
    },
    '/users/{address}/enable': {
      parameters: [address],
      post: { summary: 'Allow logins and incoming mail again', responses: { 200: ok('The user', ref('User')), ...common, ...notFound } },
    },
    '/users/{address}/disable': {
      parameters: [address],
      post: { summary: 'Refuse logins and incoming mail, keeping the data', responses: { 200: ok('The user', ref('User')), ...common, ...notFound } },
    },
    '/aliases': {
      get: { summary: 'List aliases', parameters: [query('domain', 'Only this domain')], responses: { 200: ok('Aliases', list('aliases', 'Alias')), ...common, ...districtOnly } },
    },
    '/aliases/{address}': {
      parameters: [address],
      put: {
        summary: 'Create an alias or set its targets (idempotent)',
        requestBody: body({ type: 'object', required: ['targets'], properties: { targets: { type: 'array', items: { type: 'string' }, minItems: 1 } } }),
        responses: { 200: ok('Updated (or unchanged)', ref('Alias')), 201: ok('Created', ref('Alias')), ...common, ...districtOnly, ...notFound },
      },
      delete: { summary: 'Remove an alias', responses: { 204: ok('Removed'), ...common, ...districtOnly, ...notFound } },
    },
    '/groups': {
      get: { summary: 'List groups (of the token\'s units)', parameters: [query('domain', 'Only this domain')], responses: { 200: ok('Groups', list('groups', 'Group')), ...common } },
    },
    '/groups/{address}': {
      parameters: [address],
      get: { summary: 'Get a group with its members', responses: { 200: ok('The group', ref('Group')), ...common, ...notFound } },
      put: {
        summary: 'Create a group, or make its members exactly the list given (idempotent)',
        requestBody: body({ type: 'object', properties: { name: { type: 'string' }, unit: { type: ['string', 'null'] }, members: { type: 'array', items: { type: 'string' } } } }),
        responses: { 200: ok('Updated (or unchanged)', ref('Group')), 201: ok('Created', ref('Group')), 409: error('The unit of an existing group cannot change'), ...common, ...notFound },
      },
      delete: { summary: 'Delete a group and its shared calendar', responses: { 204: ok('Deleted'), ...common, ...notFound } },
    },
    '/groups/{address}/members': {
      parameters: [address],
      post: {
        summary: 'Add a member', requestBody: body({ type: 'object', required: ['address'], properties: { address: { type: 'string' } } }),
        responses: { 200: ok('The group', ref('Group')), ...common, ...notFound },
      },
    },
    '/groups/{address}/members/{member}': {
      parameters: [address, path('member', 'The member\'s address.')],
      delete: { summary: 'Remove a member', responses: { 200: ok('The group', ref('Group')), ...common, ...notFound } },
    },
    '/queue': {
      get: { summary: 'List the outbound queue', responses: { 200: ok('Entries', list('entries', 'QueueEntry')), ...common, ...districtOnly } },
    },
    '/queue/{id}/retry': {
      parameters: [path('id', 'Queue entry id.')],
      post: { summary: 'Make an entry due now', responses: { 200: ok('The entry', ref('QueueEntry')), ...common, ...districtOnly, ...notFound } },
    },
    '/queue/{id}': {
      parameters: [path('id', 'Queue entry id.')],
      delete: { summary: 'Remove an entry without delivering it', responses: { 204: ok('Removed'), ...common, ...districtOnly, ...notFound } },
    },
    '/audit': {
      get: {
        summary: 'Query the audit log, newest first (a unit admin sees its units only)',
        parameters: [query('user', 'A user, as actor or target'), query('unit', 'A unit and its sub-units'), query('action', 'e.g. user.create, login.imap'),
          query('since', 'ISO date or age (7d)'), query('until', 'ISO date or age'), query('limit', '1-10000 (default 100)', { type: 'integer', minimum: 1, maximum: 10000 })],
        responses: { 200: ok('Entries', list('entries', 'AuditEntry')), ...common },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `facteur token create`.' } },
    schemas: {
      Error: {
        type: 'object', required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } },
      },
      Size: { description: 'Bytes, or a size such as "2G", "500M"; 0 or "unlimited" for no limit.', oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] },
      Domain: { type: 'object', properties: { name: { type: 'string' }, users: { type: 'integer' }, createdAt: { type: 'string', format: 'date-time' } } },
      Unit: { type: 'object', properties: { name: { type: 'string' }, parent: { type: ['string', 'null'] }, displayName: { type: 'string' }, hidden: { type: 'boolean' } } },
      Role: { enum: ['user', 'unit-admin', 'admin'] },
      User: {
        type: 'object',
        properties: {
          id: { type: 'string' }, address: { type: 'string' }, domain: { type: 'string' }, name: { type: 'string' }, role: ref('Role'),
          unit: { type: ['string', 'null'] }, enabled: { type: 'boolean' }, quotaBytes: { type: 'integer' }, usedBytes: { type: 'integer' },
          passwordSet: { type: 'boolean' }, createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' },
        },
      },
      UserPatch: {
        type: 'object',
        properties: { name: { type: 'string' }, role: ref('Role'), unit: { type: ['string', 'null'] }, quota: ref('Size'), enabled: { type: 'boolean' } },
      },
      UserInput: {
        allOf: [ref('UserPatch'), { type: 'object', properties: { password: { type: ['string', 'null'], description: 'Initial password (creation only).' } } }],
      },
      Quota: { type: 'object', properties: { quotaBytes: { type: 'integer' }, usedBytes: { type: 'integer' } } },
      Alias: { type: 'object', properties: { address: { type: 'string' }, domain: { type: 'string' }, targets: { type: 'array', items: { type: 'string' } }, createdAt: { type: 'string', format: 'date-time' } } },
      Group: {
        type: 'object',
        properties: {
          id: { type: 'string' }, address: { type: 'string' }, domain: { type: 'string' }, name: { type: 'string' }, unit: { type: ['string', 'null'] },
          members: { type: 'array', items: { type: 'string' } }, createdAt: { type: 'string', format: 'date-time' },
        },
      },
      DkimRecord: {
        type: 'object',
        properties: {
          domain: { type: 'string' }, selector: { type: 'string' }, algorithm: { enum: ['rsa', 'ed25519'] }, name: { type: 'string' }, value: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      QueueEntry: {
        type: 'object',
        properties: {
          id: { type: 'string' }, from: { type: 'string' }, domain: { type: 'string' },
          recipients: { type: 'array', items: { type: 'object', properties: { address: { type: 'string' }, status: { enum: ['pending', 'delivered', 'failed'] }, lastResponse: { type: ['string', 'null'] } } } },
          size: { type: 'integer' }, attempts: { type: 'integer' }, createdAt: { type: 'string', format: 'date-time' }, nextAttemptAt: { type: 'string', format: 'date-time' },
          expiresAt: { type: 'string', format: 'date-time' }, lastError: { type: ['string', 'null'] }, sending: { type: 'boolean' },
        },
      },
      AuditEntry: {
        type: 'object',
        properties: {
          id: { type: 'string' }, at: { type: 'string', format: 'date-time' }, actor: { type: 'string' }, action: { type: 'string' },
          target: { type: ['string', 'null'] }, unit: { type: ['string', 'null'] }, ip: { type: ['string', 'null'] }, success: { type: 'boolean' }, details: { type: 'object' },
        },
      },
    },
  },
} as const;
