/** Storage the apps service needs (implemented by src/storage/app-ports.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the apps work of issue 6
export interface AppStore {}
