// Request bodies of the console actions (2.1–2.5) and of
// POST /servers/{id}/remote-consoles (2.6: vnc, spice, serial, rdp; 2.8: mks
// and webmks; 2.99: spice-direct). Types a protocol does not serve pass
// here and are refused by the compute side, as Nova does.
import type { JsonSchema } from '../validation.js';

const action = (name: string, types: readonly string[]): JsonSchema => ({
  type: 'object',
  properties: {
    [name]: {
      type: 'object',
      properties: { type: { type: 'string', enum: [...types] } },
      required: ['type'],
      additionalProperties: false,
    },
  },
  required: [name],
  additionalProperties: false,
});

export const getVncConsoleSchema = action('os-getVNCConsole', ['novnc', 'xvpvnc']);
export const getSpiceConsoleSchema = action('os-getSPICEConsole', ['spice-html5']);
export const getSerialConsoleSchema = action('os-getSerialConsole', ['serial']);
/** Nova does not look at the body of the removed RDP action. */
export const getRdpConsoleSchema: JsonSchema = {};

const create = (protocols: readonly string[], types: readonly string[]): JsonSchema => ({
  type: 'object',
  properties: {
    remote_console: {
      type: 'object',
      properties: {
        protocol: { type: 'string', enum: [...protocols] },
        type: { type: 'string', enum: [...types] },
      },
      required: ['protocol', 'type'],
      additionalProperties: false,
    },
  },
  required: ['remote_console'],
  additionalProperties: false,
});

const V26_PROTOCOLS = ['vnc', 'spice', 'serial', 'rdp'];
const V26_TYPES = ['novnc', 'xvpvnc', 'spice-html5', 'serial', 'rdp-html5'];
export const createV26 = create(V26_PROTOCOLS, V26_TYPES);
export const createV28 = create([...V26_PROTOCOLS, 'mks'], [...V26_TYPES, 'webmks']);
export const createV299 = create([...V26_PROTOCOLS, 'mks'], [...V26_TYPES, 'webmks', 'spice-direct']);
