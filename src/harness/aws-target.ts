/**
 * `terratower/aws-target`: the AWS target, the sweep of a run's leftovers by run tag and the
 * opt-in check. Apart from `terratower` because it loads the AWS SDK (five clients, seconds of
 * start-up) that a local-only user never needs.
 */
export { AwsTarget, type AwsTargetOptions, type AwsDeployment } from './targets/aws.ts';
export { sweepRun, type SweepReport } from './targets/aws-sweep.ts';
export { awsOptIn } from './aws-opt-in.ts';
