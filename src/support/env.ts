/** Reading on/off switches from environment variables, one spelling for every switch. */

/** Whether an environment value switches something on: 1, on, true or yes (any case). */
export function switchedOn(value: string | undefined): boolean {
  return /^(1|on|true|yes)$/i.test(value ?? '');
}

/** Whether an environment value switches something off: 0, off, false or no (any case). */
export function switchedOff(value: string | undefined): boolean {
  return /^(0|off|false|no)$/i.test(value ?? '');
}
