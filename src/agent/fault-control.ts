// Bus handlers through which the admin fault-injection endpoint reaches the
// simulated hosts of a process (their fake drivers share one rule set).
import type { Handlers, Json } from '../rpc/bus.js';
import type { FaultRules, FaultRuleInput } from '../virt/fake/faults.js';

export function faultControlHandlers(faults: FaultRules): Handlers {
  return {
    fault_add(args) {
      const rule = faults.add(args['rule'] as unknown as FaultRuleInput);
      return rule as unknown as Json;
    },
    /** The rules, with the id of the store that holds them (agents of one process share it). */
    fault_list() {
      return { storeId: faults.storeId, rules: faults.list() as unknown as Json };
    },
    fault_remove(args) {
      return faults.remove(String(args['id']));
    },
    fault_clear() {
      faults.clear();
      return null;
    },
  };
}
