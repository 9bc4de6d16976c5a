// The context of one life of a host's agent (see context.ts). A class, not an
// object literal with a getter: the logger is made when the host first logs,
// since most simulated hosts of a big process never do, and the context keeps
// fast properties (an accessor in an object literal made every context a
// dictionary, larger and slower to read than the logger it saved).
import type { Logger } from 'pino';
import type { AgentContext } from './context.js';
import { InstanceEvents } from './instance-events.js';

type Given = Omit<AgentContext, 'log' | 'nodeName' | 'nodeUuid' | 'awaitedEvacuations' | 'instanceEvents'>;

export class LifeContext implements AgentContext {
  readonly host: string;
  readonly nodeName: string;
  nodeUuid = '';
  readonly hostIp: string;
  readonly driver: AgentContext['driver'];
  readonly db: AgentContext['db'];
  readonly bus: AgentContext['bus'];
  readonly conf: AgentContext['conf'];
  readonly clock: AgentContext['clock'];
  readonly crash: AgentContext['crash'];
  readonly owner: string;
  readonly awaitedEvacuations = new Set<string>();
  readonly instanceEvents = new InstanceEvents();
  readonly notifier: AgentContext['notifier'];
  private ownLog: Logger | undefined;

  constructor(
    given: Given,
    /** The process's logger; the host's is its child. */
    private readonly processLog: Logger,
  ) {
    this.host = given.host;
    this.nodeName = given.host;
    this.hostIp = given.hostIp;
    this.driver = given.driver;
    this.db = given.db;
    this.bus = given.bus;
    this.conf = given.conf;
    this.clock = given.clock;
    this.crash = given.crash;
    this.owner = given.owner;
    this.notifier = given.notifier;
  }

  get log(): Logger {
    return (this.ownLog ??= this.processLog.child({ host: this.host }));
  }
}
