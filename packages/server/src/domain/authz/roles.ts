/** Okta's standard admin role types (wire-facts §e) with their labels. */
export const ROLE_LABELS = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organizational Administrator',
  APP_ADMIN: 'Application Administrator',
  USER_ADMIN: 'Group Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  GROUP_MEMBERSHIP_ADMIN: 'Group Membership Administrator',
  READ_ONLY_ADMIN: 'Read-only Administrator',
  REPORT_ADMIN: 'Report Administrator',
  API_ACCESS_MANAGEMENT_ADMIN: 'API Access Management Administrator',
  ACCESS_CERTIFICATIONS_ADMIN: 'Access Certifications Administrator',
  ACCESS_REQUESTS_ADMIN: 'Access Requests Administrator',
  WORKFLOWS_ADMIN: 'Workflows Administrator',
} as const;

export type RoleType = keyof typeof ROLE_LABELS;

export function isRoleType(value: string): value is RoleType {
  return Object.hasOwn(ROLE_LABELS, value);
}
