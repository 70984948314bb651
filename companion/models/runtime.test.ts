import { describe, expect, it } from 'vitest';
import { probeModel } from './onnx-proto.js';
import { chooseProvider, createSession, inferenceInfo, knownBackends, onnxruntime, providerOrder, providerReport, resetProviderCache, threadCount, tileBatch } from './runtime.js';
import { availableParallelism } from 'node:os';

describe('execution providers', () => {
  it('prefers DirectML on Windows, CoreML on macOS, CUDA on Linux, and always ends with CPU', () => {
    const all = ['cpu', 'dml', 'coreml', 'cuda', 'webgpu'];
    expect(providerOrder('win32', all)).toEqual(['dml', 'cuda', 'webgpu', 'cpu']);
    expect(providerOrder('darwin', all)).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(providerOrder('linux', all)).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerOrder('linux', ['cpu'])).toEqual(['cpu']);
    expect(providerOrder('freebsd', all)).toEqual(['cpu']);
    expect(providerOrder('linux', all, 'webgpu')).toEqual(['webgpu', 'cpu']);
  });

  it('falls back to the next provider, and to CPU, when the better ones fail their probe', () => {
    const report = chooseProvider([
      { provider: 'cuda', ok: false, error: 'Failed to load shared library' },
      { provider: 'webgpu', ok: false, error: 'No supported adapters' },
      { provider: 'cpu', ok: true },
    ]);
    expect(report.provider).toBe('cpu');
    expect(report.available).toEqual(['cpu']);
    expect(report.failed.map((f) => f.provider)).toEqual(['cuda', 'webgpu']);
    expect(chooseProvider([{ provider: 'dml', ok: true }, { provider: 'cpu', ok: true }]).provider).toBe('dml');
    expect(chooseProvider([]).provider).toBe('cpu');
  });

  it('probes this machine in a child process and reports a provider that runs, with threads = cores', async () => {
    resetProviderCache();
    const report = await providerReport();
    expect(knownBackends()).toContain('cpu');
    expect(report.available).toContain('cpu');
    expect(report.available).toContain(report.provider);
    expect(report.threads).toBe(availableParallelism());
    expect(threadCount()).toBe(availableParallelism());
    expect(report.version).toMatch(/^\d+\.\d+\.\d+/);
    const info = inferenceInfo();
    expect(info.provider).toBe(report.provider);
  });

  it('reports a forced provider that does not load here as failed, and runs on CPU', async () => {
    const saved = process.env.REFINERY_PROVIDER;
    // CUDA is listed by the binding but its libraries are not installed (npm ci skips them).
    const unavailable = knownBackends().includes('cuda') ? 'cuda' : 'webgpu';
    process.env.REFINERY_PROVIDER = unavailable;
    resetProviderCache();
    try {
      const report = await providerReport();
      expect(report.forced).toBe(unavailable);
      if (report.provider === 'cpu') expect(report.failed.map((f) => f.provider)).toContain(unavailable);
      process.env.REFINERY_PROVIDER = 'quantum';
      resetProviderCache();
      await expect(providerReport()).rejects.toThrow(/REFINERY_PROVIDER must be one of/);
    } finally {
      if (saved === undefined) delete process.env.REFINERY_PROVIDER;
      else process.env.REFINERY_PROVIDER = saved;
      resetProviderCache();
    }
  });

  it('opens a session on CPU when the wanted provider cannot load the model, and says so', async () => {
    const tried: string[] = [];
    const model = await createSession(probeModel(), {
      provider: 'cuda',
      create: async (m, o) => {
        const provider = String(o.executionProviders![0]);
        tried.push(provider);
        if (provider !== 'cpu') throw new Error('cuda: libcudart.so.12 not found\nmore detail');
        return onnxruntime().InferenceSession.create(m as Uint8Array, o);
      },
    });
    expect(tried).toEqual(['cuda', 'cpu']);
    expect(model.provider).toBe('cpu');
    expect(model.fallbackFrom).toEqual({ provider: 'cuda', error: 'cuda: libcudart.so.12 not found' });
    expect(model.inputs).toEqual([{ name: 'x', shape: [1, 3, 2, 2], type: 'float32' }]);
    const y = await model.session.run({ x: new (onnxruntime().Tensor)('float32', new Float32Array(12).fill(0.5), [1, 3, 2, 2]) });
    expect(Array.from(y.y!.data as Float32Array)).toEqual(new Array(12).fill(1.5));
  });

  it('batches tiles only on a GPU provider and only when the model takes a dynamic batch', () => {
    const dynamic = [{ name: 'x', shape: ['N', 3, 'H', 'W'], type: 'float32' }];
    const fixed = [{ name: 'x', shape: [1, 3, 'H', 'W'], type: 'float32' }];
    expect(tileBatch({ provider: 'cpu', inputs: dynamic })).toBe(1);
    expect(tileBatch({ provider: 'cuda', inputs: dynamic })).toBe(4);
    expect(tileBatch({ provider: 'dml', inputs: fixed })).toBe(1);
  });

  it('opens a real session on CPU, and a real unavailable provider falls back to CPU', async () => {
    const cpu = await createSession(probeModel(), { provider: 'cpu' });
    expect(cpu.provider).toBe('cpu');
    if (knownBackends().includes('cuda')) {
      const fallback = await createSession(probeModel(), { provider: 'cuda' });
      // On a machine with CUDA installed this is a CUDA session; here it is CPU with the reason.
      if (fallback.provider === 'cpu') expect(fallback.fallbackFrom?.provider).toBe('cuda');
    }
  });
});
