// Who may see and change an image, after Glance's default policies: admins
// everything; others see public and community images and their project's own,
// and change only their project's images (with the member role).
import type { AuthContext } from '../identity/validator.js';
import type { Image } from './catalog.js';

export class ImageError extends Error {
  constructor(
    readonly code: 400 | 403 | 404 | 409 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** Who asks: the image service's token context, or the compute API's caller. */
export type Caller = Pick<AuthContext, 'projectId' | 'roles'>;

export const isAdmin = (ctx: Caller): boolean => ctx.roles.includes('admin');

export function canSee(image: Image, ctx: Caller): boolean {
  return isAdmin(ctx) || image.visibility === 'public' || image.visibility === 'community' || image.owner === ctx.projectId || isPendingMember(image, ctx);
}

/**
 * A snapshot an admin took of another project's server is shared with that
 * project (Nova adds it as a member; it stays pending): the project can read
 * the image by id, but it is not in its lists.
 */
export function isPendingMember(image: Image, ctx: Caller): boolean {
  return image.visibility === 'shared' && image.owner !== ctx.projectId && image.properties['instance_owner'] === ctx.projectId;
}

/** A Glance action (add_image, modify_image, upload_image, delete_image, publicize_image) is allowed. */
export function allowed(action: string, ctx: Caller, image?: Image): void {
  if (isAdmin(ctx)) return;
  const member = ctx.roles.includes('member');
  const owns = image === undefined || image.owner === ctx.projectId;
  if (action === 'publicize_image' || !member || !owns) {
    throw new ImageError(403, `You are not authorized to complete ${action} action.`);
  }
}

export const notFound = (id: string): ImageError => new ImageError(404, `No image found with ID ${id}`);
