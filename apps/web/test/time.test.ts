import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { utcTime } from '../src/components/time';

describe('utcTime', () => {
  it('prints the instant in UTC to the second, whatever the zone of the stamp', () => {
    assert.equal(utcTime('2026-11-21T09:00:53.123Z'), '2026-11-21 09:00:53 UTC');
    assert.equal(utcTime('2026-11-21T10:00:53+01:00'), '2026-11-21 09:00:53 UTC');
  });
  it('leaves a stamp it cannot read as it is', () => {
    assert.equal(utcTime('yesterday-ish'), 'yesterday-ish');
  });
});
