// The storage contract. Every backend (storage/sqlite, later storage/mongo) implements it;
// core and the protocols see only these interfaces. Rules (see ../shared/ARCHITECTURE.md):
// - every method is atomic on its own and returns a Promise; IDs are opaque strings;
// - failures are the typed errors of core/errors.ts (NotFound, AlreadyExists, Conflict,
//   OverQuota, Invalid, PreconditionFailed), never driver errors;
// - nothing here is SQL-shaped, so that a document store can implement it without transactions
//   spanning several documents (UID/MODSEQ come from one atomic increment on the mailbox).

export type Id = string;

// ---------------------------------------------------------------- accounts

export type Role = 'user' | 'unit-admin' | 'admin';

export interface Domain {
  /** Lower-case ASCII (IDNA A-label) domain name. */
  name: string;
  createdAt: Date;
}

export type DkimAlgorithm = 'rsa' | 'ed25519';

export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: DkimAlgorithm;
  privateKeyPem: string;
  /** The base64 public key as published in the `p=` tag of the DNS record. */
  publicKey: string;
  createdAt: Date;
}

/** Organisational unit (a school, a service). Units form a tree through `parent`. */
export interface Unit {
  name: string;
  parent: string | null;
  displayName: string;
  /** Hidden from other units: its members are left out of the directory seen by users of
   *  other units (DAV directory, webmail search); they still see each other. */
  hidden: boolean;
}

export interface User {
  id: Id;
  /** Lower-case address, unique across users, aliases and groups. */
  address: string;
  domain: string;
  displayName: string;
  /** PHC string (argon2id); null means password login is disabled. */
  passwordHash: string | null;
  /** 0 means unlimited. */
  quotaBytes: number;
  /** Bytes of all messages the user owns; maintained by the store, exact. */
  usedBytes: number;
  role: Role;
  unit: string | null;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  address: string;
  displayName: string;
  passwordHash: string | null;
  quotaBytes: number;
  role: Role;
  unit: string | null;
  enabled: boolean;
}

/** What a new user starts with. */
export interface UserProvision {
  mailboxes: { name: string; specialUse: SpecialUse | null }[];
  collections: { kind: DavKind; slug: string; displayName: string; components: string[] }[];
}

/** One user of AccountStore.createUsers: what createUser takes, plus the audit entry that
 *  records the creation (written in the same atomic step, so neither exists without the other). */
export interface NewUserBatchItem {
  user: NewUser;
  provision?: UserProvision;
  audit?: Omit<AuditEntry, 'id' | 'at'>;
}

/** The outcome of one item of createUsers: the user, or the typed error that refused it. */
export type CreateUserOutcome = { ok: true; user: User } | { ok: false; error: Error };

export type UserPatch = Partial<Pick<User, 'displayName' | 'passwordHash' | 'quotaBytes' | 'role' | 'unit' | 'enabled'>>;

export interface UserQuery {
  domain?: string;
  /** Users of these units (exact names; the caller expands sub-units). */
  units?: string[];
  /** Keyset pagination: addresses strictly greater than this one. */
  after?: string;
  limit?: number;
}

export interface Alias {
  address: string;
  domain: string;
  /** Where mail for the alias goes: local or remote addresses. */
  targets: string[];
  createdAt: Date;
}

export interface Group {
  id: Id;
  address: string;
  domain: string;
  displayName: string;
  unit: string | null;
  memberIds: Id[];
  createdAt: Date;
}

export interface AppPassword {
  id: Id;
  userId: Id;
  name: string;
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** What an address means to the server. */
export type Resolved =
  | { kind: 'user'; user: User }
  | { kind: 'alias'; alias: Alias }
  | { kind: 'group'; group: Group };

export interface AccountStore {
  addDomain(name: string): Promise<Domain>;
  getDomain(name: string): Promise<Domain | null>;
  listDomains(): Promise<Domain[]>;
  /** Conflict while users, aliases or groups of the domain remain. */
  removeDomain(name: string): Promise<void>;

  putDkimKey(key: Omit<DkimKey, 'createdAt'>): Promise<DkimKey>;
  /** Newest key first. */
  listDkimKeys(domain: string): Promise<DkimKey[]>;

