import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Metrics } from '../../pipeline/metrics.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Rule {
  alert: string;
  expr: string;
  annotations: { summary: string; runbook: string };
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

describe('the Prometheus alert rules', () => {
  it('when every rule is read, then each metric it uses is one HazardScope exports and its runbook entry exists', async () => {
    const rules = (
      parse(await readFile(path.join(ROOT, 'ops/prometheus/alerts.yml'), 'utf8')) as {
        groups: Array<{ rules: Rule[] }>;
      }
    ).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(5);

    const metrics = new Metrics({
      snapshot: async () => ({ queues: {}, imagesByStatus: {}, reviewBacklog: { pending: 0, oldestAgeSeconds: 0 } }),
    });
    const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    const runbook = await readFile(path.join(ROOT, 'docs/runbook.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) => anchor(m[1]!)));

    for (const rule of rules) {
      const used = [...rule.expr.matchAll(/hazardscope_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''));
      for (const name of used) expect(exported, `${rule.alert} uses ${name}`).toContain(name);
      const [file, fragment] = rule.annotations.runbook.split('#');
      expect(file, rule.alert).toBe('docs/runbook.md');
      expect(anchors, `${rule.alert} points at #${fragment}`).toContain(fragment);
    }
  });
});
