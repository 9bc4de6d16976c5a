/** A GET /v2/images query Glance refuses with 400. */
export class ImageQueryError extends Error {}