  /** Creates the unit if it does not exist; returns it either way. */
  ensureUnit(unit: { name: string; parent?: string | null; displayName?: string }): Promise<Unit>;
  listUnits(): Promise<Unit[]>;
  /** Sets the unit's hidden flag; records an 'account.unit' change when it changes.
   *  NotFound if the unit does not exist. */
  setUnitHidden(name: string, hidden: boolean): Promise<Unit>;

  /** AlreadyExists if the address is taken by a user, alias or group; NotFound if the domain is
   *  unknown. With `provision`, the user's mailboxes and DAV collections are made in the same
   *  atomic step: there is never a user without its INBOX. */
  createUser(user: NewUser, provision?: UserProvision): Promise<User>;
  /** Many users at once (bulk provisioning). Each item is all-or-nothing and checked as by
   *  createUser: an item refused (AlreadyExists, NotFound, Invalid) leaves no trace and does not
   *  stop the others. A unit a user names that does not exist yet is created (as ensureUnit with
   *  only its name) in the same step. One outcome per item, in order; the call resolves once
   *  every created user is durable. Faults (an unavailable database) reject the whole call. */
  createUsers(items: NewUserBatchItem[]): Promise<CreateUserOutcome[]>;
  getUser(id: Id): Promise<User | null>;
  getUserByAddress(address: string): Promise<User | null>;
  listUsers(query?: UserQuery): Promise<User[]>;
  countUsers(query?: Omit<UserQuery, 'after' | 'limit'>): Promise<number>;
  updateUser(id: Id, patch: UserPatch): Promise<User>;
  /** Removes the user and everything they own: mailboxes, messages (blob references),
   *  DAV collections, app passwords, group memberships. */
  deleteUser(id: Id): Promise<void>;

  addAlias(address: string, targets: string[]): Promise<Alias>;
  removeAlias(address: string): Promise<void>;
  listAliases(domain?: string): Promise<Alias[]>;

  createGroup(group: { address: string; displayName: string; unit: string | null; memberIds: Id[] }): Promise<Group>;
  getGroup(id: Id): Promise<Group | null>;
  getGroupByAddress(address: string): Promise<Group | null>;
  listGroups(domain?: string): Promise<Group[]>;
  listGroupsOfUser(userId: Id): Promise<Group[]>;
  addGroupMember(groupId: Id, userId: Id): Promise<Group>;
  removeGroupMember(groupId: Id, userId: Id): Promise<Group>;
  deleteGroup(id: Id): Promise<void>;

  /** A user, alias or group with this exact (lower-case) address, or null. */
  resolveAddress(address: string): Promise<Resolved | null>;

