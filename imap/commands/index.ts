// Every command the server knows, by name.
import { append } from './append.js';
import { authenticate } from './authenticate.js';
import { capability } from './capability.js';
import { close, unselect } from './close.js';
import { compress } from './compress.js';
import type { Command } from './command.js';
import { copy, move } from './copy.js';
import { create } from './create.js';
import { del } from './delete.js';
import { enable } from './enable.js';
import { expunge } from './expunge.js';
import { fetch } from './fetch.js';
import { getquota } from './getquota.js';
import { getquotaroot } from './getquotaroot.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { list, lsub } from './list.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { namespace } from './namespace.js';
import { check, noop } from './noop.js';
import { rename } from './rename.js';
import { search } from './search.js';
import { setquota } from './setquota.js';
import { sort } from './sort.js';
import { examine, select } from './select.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { store } from './store.js';
import { subscribe, unsubscribe } from './subscribe.js';
import { thread } from './thread.js';

const all: Command<any>[] = [
  capability, noop, check, logout, starttls, login, authenticate, id, enable, namespace,
  list, lsub, status, create, del, rename, subscribe, unsubscribe, select, examine, close, unselect,
  expunge, append, copy, move, fetch, store, search, idle, getquota, getquotaroot, setquota,
  sort, thread, compress,
];

export const COMMANDS: ReadonlyMap<string, Command<any>> = new Map(all.map((c) => [c.name, c]));
