// Picks the bus from Nova's [DEFAULT] transport_url: `local://` (or oslo's
// `fake://`) for the in-process bus of all-in-one mode, `rabbit://…` for RabbitMQ.

import type { Bus } from './bus.js';
import { AmqpBus, type AmqpBusOptions } from './amqp.js';
import { LocalBus } from './local.js';
import { InvalidTransportUrl, transportScheme } from './transport-url.js';

export async function createBus(transportUrl: string, opts: AmqpBusOptions = {}): Promise<Bus> {
  const scheme = transportScheme(transportUrl);
  switch (scheme) {
    case 'local':
    case 'fake':
      return new LocalBus(opts);
    case 'rabbit':
    case 'amqp':
    case 'amqps':
      return AmqpBus.connect(transportUrl, opts);
    default:
      throw new InvalidTransportUrl(transportUrl, `unsupported driver ${scheme} (use local:// or rabbit://)`);
  }
}
