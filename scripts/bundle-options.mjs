// esbuild options of the app bundles: shared by scripts/build.mjs and the test that checks the
// producer's kafkajs replacements reach the kafkajs the bundle runs (test/unit/apps-bundle.test.ts).
import { join } from 'node:path';

/**
 * Packages the app bundles import at run time instead of bundling. kafkajs: the producer puts its
 * replacements in Node's module cache under kafkajs's file names (apps/shared/kafkajs-replace.ts),
 * which only the installed kafkajs files read; a bundled copy would ignore them.
 */
export const EXTERNAL = ['kafkajs'];

/**
 * The external packages, loaded with require() when the module that imports them first runs (as
 * in the sources, where apps load kafkajs with a dynamic import after the replacements are in
 * place) — not as a static `import` at the top of the bundle, which would load kafkajs before
 * the bundle's first statement.
 */
const lazyExternals = {
  name: 'lazy-externals',
  setup(build) {
    // EXTERNAL holds plain package names: nothing to escape.
    const filter = new RegExp(`^(?:${EXTERNAL.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.namespace === 'lazy-externals'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'lazy-externals' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-externals' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** esbuild build options for `app` ('producer' | 'consumer') of the checkout at `root`. */
export function appBundleOptions(root, app, outfile) {
  return {
    entryPoints: [join(root, 'apps', app, 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    plugins: [lazyExternals],
    logLevel: 'warning',
    // Bundled CommonJS dependencies (the AWS SDK, cassandra-driver) call require() on Node builtins.
    banner: {
      js: "import { createRequire as __terratowerCreateRequire } from 'node:module'; const require = __terratowerCreateRequire(import.meta.url);",
    },
  };
}
