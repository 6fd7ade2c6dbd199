/**
 * The layers point one way (see README, "Architecture"):
 *
 *   pipeline/domain  ←  I/O: inference, repositories, geo, evidence, imaging, db  ←  pipeline/services  ←  entry points
 *
 * Entry points are the programs and what wires them: api/, pipeline/jobs/, pipeline/worker.ts, the
 * composition root (container, config, entry), cli/ (the hazardscope command and the demo), the
 * sample flight generator (samples/generator/), model evaluation (models/evaluation/), scripts/ and
 * bench/. One rule per forbidden arrow, so a failure names the arrow. Type-only imports count
 * (tsPreCompilationDeps): a type still ties a layer to the one it comes from. Tests are exempt from
 * the layer rules, since they may build fixtures with any tool the repository has; production code
 * must not import them.
 *
 * Imports that broke a rule when it was introduced are listed in
 * .dependency-cruiser-known-violations.json and tolerated until fixed; `npm run check` fails on any
 * other. Regenerate that list with
 * `npx depcruise-baseline pipeline api cli scripts samples/generator models/evaluation bench test web/src web/verify`
 * only when you remove entries from it, never to let a new violation in.
 */
const DOMAIN = '^pipeline/domain/';
const IO = '^pipeline/(inference|repositories|geo|evidence|imaging|db)/';
const SERVICES = '^pipeline/services/';
const ENTRY_POINTS =
  '^(api/|cli/|scripts/|samples/generator/|models/evaluation/|bench/|pipeline/jobs/|pipeline/(worker|container|config|entry)[.]ts$)';
// The server's programs outside pipeline/ and api/: the web app may not import them, nor they it.
const SERVER_TOOLS = 'cli|scripts|samples/generator|models/evaluation|bench';
const TESTS = '([.]test[.]tsx?$|^test/)';
// Node built-ins that compute without touching the outside world (no files, network, processes, clock).
const PURE_BUILTINS = '^(assert|buffer|crypto|path|url|util)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-imports-only-domain-and-zod',
      comment:
        'pipeline/domain holds pure rules: it may use other domain modules and zod, nothing with I/O and no other layer.',
      severity: 'error',
      from: { path: DOMAIN, pathNot: TESTS },
      to: { pathNot: [DOMAIN, '^node_modules/zod/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-uses-only-pure-builtins',
      comment:
        'pipeline/domain may use Node built-ins that only compute (hashing, paths, text); fs, net, child_process and the like belong to the I/O layers.',
      severity: 'error',
      from: { path: DOMAIN, pathNot: TESTS },
      to: { dependencyTypes: ['core'], pathNot: PURE_BUILTINS },
    },
    {
      name: 'io-does-not-import-services',
      comment:
        'The I/O layers (inference, repositories, geo, evidence, imaging, db) are used by services, never the other way round.',
      severity: 'error',
      from: { path: IO, pathNot: TESTS },
      to: { path: SERVICES },
    },
    {
      name: 'io-does-not-import-entry-points',
      comment:
        'The I/O layers know nothing of the API, the job processor, the CLI, benches or the composition root; what they share with them (job names and payloads, errors) lives in pipeline/domain.',
      severity: 'error',
      from: { path: IO, pathNot: TESTS },
      to: { path: ENTRY_POINTS },
    },
    {
      name: 'services-do-not-import-entry-points',
      comment:
        'Services are use cases: they know nothing of HTTP, BullMQ jobs, the CLI or the container; they signal outcomes with domain errors (e.g. PermanentJobError) that entry points translate.',
      severity: 'error',
      from: { path: SERVICES, pathNot: TESTS },
      to: { path: ENTRY_POINTS },
    },
    {
      name: 'routes-and-job-handlers-go-through-services',
      comment:
        'API routes and job handlers call services; repositories, the engine and storage are reached through them. (CLI tools and benches may use the engine directly.)',
      severity: 'error',
      from: { path: '^(api|pipeline/jobs)/', pathNot: TESTS },
      to: { path: IO },
    },
    {
      name: 'web-shares-only-the-domain',
      comment: 'The web app runs in the browser: of the server code it may import only the shared domain modules.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: `^(pipeline|api|${SERVER_TOOLS}|test)/`, pathNot: DOMAIN },
    },
    {
      name: 'server-does-not-import-the-web-app',
      comment:
        'The server serves web/dist as files; importing the web sources would pull the browser code into Node. The one exception is the API types generated from the server’s own contracts (web/src/api/schema.d.ts, types only), which the CLI’s API client (cli/api-client.ts) shares with the web app.',
      severity: 'error',
      from: { path: `^(pipeline|api|${SERVER_TOOLS})/` },
      to: { path: '^web/', pathNot: '^web/src/api/schema[.]d[.]ts$' },
    },
    {
      name: 'production-does-not-import-tests',
      comment: 'Test files and test/ helpers are not shipped; nothing but tests may import them.',
      severity: 'error',
      from: { pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: 'imports-resolve',
      comment:
        'An import that cannot be resolved is invisible to the rules above, so it fails here (tsc would name the cause).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    // Package entry points as Node resolves them (tsx/esm/api exists only in an exports map).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
