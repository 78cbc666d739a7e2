// `npm run bench -- <name> [args...]`: runs packages/*/bench/<name>.ts with `node --import tsx`.
// Helpers next to the benches (`*-server.ts`, anything under `lib/`) are not benches.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = path.join(root, 'packages');

/** Every bench as `{ name, pkg, file }`, sorted by name. */
function listBenches() {
  const benches = [];
  for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue;
    const dir = path.join(packagesDir, pkg.name, 'bench');
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
      if (entry.name.endsWith('-server.ts')) continue;
      benches.push({ name: entry.name.slice(0, -'.ts'.length), pkg: pkg.name, file: path.join(dir, entry.name) });
    }
  }
  return benches.sort((a, b) => a.name.localeCompare(b.name) || a.pkg.localeCompare(b.pkg));
}

const [name, ...rest] = process.argv.slice(2);
const benches = listBenches();
const matches = benches.filter((b) => b.name === name);

if (!name || matches.length === 0) {
  if (name) console.error(`bench: no bench named "${name}"`);
  console.error('usage: npm run bench -- <name> [args...]\n\navailable benches:');
  for (const b of benches) console.error(`  ${b.name.padEnd(20)} packages/${b.pkg}/bench/${b.name}.ts`);
  if (benches.length === 0) console.error('  (none)');
  process.exit(2);
}
if (matches.length > 1) {
  console.error(`bench: "${name}" is ambiguous: ${matches.map((b) => `packages/${b.pkg}`).join(', ')}`);
  process.exit(2);
}

const child = spawn(process.execPath, ['--import', 'tsx', matches[0].file, ...rest], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  console.error(`bench: could not start ${matches[0].file}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1));
});
