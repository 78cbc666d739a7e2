/** Storage the roles service needs (implemented by src/storage/role-ports.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the roles work of issue 6
export interface RoleStore {}
