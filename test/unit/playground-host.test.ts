import { describe, expect, it } from 'vitest';
import { isLoopbackHost, playgroundHost } from '../../src/playground/host-policy';

describe('where the playground may listen', () => {
  it('is loopback by default and on any loopback address asked for', () => {
    expect(playgroundHost(null, undefined)).toEqual({ ok: true, host: '127.0.0.1' });
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost']) expect(playgroundHost(host, undefined)).toEqual({ ok: true, host });
  });

  it('refuses any other address unless PYMEM_PLAYGROUND_PUBLIC=true, saying which setting does what', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'pymem.example.com', '127.0.0.1.nip.io']) {
      const refused = playgroundHost(host, undefined);
      expect(refused.ok, host).toBe(false);
      if (!refused.ok) expect(refused.message).toMatch(/PYMEM_PLAYGROUND_PUBLIC=true/);
      expect(playgroundHost(host, 'yes').ok).toBe(false);
      expect(playgroundHost(host, 'true')).toEqual({ ok: true, host });
    }
  });

  it('knows loopback from look-alikes', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopbackHost('localhost.example')).toBe(false);
  });
});
