/**
 * The local Okta org's objects as it stores them (secrets and private keys included, never returned), and the small
 * readers of Okta's JSON bodies the org validates with.
 */

import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';

export type Status = 'ACTIVE' | 'INACTIVE';
export type Json = Record<string, unknown>;

/** A stored inline hook; the secret (client secret or header value) is never returned. */
export type InlineHook = {
  id: string;
  status: Status;
  name: string;
  type: string;
  version: string;
  channel: { type: 'HTTP' | 'OAUTH'; version: string; config: Json };
  secret?: string;
  created: string;
  lastUpdated: string;
};

export type HookKey = {
  id: string;
  keyId: string;
  name: string;
  created: string;
  lastUpdated: string;
  privateKey: KeyObject;
  publicJwk: JWK;
};

export type App = {
  id: string;
  name: string;
  label: string;
  status: Status;
  signOnMode: string;
  authMethod: 'private_key_jwt' | 'client_secret_basic' | 'client_secret_post';
  clientSecret?: string;
  settings: {
    application_type: string;
    grant_types: string[];
    response_types: string[];
    dpop_bound_access_tokens: boolean;
    jwks?: { keys: JWK[] };
  };
  created: string;
  lastUpdated: string;
};

export type Scope = {
  id: string;
  name: string;
  displayName?: string;
  description?: string;
  consent: string;
  metadataPublish: string;
  default: boolean;
  system: boolean;
};
export type Rule = {
  id: string;
  name: string;
  status: Status;
  priority: number;
  system: boolean;
  grantTypes: string[];
  scopes: string[];
  groups: string[];
  accessTokenLifetimeMinutes: number;
  created: string;
  lastUpdated: string;
};
export type Policy = {
  id: string;
  name: string;
  description?: string;
  status: Status;
  priority: number;
  system: boolean;
  clients: string[];
  rules: Rule[];
  created: string;
  lastUpdated: string;
};

/** A stored authorization server. */
export type AuthServer = {
  id: string;
  name: string;
  description?: string;
  audiences: string[];
  status: Status;
  isDefault: boolean;
  scopes: Scope[];
  policies: Policy[];
  created: string;
  lastUpdated: string;
};

export type EventHook = {
  id: string;
  status: Status;
  verificationStatus: 'VERIFIED' | 'UNVERIFIED';
  name: string;
  description: string | null;
  items: string[];
  uri: string;
  headers: Array<{ key: string; value: string }>;
  authKey?: string;
  authValue?: string;
  created: string;
  lastUpdated: string;
};

export type LogStream = {
  id: string;
  type: string;
  name: string;
  status: Status;
  settings: Json;
  created: string;
  lastUpdated: string;
};

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An Okta object id: a 3-character prefix of its kind and 17 random characters (20 in all). */
export function oktaId(prefix: string): string {
  const bytes = randomBytes(17);
  let id = prefix;
  for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

/** Okta's timestamps. */
export const now = () => new Date().toISOString();

/** A non-blank string, or undefined. */
export const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim().length > 0 ? value : undefined;

/** A JSON object (not an array), or undefined. */
export const object = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

/** A list of strings, or undefined. */
export const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
