// Every route module of the compute API.
import type { Registrar } from '../server.js';
import { registerServersRoutes } from './servers.js';
import { registerServerPowerRoutes } from './server-power.js';
import { registerAggregateRoutes } from './aggregates.js';
import { registerServerRebuildRoutes } from './server-rebuild.js';
import { registerMigrateLiveRoutes } from './migrate-live.js';
import { registerServerMigrationsRoutes } from './server-migrations.js';
import { registerMigrationsRoutes } from './migrations.js';
import { registerFlavorRoutes } from './flavors.js';
import { registerFlavorManageRoutes } from './flavor-manage.js';
import { registerFlavorAccessRoutes } from './flavor-access.js';
import { registerFlavorExtraSpecsRoutes } from './flavor-extra-specs.js';
import { registerAvailabilityZoneRoutes } from './availability-zones.js';
import { registerServiceRoutes } from './services.js';
import { registerHypervisorRoutes } from './hypervisors.js';
import { registerInstanceActionRoutes } from './instance-actions.js';
import { registerAdminActionRoutes } from './admin-actions.js';
import { registerMigrateServerRoutes } from './migrate-server.js';
import { registerResizeRoutes } from './resize.js';
import { registerEvacuateRoutes } from './evacuate.js';
import { registerMagnetarFaultRoutes } from './magnetar-faults.js';
import { registerMagnetarAuditRoutes } from './magnetar-audit.js';
import { registerMagnetarHostRoutes } from './magnetar-hosts.js';
import { registerMagnetarEventRoutes } from './magnetar-events.js';
import { registerMagnetarClockRoutes } from './magnetar-clock.js';
import { registerKeypairRoutes } from './keypairs.js';
import { registerRemoteConsoleRoutes } from './remote-consoles.js';
import { registerServerExternalEventRoutes } from './server-external-events.js';
import { registerConsoleAuthTokenRoutes } from './console-auth-tokens.js';
import { registerQuotaSetRoutes } from './quota-sets.js';
import { registerQuotaClassSetRoutes } from './quota-class-sets.js';
import { registerLimitsRoutes } from './limits.js';
import { registerDeferredDeleteRoutes } from './deferred-delete.js';
import { registerConsoleOutputRoutes } from './console-output.js';
import { registerRescueRoutes } from './rescue.js';
import { registerShelveRoutes } from './shelve.js';
import { registerServerImageRoutes } from './server-images.js';
import { registerImageProxyRoutes } from './images.js';
import { registerImageMetadataRoutes } from './image-metadata.js';
import { registerServerMetadataRoutes } from './server-metadata.js';
import { registerServerTagRoutes } from './server-tags.js';
import { registerIpsRoutes } from './ips.js';
import { registerInterfaceRoutes } from './interfaces.js';
import { registerServerPasswordRoutes } from './server-password.js';
import { registerServerDiagnosticsRoutes } from './server-diagnostics.js';
import { registerTriggerCrashDumpRoutes } from './trigger-crash-dump.js';
import { registerServerGroupRoutes } from './server-groups.js';
import { registerSimpleTenantUsageRoutes } from './simple-tenant-usage.js';
import { registerRemovedRoutes } from './removed.js';
import { registerHostRoutes } from './hosts.js';
import { registerInstanceUsageAuditLogRoutes } from './instance-usage-audit-log.js';
import { registerExtensionRoutes } from './extensions.js';
import { registerNetworkRoutes } from './networks.js';
import { registerTenantNetworkRoutes } from './tenant-networks.js';
import { registerSecurityGroupRoutes } from './security-groups.js';
import { registerSecurityGroupRuleRoutes } from './security-group-rules.js';
import { registerServerSecurityGroupRoutes } from './server-security-groups.js';
import { registerFloatingIpPoolRoutes } from './floating-ip-pools.js';
import { registerFloatingIpRoutes } from './floating-ips.js';
import { registerServerFloatingIpRoutes } from './server-floating-ips.js';

export const ALL_ROUTES: Registrar[] = [
  registerRemoteConsoleRoutes,
  registerServerExternalEventRoutes,
  registerConsoleAuthTokenRoutes,
  registerServersRoutes,
  registerMigrateLiveRoutes,
  registerServerMigrationsRoutes,
  registerMigrationsRoutes,
  registerServerPowerRoutes,
  registerAggregateRoutes,
  registerServerRebuildRoutes,
  registerFlavorRoutes,
  registerFlavorManageRoutes,
  registerFlavorAccessRoutes,
  registerFlavorExtraSpecsRoutes,
  registerAvailabilityZoneRoutes,
  registerServiceRoutes,
  registerHypervisorRoutes,
  registerInstanceActionRoutes,
  registerAdminActionRoutes,
  registerMigrateServerRoutes,
  registerResizeRoutes,
  registerEvacuateRoutes,
  registerMagnetarFaultRoutes,
  registerMagnetarAuditRoutes,
  registerMagnetarHostRoutes,
  registerMagnetarEventRoutes,
  registerMagnetarClockRoutes,
  registerKeypairRoutes,
  registerQuotaSetRoutes,
  registerQuotaClassSetRoutes,
  registerLimitsRoutes,
  registerDeferredDeleteRoutes,
  registerConsoleOutputRoutes,
  registerRescueRoutes,
  registerShelveRoutes,
  registerServerImageRoutes,
  registerImageProxyRoutes,
  registerImageMetadataRoutes,
  registerServerMetadataRoutes,
  registerServerTagRoutes,
  registerIpsRoutes,
  registerInterfaceRoutes,
  registerServerPasswordRoutes,
  registerServerDiagnosticsRoutes,
  registerTriggerCrashDumpRoutes,
  registerServerGroupRoutes,
  registerSimpleTenantUsageRoutes,
  registerRemovedRoutes,
  registerHostRoutes,
  registerInstanceUsageAuditLogRoutes,
  registerExtensionRoutes,
  registerNetworkRoutes,
  registerTenantNetworkRoutes,
  registerSecurityGroupRoutes,
  registerSecurityGroupRuleRoutes,
  registerServerSecurityGroupRoutes,
  registerFloatingIpPoolRoutes,
  registerFloatingIpRoutes,
  registerServerFloatingIpRoutes,
];
