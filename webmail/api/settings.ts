// The user's own settings: display name, signature, language, out-of-office reply; app
// passwords for desktop clients; password change.
import { generatePassword, hashPassword, readAutoReply, type Actor, type AutoReplySettings } from '../../core/index.js';
import type { AuthedContext } from './context.js';
import { Errors } from './errors.js';
import { sendJson, str } from './http.js';
import type { ApiRoute } from './router.js';
import { updateSettingsDoc } from './settings-doc.js';
import type { Sessions } from './sessions.js';

export interface WebmailSettings {
  displayName: string;
  signature: string;
  language: 'fr' | 'en';
  autoReply: AutoReplySettings;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function actor(ctx: AuthedContext): Actor {
  return { name: ctx.user.address, ip: ctx.req.socket.remoteAddress ?? null };
}

/** The stored document read leniently: a field of the wrong type gets its default. */
export function readSettings(doc: Record<string, unknown>, displayName: string): WebmailSettings {
  return {
    displayName,
    signature: typeof doc.signature === 'string' ? doc.signature : '',
    language: doc.language === 'en' ? 'en' : 'fr',
    autoReply: readAutoReply(doc),
  };
}

function dayField(o: Record<string, unknown>, field: string, fallback: string | null): string | null {
  const v = o[field];
  if (v === undefined) return fallback;
  if (v === null || v === '') return null;
  if (typeof v !== 'string' || !DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw Errors.invalid(`"autoReply.${field}" must be a date (YYYY-MM-DD)`, `autoReply.${field}`);
  return v;
}

export function settingsRoutes(sessions: Sessions): ApiRoute[] {
  return [
    {
      method: 'GET', path: '/settings',
      async handler(ctx) {
        sendJson(ctx.res, 200, readSettings(await ctx.deps.store.userSettings.get(ctx.user.id), ctx.user.displayName));
      },
    },
    {
      method: 'PUT', path: '/settings', body: 'text',
      async handler(ctx) {
        const body = await ctx.body();
        const saved = await updateSettingsDoc(ctx.deps.store, ctx.user.id, async (doc) => {
          const current = readSettings(doc, ctx.user.displayName);
          const next = { ...current, autoReply: { ...current.autoReply } };
          if (body.displayName !== undefined) {
            next.displayName = str(body, 'displayName', { max: 200 }).replace(/[\r\n\t]+/g, ' ').trim();
            if (!next.displayName) throw Errors.invalid('The display name cannot be empty', 'displayName');
          }
          if (body.signature !== undefined) next.signature = str(body, 'signature', { max: 10_000 });
          if (body.language !== undefined) {
            if (body.language !== 'fr' && body.language !== 'en') throw Errors.invalid('"language" is fr or en', 'language');
            next.language = body.language;
          }
          if (body.autoReply !== undefined) {
            if (typeof body.autoReply !== 'object' || body.autoReply === null) throw Errors.invalid('"autoReply" must be an object', 'autoReply');
            const ar = body.autoReply as Record<string, unknown>;
            if (ar.enabled !== undefined) {
              if (typeof ar.enabled !== 'boolean') throw Errors.invalid('"autoReply.enabled" must be true or false', 'autoReply.enabled');
              next.autoReply.enabled = ar.enabled;
            }
            if (ar.subject !== undefined) next.autoReply.subject = str(ar, 'subject', { max: 200 }).replace(/[\r\n]+/g, ' ');
            if (ar.text !== undefined) next.autoReply.text = str(ar, 'text', { max: 20_000 });
            next.autoReply.start = dayField(ar, 'start', next.autoReply.start);
            next.autoReply.end = dayField(ar, 'end', next.autoReply.end);
            if (next.autoReply.start && next.autoReply.end && next.autoReply.end < next.autoReply.start) {
              throw Errors.invalid('The out-of-office end comes before its start', 'autoReply.end');
            }
          }
          if (next.displayName !== ctx.user.displayName) await ctx.deps.accounts.updateUser(ctx.user.address, { displayName: next.displayName }, actor(ctx));
          const { displayName: _, ...stored } = next;
          return [{ ...doc, ...stored }, next];
        });
        sendJson(ctx.res, 200, saved);
      },
    },
    {
      method: 'GET', path: '/app-passwords',
      async handler(ctx) {
        const list = await ctx.deps.store.accounts.listAppPasswords(ctx.user.id);
        sendJson(ctx.res, 200, {
          appPasswords: list.map((a) => ({ id: a.id, name: a.name, createdAt: a.createdAt.toISOString(), lastUsedAt: a.lastUsedAt?.toISOString() ?? null })),
        });
      },
    },
    {
      method: 'POST', path: '/app-passwords',
      async handler(ctx) {
        const name = str(await ctx.body(), 'name', { max: 100 }).trim();
        if (!name) throw Errors.invalid('Give the app password a name (e.g. "Thunderbird at home")', 'name');
        const password = generatePassword();
        const created = await ctx.deps.store.accounts.addAppPassword(ctx.user.id, name, await hashPassword(password, ctx.deps.hash));
        await ctx.deps.store.audit.append({ actor: ctx.user.address, action: 'app-password.add', target: ctx.user.address, unit: ctx.user.unit, ip: actor(ctx).ip ?? null, success: true, details: { name } });
        sendJson(ctx.res, 201, { id: created.id, name: created.name, password, createdAt: created.createdAt.toISOString() });
      },
    },
    {
      method: 'DELETE', path: '/app-passwords/:id',
      async handler(ctx) {
        const mine = await ctx.deps.store.accounts.listAppPasswords(ctx.user.id);
        const target = mine.find((a) => a.id === ctx.params.id);
        if (!target) throw Errors.notFound('No such app password');
        await ctx.deps.store.accounts.removeAppPassword(ctx.user.id, target.id);
        await ctx.deps.store.audit.append({ actor: ctx.user.address, action: 'app-password.remove', target: ctx.user.address, unit: ctx.user.unit, ip: actor(ctx).ip ?? null, success: true, details: { name: target.name } });
        sendJson(ctx.res, 204, null);
      },
    },
    {
      method: 'POST', path: '/password',
      async handler(ctx) {
        const body = await ctx.body();
        const current = str(body, 'current', { max: 1024 });
        const next = str(body, 'new', { max: 1024 });
        // Through the Authenticator: guessing the current password from a stolen session
        // counts against the same brute-force guard as a login.
        const check = await ctx.deps.authenticator.authenticate({ username: ctx.user.address, password: current, protocol: 'webmail', ip: ctx.req.socket.remoteAddress ?? '' });
        if (!check.ok) {
          if (check.reason === 'throttled') throw Errors.throttled(check.retryAfterMs);
          throw Errors.badCredentials();
        }
        await ctx.deps.accounts.setPassword(ctx.user.address, next, actor(ctx));
        // Whoever else holds a session (the reason for a change, often) is out.
        await sessions.destroyOthers(ctx.session);
        sendJson(ctx.res, 204, null);
      },
    },
  ];
}
