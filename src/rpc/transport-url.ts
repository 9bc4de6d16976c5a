// Nova's [DEFAULT] transport_url is an oslo.messaging URL:
//   rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost?ssl=1
// amqplib wants one amqp:// (or amqps://) URL per broker. This turns the one
// into the others, in the order given, so the bus can try each broker in turn.

// Query parameters amqplib understands; oslo-only ones (ssl_ca_file, …) are not passed on.
const AMQPLIB_PARAMS = new Set(['heartbeat', 'frameMax', 'channelMax', 'locale']);

export class InvalidTransportUrl extends Error {
  constructor(
    readonly url: string,
    detail: string,
  ) {
    super(`Invalid transport_url ${redactTransportUrl(url)}: ${detail}`);
    this.name = 'InvalidTransportUrl';
  }
}

/** The URL's scheme (`rabbit`, `local`, …), lower-cased. */
export function transportScheme(url: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (match === null) throw new InvalidTransportUrl(url, 'expected <driver>://...');
  return (match[1] as string).toLowerCase();
}

export function toAmqpUrls(transportUrl: string): string[] {
  const scheme = transportScheme(transportUrl);
  if (scheme !== 'rabbit' && scheme !== 'amqp' && scheme !== 'amqps') {
    throw new InvalidTransportUrl(transportUrl, `driver ${scheme} is not RabbitMQ`);
  }
  const rest = transportUrl.slice(scheme.length + 3);
  const match = /^([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/.exec(rest);
  if (match === null) throw new InvalidTransportUrl(transportUrl, 'cannot parse');
  const netloc = match[1] ?? '';
  const path = match[2] ?? '/';
  const query = new URLSearchParams((match[3] ?? '').slice(1));

  const ssl = scheme === 'amqps' || isTrue(query.get('ssl'));
  const forwarded = new URLSearchParams();
  for (const [key, value] of query) if (AMQPLIB_PARAMS.has(key)) forwarded.append(key, value);
  const suffix = forwarded.size > 0 ? `?${forwarded.toString()}` : '';
  const protocol = ssl ? 'amqps' : 'amqp';

  const hosts = netloc === '' ? ['localhost'] : netloc.split(',');
  return hosts.map((host) => {
    if (host === '') throw new InvalidTransportUrl(transportUrl, 'empty host in host list');
    return `${protocol}://${host}${path}${suffix}`;
  });
}

/** The URL with passwords masked, fit for logs and error messages. */
export function redactTransportUrl(url: string): string {
  // user:password@ → user:***@, for every host of a comma-separated list.
  return url.replace(/([/,][^:/@,]*):[^@/,]*@/g, '$1:***@');
}

function isTrue(value: string | null): boolean {
  return value !== null && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}