  addAppPassword(userId: Id, name: string, hash: string): Promise<AppPassword>;
  listAppPasswords(userId: Id): Promise<AppPassword[]>;
  removeAppPassword(userId: Id, id: Id): Promise<void>;
  touchAppPassword(id: Id, at: Date): Promise<void>;
}

// ---------------------------------------------------------------- mail

export type SpecialUse = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged';

export interface Mailbox {
  id: Id;
  userId: Id;
  /** Full hierarchical name with "/" as separator; "INBOX" is always spelled so. */
  name: string;
  specialUse: SpecialUse | null;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  subscribed: boolean;
  createdAt: Date;
}

export interface MailboxStatus {
  messages: number;
  unseen: number;
  deleted: number;
  sizeBytes: number;
  uidNext: number;
  uidValidity: number;
  highestModseq: number;
}

/** The light per-message index an IMAP SELECT or a message list needs. */
export interface MessageIndexEntry {
  uid: number;
  modseq: number;
  flags: string[];
  internalDate: Date;
  size: number;
}

/** The index of a whole mailbox as parallel arrays in ascending UID order: entry i is
 *  (uids[i], modseqs[i], flags[i], internalDates[i], sizes[i]). Cheaper to read and to hold
 *  than one object per message (an IMAP SELECT of a very large mailbox). Flag arrays are
 *  read-only and may be shared between messages with the same flags. */
export interface MessageIndexColumns {
  uids: number[];
  modseqs: number[];
  flags: readonly (readonly string[])[];
  /** Milliseconds since the epoch. */
  internalDates: number[];
  sizes: number[];
}

/** Groups of sort keys listSortKeys can read (IMAP SORT and THREAD, RFC 5256). */
export type SortKeyGroup = 'date' | 'subject' | 'from' | 'to' | 'cc' | 'threading';

/** The first address of a summary address list. */
export interface SortAddress {
  name: string | null;
  address: string | null;
}

/** Sort keys of one message, read from the summary core wrote at append time (its fields
 *  `date`, `subject`, `from[0]`, `to[0]`, `cc[0]`, `messageId`, `inReplyTo`, `references`).
 *  Only the requested groups are present; a field missing from the summary reads as null
 *  (`references`: []). */
export interface MessageSortKeys {
  uid: number;
  /** Milliseconds since the epoch. */
  internalDate: number;
  size: number;
  /** group 'date': the summary's Date header text. */
  date?: string | null;
  /** group 'subject' */
  subject?: string | null;
  /** groups 'from', 'to', 'cc': the first address, null when the list is empty. */
  from?: SortAddress | null;
  to?: SortAddress | null;
  cc?: SortAddress | null;
  /** group 'threading' */
  messageId?: string | null;
  inReplyTo?: string | null;
  references?: string[];
}

export interface MessageRecord extends MessageIndexEntry {
  /** Unique per stored copy. */
  id: Id;
  mailboxId: Id;
  /** Same for every copy of one delivered message (RFC 8474 EMAILID). */
  emailId: Id;
  /** Conversation id, per user (RFC 8474 THREADID). */
  threadId: Id;
  blobId: Id;
  /** Parsed summary (envelope, body structure, headers of interest) computed by core at
   *  append time; opaque JSON to the store. */
  summary: unknown;
}

/** One conversation of a folder in a conversation list (listThreadPage). */
export interface ThreadPageEntry {
  threadId: Id;
  /** Its messages in this folder. */
  count: number;
  /** Of those, the ones without \Seen. */
  unread: number;
  /** Its newest message in this folder (by arrival date, then UID). */
  latest: MessageRecord;
  /** UIDs of its messages in this folder, newest first, at most 200. */
  uids: number[];
}

/** Decoded text handed to the full-text index (core decodes QP/base64/charsets). */
export interface SearchText {
  subject: string;
  from: string;
  to: string;
  cc: string;
  bcc: string;
  body: string;
}

export interface AppendInput {
  raw: Buffer;
  flags?: string[];
  internalDate?: Date;
  summary: unknown;
  search: SearchText;
  threading: {
    /** Message-ID of this message, without angle brackets. */
    messageId: string | null;
    /** In-Reply-To and References ids; the message joins the thread of any of them. */
    references: string[];
  };
}

export interface AppendResult {
  id: Id;
  uid: number;
  uidValidity: number;
  modseq: number;
  emailId: Id;
  threadId: Id;
}

export type FlagOperation = 'add' | 'remove' | 'set';

export interface FlagUpdateResult {
  /** Messages whose flags changed, with their new modseq. */
  updated: { uid: number; modseq: number; flags: string[] }[];
  /** UIDs not changed because their modseq was above `unchangedSince` (RFC 7162 §3.1.3). */
  modified: number[];
}

export interface ExpungeResult {
  uids: number[];
  /** Mailbox modseq after the expunge (unchanged if nothing was removed). */
  modseq: number;
}

export interface CopyResult {
  uidValidity: number;
  /** [source UID, destination UID] pairs in source UID order. */
  mapping: [number, number][];
}

export type TextField = keyof SearchText | 'text';

export interface TextCriterion {
  field: TextField;
  /** Substring to find, case- and accent-insensitive. */
  value: string;
  /** True for NOT. */
  negate?: boolean;
}

export interface MailStore {
  /** AlreadyExists if the user has a mailbox of that name. Each creation gets a UIDVALIDITY
   *  never used before by this store, so a re-created mailbox is recognisably new. */
  createMailbox(userId: Id, name: string, options?: { specialUse?: SpecialUse | null; subscribed?: boolean }): Promise<Mailbox>;
  getMailbox(id: Id): Promise<Mailbox | null>;
  findMailbox(userId: Id, name: string): Promise<Mailbox | null>;
  findMailboxBySpecialUse(userId: Id, specialUse: SpecialUse): Promise<Mailbox | null>;
  listMailboxes(userId: Id): Promise<Mailbox[]>;
  /** Renames the mailbox and its children ("a/b" follows "a"). */
  renameMailbox(id: Id, newName: string): Promise<Mailbox>;
  setSubscribed(id: Id, subscribed: boolean): Promise<void>;
  /** Deletes the mailbox and its messages, releasing their quota and blob references. */
  deleteMailbox(id: Id): Promise<void>;
  mailboxStatus(id: Id): Promise<MailboxStatus>;

