// Request bodies and queries of os-security-groups, os-security-group-rules
// and the addSecurityGroup/removeSecurityGroup actions, as Nova validates
// them (rule ports and protocol are checked by the rule logic, not here).
import type { JsonSchema } from '../validation.js';
import { badRequest } from '../faults.js';
import type { QuerySchema } from '../query.js';
import { isUuidLike } from '../../compute/neutron/security-groups.js';

const NAME_AND_DESCRIPTION = { type: 'string', minLength: 0, maxLength: 255 } as const;

export const GROUP_BODY: JsonSchema = {
  type: 'object',
  properties: {
    security_group: {
      type: 'object',
      properties: { name: NAME_AND_DESCRIPTION, description: NAME_AND_DESCRIPTION },
      required: ['name', 'description'],
      additionalProperties: true,
    },
  },
  required: ['security_group'],
  additionalProperties: true,
};

export interface GroupBody {
  readonly security_group: { readonly name: string; readonly description: string };
}

export const RULE_BODY: JsonSchema = {
  type: 'object',
  properties: {
    security_group_rule: {
      type: 'object',
      properties: { group_id: { type: ['string', 'null'] }, parent_group_id: { type: 'string' } },
      required: ['parent_group_id'],
      additionalProperties: true,
    },
  },
  required: ['security_group_rule'],
  additionalProperties: true,
};

export interface RuleBody {
  readonly security_group_rule: {
    readonly parent_group_id: string;
    readonly group_id?: string | null;
    readonly ip_protocol?: unknown;
    readonly from_port?: unknown;
    readonly to_port?: unknown;
    readonly cidr?: unknown;
  };
}

/** The `format: uuid` of Nova's rule schema (ajv here does not check formats). */
export function checkRuleIds(body: RuleBody): void {
  const r = body.security_group_rule;
  for (const field of ['parent_group_id', 'group_id'] as const) {
    const v = r[field];
    if (typeof v === 'string' && !isUuidLike(v)) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${v}. '${v}' is not a 'uuid'`);
  }
}

export const actionBody = (action: 'addSecurityGroup' | 'removeSecurityGroup'): JsonSchema => ({
  type: 'object',
  properties: {
    [action]: {
      type: 'object',
      properties: { name: { type: 'string', minLength: 1 } },
      required: ['name'],
      additionalProperties: false,
    },
  },
  required: [action],
  additionalProperties: true,
});

export const GROUP_LIST_QUERY: QuerySchema = {
  params: { limit: { type: 'nonNegInt' }, offset: { type: 'nonNegInt' }, all_tenants: {} },
  strict: false,
};

/** GET /servers/{id}/os-security-groups takes no parameters; from 2.102 unknown ones are refused. */
export const SERVER_GROUPS_QUERY: QuerySchema = { params: {}, strict: true };
