// The embedded image API: the Glance v2 subset clients use to find an image
// by name or id before booting a server from it, and (with a file store) to
// create, upload, download, update and delete images.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TokenValidator } from '../identity/validator.js';
import { requireTokens } from '../identity/token-hook.js';
import type { ImageCatalog } from './catalog.js';
import { URL_PROBLEM_MESSAGES, urlProblem } from '../api/request-input.js';
import { ImageQueryError, queryImages, type ImageQuery } from './list-query.js';
import { ImageError, canSee, isAdmin, isPendingMember } from './access.js';
import { ImageRegistry } from './registry.js';
import { imageWriteRoutes } from './write-routes.js';
import { IMAGES_SCHEMA, IMAGE_SCHEMA, imageView, plainError, versionsDocument } from './views.js';

export interface ImageAppOptions {
  readonly images: ImageCatalog;
  readonly validator: TokenValidator;
  /** Identity endpoint named in WWW-Authenticate on a 401. */
  readonly identityUrl: string;
  readonly logger?: FastifyBaseLogger;
}

const TITLES: Record<ImageError['code'], string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
};

export function buildImageApp(opts: ImageAppOptions): FastifyInstance {
  const plain = (reply: FastifyReply, code: number, title: string, detail: string): FastifyReply =>
    reply.code(code).type('text/plain; charset=UTF-8').send(plainError(code, title, detail));
  const badUrl = (reply: FastifyReply, url: string): FastifyReply =>
    plain(reply, 400, 'Bad Request', URL_PROBLEM_MESSAGES[urlProblem(url) ?? 'path-encoding']);
  // A path the router cannot decode, or a path parameter past its length
  // limit, never reaches the hooks: answer it here.
  const frameworkErrors = (err: Error & { code?: string }, req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? plain(reply, 414, 'Request-URI Too Long', 'The request URI was too long.')
      : badUrl(reply, req.url);
  const app: FastifyInstance = opts.logger
    ? Fastify({ loggerInstance: opts.logger, frameworkErrors })
    : Fastify({ logger: false, frameworkErrors });

  // A URL that is not UTF-8 or holds a NUL is a 400, before the token.
  app.addHook('onRequest', async (req, reply) => {
    if (urlProblem(req.url)) return badUrl(reply, req.url);
  });

  // Version documents are public; everything under /v2 needs a token, as
  // keystonemiddleware in front of Glance enforces.
  const contextOf = requireTokens(app, '/v2', opts.validator, opts.identityUrl);

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof ImageError) return plain(reply, err.code, TITLES[err.code], err.message);
    const code = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (code === 500) req.log.error({ err }, 'image request failed');
    return code === 500
      ? plain(reply, 500, 'Internal Server Error', 'The server has either erred or is incapable of performing the requested operation.')
      : plain(reply, code, 'Bad Request', err.message);
  });
  app.setNotFoundHandler((req, reply) => plain(reply, 404, 'Not Found', 'The resource could not be found.'));

  const base = (host: string | undefined, protocol: string): string => `${protocol}://${host ?? 'localhost'}`;
  app.get('/', async (req, reply) => reply.code(300).send(versionsDocument(base(req.headers.host, req.protocol))));
  app.get('/versions', async (req) => versionsDocument(base(req.headers.host, req.protocol)));

  app.get<{ Querystring: ImageQuery }>('/v2/images', async (req, reply) => {
    try {
      const ctx = contextOf(req);
      const askedCommunity = req.query['visibility'] === 'community';
      // Others' community images are listed only when asked for, as in Glance.
      const visible = opts.images.images.filter(
        (i) =>
          canSee(i, ctx) &&
          (i.visibility !== 'community' || askedCommunity || i.owner === ctx.projectId) &&
          (isAdmin(ctx) || !isPendingMember(i, ctx)),
      );
      const page = queryImages(visible, req.query);
      return {
        images: page.images.map(imageView),
        first: page.firstQuery === '' ? '/v2/images' : `/v2/images?${page.firstQuery}`,
        schema: '/v2/schemas/images',
        ...(page.nextQuery !== undefined ? { next: `/v2/images?${page.nextQuery}` } : {}),
      };
    } catch (err) {
      if (err instanceof ImageQueryError) return plain(reply, 400, 'Bad Request', err.message);
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>('/v2/images/:id', async (req, reply) => {
    const image = opts.images.byId(req.params.id);
    if (!image || !canSee(image, contextOf(req))) return plain(reply, 404, 'Not Found', `No image found with ID ${req.params.id}`);
    return imageView(image);
  });

  if (opts.images.store) imageWriteRoutes(app, new ImageRegistry(opts.images), contextOf);

  app.get('/v2/schemas/image', async () => IMAGE_SCHEMA);
  app.get('/v2/schemas/images', async () => IMAGES_SCHEMA);

  return app;
}
