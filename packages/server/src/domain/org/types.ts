import type { RoleType } from '../authz/roles.ts';

export interface OrgRecord {
  id: string;
  name: string;
  created: number;
  lastUpdated: number;
}

export type UserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'PASSWORD_EXPIRED'
  | 'LOCKED_OUT'
  | 'SUSPENDED'
  | 'DEPROVISIONED';

export interface UserProfile {
  login: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
}

export interface UserRecord {
  id: string;
  status: UserStatus;
  profile: UserProfile;
  created: number;
  lastUpdated: number;
  activated: number | null;
  statusChanged: number | null;
}

export type GroupType = 'BUILT_IN' | 'OKTA_GROUP' | 'APP_GROUP';

export interface GroupRecord {
  id: string;
  type: GroupType;
  name: string;
  description: string | null;
  created: number;
  lastUpdated: number;
  lastMembershipUpdated: number;
}

export interface RoleAssignmentRecord {
  id: string;
  principalType: 'USER' | 'GROUP';
  principalId: string;
  roleType: RoleType;
  status: 'ACTIVE' | 'INACTIVE';
  created: number;
  lastUpdated: number;
}
