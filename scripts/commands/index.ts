// Every command group of the CLI. Each module exports register(program).
import type { Command } from 'commander';
import { register as alias } from './alias.js';
import { register as audit } from './audit.js';
import { register as config } from './config.js';
import { register as userDeletion } from './deletion.js';
import { register as dkim } from './dkim.js';
import { register as dns } from './dns.js';
import { register as userExport } from './export.js';
import { register as domain } from './domain.js';
import { register as group } from './group.js';
import { register as importCommands } from './import.js';
import { register as queue } from './queue.js';
import { register as serve } from './serve.js';
import { register as token } from './token.js';
import { register as unit } from './unit.js';
import { register as user } from './user.js';
import { register as userTotp } from './user-totp.js';

export const commands: ((program: Command) => void)[] = [
  serve,
  config,
  domain,
  user,
  alias,
  group,
  unit,
  dkim,
  importCommands,
  queue,
  dns,
  token,
  audit,
  userExport,
  userDeletion,
  userTotp,
];
