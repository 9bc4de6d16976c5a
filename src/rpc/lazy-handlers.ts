// Handlers made when the first message asks for one. A process serving ten
// thousand simulated hosts would otherwise hold a hundred closures per host
// (with their scopes) for hosts that may never get a message: a third of its
// heap, and a good part of its start-up in building and collecting them.
import type { Handler, Handlers } from './bus.js';

export function lazyHandlers(make: () => Handlers): Handlers {
  let made: Handlers | undefined;
  const real = (): Handlers => (made ??= make());
  // Only what the bus asks of a handler table: is there a handler of this name, and which is it.
  return new Proxy(Object.create(null) as Handlers, {
    get: (_t, name): Handler | undefined => (typeof name === 'string' && Object.hasOwn(real(), name) ? real()[name] : undefined),
    has: (_t, name) => typeof name === 'string' && Object.hasOwn(real(), name),
    getOwnPropertyDescriptor: (_t, name) => (typeof name === 'string' ? Object.getOwnPropertyDescriptor(real(), name) : undefined),
    ownKeys: () => Reflect.ownKeys(real()),
  });
}
