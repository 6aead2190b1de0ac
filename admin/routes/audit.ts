// GET /audit: the audit log with the filters of `facteur audit`, limited to the token's units.
import { AUDIT_MAX_LIMIT, parseTime, queryAudit } from '../../core/operations/index.js';
import { queryInt } from '../body.js';
import type { ApiRoute } from '../router.js';
import { auditView } from '../views.js';

export const auditRoutes: ApiRoute[] = [
  {
    method: 'GET', path: '/audit',
    async handle(ctx) {
      const q = ctx.query;
      const time = (name: string) => (q.get(name) === null ? undefined : parseTime(q.get(name)!, new Date(), name));
      const entries = await queryAudit(ctx.deps.store, {
        user: q.get('user') ?? undefined, unit: q.get('unit') ?? undefined, action: q.get('action') ?? undefined,
        since: time('since'), until: time('until'), limit: queryInt(q, 'limit', 100, AUDIT_MAX_LIMIT),
      }, ctx.scope);
      return { status: 200, body: { entries: entries.map(auditView) } };
    },
  },
];
