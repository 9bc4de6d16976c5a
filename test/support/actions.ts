// Server actions as a client sends them, and the instance-action records
// they leave (os-instance-actions).
import assert from 'node:assert/strict';
import type { Cloud, Reply } from './cloud.js';

/** POST /servers/{id}/action as `user`, at microversion `version`. */
export function act(c: Cloud, user: string, id: string, body: unknown, version = '2.1'): Promise<Reply> {
  return c.req(user, 'POST', `/servers/${id}/action`, { body, version });
}

/** The request id a reply carries (the instance action's key). */
export const requestIdOf = (r: { headers: Headers }): string => r.headers.get('x-openstack-request-id')!;

/** One instance action with its events (2.84 fields), as admin. */
export async function actionOf(c: Cloud, id: string, requestId: string): Promise<any> {
  const r = await c.req('admin', 'GET', `/servers/${id}/os-instance-actions/${requestId}`, { version: '2.84' });
  assert.equal(r.status, 200, r.text);
  return r.body.instanceAction;
}
