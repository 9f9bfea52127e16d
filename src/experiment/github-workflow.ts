/**
 * The GitHub Actions workflow `terratower ci init --github` writes:
 *
 * - on pull requests that touch infrastructure code (src/, apps/, packer/, experiments/, the
 *   stack entry, the lockfile): synth the stacks, `terraform validate` each, scan them with
 *   checkov, run the local scenarios on the twin, publish JUnit XML and a step summary, keep the
 *   reports and the run store as artifacts;
 * - nightly (and on demand): the AWS job, with credentials from GitHub's OIDC provider (a role
 *   to assume, no stored keys), running an experiment on AWS into a shared S3 run store and
 *   gating it against the baseline revision's runs.
 *
 * The repository variables it reads (Settings → Variables): TERRATOWER_AWS_ROLE_ARN,
 * TERRATOWER_AWS_REGION, TERRATOWER_STORE_BUCKET, and optionally TERRATOWER_BASELINE_REF.
 */

/** Options of the generated workflow. */
export interface WorkflowOptions {
  /** Shipped scenarios the pull-request job runs on the twin. @default traffic-spike, broker-loss */
  scenarios?: readonly string[];
  /** The experiment the nightly AWS job runs. @default experiments/rf3-vs-rf2.yaml */
  nightlyExperiment?: string;
  /** Gates of the nightly job. */
  gates?: readonly string[];
  /** Cron of the nightly job (UTC). @default '17 3 * * *' */
  cron?: string;
  /** Node version. @default 20 */
  node?: string;
}

/** Paths whose change runs the pull-request job. */
export const INFRA_PATHS: readonly string[] = [
  'src/**',
  'apps/**',
  'packer/**',
  'experiments/**',
  'main.ts',
  'cdktf.json',
  'package.json',
  'package-lock.json',
  '.github/workflows/terratower.yml',
];

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The workflow's YAML text. */
export function githubWorkflow(o: WorkflowOptions = {}): string {
  const scenarios = o.scenarios ?? ['traffic-spike', 'broker-loss'];
  const experiment = o.nightlyExperiment ?? 'experiments/rf3-vs-rf2.yaml';
  const gates = o.gates ?? ['recovery.p50 > +20%', 'lost.max > 0'];
  const node = o.node ?? '20';
  const failOn = gates.map((g) => `--fail-on ${quote(g)}`).join(' ');
  return `# Written by \`terratower ci init --github\`. Edit freely; rerun with --force to regenerate.
name: terratower

on:
  pull_request:
    paths:
${INFRA_PATHS.map((p) => `      - ${quote(p)}`).join('\n')}
  schedule:
    - cron: ${quote(o.cron ?? '17 3 * * *')}
  workflow_dispatch: {}

permissions:
  contents: read

concurrency:
  group: terratower-\${{ github.workflow }}-\${{ github.ref }}
  cancel-in-progress: true

jobs:
  infra:
    name: synth, validate, checkov, local scenarios
    if: github.event_name == 'pull_request' || github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-latest
    timeout-minutes: 90
    env:
      TERRATOWER_STORE: \${{ github.workspace }}/terratower-runs.db
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: ${quote(node)}
          cache: npm
      - uses: actions/setup-java@v4
        with:
          distribution: temurin
          java-version: '17'
      - uses: actions/setup-python@v5
        with:
          python-version: '3.11'
      - uses: hashicorp/setup-terraform@v3
        with:
          terraform_wrapper: false
      - name: Install
        run: npm install
      - name: Synth
        run: npx terratower synth --out cdktf.out
      - name: Validate
        run: |
          for dir in cdktf.out/stacks/*/; do
            terraform -chdir="$dir" init -backend=false -input=false
            terraform -chdir="$dir" validate
          done
      - name: Checkov
        run: |
          python -m pip install --quiet checkov
          checkov -d cdktf.out/stacks --framework terraform_json --compact --quiet
      - name: Local scenarios on the twin
        id: scenarios
        run: |
          since="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
          echo "since=$since" >> "$GITHUB_OUTPUT"
          rc=0
          for scenario in ${scenarios.join(' ')}; do
            npx terratower scenario run "$scenario" --target local --out "reports/$scenario" || rc=1
          done
          exit "$rc"
      - name: Results
        if: always()
        run: npx terratower runs list --since "\${{ steps.scenarios.outputs.since }}" --junit reports/junit.xml --summary reports/summary.md
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: terratower-reports
          path: |
            reports/
            terratower-runs.db

  aws-nightly:
    name: nightly experiment on AWS
    if: github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'
    runs-on: ubuntu-latest
    timeout-minutes: 240
    environment: aws
    permissions:
      contents: read
      id-token: write
    env:
      TERRATOWER_AWS: '1'
      TERRATOWER_STORE: s3://\${{ vars.TERRATOWER_STORE_BUCKET }}/terratower
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: ${quote(node)}
          cache: npm
      - uses: hashicorp/setup-terraform@v3
        with:
          terraform_wrapper: false
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: \${{ vars.TERRATOWER_AWS_ROLE_ARN }}
          aws-region: \${{ vars.TERRATOWER_AWS_REGION }}
      - name: Install
        run: npm install
      - name: Experiment
        run: npx terratower experiment run ${quote(experiment)} --target aws --out reports/nightly --junit reports/junit.xml --summary reports/summary.md
      - name: Gate against the baseline revision
        env:
          BASELINE_REF: \${{ vars.TERRATOWER_BASELINE_REF || 'HEAD~1' }}
        run: npx terratower runs compare --baseline "$BASELINE_REF" ${failOn} --out reports/gate --junit reports/gate-junit.xml
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: terratower-nightly
          path: reports/
`;
}
