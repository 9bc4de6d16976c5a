// The --os-* options of Magnetar's operator commands, named as the
// `openstack` client names them (each also read from its OS_* variable).
import type { Command } from 'commander';

export function withOsOptions(cmd: Command): Command {
  return cmd
    .option('--os-cloud <name>', 'cloud in clouds.yaml (env OS_CLOUD)')
    .option('--os-auth-url <url>', 'identity endpoint (env OS_AUTH_URL)')
    .option('--os-username <name>', 'user name (env OS_USERNAME)')
    .option('--os-user-id <id>', 'user id (env OS_USER_ID)')
    .option('--os-password <password>', 'password (env OS_PASSWORD)')
    .option('--os-project-name <name>', 'project name (env OS_PROJECT_NAME)')
    .option('--os-project-id <id>', 'project id (env OS_PROJECT_ID)')
    .option('--os-user-domain-name <name>', 'user domain name (env OS_USER_DOMAIN_NAME)')
    .option('--os-user-domain-id <id>', 'user domain id (env OS_USER_DOMAIN_ID)')
    .option('--os-project-domain-name <name>', 'project domain name (env OS_PROJECT_DOMAIN_NAME)')
    .option('--os-project-domain-id <id>', 'project domain id (env OS_PROJECT_DOMAIN_ID)')
    .option('--os-region-name <name>', 'region of the compute endpoint (env OS_REGION_NAME)')
    .option('--os-interface <interface>', 'public, internal or admin endpoint (env OS_INTERFACE)');
}
