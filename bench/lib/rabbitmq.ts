// The RabbitMQ broker on this machine, seen through `rabbitmqctl` (the
// management API is not assumed): a virtual host per benchmark run, so its
// queues and connections can be counted and dropped with it, and the
// memory the broker spends on them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ctl(args: readonly string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000, maxBuffer: 64 * 2 ** 20 });
  return stdout;
}

/** Whether `rabbitmqctl` can reach the broker (it runs on this machine and we may use it). */
export async function rabbitmqctlWorks(): Promise<boolean> {
  try {
    await ctl(['list_vhosts']);
    return true;
  } catch {
    return false;
  }
}

export async function addVhost(name: string, user = 'guest'): Promise<void> {
  await ctl(['add_vhost', name]);
  await ctl(['set_permissions', '-p', name, user, '.*', '.*', '.*']);
}

export async function deleteVhost(name: string): Promise<void> {
  await ctl(['delete_vhost', name]).catch(() => undefined);
}

export interface QueueRow {
  readonly name: string;
  /** Bytes the queue's Erlang process holds (RabbitMQ's `memory` item). */
  readonly memory: number;
  readonly consumers: number;
  readonly messages: number;
}

export async function listQueues(vhost: string): Promise<QueueRow[]> {
  const out = await ctl(['list_queues', '-p', vhost, '--no-table-headers', 'name', 'memory', 'consumers', 'messages']);
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name, memory, consumers, messages] = l.split('\t');
      return { name: name!, memory: Number(memory), consumers: Number(consumers), messages: Number(messages) };
    });
}

export async function connectionCount(vhost: string): Promise<number> {
  const out = await ctl(['list_connections', '--no-table-headers', 'vhost']);
  return out.split('\n').filter((l) => l.trim() === vhost).length;
}

/** The broker's memory as `rabbitmqctl status` breaks it down, in bytes (all virtual hosts). */
export interface BrokerMemory {
  readonly total: number;
  readonly queueProcs: number;
  /** connection_readers + connection_writers + connection_channels + connection_other. */
  readonly connections: number;
}

/** How many client connections the broker can take: its `sockets_limit` (from the file descriptors it may open). */
export async function brokerSocketLimit(): Promise<number> {
  const s = JSON.parse(await ctl(['status', '--formatter', 'json'])) as { file_descriptors?: { sockets_limit?: number } };
  return s.file_descriptors?.sockets_limit ?? NaN;
}

export async function brokerMemory(): Promise<BrokerMemory> {
  const s = JSON.parse(await ctl(['status', '--formatter', 'json'])) as { memory: Record<string, number | Record<string, number>> };
  const m = s.memory;
  const n = (k: string): number => (typeof m[k] === 'number' ? (m[k] as number) : 0);
  const total = m['total'];
  return {
    total: typeof total === 'object' ? (total['rss'] ?? total['erlang'] ?? 0) : Number(total),
    queueProcs: n('queue_procs'),
    connections: n('connection_readers') + n('connection_writers') + n('connection_channels') + n('connection_other'),
  };
}
