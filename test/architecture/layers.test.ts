import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

/**
 * A miniature repository laid out like this one: a few modules that import as the layers allow,
 * and one module per rule that makes exactly the arrow the rule forbids. The project's own
 * .dependency-cruiser.cjs runs over it, so the rules are tested as `npm run check` applies them,
 * without ever putting a wrong file into the real source tree.
 */
const ALLOWED: Record<string, string> = {
  'pipeline/domain/rule.ts': `import { z } from 'zod';\nimport { createHash } from 'node:crypto';\nexport const rule = z.string().parse(createHash('sha256').update('x').digest('hex'));\n`,
  'pipeline/repositories/store.ts': `import { rule } from '../domain/rule.js';\nexport const store = rule;\n`,
  'pipeline/services/use-case.ts': `import { rule } from '../domain/rule.js';\nimport { store } from '../repositories/store.js';\nexport const useCase = rule + store;\n`,
  'pipeline/jobs/registry.ts': `import { rule } from '../domain/rule.js';\nexport const registry = rule;\n`,
  'pipeline/jobs/handlers.ts': `import { useCase } from '../services/use-case.js';\nimport { registry } from './registry.js';\nexport const handlers = useCase + registry;\n`,
  'api/routes/thing.ts': `import { useCase } from '../../pipeline/services/use-case.js';\nexport const route = useCase;\n`,
  'scripts/tool.ts': `import { store } from '../pipeline/repositories/store.js';\nexport const tool = store;\n`,
  // CLI commands, like tools and benches, may use the engine and repositories directly.
  'cli/commands/command.ts': `import { store } from '../../pipeline/repositories/store.js';\nimport { useCase } from '../../pipeline/services/use-case.js';\nexport const command = store + useCase;\n`,
  'web/src/view.ts': `import { rule } from '../../pipeline/domain/rule.js';\nexport const view = rule;\n`,
  'test/factories.ts': `export const factory = 1;\n`,
  // Tests may build fixtures with any tool, whatever layer they test.
  'pipeline/geo/thing.test.ts': `import { tool } from '../../scripts/tool.js';\nimport { factory } from '../../test/factories.js';\nexport const t = tool + factory;\n`,
};

const WRONG: Array<{ rule: string; from: string; to: string; source: string }> = [
  {
    rule: 'domain-imports-only-domain-and-zod',
    from: 'pipeline/domain/calls-service.ts',
    to: 'pipeline/services/use-case.ts',
    source: `import { useCase } from '../services/use-case.js';\nexport const x = useCase;\n`,
  },
  {
    rule: 'domain-uses-only-pure-builtins',
    from: 'pipeline/domain/reads-files.ts',
    to: 'fs',
    source: `import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n`,
  },
  {
    rule: 'io-does-not-import-services',
    from: 'pipeline/repositories/calls-service.ts',
    to: 'pipeline/services/use-case.ts',
    source: `import { useCase } from '../services/use-case.js';\nexport const x = useCase;\n`,
  },
  {
    rule: 'io-does-not-import-entry-points',
    from: 'pipeline/repositories/queue.ts',
    to: 'pipeline/jobs/registry.ts',
    source: `import type { registry } from '../jobs/registry.js';\nexport type X = typeof registry;\n`,
  },
  {
    rule: 'services-do-not-import-entry-points',
    from: 'pipeline/services/detect.ts',
    to: 'pipeline/jobs/registry.ts',
    source: `import type { registry } from '../jobs/registry.js';\nexport type X = typeof registry;\n`,
  },
  {
    rule: 'routes-and-job-handlers-go-through-services',
    from: 'api/routes/rows.ts',
    to: 'pipeline/repositories/store.ts',
    source: `import { store } from '../../pipeline/repositories/store.js';\nexport const x = store;\n`,
  },
  {
    rule: 'web-shares-only-the-domain',
    from: 'web/src/calls-service.ts',
    to: 'pipeline/services/use-case.ts',
    source: `import { useCase } from '../../pipeline/services/use-case.js';\nexport const x = useCase;\n`,
  },
  {
    rule: 'server-does-not-import-the-web-app',
    from: 'pipeline/services/renders.ts',
    to: 'web/src/view.ts',
    source: `import { view } from '../../web/src/view.js';\nexport const x = view;\n`,
  },
  {
    rule: 'production-does-not-import-tests',
    from: 'pipeline/services/uses-factory.ts',
    to: 'test/factories.ts',
    source: `import { factory } from '../../test/factories.js';\nexport const x = factory;\n`,
  },
  {
    rule: 'imports-resolve',
    from: 'pipeline/services/typo.ts',
    to: './missing.js',
    source: `import { gone } from './missing.js';\nexport const x = gone;\n`,
  },
];

describe('layer rules (.dependency-cruiser.cjs)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hazardscope-layers-'));
    const files: Record<string, string> = {
      ...ALLOWED,
      ...Object.fromEntries(WRONG.map((w) => [w.from, w.source])),
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true },
      }),
      // A stand-in for zod, so the fixture resolves packages inside itself as the repository does.
      'node_modules/zod/package.json': JSON.stringify({
        name: 'zod',
        version: '0.0.0',
        type: 'module',
        main: 'index.js',
      }),
      'node_modules/zod/index.js': 'export const z = {};\n',
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('when each forbidden arrow is made once, then each is reported under its own rule, the allowed imports are not, and the run fails', () => {
    // The same reporter as `npm run check`: its exit code is the number of errors, which fails CI.
    const run = spawnSync(
      process.execPath,
      [
        DEPCRUISE,
        'pipeline',
        'api',
        'cli',
        'scripts',
        'web/src',
        'test',
        '--config',
        path.join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      },
    );
    const found = [...run.stdout.matchAll(/^\s*error (\S+): (\S+) → (\S+)$/gm)]
      .map((m) => `${m[1]}: ${m[2]} → ${m[3]}`)
      .sort();
    expect(found, run.stdout + run.stderr).toEqual(WRONG.map((w) => `${w.rule}: ${w.from} → ${w.to}`).sort());
    expect(run.status).toBe(WRONG.length);
  });
});
