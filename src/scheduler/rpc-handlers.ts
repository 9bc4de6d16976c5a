// The scheduler's methods on the bus topic `scheduler`.
import type { Handlers } from '../rpc/bus.js';
import { Invalid } from '../compute/errors.js';
import { parseRequestSpec, selectionsToJson } from './request-spec-json.js';
import type { Scheduler } from './scheduler.js';

export function schedulerHandlers(scheduler: Pick<Scheduler, 'selectDestinations'>): Handlers {
  return {
    /** `{ spec, claimFor? }` → the selections, each with its claim made. */
    select_destinations: async (args) => {
      const spec = parseRequestSpec(args['spec']);
      const claimFor = args['claimFor'];
      if (claimFor !== undefined && claimFor !== null && typeof claimFor !== 'string') {
        throw new Invalid('claimFor must be a string');
      }
      const selections = await scheduler.selectDestinations(spec, typeof claimFor === 'string' ? { claimFor } : {});
      return selectionsToJson(selections);
    },
  };
}
