import { pick, webexId } from './sim-random';

/** A person as Webex's `GET /people/me` describes them. */
export interface SimPerson {
  id: string;
  emails: string[];
  phoneNumbers: Array<{ type: string; value: string }>;
  displayName: string;
  nickName: string;
  firstName: string;
  lastName: string;
  avatar: string;
  orgId: string;
  created: string;
  lastModified: string;
  type: 'person';
  title?: string;
  department?: string;
}

const FIRST_NAMES = [
  'Amara',
  'Ben',
  'Chen',
  'Dana',
  'Elif',
  'Farid',
  'Greta',
  'Hiro',
  'Ines',
  'Jonas',
  'Kavya',
  'Luca',
  'Maya',
  'Nils',
  'Olga',
  'Priya',
  'Rafael',
  'Sofia',
  'Tomas',
  'Yara',
] as const;
const LAST_NAMES = [
  'Andersen',
  'Barros',
  'Costa',
  'Dubois',
  'Eriksson',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Patel',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Varga',
  'Weber',
] as const;
const TITLES = ['Product Designer', 'Field Engineer', 'Account Manager', 'Site Lead'] as const;
const DEPARTMENTS = ['Design', 'Engineering', 'Sales', 'Operations'] as const;

/** The demo org: one per simulator process, as a kiosk fleet belongs to one customer. */
const DEMO_ORG_ID = webexId('ORGANIZATION');

/** A plausible name, offered as the default on the verification page. */
export function randomDisplayName(): string {
  return `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`;
}

function splitName(displayName: string): { firstName: string; lastName: string } {
  const parts = displayName.trim().split(/\s+/);
  const firstName = parts[0] ?? displayName;
  return { firstName, lastName: parts.slice(1).join(' ') };
}

function emailFor(firstName: string, lastName: string): string {
  const local = [firstName, lastName]
    .filter((part) => part.length > 0)
    .join('.')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9.]/g, '')
    .toLowerCase();
  return `${local.length > 0 ? local : 'kiosk.user'}@example.com`;
}

/**
 * A full person: missing fields are derived from the display name so that an
 * approval with only a name still yields a consistent profile.
 */
export function buildPerson(overrides: Partial<SimPerson>, avatarUrl: (initials: string) => string, nowMs: number): SimPerson {
  const displayName = overrides.displayName?.trim() || randomDisplayName();
  const { firstName, lastName } = splitName(displayName);
  const initials = `${firstName.charAt(0)}${lastName.charAt(0)}`.toUpperCase();
  const stamp = new Date(nowMs).toISOString();
  const emails = overrides.emails ?? [emailFor(firstName, lastName)];
  return {
    id: webexId('PEOPLE', emails[0] ?? displayName),
    emails,
    phoneNumbers: [],
    displayName,
    nickName: firstName,
    firstName,
    lastName,
    avatar: avatarUrl(initials),
    orgId: DEMO_ORG_ID,
    created: stamp,
    lastModified: stamp,
    type: 'person',
    title: pick(TITLES),
    department: pick(DEPARTMENTS),
    ...withoutUndefined(overrides),
    // The display name was trimmed above; keep the trimmed one.
    ...(overrides.displayName !== undefined ? { displayName } : {}),
  };
}

function withoutUndefined(fields: Partial<SimPerson>): Partial<SimPerson> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
