// The keystonemiddleware part of the image and network services: requests
// under their versioned prefix need a valid token (401 with Keystone's body
// and a pointer to identity otherwise); version documents stay public.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { wwwAuthenticate, type AuthContext, type TokenValidator } from './validator.js';

/** Adds the token check for URLs under `prefix`; returns how a handler reads its caller. */
export function requireTokens(
  app: FastifyInstance,
  prefix: string,
  validator: TokenValidator,
  identityUrl: string,
): (req: FastifyRequest) => AuthContext {
  const contexts = new WeakMap<FastifyRequest, AuthContext>();
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith(prefix)) return;
    const token = req.headers['x-auth-token'];
    const ctx = typeof token === 'string' && token !== '' ? await validator.validate(token) : null;
    if (ctx) {
      contexts.set(req, ctx);
      return;
    }
    return reply
      .code(401)
      .header('WWW-Authenticate', wwwAuthenticate(identityUrl))
      .type('application/json')
      .send({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
  });
  return (req) => contexts.get(req) as AuthContext;
}
