import { describe, expect, it } from 'vitest';
import { activityFromAws, lifecycleOf } from '../../src/harness/targets/aws.ts';
import { splitRate } from '../../src/harness/targets/app-fleet.ts';

describe('AwsTarget mapping of Auto Scaling data', () => {
  it('lifecycle states and health', () => {
    expect(lifecycleOf('InService', 'Healthy')).toBe('InService');
    expect(lifecycleOf('InService', 'Unhealthy')).toBe('Unhealthy');
    expect(lifecycleOf('Pending:Wait', 'Healthy')).toBe('Pending');
    expect(lifecycleOf('Terminating:Proceed', 'Healthy')).toBe('Terminating');
    expect(lifecycleOf('Terminated', undefined)).toBe('Terminating');
    expect(lifecycleOf(undefined, undefined)).toBe('Pending');
  });

  it('activities: desired change parsed from the cause, else the current desired', () => {
    const start = new Date('2026-11-23T08:00:00Z');
    expect(
      activityFromAws(
        'consumers',
        {
          ActivityId: 'a',
          AutoScalingGroupName: 'g',
          StartTime: start,
          StatusCode: 'Successful',
          Progress: 100,
          Description: 'Launching a new EC2 instance: i-1',
          Cause:
            'At 2026-11-23T08:00:00Z a monitor alarm TargetTracking-lag in state ALARM triggered policy lag changing the desired capacity from 2 to 4.',
        },
        4,
      ),
    ).toEqual({
      time: '2026-11-23T08:00:00.000Z',
      group: 'consumers',
      from: 2,
      to: 4,
      cause:
        'Launching a new EC2 instance: i-1: At 2026-11-23T08:00:00Z a monitor alarm TargetTracking-lag in state ALARM triggered policy lag changing the desired capacity from 2 to 4.',
    });
    const replacement = activityFromAws(
      'kafka',
      {
        ActivityId: 'b',
        AutoScalingGroupName: 'g',
        StartTime: start,
        StatusCode: 'Successful',
        Progress: 100,
        Cause:
          'At 2026-11-23T08:00:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 1.',
      },
      1,
    );
    expect([replacement.from, replacement.to]).toEqual([0, 1]);
    const terminated = activityFromAws(
      'kafka',
      {
        ActivityId: 'c',
        AutoScalingGroupName: 'g',
        StartTime: start,
        StatusCode: 'Successful',
        Progress: 100,
        Cause: 'instance was taken out of service in response to a user request.',
      },
      1,
    );
    expect([terminated.from, terminated.to]).toEqual([1, 1]);
  });

  it('splits a total rate over producers', () => {
    expect(splitRate(10, 3)).toEqual([4, 3, 3]);
    expect(splitRate(2, 3)).toEqual([1, 1, 0]);
    expect(splitRate(5, 0)).toEqual([]);
  });
});

describe('AWS opt-in', () => {
  it('needs TERRATOWER_AWS=1 and credentials, and says which is missing', async () => {
    const { awsOptIn } = await import('../../src/harness/aws-opt-in.ts');
    expect(awsOptIn({})).toEqual({ ok: false, reason: expect.stringMatching(/TERRATOWER_AWS=1/) });
    expect(awsOptIn({ TERRATOWER_AWS: '1' })).toEqual({
      ok: false,
      reason: expect.stringMatching(/no AWS credentials/),
    });
    expect(awsOptIn({ TERRATOWER_AWS: '1', AWS_PROFILE: 'dev' })).toEqual({ ok: true });
    expect(awsOptIn({ TERRATOWER_AWS: '1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' })).toEqual({ ok: true });
  });
});
