// Numbered migrations, applied in order once each. Never edit a released migration: add one.
import type { Migration } from '../db.js';
import { m001 } from './001_base.js';
import { m002 } from './002_accounts_mail.js';
import { m003 } from './003_dav_queue_audit.js';
import { m004 } from './004_inline_blobs.js';
import { m005 } from './005_web_sessions_settings.js';
import { m006 } from './006_admin_tokens.js';
import { m007 } from './007_unit_hidden.js';
import { m008 } from './008_totp.js';
import { m009 } from './009_message_threads.js';
import { m010 } from './010_message_text_index.js';
import { m011 } from './011_covering_modseq_index.js';
import { m012 } from './012_queue_domain_index.js';

export const migrations: Migration[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012];
