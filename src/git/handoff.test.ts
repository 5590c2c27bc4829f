// VM locations in ref names (refs/yolovm/): reversibly encoded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeLocation, encodeLocation, locationRefs } from './handoff.js';

describe('VM locations in ref names', () => {
  const table: [string, string][] = [
    ['', '_'],
    ['_', '%5F'],
    ['myapp', 'myapp'],
    ['path/to/repo', 'path%2Fto%2Frepo'],
    ['my app ü', 'my%20app%20%C3%BC'],
    ['.hidden', '%2Ehidden'],
    ['x.lock', 'x%2Elock'],
    ['a..b@{c}~^:?*[\\', 'a%2E%2Eb%40%7Bc%7D%7E%5E%3A%3F%2A%5B%5C'],
    ['100%', '100%25'],
  ];
  for (const [subpath, component] of table)
    it(JSON.stringify(subpath), () => {
      assert.equal(encodeLocation(subpath), component);
      assert.equal(decodeLocation(component), subpath);
      assert.match(component, /^[A-Za-z0-9%_-]+$/, 'legal in a ref name');
    });
  it('refs per location and branch', () => {
    const r = locationRefs('my app', 'default');
    assert.equal(r.handoff('feature/x'), 'refs/yolovm/default/my%20app/handoff/feature/x');
    assert.equal(r.wip, 'refs/yolovm/default/my%20app/wip');
    assert.equal(locationRefs('', 'agent2').wip, 'refs/yolovm/agent2/_/wip', 'a named VM has refs of its own');
  });
});
