// Installs the locked dependencies when they are missing or stale, regenerates the web app's API
// types when the API's contracts changed, and builds the web app when its sources changed, so
// `npm run demo` and `npm test` work on a fresh clone with nothing but Node.
// Plain JavaScript: it must run before tsx exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules', '.package-lock.json');

function upToDate() {
  if (!existsSync(installed)) return false;
  const wanted = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  return Object.entries(wanted).every(
    ([name, meta]) => name === '' || meta.optional || have[name]?.version === meta.version,
  );
}

if (!upToDate()) {
  console.log('Installing dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('npm ci failed: see the messages above.');
    process.exit(result.status ?? 1);
  }
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'dist' || e.name === 'node_modules' ? [] : filesUnder(full);
    return [full];
  });
}
function hashOf(files) {
  const hash = createHash('sha256');
  for (const file of [...files].sort())
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}
const domainSources = filesUnder(path.join(root, 'pipeline', 'domain')).filter((f) => !f.endsWith('.test.ts'));

// The web app's API types: regenerated (npm run gen:api-types) when the contracts they come from, or
// the generated file itself, changed since the last run. A new file then rebuilds the web app below.
// Not under CI: there the committed file is what is tested (test/contract/web-api-types.test.ts
// fails when it is stale), and regenerating it first would hide a forgotten `npm run gen:api-types`.
const apiTypes = path.join(root, 'web', 'src', 'api', 'schema.d.ts');
const contractStamp = path.join(root, 'node_modules', '.cache', 'hazardscope', 'api-types.hash');
const contractSources = [
  ...filesUnder(path.join(root, 'api')).filter((f) => !f.endsWith('.test.ts')),
  ...domainSources,
  path.join(root, 'scripts', 'gen-api-types.ts'),
  lock,
];
const contractHash = () => hashOf(existsSync(apiTypes) ? [...contractSources, apiTypes] : contractSources);
if (!process.env.CI && (!existsSync(contractStamp) || readFileSync(contractStamp, 'utf8') !== contractHash())) {
  console.log("Generating the web app's API types (npm run gen:api-types)…");
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const result = spawnSync(process.execPath, [tsx, path.join(root, 'scripts', 'gen-api-types.ts')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) {
    console.error('Generating the API types failed: see the messages above.');
    process.exit(result.status ?? 1);
  }
  mkdirSync(path.dirname(contractStamp), { recursive: true });
  writeFileSync(contractStamp, contractHash());
}

// The web app: rebuilt when any of its sources (or the domain labels it shares) changed since the last build.
const webDist = path.join(root, 'web', 'dist');
const stamp = path.join(webDist, '.source-hash');
const sourceHash = hashOf([...filesUnder(path.join(root, 'web')), ...domainSources, lock]);
if (
  !existsSync(stamp) ||
  readFileSync(stamp, 'utf8') !== sourceHash ||
  !statSync(path.join(webDist, 'index.html'), { throwIfNoEntry: false }) ||
  // The offline verifier page (web/verify) is written by the same build.
  !statSync(path.join(webDist, 'verify.html'), { throwIfNoEntry: false })
) {
  console.log('Building the web app (vite build)…');
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--config', path.join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    console.error('Building the web app failed: see the messages above.');
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, sourceHash);
}
