/**
 * What a policy check knows about the caller: the token's identity, scope and
 * role names. Roles are taken as listed (implied roles already expanded).
 */
export interface Credentials {
  user_id: string;
  project_id: string | null;
  domain_id?: string | null;
  user_domain_id?: string;
  project_domain_id?: string;
  roles: readonly string[];
  system_scope?: string | null;
  /** The caller's admin flag when already computed; otherwise derived from `context_is_admin`. */
  is_admin?: boolean;
}
