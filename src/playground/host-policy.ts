/**
 * Where the playground may listen. Anyone who can open its page can post as any simulated user
 * and run the bot against the configured backend, so it stays on loopback unless the operator
 * says, with a flag of its own, that it should be reachable from elsewhere. (HOST alone is not
 * enough: container images set it for the bot.)
 */

export type PlaygroundHost = { readonly ok: true; readonly host: string } | { readonly ok: false; readonly message: string };

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.trim());
}

/** `requested`: HOST when set, else null; `publicFlag`: PYMEM_PLAYGROUND_PUBLIC. */
export function playgroundHost(requested: string | null, publicFlag: string | undefined): PlaygroundHost {
  if (requested === null || requested.trim() === '') return { ok: true, host: '127.0.0.1' };
  if (isLoopbackHost(requested) || publicFlag === 'true') return { ok: true, host: requested.trim() };
  return {
    ok: false,
    message:
      `the playground listens only on loopback, and HOST asks for ${requested}: anyone who can reach the page can post as any user. ` +
      'Unset HOST, or set PYMEM_PLAYGROUND_PUBLIC=true to serve it there anyway (its Host and Origin checks stay on).',
  };
}
