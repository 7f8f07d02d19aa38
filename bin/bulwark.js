#!/usr/bin/env -S node --max-semi-space-size=32 --heap-growing-percent=100 --disable-warning=ExperimentalWarning
// Installed entry point. Bulwark ships TypeScript that Node >= 24 runs directly (type stripping),
// so this shim only checks the Node version and hands over to src/main.ts.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `bulwark needs Node.js 24 or newer to run its TypeScript sources; this is Node ${process.version}.`,
  );
  process.exit(1);
}
try {
  await import('../src/main.ts');
} catch (error) {
  // Node refuses to strip types under node_modules, which is where a registry install puts us.
  if (error?.code !== 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING') throw error;
  console.error('bulwark: Node does not run TypeScript from inside node_modules; run it from a git checkout');
  console.error('(npm link, or npm install -g <path to checkout>), or use a built package.');
  process.exit(1);
}