  /** Stores the raw message durably (fsync) then its metadata. OverQuota leaves nothing behind. */
  appendMessage(mailboxId: Id, input: AppendInput): Promise<AppendResult>;
  /** UID order. */
  listMessageIndex(mailboxId: Id, options?: { changedSince?: number }): Promise<MessageIndexEntry[]>;
  /** Full records for these UIDs, in UID order; unknown UIDs are skipped. */
  getMessages(mailboxId: Id, uids: number[]): Promise<MessageRecord[]>;
  /** The whole mailbox's index (what listMessageIndex gives), as columns. NotFound if the
   *  mailbox does not exist. */
  listMessageIndexColumns(mailboxId: Id): Promise<MessageIndexColumns>;
  /** Sort keys of these UIDs (of every message when `uids` is null), in UID order; unknown
   *  UIDs are skipped. Reads only the requested groups of summary fields, not whole records.
   *  NotFound if the mailbox does not exist. */
  listSortKeys(mailboxId: Id, uids: number[] | null, groups: readonly SortKeyGroup[]): Promise<MessageSortKeys[]>;
  getMessageById(id: Id): Promise<MessageRecord | null>;
  updateFlags(mailboxId: Id, uids: number[], op: FlagOperation, flags: string[], options?: { unchangedSince?: number }): Promise<FlagUpdateResult>;
  /** Removes messages: with `onlyDeleted`, those flagged \Deleted; with `uids`, only among those. */
  expunge(mailboxId: Id, options: { uids?: number[]; onlyDeleted: boolean }): Promise<ExpungeResult>;
  /** UIDs expunged at a modseq above `sinceModseq` (for QRESYNC VANISHED). */
  listExpunged(mailboxId: Id, sinceModseq: number): Promise<number[]>;
  /** OverQuota if the copies would not fit: then nothing is copied. */
  copyMessages(fromMailboxId: Id, uids: number[], toMailboxId: Id): Promise<CopyResult>;
  /** Copy then expunge from the source, as one step (RFC 6851). */
  moveMessages(fromMailboxId: Id, uids: number[], toMailboxId: Id): Promise<CopyResult & { expunged: ExpungeResult }>;
  /** UIDs in `mailboxId` matching every criterion (AND). */
  searchText(mailboxId: Id, criteria: TextCriterion[]): Promise<number[]>;
  /** One page of a mailbox for a message list: ordered by internal (arrival) date or size, ties
   *  by UID, in either direction. A page near the start costs about its own size, not the
   *  mailbox's (an index on date). NotFound if the mailbox does not exist. */
  listMessagePage(mailboxId: Id, options: { sort: 'date' | 'size'; order: 'asc' | 'desc'; offset: number; limit: number }): Promise<MessageRecord[]>;
  /** One page of a folder's conversations (messages grouped by threadId), ordered by the
   *  arrival date of each conversation's newest message in the folder (ties by its UID), in
   *  either direction; `total` counts the folder's conversations. A first page costs about
   *  its own size plus one pass over an index. NotFound if the mailbox does not exist. */
  listThreadPage(mailboxId: Id, options: { order: 'asc' | 'desc'; offset: number; limit: number }): Promise<{ total: number; threads: ThreadPageEntry[] }>;
  /** Every message of the user's conversation `threadId`, in all of the user's mailboxes,
   *  oldest first (arrival date, then mailbox and UID); [] when there is none. */
  listThreadMessages(userId: Id, threadId: Id): Promise<MessageRecord[]>;
}

// ---------------------------------------------------------------- blobs

export interface BlobStore {
  /** The exact bytes stored; NotFound if absent. */
  get(id: Id): Promise<Buffer>;
  has(id: Id): Promise<boolean>;
}

// ---------------------------------------------------------------- calendars and contacts

export type DavOwnerType = 'user' | 'group' | 'directory';
export type DavKind = 'calendar' | 'addressbook';

export interface DavCollection {
  id: Id;
  ownerType: DavOwnerType;
  ownerId: Id;
  kind: DavKind;
  /** Last URL segment, unique per owner and kind. */
  slug: string;
  displayName: string;
  description: string;
  color: string | null;
  /** Calendar component types accepted (VEVENT, VTODO); empty for address books. */
  components: string[];
  /** Increases on every change to the collection or its items (ctag, sync token). */
  syncToken: number;
  /** Dead properties set by PROPPATCH, keyed by Clark name ("{ns}local"). */
  props: Record<string, string>;
  createdAt: Date;
}

export interface DavItem {
  collectionId: Id;
  /** Last URL segment ("abc.ics"). */
  name: string;
  uid: string;
  etag: string;
  data: string;
  /** VEVENT, VTODO or VCARD. */
  componentType: string;
  modseq: number;
  size: number;
  /** Span of all occurrences for time-range pre-filtering; null end means unbounded. */
  firstStart: Date | null;
  lastEnd: Date | null;
  updatedAt: Date;
}

export interface DavItemInput {
  name: string;
  uid: string;
  data: string;
  componentType: string;
  firstStart: Date | null;
  lastEnd: Date | null;
}

export interface DavStore {
  /** AlreadyExists if the owner already has a collection of that kind and slug. */
  createCollection(input: Omit<DavCollection, 'id' | 'syncToken' | 'createdAt'>): Promise<DavCollection>;
  getCollection(id: Id): Promise<DavCollection | null>;
  findCollection(ownerType: DavOwnerType, ownerId: Id, kind: DavKind, slug: string): Promise<DavCollection | null>;
  listCollections(ownerType: DavOwnerType, ownerId: Id, kind?: DavKind): Promise<DavCollection[]>;
  updateCollection(id: Id, patch: Partial<Pick<DavCollection, 'displayName' | 'description' | 'color' | 'props'>>): Promise<DavCollection>;
  deleteCollection(id: Id): Promise<void>;

