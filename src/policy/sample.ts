import { POLICY_DEFAULTS, type PolicyDefault } from './defaults.js';

function commentLines(text: string): string[] {
  return text.split('\n').map((line) => (line === '' ? '#' : `# ${line}`));
}

function ruleBlock(d: PolicyDefault): string {
  const lines = commentLines(d.description);
  // JSON strings are valid double-quoted YAML scalars, so the line parses once uncommented.
  lines.push(`#${JSON.stringify(d.name)}: ${JSON.stringify(d.check)}`);
  if (d.deprecatedName !== undefined) {
    lines.push(
      '#',
      `# Formerly ${JSON.stringify(d.deprecatedName)} (default ${JSON.stringify(d.deprecatedCheck ?? '')}).`,
      '# If only the former name is overridden, with another value, that value',
      '# applies to this rule as well.',
    );
  }
  return lines.join('\n');
}

/**
 * Every default rule as a commented-out policy.yaml: uncomment a rule line
 * and change its check string to override it.
 */
export function policySampleYaml(): string {
  const header = [
    '# Magnetar policy defaults.',
    '#',
    '# Each rule below is commented out and shows its built-in default.',
    '# To override a rule, copy it into policy.yaml (or a file in policy.d),',
    '# remove the leading "#" and edit the check string. Rules left out keep',
    '# their defaults.',
  ].join('\n');
  return [header, ...POLICY_DEFAULTS.map(ruleBlock)].join('\n\n') + '\n';
}
