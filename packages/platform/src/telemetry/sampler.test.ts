import { describe, expect, it } from 'vitest';
import { samplerOf } from './index.js';

describe('the sampler named by OTEL_TRACES_SAMPLER', () => {
  it('keeps every trace by default, and follows the caller', () => {
    expect(samplerOf('parentbased_always_on', 1).toString()).toMatch(/^ParentBased\{root=AlwaysOnSampler/);
  });

  it('keeps a ratio of the traces that start here', () => {
    expect(samplerOf('parentbased_traceidratio', 0.1).toString()).toMatch(/^ParentBased\{root=TraceIdRatioBased\{0\.1\}/);
    expect(samplerOf('traceidratio', 0.25).toString()).toBe('TraceIdRatioBased{0.25}');
  });

  it('can keep none', () => {
    expect(samplerOf('always_off', 1).toString()).toBe('AlwaysOffSampler');
  });
});
