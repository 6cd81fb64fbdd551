import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseOfActions, splitTopLevel } from '../src/of-actions';

const one = (text: string) => {
  const a = parseOfActions(text);
  assert.equal(a.length, 1, text);
  return a[0]!;
};

describe('parseOfActions: one action per keyword (table of real spellings)', () => {
  const cases: [string, string, Record<string, string> | undefined][] = [
    ['resubmit(,8)', 'resubmit', { port: '', table: '8' }],
    ['resubmit(1,8,ct)', 'resubmit', { port: '1', table: '8', ct: 'ct' }],
    ['resubmit:3', 'resubmit', { port: '3', table: '' }],
    ['goto_table:1', 'goto_table', { table: '1' }],
    ['set_field:0x1->reg13', 'set_field', { value: '0x1', field: 'reg13' }],
    ['set_field:0/0x1000->reg10', 'set_field', { value: '0/0x1000', field: 'reg10' }],
    ['load:0x1->NXM_NX_REG13[]', 'load', { value: '0x1', field: 'NXM_NX_REG13[]' }],
    ['move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]', 'move', { src: 'NXM_NX_REG10[12]', dst: 'NXM_NX_XXREG0[111]' }],
    ['output:5', 'output', { port: '5' }],
    ['5', 'output', { port: '5' }],
    ['NORMAL', 'output', { port: 'NORMAL' }],
    ['drop', 'drop', undefined],
    ['conjunction(3,1/2)', 'conjunction', { id: '3', clause: '1', of: '2' }],
    ['CONTROLLER:96', 'controller', { max_len: '96' }],
    ['controller(userdata=00.00.00.0c.00.00.00.00,pause,meter_id=1)', 'controller', { userdata: '00.00.00.0c.00.00.00.00', pause: '', meter_id: '1' }],
    ['note:00.01.02', 'note', { data: '00.01.02' }],
    ['check_pkt_larger(1514)->NXM_NX_REG10[0]', 'check_pkt_larger', { length: '1514', dst: 'NXM_NX_REG10[0]' }],
    ['ct_clear', 'ct_clear', undefined],
    ['dec_ttl()', 'dec_ttl', {}],
  ];
  for (const [text, kind, args] of cases) {
    it(text, () => {
      const a = one(text);
      assert.equal(a.kind, kind);
      assert.equal(a.text, text);
      assert.deepEqual(a.args, args);
    });
  }
});

describe('parseOfActions: lists and nesting', () => {
  it('splits on top-level commas only', () => {
    const list = parseOfActions('set_field:0x1->reg13,resubmit(,8),move:NXM_NX_REG10[0..1]->NXM_NX_REG0[0..1]');
    assert.deepEqual(list.map((a) => a.text), ['set_field:0x1->reg13', 'resubmit(,8)', 'move:NXM_NX_REG10[0..1]->NXM_NX_REG0[0..1]']);
  });
  it('decodes ct with nat and exec as nested actions, text verbatim', () => {
    const text = 'ct(commit,zone=NXM_NX_REG13[0..15],nat(src=10.0.0.1:100-200),exec(set_field:0/0x1->ct_mark,load:0x1->NXM_NX_CT_LABEL[1]))';
    const a = one(text);
    assert.equal(a.kind, 'ct');
    assert.equal(a.text, text);
    assert.equal(a.args?.zone, 'NXM_NX_REG13[0..15]');
    assert.equal(a.args?.commit, '');
    assert.deepEqual(a.nested?.map((n) => [n.kind, n.text]), [
      ['nat', 'nat(src=10.0.0.1:100-200)'],
      ['set_field', 'set_field:0/0x1->ct_mark'],
      ['load', 'load:0x1->NXM_NX_CT_LABEL[1]'],
    ]);
  });
  it('decodes clone as a nested list', () => {
    const a = one('clone(ct_clear,set_field:0->reg11,resubmit(,8))');
    assert.deepEqual(a.nested?.map((n) => n.kind), ['ct_clear', 'set_field', 'resubmit']);
  });
  it('keeps learn specs together', () => {
    const a = one('learn(table=69,priority=100,delete_learned,NXM_OF_VLAN_TCI[0..11],load:NXM_NX_REG0[]->NXM_NX_REG1[])');
    assert.equal(a.kind, 'learn');
    assert.equal(a.args?.table, '69');
    assert.equal(a.args?.delete_learned, '');
    assert.equal(a.args?.specs, 'NXM_OF_VLAN_TCI[0..11],load:NXM_NX_REG0[]->NXM_NX_REG1[]');
  });
  it('accepts a leading actions= and empty input', () => {
    assert.deepEqual(parseOfActions('actions=drop').map((a) => a.kind), ['drop']);
    assert.deepEqual(parseOfActions('   '), []);
  });
  it('free text is kind unknown, not an exception', () => {
    assert.equal(one('bucket 0').kind, 'unknown');
    assert.equal(one('-> foo').kind, 'unknown');
  });
  it('never throws and keeps every character of every top-level part (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const list = parseOfActions(s);
        const body = s.trim().startsWith('actions=') ? s.trim().slice(8) : s.trim();
        const parts = splitTopLevel(body).map((p) => p.trim()).filter((p) => p !== '');
        assert.deepEqual(list.map((a) => a.text), parts);
      }),
      { numRuns: 300 },
    );
  });
});