  /** Creates or replaces an item. AlreadyExists if another item of the collection has this UID
   *  (CalDAV no-uid-conflict); PreconditionFailed if ifMatch/ifNoneMatch do not hold. */
  putItem(collectionId: Id, item: DavItemInput, conditions?: { ifMatch?: string; ifNoneMatch?: '*' }): Promise<{ item: DavItem; created: boolean }>;
  /** Creates or replaces several items as one atomic step: all are written or none (bulk
   *  writers such as the directory address book). Same rules as putItem without conditions;
   *  each item gets its own modseq, so sync-collection sees every one. */
  putItems(collectionId: Id, items: DavItemInput[]): Promise<DavItem[]>;
  getItem(collectionId: Id, name: string): Promise<DavItem | null>;
  /** The items of the collection with these names, in the order asked, each once; names
   *  with no item (or an unknown collection) are left out. One round trip for a multiget. */
  getItems(collectionId: Id, names: string[]): Promise<DavItem[]>;
  /** The item of the collection with this UID (unique per collection), or null. */
  findItemByUid(collectionId: Id, uid: string): Promise<DavItem | null>;
  /** Items whose span overlaps the range when one is given (null bounds are open). */
  listItems(collectionId: Id, options?: { componentType?: string; range?: { start: Date | null; end: Date | null } }): Promise<DavItem[]>;
  deleteItem(collectionId: Id, name: string, conditions?: { ifMatch?: string }): Promise<void>;
  /** What changed after `token` (RFC 6578). Invalid if the token is unknown or too old. */
  changesSince(collectionId: Id, token: number): Promise<{ token: number; changed: string[]; deleted: string[] }>;
  /** changesSince a page at a time (RFC 6578 §3.6), changed and deleted together in the order
   *  they happened, at most `limit` (all when absent). `floor` (default `token`) is the token up
   *  to which the client knows every removal: a truncated initial sync resumes after the last
   *  item it got (`token`) but needs only the removals made after the state it started from.
   *  `next` is where to resume; when not truncated it is the collection's token (floor alike).
   *  Invalid like changesSince for a bad, unknown or too old cursor, or a bad limit. */
  changesPage(collectionId: Id, from: { token: number; floor?: number }, limit?: number): Promise<{
    changed: string[]; deleted: string[]; truncated: boolean; next: { token: number; floor: number };
  }>;
}

// ---------------------------------------------------------------- outbound queue

export type RecipientStatus = 'pending' | 'delivered' | 'failed';

export interface QueueRecipient {
  address: string;
  status: RecipientStatus;
  /** Last SMTP reply or error for this recipient. */
  lastResponse: string | null;
}

export interface QueueEntry {
  id: Id;
  /** Envelope sender; empty string for bounces (null reverse-path). */
  from: string;
  /** Destination domain: one entry per domain, so one connection serves it. */
  domain: string;
  recipients: QueueRecipient[];
  blobId: Id;
  size: number;
  createdAt: Date;
  nextAttemptAt: Date;
  attempts: number;
  expiresAt: Date;
  lastError: string | null;
  /** A worker holds the entry until this time. */
  leaseUntil: Date | null;
  /** Free-form data for DSN (envid, ret, notify). */
  meta: Record<string, unknown>;
}

export interface ClaimOptions {
  perDomain?: number;
  domainRoom?: Record<string, number>;
}

export interface QueueStore {
  enqueue(input: { from: string; domain: string; recipients: string[]; raw: Buffer; expiresAt: Date; nextAttemptAt?: Date; meta?: Record<string, unknown> }): Promise<QueueEntry>;
  get(id: Id): Promise<QueueEntry | null>;
  list(options?: { limit?: number }): Promise<QueueEntry[]>;
  /** Leases up to `limit` entries due at `now` and not leased; no two callers get the same entry.
   *  With `perDomain`, at most that many of one domain, the earliest due; `domainRoom` sets the
   *  number for named domains instead (0 leaves them alone): the caller has no room for more. */
  claimDue(now: Date, limit: number, leaseMs: number, options?: ClaimOptions): Promise<QueueEntry[]>;
  /** Records an attempt: recipient outcomes, next attempt time; releases the lease. */
  recordAttempt(id: Id, update: { recipients: QueueRecipient[]; nextAttemptAt: Date; lastError: string | null }): Promise<QueueEntry>;
  /** Removes the entry and releases its blob. */
  remove(id: Id): Promise<void>;
  /** Makes the entry due now (an admin's retry). A lease still running is kept: a worker is
   *  sending the message at this moment, and a second one must not send it again. */
  retryNow(id: Id): Promise<QueueEntry>;
  /** A worker gives back an entry it leased but did not attempt: due now, lease cleared. */
  release(id: Id): Promise<void>;
}

// ---------------------------------------------------------------- audit log

export interface AuditEntry {
  id: Id;
  at: Date;
  /** Who: an address, "cli:<unix user>", "token:<id>", or "system". */
  actor: string;
  /** What: "user.create", "login.imap", ... */
  action: string;
  target: string | null;
  unit: string | null;
  ip: string | null;
  success: boolean;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  actor?: string;
  target?: string;
  action?: string;
  units?: string[];
  since?: Date;
  until?: Date;
  limit?: number;
}

export interface AuditLog {
  /** Append-only: there is no update or delete. */
  append(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: Date }): Promise<AuditEntry>;
  /** Newest first. */
  query(query?: AuditQuery): Promise<AuditEntry[]>;
}

