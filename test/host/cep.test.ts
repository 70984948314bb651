// The CEP bridge: what crosses evalScript, and what the panel gets when the host misbehaves.
import { describe, expect, it } from 'vitest';
import { createCepAdapter, type EvalScript, scriptLiteral } from '../../src/host/cep.js';
import { createEs3Context } from '../host-sim/es3.js';

/** An evalScript that records the script and answers with a fixed string. */
function fakeHost(answer: string): { evalScript: EvalScript; scripts: string[] } {
  const scripts: string[] = [];
  return {
    scripts,
    evalScript: (script, callback) => {
      scripts.push(script);
      setImmediate(() => callback(answer));
    },
  };
}

describe('the CEP bridge', () => {
  it('passes a request as one ASCII string literal that ES3 reads back to the same JSON', () => {
    const text = JSON.stringify({ mediaPath: 'C:\\Clips\\Über "shot"\u2028\u2029 😀.mov' });
    const literal = scriptLiteral(text);
    expect(literal).toMatch(/^"[\x20-\x7e]*"$/);
    expect(createEs3Context().run(literal)).toBe(text);
  });

  it('calls the named host function with the validated request, handles defaulted', async () => {
    const host = fakeHost('{"ok":true,"data":{"id":"7","projectItem":"refined.mov"}}');
    const result = await createCepAdapter(host.evalScript).placeRefined({ id: '3', mediaPath: '/r.mov', mode: 'stack' });
    expect(result).toEqual({ ok: true, data: { id: '7', projectItem: 'refined.mov' } });
    expect(host.scripts).toEqual([`refinery_placeRefined(${scriptLiteral('{"id":"3","mediaPath":"/r.mov","mode":"stack","handles":0}')})`]);
  });

  it('refuses a bad request before it reaches the host', async () => {
    const host = fakeHost('');
    const result = await createCepAdapter(host.evalScript).placeRefined({ id: '3', mediaPath: '', mode: 'stack' });
    expect(result).toEqual({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('mediaPath') } });
    expect(host.scripts).toEqual([]);
  });

  it.each([
    ['EvalScript error.', 'is the host script loaded'],
    ['undefined', 'not JSON'],
    ['{"ok":true,"data":{"host":"PPRO"}}', 'unexpected shape'],
    ['{"ok":false,"error":{"code":"on_fire","message":"?"}}', 'unexpected shape'],
  ])('turns a host answer of %s into host_error', async (answer, message) => {
    const result = await createCepAdapter(fakeHost(answer).evalScript).ping();
    expect(result).toEqual({ ok: false, error: { code: 'host_error', message: expect.stringContaining(message) } });
  });

  it('passes host errors through', async () => {
    const result = await createCepAdapter(fakeHost('{"ok":false,"error":{"code":"no_sequence","message":"No sequence is active."}}').evalScript).getSelection();
    expect(result).toEqual({ ok: false, error: { code: 'no_sequence', message: 'No sequence is active.' } });
  });
});
