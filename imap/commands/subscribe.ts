// SUBSCRIBE and UNSUBSCRIBE (RFC 9051 §6.3.7-8): subscriptions are a property of existing
// mailboxes here, so subscribing to a name that does not exist fails.
import { ok } from '../replies.js';
import { AUTHENTICATED, defineCommand } from './command.js';
import { findMailbox, parseMailbox } from './mailbox-arg.js';

function subscription(name: 'SUBSCRIBE' | 'UNSUBSCRIBE', subscribed: boolean) {
  return defineCommand({
    name,
    states: AUTHENTICATED,
    parse(cur) {
      cur.sp();
      return { mailbox: parseMailbox(cur) };
    },
    async run(session, { mailbox }) {
      const mb = await findMailbox(session, mailbox);
      await session.store.mail.setSubscribed(mb.id, subscribed);
      return ok(`${name} completed`);
    },
  });
}

export const subscribe = subscription('SUBSCRIBE', true);
export const unsubscribe = subscription('UNSUBSCRIBE', false);
