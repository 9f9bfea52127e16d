/**
 * Real public datasets for the tests, fetched the project's way: an npm package from the npm
 * registry (`npm pack`, integrity checked by npm), cached under the cache dir, one CSV
 * extracted from it. The first run downloads (~17 MB), later runs start from the cache.
 *
 * `vega-datasets` (BSD-3-Clause) ships the data of the Vega examples as CSV and JSON files;
 * `data/weather.csv` holds daily weather of Seattle and New York, 2012–2015: 2 922 rows of
 * location, date, precipitation, temp_max, temp_min, wind, weather — key (location, date).
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from '../../src/support/paths.ts';

const run = promisify(execFile);

/** The package and version the tests read. */
export const VEGA_DATASETS = { name: 'vega-datasets', version: '3.2.1' } as const;

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The path of `file` (e.g. `data/weather.csv`) inside the cached vega-datasets package,
 * downloading and extracting it on first use.
 */
export async function vegaDatasetFile(file: string, log?: (line: string) => void): Promise<string> {
  const dir = join(cacheDir(), 'datasets', `${VEGA_DATASETS.name}-${VEGA_DATASETS.version}`);
  const target = join(dir, 'package', file);
  if (await exists(target)) return target;
  await mkdir(dir, { recursive: true });
  const tarball = join(dir, `${VEGA_DATASETS.name}-${VEGA_DATASETS.version}.tgz`);
  if (!(await exists(tarball))) {
    log?.(`fetching ${VEGA_DATASETS.name}@${VEGA_DATASETS.version} from the npm registry into ${dir}`);
    const scratch = join(dir, `.pack-${process.pid}`);
    await mkdir(scratch, { recursive: true });
    try {
      await run('npm', ['pack', `${VEGA_DATASETS.name}@${VEGA_DATASETS.version}`, '--pack-destination', scratch], {
        timeout: 5 * 60_000,
      });
      const [packed] = (await readdir(scratch)).filter((f) => f.endsWith('.tgz'));
      if (!packed) throw new Error(`npm pack ${VEGA_DATASETS.name}@${VEGA_DATASETS.version} wrote no tarball`);
      await rename(join(scratch, packed), tarball);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  await run('tar', ['-xzf', tarball, '-C', dir, `package/${file}`]);
  if (!(await exists(target))) throw new Error(`${tarball} holds no package/${file}`);
  return target;
}
