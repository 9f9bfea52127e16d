/** The twin's sink schema set-up: the fixed table id every node creates the table with. */
import { describe, expect, it } from 'vitest';
import { sinkTableId } from '../../src/twin/daemon/bootstrap.ts';

describe('sinkTableId', () => {
  it('is a version-5 UUID fixed by keyspace and table, so any node that creates the table makes the same one', () => {
    const id = sinkTableId('payments', 'general_payments');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sinkTableId('payments', 'general_payments')).toBe(id);
    expect(sinkTableId('payments', 'other')).not.toBe(id);
    expect(sinkTableId('other', 'general_payments')).not.toBe(id);
  });
});
