/** Storage the users service needs (implemented by src/storage/user-ports.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the users work of issue 6
export interface UserStore {}
