// The directory's vCards, derived from accounts: one per enabled user (name, address,
// unit, role when it is not plain "user") and one per group (its members).
import { buildVCard } from '../../core/calendar/index.js';
import type { DavItemInput, Group, Unit, User } from '../../storage/index.js';

export const userCardName = (id: string) => `user-${id}.vcf`;
export const groupCardName = (id: string) => `group-${id}.vcf`;

const ROLE_TITLES: Record<string, string> = { admin: 'District administrator', 'unit-admin': 'Unit administrator' };

export function userCard(user: User, units: Map<string, Unit>): DavItemInput {
  const uid = `facteur-user-${user.id}`;
  const unit = user.unit ? units.get(user.unit)?.displayName || user.unit : undefined;
  const data = buildVCard({ uid, fn: user.displayName || user.address, emails: [user.address], org: unit, title: ROLE_TITLES[user.role] });
  return { name: userCardName(user.id), uid, data, componentType: 'VCARD', firstStart: null, lastEnd: null };
}

export function groupCard(group: Group, memberAddresses: string[]): DavItemInput {
  const uid = `facteur-group-${group.id}`;
  const data = buildVCard({
    uid, fn: group.displayName || group.address, emails: [group.address], kind: 'group',
    members: memberAddresses.map((a) => `mailto:${a}`),
  });
  return { name: groupCardName(group.id), uid, data, componentType: 'VCARD', firstStart: null, lastEnd: null };
}
