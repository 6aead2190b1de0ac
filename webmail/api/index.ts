// The webmail JSON API mounted at /api (contract: webmail/API.md).
import type { HttpRoute } from '../../core/http/index.js';
import { SecretSealer, TotpFactor } from '../../core/index.js';
import { actionRoutes } from './actions.js';
import { agendaRoutes } from './agenda.js';
import { composeRoutes } from './compose.js';
import { contactRoutes, Directory } from './contacts.js';
import type { WebmailDeps } from './context.js';
import { eventRoutes } from './events.js';
import { mailboxRoutes } from './mailboxes.js';
import { messageRoutes } from './messages.js';
import { MessageReader } from './parsed.js';
import { apiRoute } from './router.js';
import { LoginChallenges } from './login-challenges.js';
import { searchRoutes } from './search.js';
import { securityRoutes } from './security-routes.js';
import { sessionRoutes } from './session-routes.js';
import { Sessions } from './sessions.js';
import { settingsRoutes } from './settings.js';

export type { WebmailDeps } from './context.js';
export { sanitizeMailHtml } from './sanitize.js';

export function createApiRoute(deps: WebmailDeps): HttpRoute {
  const sessions = new Sessions(deps);
  const directory = new Directory(deps.store);
  const reader = new MessageReader(deps.store);
  // The second factor counts its failures in the guard every protocol shares.
  const totp = new TotpFactor(deps.store, { guard: deps.authenticator.guard, sealer: deps.totpKey ? new SecretSealer(deps.totpKey) : undefined });
  const unsubscribe = deps.store.changes.subscribe((e) => directory.observe(e));
  deps.shutdown?.addEventListener('abort', unsubscribe, { once: true });
  return apiRoute(deps, sessions, [
    ...sessionRoutes(sessions, { totp, challenges: new LoginChallenges() }),
    ...mailboxRoutes(),
    ...messageRoutes(reader),
    ...actionRoutes(),
    ...composeRoutes(),
    ...searchRoutes(),
    ...eventRoutes(sessions),
    ...contactRoutes(directory),
    ...settingsRoutes(sessions),
    ...securityRoutes(totp),
    ...agendaRoutes(reader),
  ]);
}
