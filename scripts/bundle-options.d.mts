import type { BuildOptions } from 'esbuild';

/** Packages the app bundles import at run time instead of bundling. */
export declare const EXTERNAL: string[];
/** esbuild build options for one app of the checkout at `root`. */
export declare function appBundleOptions(root: string, app: 'producer' | 'consumer', outfile: string): BuildOptions;
