/**
 * Props checks that constructs run in their constructors, as aws-cdk-lib's do: a construct
 * used on its own (without `validateSpec` in front of it) still refuses props that cannot work,
 * with one line that names the construct, the prop, the value and what it must be.
 */
import { INSTANCE_TYPE } from '../../spec/validate.ts';

/** Props a construct cannot be built from. */
export class ConstructPropsError extends Error {
  constructor(
    /** `ServiceFleet "producers"`. */
    readonly construct: string,
    /** The prop, e.g. `min`. */
    readonly prop: string,
    message: string,
  ) {
    super(`${construct}: ${message}`);
    this.name = 'ConstructPropsError';
  }
}

/** Checks for one construct's props; each throws `ConstructPropsError` on the first problem. */
export class PropsCheck {
  /** @param construct the construct's class and id, e.g. `ServiceFleet "producers"` */
  constructor(private readonly construct: string) {}

  /** Throw naming `prop`, its value and what it must be. */
  fail(prop: string, value: unknown, must: string): never {
    throw new ConstructPropsError(this.construct, prop, `${prop} must be ${must}, got ${JSON.stringify(value)}`);
  }

  /** A whole number in [min, max]. */
  wholeNumber(prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail(
        prop,
        value,
        max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`,
      );
    }
    return value;
  }

  /** An EC2 instance type such as `m5.large`. */
  instanceType(prop: string, value: string): string {
    if (typeof value !== 'string' || !INSTANCE_TYPE.test(value)) {
      this.fail(prop, value, 'an EC2 instance type such as "m5.large" (family.size)');
    }
    return value;
  }

  /** A non-empty string. */
  nonEmpty(prop: string, value: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(prop, value, 'a non-empty string');
    return value;
  }
}
