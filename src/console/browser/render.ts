// The console's views, as HTML text from the API's answers. Every value
// from the API is escaped; buttons carry what they act on in data- attributes.

export interface HostRow {
  readonly host: string;
  readonly zone: string;
  readonly serviceId: string;
  readonly status: string;
  readonly state: string;
  readonly forcedDown: boolean;
  readonly disabledReason: string | null;
  readonly vcpus: number | null;
  readonly vcpusUsed: number | null;
  readonly memoryMb: number | null;
  readonly memoryMbUsed: number | null;
  readonly servers: number;
}

export const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const button = (label: string, action: string, attrs: Record<string, string>): string =>
  `<button data-action="${esc(action)}" ${Object.entries(attrs).map(([k, v]) => `data-${k}="${esc(v)}"`).join(' ')}>${esc(label)}</button>`;

export function hostsView(hosts: readonly HostRow[]): string {
  const rows = hosts.map((h) => {
    const health = h.forcedDown ? 'forced down' : h.state;
    const actions = [
      h.status === 'enabled' ? button('Disable', 'disable', { service: h.serviceId }) : button('Enable', 'enable', { service: h.serviceId }),
      h.forcedDown ? button('Unforce down', 'unforce', { service: h.serviceId }) : button('Force down', 'force-down', { service: h.serviceId }),
      h.state === 'up' && !h.forcedDown ? button('Drain', 'drain', { host: h.host }) : button('Evacuate all', 'evacuate-host', { host: h.host }),
    ].join(' ');
    const cap = (used: number | null, total: number | null, unit: string) => (total === null ? '-' : `${used ?? 0} / ${total}${unit}`);
    return `<tr data-host="${esc(h.host)}" class="${h.state === 'up' && !h.forcedDown ? 'up' : 'down'}">
      <td class="name">${esc(h.host)}</td><td>${esc(h.zone)}</td>
      <td class="health">${esc(health)}</td><td>${esc(h.status)}${h.disabledReason ? ` (${esc(h.disabledReason)})` : ''}</td>
      <td>${cap(h.vcpusUsed, h.vcpus, '')}</td><td>${cap(h.memoryMbUsed, h.memoryMb, ' MB')}</td>
      <td class="servers">${h.servers}</td><td>${actions}</td></tr>`;
  });
  return `<table id="hosts-table"><thead><tr><th>Host</th><th>Zone</th><th>State</th><th>Status</th><th>vCPUs</th><th>RAM</th><th>Servers</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function serversView(servers: readonly any[], progress: ReadonlyMap<string, string>): string {
  const rows = servers.map((s) => {
    const task = s['OS-EXT-STS:task_state'];
    const actions =
      s.status === 'VERIFY_RESIZE'
        ? button('Confirm', 'confirm', { server: s.id })
        : [
            button('Live migrate', 'live-migrate', { server: s.id }),
            button('Migrate', 'migrate', { server: s.id }),
            button('Evacuate', 'evacuate', { server: s.id }),
            button('Reset to active', 'reset-active', { server: s.id }),
            button('Reset to error', 'reset-error', { server: s.id }),
          ].join(' ');
    return `<tr data-server="${esc(s.id)}"><td>${esc(s.name)}</td><td class="mono">${esc(s.id)}</td><td class="status">${esc(s.status)}</td>
      <td>${esc(task ?? '')}</td><td class="host">${esc(s['OS-EXT-SRV-ATTR:host'] ?? '')}</td><td class="progress">${esc(progress.get(s.id) ?? '')}</td><td>${actions}</td></tr>`;
  });
  return `<table id="servers-table"><thead><tr><th>Server</th><th>ID</th><th>Status</th><th>Task</th><th>Host</th><th>Progress</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function migrationsView(migrations: readonly any[], progress: ReadonlyMap<string, string>): string {
  if (migrations.length === 0) return '<p class="quiet" id="no-migrations">No migration in flight.</p>';
  const rows = migrations.map(
    (m) => `<tr data-migration="${esc(m.id)}"><td>${esc(m.migration_type)}</td><td class="mono">${esc(m.instance_uuid)}</td><td>${esc(m.source_compute)} → ${esc(m.dest_compute ?? '?')}</td>
      <td class="status">${esc(m.status)}</td><td class="progress">${esc(progress.get(m.instance_uuid) ?? '')}</td></tr>`,
  );
  return `<table id="migrations-table"><thead><tr><th>Type</th><th>Server</th><th>Move</th><th>Status</th><th>Progress</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function activityView(lines: readonly { at: string; text: string }[]): string {
  return lines.map((l) => `<li><span class="at">${esc(l.at)}</span> ${esc(l.text)}</li>`).join('');
}
