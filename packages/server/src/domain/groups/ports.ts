/** Storage the groups service needs (implemented by src/storage/group-ports.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the groups work of issue 6
export interface GroupStore {}
