// Glance v2's write routes: POST /v2/images, PATCH (JSON patch), DELETE, tags
// (PUT/DELETE /v2/images/{id}/tags/{tag}), deactivate/reactivate, and the image data at
// /v2/images/{id}/file (PUT to upload, GET to download).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../identity/validator.js';
import { ImageError } from './access.js';
import type { ImageRegistry, PatchOp } from './registry.js';
import { imageView } from './views.js';

const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];
const OPS = new Set(['add', 'replace', 'remove']);

function parsePatch(body: unknown): PatchOp[] {
  if (!Array.isArray(body)) throw new ImageError(400, 'Request body must be a JSON array of operation objects.');
  return body.map((change: unknown) => {
    if (typeof change !== 'object' || change === null || Array.isArray(change)) {
      throw new ImageError(400, 'Operations must be JSON objects.');
    }
    const c = change as Record<string, unknown>;
    // The older form names the path under the operation: {"replace": "/name", "value": …}.
    if (!('op' in c)) {
      const named = [...OPS].filter((op) => op in c);
      if (named.length !== 1) throw new ImageError(400, 'Operation objects must contain exactly one member named "add", "remove", or "replace".');
      const op = named[0] as PatchOp['op'];
      if (typeof c[op] !== 'string') throw new ImageError(400, `Unable to find \`path\` in JSON Schema change.`);
      if (op !== 'remove' && !('value' in c)) throw new ImageError(400, 'Unable to find `value` in JSON Schema change.');
      return { op, path: c[op] as string, value: c['value'] };
    }
    if (typeof c['op'] !== 'string' || !OPS.has(c['op'])) {
      throw new ImageError(400, 'Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.');
    }
    if (typeof c['path'] !== 'string') throw new ImageError(400, 'Unable to find `path` in JSON Schema change.');
    if (c['op'] !== 'remove' && !('value' in c)) throw new ImageError(400, 'Unable to find `value` in JSON Schema change.');
    return { op: c['op'] as PatchOp['op'], path: c['path'], value: c['value'] };
  });
}

export function imageWriteRoutes(app: FastifyInstance, registry: ImageRegistry, contextOf: (req: FastifyRequest) => AuthContext): void {
  // Image data is streamed to the store as it arrives, whatever its size.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  // Clients send `Content-Type: application/json` with an empty DELETE: no body, no error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new ImageError(400, 'Malformed JSON in request body.'), undefined);
    }
  });
  app.addContentTypeParser(PATCH_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new ImageError(400, 'Malformed JSON in request body.'), undefined);
    }
  });

  app.post('/v2/images', async (req, reply) => {
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ImageError(400, 'Body expected in request.');
    }
    const image = registry.create(contextOf(req), body as Record<string, unknown>);
    return reply.code(201).header('Location', `/v2/images/${image.id}`).send(imageView(image));
  });

  app.patch<{ Params: { id: string } }>('/v2/images/:id', async (req) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (!PATCH_TYPES.includes(type)) throw new ImageError(415, `Unsupported Content-Type`);
    return imageView(registry.patch(contextOf(req), req.params.id, parsePatch(req.body)));
  });

  app.delete<{ Params: { id: string } }>('/v2/images/:id', async (req, reply) => {
    registry.remove(contextOf(req), req.params.id);
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string; action: string } }>('/v2/images/:id/actions/:action', async (req, reply) => {
    const { action } = req.params;
    if (action !== 'deactivate' && action !== 'reactivate') return reply.callNotFound();
    registry.setDeactivated(contextOf(req), req.params.id, action === 'deactivate');
    return reply.code(204).send();
  });

  app.put<{ Params: { id: string; tag: string } }>('/v2/images/:id/tags/:tag', async (req, reply) => {
    registry.addTag(contextOf(req), req.params.id, req.params.tag);
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string; tag: string } }>('/v2/images/:id/tags/:tag', async (req, reply) => {
    registry.removeTag(contextOf(req), req.params.id, req.params.tag);
    return reply.code(204).send();
  });

  app.put<{ Params: { id: string } }>('/v2/images/:id/file', async (req, reply) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (type !== 'application/octet-stream') throw new ImageError(415, `Content type ${type || 'None'} not supported`);
    await registry.upload(contextOf(req), req.params.id, req.body as Readable);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v2/images/:id/file', async (req, reply) => {
    const found = registry.dataFor(contextOf(req), req.params.id);
    if (!found) return reply.code(204).send();
    const { image, path } = found;
    return reply
      .header('Content-Type', 'application/octet-stream')
      .header('Content-Length', String(image.size ?? 0))
      .header('Content-MD5', image.checksum ?? '')
      .send(createReadStream(path));
  });
}
