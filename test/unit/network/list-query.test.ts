// Neutron's list query applied to views: filters (repeated = any of them,
// booleans in any spelling, tags), fields, sorting with the id as tiebreak,
// and limit/marker pages in both directions with their links.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listQuery } from '../../../src/network/list-query.js';
import { NeutronError } from '../../../src/network/errors.js';

const ITEMS = ['e', 'a', 'c', 'b', 'd'].map((name, i) => ({ id: `id-${name}`, name, up: i % 2 === 0, tags: name < 'c' ? ['low'] : ['high'] }));
const spec = {
  collection: 'things',
  attributes: ['id', 'name', 'up', 'tags'],
  markerNotFound: (id: string) => new NeutronError(404, 'ThingNotFound', `Thing ${id} could not be found.`),
  url: 'http://x/v2.0/things',
};
const names = (out: Record<string, unknown>): string[] => (out['things'] as Array<{ name: string }>).map((t) => t.name);

describe('network list query', () => {
  it('filters by any attribute, repeated values meaning any of them', () => {
    assert.deepEqual(names(listQuery(ITEMS, { name: ['a', 'd'] }, spec)), ['a', 'd']);
    assert.deepEqual(names(listQuery(ITEMS, { up: 'True' }, spec)), ['e', 'c', 'd']);
    assert.deepEqual(names(listQuery(ITEMS, { tags: 'low' }, spec)), ['a', 'b']);
    assert.deepEqual(names(listQuery(ITEMS, { 'not-tags-any': 'low' }, spec)), ['e', 'c', 'd']);
    assert.throws(() => listQuery(ITEMS, { colour: 'red' }, spec), (e: NeutronError) => e.status === 400);
  });

  it('sorts, picks fields, and pages forwards and back with links', () => {
    assert.deepEqual(names(listQuery(ITEMS, { sort_key: 'name', sort_dir: 'desc' }, spec)), ['e', 'd', 'c', 'b', 'a']);
    assert.deepEqual(listQuery(ITEMS, { name: 'a', fields: ['name'] }, spec)['things'], [{ name: 'a' }]);
    const first = listQuery(ITEMS, { sort_key: 'name', limit: '2' }, spec);
    assert.deepEqual(names(first), ['a', 'b']);
    assert.deepEqual((first['things_links'] as Array<{ rel: string }>).map((l) => l.rel), ['next']);
    const second = listQuery(ITEMS, { sort_key: 'name', limit: '2', marker: 'id-b' }, spec);
    assert.deepEqual(names(second), ['c', 'd']);
    const back = listQuery(ITEMS, { sort_key: 'name', limit: '2', marker: 'id-c', page_reverse: 'True' }, spec);
    assert.deepEqual(names(back), ['a', 'b']);
    assert.deepEqual((back['things_links'] as Array<{ rel: string }>).map((l) => l.rel), ['next']);
    assert.deepEqual(names(listQuery(ITEMS, { sort_key: 'name', limit: '2', marker: 'id-d' }, spec)), ['e']);
    assert.throws(() => listQuery(ITEMS, { limit: '2', marker: 'id-z' }, spec), (e: NeutronError) => e.type === 'ThingNotFound');
    assert.throws(() => listQuery(ITEMS, { sort_key: ['name', 'id'], sort_dir: 'asc' }, spec), (e: NeutronError) => e.status === 400);
  });
});
