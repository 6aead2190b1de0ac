// AccountStore.createUsers for SQLite: bulk provisioning in one transaction.
//
// A bulk import used to commit each user on its own: with ~35 rows per user (user, six
// mailboxes, two collections, their change events, the audit entry), every commit rewrote the
// same B-tree pages into the WAL, and the commits, not the inserts, were most of the store's
// share of an import. Here a whole batch is one IMMEDIATE transaction and each user one
// SAVEPOINT inside it (better-sqlite3 turns a nested transaction function into a savepoint),
// so a refused user rolls back to its savepoint and costs only itself.
import type { Statement } from 'better-sqlite3';
import { AlreadyExists, Conflict, Invalid, NotFound } from '../../core/errors.js';
import type { CreateUserOutcome, Id, NewUserBatchItem, UserProvision } from '../types.js';
import { checkQuota, checkRole, checkText, normalizeAddress } from './accounts-names.js';
import { toUser, type UserRow } from './accounts-rows.js';
import { insertAuditRow } from './audit.js';
import { newId, prepareCached, type Db } from './db.js';
import type { SqliteContext } from './index.js';
import { mapStoreErrors } from './mail-errors.js';
import { lazyTx } from './wal-sync.js';

/** A batch item after the checks that need no database. */
interface Checked {
  address: string;
  domain: string;
  displayName: string;
  hash: string | null;
  quota: number;
  role: string;
  unit: string | null;
  enabled: number;
  item: NewUserBatchItem;
}

/** What refuses one user without stopping the others; anything else is a fault. */
function refusal(err: unknown): boolean {
  return err instanceof AlreadyExists || err instanceof NotFound || err instanceof Invalid || err instanceof Conflict;
}

export class UserBatchWriter {
  private readonly db: Db;
  private readonly s: Record<'domain' | 'taken' | 'insertUser' | 'insertUnit', Statement>;
  private readonly one: (c: Checked, now: number, domains: Map<string, boolean>) => UserRow;

  constructor(private readonly ctx: SqliteContext, private readonly provisioner: (userId: Id, provision: UserProvision) => void) {
    this.db = ctx.db;
    const db = ctx.db;
    this.s = {
      domain: prepareCached(db, 'SELECT 1 FROM domains WHERE name = ?'),
      taken: db.prepare(`SELECT 'user' FROM users WHERE address = @address UNION ALL SELECT 'alias' FROM aliases WHERE address = @address
        UNION ALL SELECT 'group' FROM groups WHERE address = @address LIMIT 1`).pluck(),
      insertUser: db.prepare(`INSERT INTO users (id, address, domain, display_name, password_hash, quota_bytes, role, unit, enabled, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
      insertUnit: db.prepare('INSERT OR IGNORE INTO units (name, parent, display_name) VALUES (?, NULL, ?)'),
    };
    // Called inside the batch's transaction, so better-sqlite3 runs it as a SAVEPOINT.
    this.one = db.transaction((c: Checked, now: number, domains: Map<string, boolean>) => this.insert(c, now, domains));
  }

  async createUsers(items: NewUserBatchItem[]): Promise<CreateUserOutcome[]> {
    if (!Array.isArray(items)) throw new Invalid('createUsers takes an array', 'items');
    const outcomes: CreateUserOutcome[] = new Array(items.length);
    const checked: { index: number; c: Checked }[] = [];
    items.forEach((item, index) => {
      try {
        checked.push({ index, c: check(item) });
      } catch (err) {
        if (!refusal(err)) throw err;
        outcomes[index] = { ok: false, error: err as Error };
      }
    });
    if (checked.length > 0) {
      // A batch writes hundreds of pages where a single commit writes a few dozen: counted as
      // one commit, 10,000 users left a 390 MB WAL behind. Counted as one per 4 users, the WAL
      // is folded back about every 1,000 users (a synced checkpoint blocks this thread: not
      // every batch).
      await this.ctx.walSync.durable(() => mapStoreErrors(() => lazyTx(this.db, () => {
        const now = Date.now();
        // Asked once per batch, under the write lock, so the answer holds until the commit.
        const domains = new Map<string, boolean>();
        for (const { index, c } of checked) {
          try {
            outcomes[index] = { ok: true, user: toUser(mapStoreErrors(() => this.one(c, now, domains))) };
          } catch (err) {
            if (!refusal(err)) throw err;
            outcomes[index] = { ok: false, error: err as Error };
          }
        }
      })), Math.ceil(checked.length / 4));
      this.ctx.changes.notify();
    }
    return outcomes;
  }

  /** One user, inside its savepoint. */
  private insert(c: Checked, now: number, domains: Map<string, boolean>): UserRow {
    let known = domains.get(c.domain);
    if (known === undefined) domains.set(c.domain, (known = this.s.domain.get(c.domain) !== undefined));
    if (!known) throw new NotFound(`unknown domain ${c.domain}`);
    const kind = this.s.taken.get({ address: c.address }) as string | undefined;
    if (kind) throw new AlreadyExists(`${c.address} is already used by a${kind === 'alias' ? 'n' : ''} ${kind}`);
    const { displayName, hash, quota, role, unit, enabled } = c;
    // A unit made on the fly is a change of its own for directory readers (as ensureUnit).
    if (unit !== null && this.s.insertUnit.run(unit, unit).changes > 0) this.ctx.changes.record({ kind: 'account.unit' });
    const row = this.s.insertUser.get(newId(), c.address, c.domain, displayName, hash, quota, role, unit, enabled, now, now) as UserRow;
    this.ctx.changes.record({ kind: 'account.user', userId: row.id });
    if (c.item.provision) this.provisioner(row.id, c.item.provision);
    const a = c.item.audit;
    if (a) insertAuditRow(this.db, a, now);
    return row;
  }
}

/** The same checks as createUser, before any transaction. */
function check(item: NewUserBatchItem): Checked {
  const user = item?.user;
  if (!user || typeof user !== 'object') throw new Invalid('each item needs a user', 'user');
  const { address, domain } = normalizeAddress(user.address);
  const displayName = checkText(user.displayName, 'displayName');
  const hash = user.passwordHash === null ? null : checkText(user.passwordHash, 'passwordHash', 1000);
  const quota = checkQuota(user.quotaBytes);
  const role = checkRole(user.role);
  // Trimmed as ensureUnit trims, so that the user and the unit row name the same unit.
  const unit = user.unit === null || user.unit === undefined ? null : checkText(user.unit, 'unit', 200).trim();
  if (unit === '') throw new Invalid('unit name must not be empty', 'unit');
  if (typeof user.enabled !== 'boolean') throw new Invalid('enabled must be a boolean', 'enabled');
  const a = item.audit;
  if (a !== undefined && (typeof a !== 'object' || a === null || typeof a.actor !== 'string' || typeof a.action !== 'string')) {
    throw new Invalid('an audit entry needs an actor and an action', 'audit');
  }
  return { address, domain, displayName, hash, quota, role, unit, enabled: user.enabled ? 1 : 0, item };
}
