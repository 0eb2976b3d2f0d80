/**
 * Bolt 5's HTTP receiver trusts a correctly signed body to be an object: a signed `null` (or
 * `payload=null`) makes it read `.ssl_check` of null outside any try, an unhandled rejection with
 * the request left hanging. Until Bolt guards this itself, its body parser is wrapped so such a
 * body is a parse error, which Bolt already answers with 400.
 */

// `import = require` binds the module's own exports object: a namespace import is a read-only
// copy under some loaders (tsx/esbuild), and patching a copy would change nothing in Bolt.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the one place that must patch the real exports object
import httpFunctions = require('@slack/bolt/dist/receivers/HTTPModuleFunctions');

let hardened = false;

export function hardenBoltBodyParsing(): void {
  if (hardened) return;
  hardened = true;
  const original = httpFunctions.parseHTTPRequestBody;
  const mutable = httpFunctions as { parseHTTPRequestBody: typeof original };
  mutable.parseHTTPRequestBody = (req) => {
    const body: unknown = original(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SyntaxError('the request body is not a JSON object');
    return body;
  };
}