// ---------------------------------------------------------------- change feed

export type ChangeKind =
  | 'mailbox.create' | 'mailbox.rename' | 'mailbox.delete'
  | 'message.append' | 'message.flags' | 'message.expunge'
  | 'dav.collection' | 'dav.item'
  | 'account.user' | 'account.alias' | 'account.group' | 'account.domain' | 'account.unit'
  /** A user's settings document was written (UserSettingsStore.put). */
  | 'user.settings'
  | 'queue';

export interface ChangeEvent {
  seq: number;
  at: Date;
  kind: ChangeKind;
  /** The user whose data changed, when there is one. */
  userId: Id | null;
  mailboxId: Id | null;
  collectionId: Id | null;
  /** For message events: the UIDs concerned. */
  uids: number[];
  /** Mailbox modseq or collection sync token after the change. */
  modseq: number | null;
}

export interface ChangeFeed {
  /** Sequence number of the newest event (0 when empty). */
  latest(): Promise<number>;
  /** Events with seq > `seq`, oldest first. */
  since(seq: number, options?: { limit?: number; userId?: Id }): Promise<ChangeEvent[]>;
  /** Calls `listener` for every new event, including those written by other processes
   *  (a CLI beside the server), in seq order. Returns an unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;
}

// ---------------------------------------------------------------- web sessions and user settings

/** A webmail login. The store keeps only a hash of the cookie's secret, so that a copy of the
 *  database does not let anyone into a session. */
export interface WebSession {
  /** SHA-256 (hex) of the secret the browser holds. */
  id: Id;
  userId: Id;
  /** The anti-CSRF token the app sends back in a header. */
  csrf: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Absolute end, whatever the activity. */
  expiresAt: Date;
}

export interface WebSessionStore {
  /** AlreadyExists if the id is taken. */
  create(session: WebSession): Promise<WebSession>;
  get(id: Id): Promise<WebSession | null>;
  touch(id: Id, at: Date): Promise<void>;
  /** No error if absent. */
  delete(id: Id): Promise<void>;
  /** Ends every session of the user but `exceptId` (a password change); returns how many. */
  deleteForUser(userId: Id, exceptId?: Id): Promise<number>;
  /** Removes sessions past `expiresAt` or idle since before `idleBefore`; returns how many. */
  deleteExpired(now: Date, idleBefore: Date): Promise<number>;
}

/** Per-user preferences (signature, out-of-office...): one JSON document per user, shaped and
 *  validated by core/the webmail; the store keeps it as given. Removed with the user. */
export interface UserSettingsStore {
  /** {} when the user never saved any. */
  get(userId: Id): Promise<Record<string, unknown>>;
  /** Replaces the whole document. NotFound if the user does not exist. */
  put(userId: Id, settings: Record<string, unknown>): Promise<void>;
}

// ---------------------------------------------------------------- admin API tokens

export type AdminTokenRole = 'admin' | 'unit-admin';

/** A bearer token for the admin API. Only a hash of its secret is stored: the secret is shown
 *  once, when the token is made. A revoked token is kept, so that audit entries naming it
 *  still say whose it was. */
export interface AdminToken {
  id: Id;
  /** Unique; how admins tell tokens apart in listings and the audit log. */
  name: string;
  role: AdminTokenRole;
  /** The units a unit-admin token manages (sub-units included); empty for 'admin'. */
  units: string[];
  /** SHA-256 (hex) of the secret. */
  secretHash: string;
  /** Audit actor who made it. */
  createdBy: string;
  createdAt: Date;
  /** null: never expires. */
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type NewAdminToken = Pick<AdminToken, 'name' | 'role' | 'units' | 'secretHash' | 'createdBy' | 'expiresAt'>;

export interface AdminTokenStore {
  /** AlreadyExists if the name or the secret hash is taken. */
  create(token: NewAdminToken): Promise<AdminToken>;
  get(id: Id): Promise<AdminToken | null>;
  getByName(name: string): Promise<AdminToken | null>;
  findBySecretHash(secretHash: string): Promise<AdminToken | null>;
  /** Newest first, revoked and expired ones included. */
  list(): Promise<AdminToken[]>;
  /** Sets revokedAt (a second revocation keeps the first time). NotFound if unknown. */
  revoke(id: Id, at: Date): Promise<AdminToken>;
  touch(id: Id, at: Date): Promise<void>;
}

// ---------------------------------------------------------------- retention marks

/** When messages entered a mailbox, to within one mark interval: at `at` the mailbox's UIDNEXT
 *  was `uidNext`, so every UID below it had arrived by then (UIDs are given in arrival order,
 *  RFC 9051 §2.3.1.1, and a COPY/MOVE gives a new one). Retention policies ("Trash emptied after
 *  30 days") read a message's age in a folder from these marks, not from its internal date,
 *  which a move keeps. */
export interface RetentionStore {
  mark(mailboxId: Id, uidValidity: number, uidNext: number, at: Date): Promise<void>;
  /** The largest uidNext marked at or before `at` under this UIDVALIDITY, or null if none. */
  uidNextAt(mailboxId: Id, uidValidity: number, at: Date): Promise<number | null>;
  /** Drops the marks no longer needed: other UIDVALIDITYs, and those before `before` except
   *  the newest of them (uidNextAt(before) must still answer). */
  prune(mailboxId: Id, uidValidity: number, before: Date): Promise<void>;
}

// ---------------------------------------------------------------- account deletions

/** A user deletion waiting for its grace period to end: the account is disabled meanwhile and
 *  can be restored; when the period ends the user and all their data are purged. */
export interface PendingDeletion {
  userId: Id;
  address: string;
  requestedAt: Date;
  purgeAfter: Date;
  /** Audit actor who asked for it. */
  requestedBy: string;
  /** Whether the account was enabled before, so that a restore puts it back as it was. */
  wasEnabled: boolean;
}

export interface DeletionStore {
  /** NotFound if the user does not exist; AlreadyExists if a deletion is already pending. */
  schedule(input: Omit<PendingDeletion, 'address'>): Promise<PendingDeletion>;
  get(userId: Id): Promise<PendingDeletion | null>;
  /** NotFound if none is pending. */
  cancel(userId: Id): Promise<void>;
  /** Soonest purge first; with `dueAt`, only those whose purgeAfter is at or before it. */
  list(options?: { dueAt?: Date }): Promise<PendingDeletion[]>;
}

// ---------------------------------------------------------------- TOTP second factor

/** A user's TOTP second factor (RFC 6238) for the webmail. Pending until the user proves with
 *  a code that their authenticator app holds the secret; only then does a login ask for it. */
export interface TotpEnrolment {
  userId: Id;
  /** The shared secret as the core gave it (base32, or sealed if the core encrypts it). */
  secret: string;
  /** null while pending. */
  confirmedAt: Date | null;
  /** The highest time step a code was accepted for: a code of that step or an older one is a
   *  replay (RFC 6238 §5.2). 0 when none yet. */
  lastStep: number;
  /** Hashes of the one-time recovery codes not used yet. */
  recoveryCodes: string[];
  createdAt: Date;
}

export interface TotpStore {
  get(userId: Id): Promise<TotpEnrolment | null>;
  /** Starts an enrolment with this secret, replacing a pending one. Conflict if a confirmed one
   *  exists (it must be disabled first); NotFound if the user does not exist. */
  begin(userId: Id, secret: string, at: Date): Promise<TotpEnrolment>;
  /** Activates the pending enrolment, recording the step of the confirming code and the
   *  recovery code hashes. NotFound if none exists; Conflict if it is already confirmed. */
  confirm(userId: Id, step: number, recoveryCodes: string[], at: Date): Promise<TotpEnrolment>;
  /** Records `step` as used if it is above lastStep, atomically; false if it is not (the same
   *  code, or an older one, given again) or if there is no confirmed enrolment. */
  useStep(userId: Id, step: number): Promise<boolean>;
  /** Removes one recovery code hash, atomically; false if it is not among the unused ones. */
  useRecoveryCode(userId: Id, hash: string): Promise<boolean>;
  /** Replaces the unused recovery codes. NotFound if there is no confirmed enrolment. */
  replaceRecoveryCodes(userId: Id, hashes: string[]): Promise<void>;
  /** Removes the enrolment, pending or confirmed; false if there was none. Also removed with
   *  the user. */
  remove(userId: Id): Promise<boolean>;
}

// ---------------------------------------------------------------- the whole store

export interface Store {
  readonly backend: 'sqlite' | 'mongodb';
  readonly accounts: AccountStore;
  readonly mail: MailStore;
  readonly blobs: BlobStore;
  readonly dav: DavStore;
  readonly queue: QueueStore;
  readonly audit: AuditLog;
  readonly changes: ChangeFeed;
  readonly adminTokens: AdminTokenStore;
  readonly retention: RetentionStore;
  readonly deletions: DeletionStore;
  readonly webSessions: WebSessionStore;
  readonly userSettings: UserSettingsStore;
  readonly totp: TotpStore;
  /** Deletes blobs that no record references and that are older than the grace period
   *  (left by a crash between blob write and metadata commit). Returns how many went. */
  collectGarbage(options?: { graceMs?: number }): Promise<number>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Folder holding the database and blobs (SQLite backend). */
  dataDir: string;
  /** MongoDB connection string (MongoDB backend). */
  mongodbUri?: string;
}

export type StoreFactory = (options: StoreOptions) => Promise<Store>;
