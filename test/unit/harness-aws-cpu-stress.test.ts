import { AccessDeniedException, InvalidInstanceId } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import {
  cpuStressInstances,
  cpuStressParameters,
  explainSendCommandError,
} from '../../src/harness/targets/aws-cpu-stress.ts';
import type { GroupState, MemberLifecycle } from '../../src/model/target.ts';

function state(members: [string, string, MemberLifecycle][]): GroupState & { instanceIds: Record<string, string> } {
  return {
    group: 'kafka',
    min: 3,
    max: 3,
    desired: 3,
    members: members.map(([id, , lifecycle]) => ({
      id,
      zone: 'eu-west-1a',
      lifecycle,
      address: '10.0.0.1',
      launchedAt: '',
    })),
    inServiceByZone: {},
    instanceIds: Object.fromEntries(members.map(([id, instance]) => [id, instance])),
  };
}

describe('cpuStressParameters (AWSFIS-Run-CPU-Stress)', () => {
  it('whole seconds, CPU stressors (1 by default, 0 = all), stress-ng installed when missing; LoadPercent only when asked', () => {
    expect(cpuStressParameters(59.2)).toEqual({ DurationSeconds: ['60'], CPU: ['1'], InstallDependencies: ['True'] });
    expect(cpuStressParameters(30, 0)).toMatchObject({ CPU: ['0'] });
    expect(cpuStressParameters(30, 2, 75)).toEqual({
      DurationSeconds: ['30'],
      CPU: ['2'],
      InstallDependencies: ['True'],
      LoadPercent: ['75'],
    });
  });

  it('refuses what the document would reject', () => {
    expect(() => cpuStressParameters(0)).toThrow(/seconds must be > 0/);
    expect(() => cpuStressParameters(10, 1.5)).toThrow(/workers must be a whole number/);
    expect(() => cpuStressParameters(10, 1, 120)).toThrow(/loadPercent must be 0–100/);
  });
});

describe('cpuStressInstances', () => {
  const kafka = state([
    ['kafka-1', 'i-0000000000000000a', 'InService'],
    ['kafka-2', 'i-0000000000000000b', 'Frozen'],
    ['kafka-3', 'i-0000000000000000c', 'InService'],
  ]);

  it('takes the members in service (not frozen, pending or terminating), or the named ones among them', () => {
    expect(cpuStressInstances(kafka)).toEqual([
      { memberId: 'kafka-1', instanceId: 'i-0000000000000000a' },
      { memberId: 'kafka-3', instanceId: 'i-0000000000000000c' },
    ]);
    expect(cpuStressInstances(kafka, ['kafka-3'])).toEqual([
      { memberId: 'kafka-3', instanceId: 'i-0000000000000000c' },
    ]);
  });

  it('says so when nothing is in service, and names unknown members', () => {
    expect(() => cpuStressInstances(kafka, ['kafka-2'])).toThrow(
      /stressCpu kafka: no member in service among kafka-2 to stress \(members: kafka-1 InService, kafka-2 Frozen, kafka-3 InService/,
    );
    expect(() => cpuStressInstances(state([['kafka-1', 'i-1', 'Pending']]))).toThrow(
      /no member in service to stress \(members: kafka-1 Pending/,
    );
    expect(() => cpuStressInstances(kafka, ['kafka-9'])).toThrow(/no member\(s\) kafka-9/);
  });
});

describe('explainSendCommandError', () => {
  it('InvalidInstanceId: the instance is not managed by SSM, and the fix', () => {
    const error = new InvalidInstanceId({
      $metadata: {},
      message: 'Instances [[i-0123456789abcdef0]] not in a valid state for account 111122223333',
    });
    const explained = explainSendCommandError(error, ['i-0123456789abcdef0', 'i-0fedcba9876543210']);
    expect(explained.message).toMatch(
      /^stressCpu: instance i-0123456789abcdef0 is not managed by SSM: the stack's instance role needs AmazonSSMManagedInstanceCore/,
    );
    expect(explained.message).toContain('describe-instance-information');
    expect(explained.cause).toBe(error);
    // No instance named in the message: every targeted one is suspect.
    const vague = explainSendCommandError(
      new InvalidInstanceId({ $metadata: {}, message: 'Instances not in a valid state' }),
      ['i-0aaaaaaaaaaaaaaaa', 'i-0bbbbbbbbbbbbbbbb'],
    );
    expect(vague.message).toMatch(/instances i-0aaaaaaaaaaaaaaaa, i-0bbbbbbbbbbbbbbbb are not managed by SSM/);
  });

  it("AccessDenied: the harness's own permissions", () => {
    const error = new AccessDeniedException({
      $metadata: {},
      message: 'not authorized to perform ssm:SendCommand',
      Message: 'not authorized to perform ssm:SendCommand',
    });
    expect(explainSendCommandError(error, ['i-1']).message).toMatch(/credentials need ssm:SendCommand/);
  });
});
