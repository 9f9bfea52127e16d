import { describe, expect, it } from 'vitest';
import {
  outputJson,
  outputList,
  outputMap,
  outputMapOfLists,
  outputString,
  parseOutputsJson,
  readPipelineOutputs,
  TerraformOutputError,
} from '../../src/harness/terraform/outputs.ts';

// As `terraform output -json` prints it (Terraform 1.5 / OpenTofu 1.10 agree on this format).
const RAW = JSON.stringify({
  bucket: { sensitive: false, type: 'string', value: 'tt-data' },
  dataset_prefix: { sensitive: false, type: 'string', value: 'payments/' },
  port: { sensitive: false, type: 'number', value: 9092 },
  kafka_bootstrap: { sensitive: false, type: ['list', 'string'], value: ['127.0.1.2:9092', '127.0.2.2:9092'] },
  cassandra_contact_points: { sensitive: false, type: ['tuple', ['string']], value: ['127.0.1.6:9042'] },
  s3_endpoint: { sensitive: false, type: 'string', value: 'http://127.0.1.1:5000' },
  tags: { sensitive: true, type: ['map', 'string'], value: { team: 'data', tier: 2 } },
  asg_names: {
    sensitive: false,
    type: ['object', {}],
    value: { producers: ['p'], consumers: ['c1', 'c2'], kafka: ['k'], cassandra: ['cs'] },
  },
  run_id: { sensitive: false, type: 'string', value: 'tt-1' },
  nested: { sensitive: false, type: 'dynamic', value: { a: [1, 2], b: { c: true } } },
});

describe('terraform output -json parsing', () => {
  const outputs = parseOutputsJson(RAW);

  it('parses every output with its sensitivity', () => {
    expect(Object.keys(outputs)).toHaveLength(10);
    expect(outputs.tags?.sensitive).toBe(true);
    expect(outputs.bucket?.sensitive).toBe(false);
  });

  it('treats empty output (no outputs declared) as none', () => {
    expect(parseOutputsJson('{}\n')).toEqual({});
    expect(parseOutputsJson('')).toEqual({});
  });

  it('rejects text that is not the JSON form', () => {
    expect(() => parseOutputsJson('bucket = "x"')).toThrow(/not JSON/);
    expect(() => parseOutputsJson('[1]')).toThrow(/not print an object/);
    expect(() => parseOutputsJson('{"x": {"type": "string"}}')).toThrow(TerraformOutputError);
  });

  it('reads strings, converting numbers as -raw does', () => {
    expect(outputString(outputs, 'bucket')).toBe('tt-data');
    expect(outputString(outputs, 'port')).toBe('9092');
    expect(() => outputString(outputs, 'kafka_bootstrap')).toThrow(/expected a string, got a list/);
  });

  it('names the missing output and the ones that exist', () => {
    expect(() => outputString(outputs, 'nope')).toThrow(
      /no output "nope" \(outputs: asg_names, bucket, cassandra_contact_points, dataset_prefix/,
    );
  });

  it('reads lists, maps and maps of lists', () => {
    expect(outputList(outputs, 'kafka_bootstrap')).toEqual(['127.0.1.2:9092', '127.0.2.2:9092']);
    expect(() => outputList(outputs, 'bucket')).toThrow(/expected a list, got a string/);
    expect(outputMap(outputs, 'tags')).toEqual({ team: 'data', tier: '2' });
    expect(() => outputMap(outputs, 'kafka_bootstrap')).toThrow(/expected a map/);
    expect(outputMapOfLists(outputs, 'asg_names').consumers).toEqual(['c1', 'c2']);
    expect(() => outputMapOfLists(outputs, 'tags')).toThrow(/\["team"\]: expected a list/);
    expect(() => outputMap(outputs, 'nested')).toThrow(/nested"\["a"\]: expected a string, got a list/);
  });

  it('reads JSON values, checked by a guard when given', () => {
    type Nested = { a: number[]; b: { c: boolean } };
    const isNested = (v: unknown): v is Nested => typeof v === 'object' && v !== null && Array.isArray((v as Nested).a);
    expect(outputJson<Nested>(outputs, 'nested', isNested).b.c).toBe(true);
    expect(() => outputJson(outputs, 'bucket', isNested)).toThrow(/expected shape/);
  });

  it("reads a pipeline stack's outputs into one typed object", () => {
    const p = readPipelineOutputs(outputs);
    expect(p).toEqual({
      bucket: 'tt-data',
      datasetPrefix: 'payments/',
      kafkaBootstrap: ['127.0.1.2:9092', '127.0.2.2:9092'],
      cassandraContactPoints: ['127.0.1.6:9042'],
      s3Endpoint: 'http://127.0.1.1:5000',
      asgNames: { producers: ['p'], consumers: ['c1', 'c2'], kafka: ['k'], cassandra: ['cs'] },
      runId: 'tt-1',
    });
  });

  it('refuses pipeline outputs whose asg_names lacks a group', () => {
    const raw = JSON.parse(RAW) as Record<string, { value: unknown }>;
    raw.asg_names!.value = { producers: ['p'], consumers: ['c'] };
    expect(() => readPipelineOutputs(parseOutputsJson(JSON.stringify(raw)))).toThrow(
      /lacks group\(s\) kafka, cassandra/,
    );
  });
});
