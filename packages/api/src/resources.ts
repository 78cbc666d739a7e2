/** Wire shapes of resources, as Okta's OpenAPI spec defines them. Dates are ISO strings with ms. */

export interface HrefObject {
  href: string;
  hints?: { allow: string[] };
  name?: string;
  templated?: boolean;
  type?: string;
}

/** `ApiToken` in the spec: metadata only, never the token value. */
export interface ApiTokenResource {
  id: string;
  name: string;
  userId: string;
  clientName: string;
  tokenWindow: string;
  network: { connection: 'ANYWHERE' | 'ZONE'; include?: string[]; exclude?: string[] };
  created: string;
  lastUpdated: string;
  expiresAt: string;
  _links: { self: HrefObject; user: HrefObject };
}
