/** prometheusConfig: EC2 discovery by the run's tags on AWS, static targets for the twin. */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ec2TagMetaLabel, prometheusConfig, type StaticTarget } from '../../src/aws/monitoring/prometheus.ts';
import { defaultSpec, withDefaults } from '../../src/spec/defaults.ts';
import { PORTS } from '../../src/spec/ports.ts';
import { TAG_KEYS } from '../../src/spec/tags.ts';

interface Job {
  job_name: string;
  ec2_sd_configs?: Array<{ region: string; port: number; filters: Array<{ name: string; values: string[] }> }>;
  static_configs?: Array<{ targets: string[]; labels: Record<string, string> }>;
  relabel_configs?: Array<{ source_labels: string[]; target_label: string; regex?: string }>;
}
interface Config {
  global: { scrape_interval: string; external_labels: Record<string, string> };
  scrape_configs: Job[];
}

const spec = withDefaults({
  region: 'us-west-2',
  zones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
  monitoring: { scrapeIntervalSeconds: 5 },
});

describe('prometheusConfig ec2', () => {
  const config = parse(prometheusConfig(spec, { mode: 'ec2', runId: 'run-42', stackName: 'pipe' })) as Config;
  const job = (name: string) => config.scrape_configs.find((j) => j.job_name === name)!;

  it('scrapes at the spec interval and labels the run', () => {
    expect(config.global.scrape_interval).toBe('5s');
    expect(config.global.external_labels).toEqual({ pipeline: 'pipe', run_id: 'run-42' });
  });

  it('discovers each app group by the run tags and its group tag, on the apps port', () => {
    for (const group of ['producers', 'consumers']) {
      const sd = job(group).ec2_sd_configs![0]!;
      expect(sd.region).toBe('us-west-2');
      expect(sd.port).toBe(PORTS.appHttp);
      expect(sd.filters).toEqual(
        expect.arrayContaining([
          { name: `tag:${TAG_KEYS.project}`, values: ['terratower'] },
          { name: `tag:${TAG_KEYS.runId}`, values: ['run-42'] },
          { name: `tag:${TAG_KEYS.stack}`, values: ['pipe'] },
          { name: `tag:${TAG_KEYS.group}`, values: [group] },
          { name: 'instance-state-name', values: ['running'] },
        ]),
      );
    }
  });

  it('scrapes node exporter on every instance of the run, and can leave it out', () => {
    const sd = job('node').ec2_sd_configs![0]!;
    expect(sd.port).toBe(PORTS.nodeExporter);
    expect(sd.filters.some((f) => f.name === `tag:${TAG_KEYS.group}`)).toBe(false);
    const without = parse(prometheusConfig(spec, { mode: 'ec2', nodeExporter: false })) as Config;
    expect(without.scrape_configs.map((j) => j.job_name)).toEqual(['producers', 'consumers']);
  });

  it('labels targets with group, zone and member from the instance tags', () => {
    const relabels = job('consumers').relabel_configs!;
    const target = (label: string) => relabels.filter((r) => r.target_label === label).map((r) => r.source_labels[0]);
    expect(target('group')).toEqual(['__meta_ec2_tag_terratower_group']);
    expect(target('zone')).toEqual(['__meta_ec2_availability_zone']);
    expect(target('member')).toEqual(['__meta_ec2_instance_id', '__meta_ec2_tag_terratower_member']);
    expect(ec2TagMetaLabel('terratower:run-id')).toBe('__meta_ec2_tag_terratower_run_id');
  });

  it('filters only by project when no run or stack is given', () => {
    const any = parse(prometheusConfig(defaultSpec(), { mode: 'ec2' })) as Config;
    const names = any.scrape_configs[0]!.ec2_sd_configs![0]!.filters.map((f) => f.name);
    expect(names).not.toContain(`tag:${TAG_KEYS.runId}`);
    expect(names).toContain(`tag:${TAG_KEYS.project}`);
  });
});

describe('prometheusConfig static', () => {
  const targets: StaticTarget[] = [
    { group: 'producers', address: '127.0.1.20:9400', zone: 'zone-a', member: 'producers-1' },
    { group: 'consumers', address: '127.0.1.30:9400', zone: 'zone-a', member: 'consumers-1' },
    { group: 'consumers', address: '127.0.2.30:9400', zone: 'zone-b', member: 'consumers-2' },
  ];

  it('makes one job per group with a labelled static target per member', () => {
    const config = parse(prometheusConfig(spec, { mode: 'static', targets })) as Config;
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual(['producers', 'consumers']);
    const consumers = config.scrape_configs[1]!.static_configs!;
    expect(consumers).toEqual([
      { targets: ['127.0.1.30:9400'], labels: { group: 'consumers', zone: 'zone-a', member: 'consumers-1' } },
      { targets: ['127.0.2.30:9400'], labels: { group: 'consumers', zone: 'zone-b', member: 'consumers-2' } },
    ]);
    expect(config.scrape_configs.some((j) => j.ec2_sd_configs)).toBe(false);
  });

  it('refuses no targets and malformed addresses', () => {
    expect(() => prometheusConfig(spec, { mode: 'static' })).toThrow(/needs targets/);
    expect(() =>
      prometheusConfig(spec, { mode: 'static', targets: [{ ...targets[0]!, address: 'http://x:1' }] }),
    ).toThrow(/not host:port/);
  });
});
