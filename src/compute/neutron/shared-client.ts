// One network service client per configuration, so its service token is
// shared by every caller of a process instead of fetched per request.
import type { Config } from '../../config/config.js';
import { NeutronClient } from './client.js';

const CLIENTS = new WeakMap<Config, NeutronClient>();

export function neutronFor(conf: Config): NeutronClient {
  let c = CLIENTS.get(conf);
  if (!c) {
    c = new NeutronClient(conf);
    CLIENTS.set(conf, c);
  }
  return c;
}
