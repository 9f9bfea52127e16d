/** Which members a `MemberSelector` takes from a group's state: shared by the targets and the engine. */
import type { GroupState, MemberSelector, MemberState } from '../model/target.ts';
import { pickDistinct, type Random } from './engine/random.ts';

/** How many members `percent` of `inService` is: rounded up, at least one when percent > 0. */
export function percentToCount(percent: number, inService: number): number {
  if (percent <= 0) return 0;
  return Math.min(inService, Math.max(1, Math.ceil((percent / 100) * inService)));
}

/**
 * Members a selector takes. `count`/`percent` pick among members in service — at random with
 * `random`, else the first by id (deterministic); `ids` must name existing members; `zone`
 * takes every member there that is not already terminating.
 */
export function selectMembers(state: GroupState, selector: MemberSelector, random?: Random): MemberState[] {
  const inService = state.members.filter((m) => m.lifecycle === 'InService');
  const pick = (n: number): MemberState[] =>
    random
      ? pickDistinct(random, inService, n, (m) => m.id)
      : [...inService].sort((a, b) => a.id.localeCompare(b.id)).slice(0, n);
  if ('ids' in selector) {
    const unknown = selector.ids.filter((id) => !state.members.some((m) => m.id === id));
    if (unknown.length > 0) throw new Error(`${state.group}: no member(s) ${unknown.join(', ')}`);
    return state.members.filter((m) => selector.ids.includes(m.id));
  }
  if ('zone' in selector) return state.members.filter((m) => m.zone === selector.zone && m.lifecycle !== 'Terminating');
  if ('count' in selector) return pick(Math.max(0, Math.floor(selector.count)));
  return pick(percentToCount(selector.percent, inService.length));
}
