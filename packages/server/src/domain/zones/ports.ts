/** Storage the zones service needs (implemented by src/storage/zone-ports.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the zones work of issue 6
export interface ZoneStore {}
