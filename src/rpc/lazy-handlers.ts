// Handlers made when the first message asks for one. A process serving ten
// thousand simulated hosts would otherwise hold a hundred closures per host
// (with their scopes) for hosts that may never get a message: a third of its
// heap, and a good part of its start-up in building and collecting them.
// The proxy's traps are shared by every table; each table is only its target.
import type { Handler, Handlers } from './bus.js';

interface Pending {
  make: (() => Handlers) | undefined;
  made: Handlers | undefined;
}

const pending = new WeakMap<object, Pending>();

function real(target: object): Handlers {
  const p = pending.get(target)!;
  if (p.made === undefined) {
    p.made = p.make!();
    p.make = undefined;
  }
  return p.made;
}

// Only what the bus asks of a handler table: is there a handler of this name, and which is it.
const traps: ProxyHandler<Handlers> = {
  get: (t, name): Handler | undefined => (typeof name === 'string' && Object.hasOwn(real(t), name) ? real(t)[name] : undefined),
  has: (t, name) => typeof name === 'string' && Object.hasOwn(real(t), name),
  getOwnPropertyDescriptor: (t, name) => (typeof name === 'string' ? Object.getOwnPropertyDescriptor(real(t), name) : undefined),
  ownKeys: (t) => Reflect.ownKeys(real(t)),
};

export function lazyHandlers(make: () => Handlers): Handlers {
  const target = Object.create(null) as Handlers;
  pending.set(target, { make, made: undefined });
  return new Proxy(target, traps);
}
