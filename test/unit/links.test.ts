import { describe, expect, it } from 'vitest';
import { checkLinkTemplate, checkLinkUrl, fillLinkTemplate, parseLinkTemplate, renderLinks, rfc3339, type LinkContext } from '../../src/domain/links';

const MAX = 3000;
/** 06:00 to 12:00 UTC on 2 March 2026. */
const CTX: LinkContext = { service: 'checkout-api', startMs: Date.UTC(2026, 2, 2, 6), endMs: Date.UTC(2026, 2, 2, 12) };

function render(template: string, ctx: LinkContext = CTX): string {
  const parsed = parseLinkTemplate(template);
  if (!parsed.ok) throw new Error(parsed.error);
  return fillLinkTemplate(parsed.parts, ctx);
}

describe('link templates: rendering', () => {
  it('fills in the service and the window as milliseconds, Grafana style', () => {
    expect(render('https://grafana.example/d/abc/memory?var-service=$service&from=$from_ms&to=$to_ms')).toBe(
      'https://grafana.example/d/abc/memory?var-service=checkout-api&from=1772431200000&to=1772452800000',
    );
  });

  it('URL-encodes the service name: ":" becomes %3A, "." stays (it is unreserved)', () => {
    expect(render('https://wiki.example/runbooks/$service', { ...CTX, service: 'shop:checkout.v2' })).toBe('https://wiki.example/runbooks/shop%3Acheckout.v2');
    expect(render('https://x.example/?q=$service', { ...CTX, service: 'a_b-c.d:e' })).toBe('https://x.example/?q=a_b-c.d%3Ae');
  });

  it('writes $from and $to in RFC 3339, UTC, URL-encoded; milliseconds only when there are some', () => {
    expect(render('https://k.example/?from=$from&to=$to')).toBe('https://k.example/?from=2026-03-02T06%3A00%3A00Z&to=2026-03-02T12%3A00%3A00Z');
    expect(render('https://k.example/?t=$to', { ...CTX, endMs: CTX.endMs + 250 })).toBe('https://k.example/?t=2026-03-02T12%3A00%3A00.250Z');
    expect(decodeURIComponent(render('$from'))).toBe('2026-03-02T06:00:00Z');
  });

  it('gives the same instant whatever zone the window was chosen in: 01:30 in Berlin on the night clocks change is 00:30Z', () => {
    // 29 March 2026, Europe/Berlin goes from +01:00 to +02:00 at 02:00 local; 01:30 local is 00:30 UTC.
    const start = Date.parse('2026-03-29T01:30:00+01:00');
    const end = Date.parse('2026-03-29T07:30:00+02:00');
    expect(render('$from/$to/$from_ms', { service: 's', startMs: start, endMs: end })).toBe(
      `2026-03-29T00%3A30%3A00Z/2026-03-29T05%3A30%3A00Z/${Date.UTC(2026, 2, 29, 0, 30)}`,
    );
    expect(rfc3339(start)).toBe('2026-03-29T00:30:00Z');
  });

  it('takes ${name} too, so that a placeholder can run into letters, and $$ for a literal $', () => {
    expect(render('https://g.example/${service}_overview?a=${from_ms}')).toBe('https://g.example/checkout-api_overview?a=1772431200000');
    expect(render('https://odata.example/items?$$filter=name eq $service')).toBe('https://odata.example/items?$filter=name eq checkout-api');
    expect(render('https://g.example/$service.json')).toBe('https://g.example/checkout-api.json');
  });

  it('leaves a template without placeholders as written', () => {
    expect(render('https://grafana.example/d/fleet')).toBe('https://grafana.example/d/fleet');
  });
});

describe('link templates: what is refused', () => {
  it.each([
    ['https://g.example/$servce', /unknown placeholder "\$servce"/],
    ['https://g.example/$service_id', /unknown placeholder "\$service_id"/],
    ['https://g.example/?from=${__from}', /unknown placeholder "\$\{__from\}"/],
    ['https://g.example/?from=$from_s', /unknown placeholder "\$from_s"/],
    ['https://g.example/${service', /has no closing \}/],
    ['https://g.example/cost=5$', /a \$ that starts no placeholder/],
    ['https://g.example/$-x', /a \$ that starts no placeholder/],
  ])('%j', (template, message) => {
    const parsed = parseLinkTemplate(template);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toMatch(message);
      // Every refusal says what the placeholders are and how to keep a $.
      expect(parsed.error).toContain('$service, $from, $to, $from_ms and $to_ms');
      expect(parsed.error).toContain('$$');
    }
  });
});

describe('checkLinkUrl', () => {
  it('accepts absolute http(s) URLs and gives them back normalised', () => {
    expect(checkLinkUrl('https://g.example/d?x=a b', MAX)).toEqual({ ok: true, url: 'https://g.example/d?x=a%20b' });
    expect(checkLinkUrl('http://grafana:3000/d/abc', MAX)).toEqual({ ok: true, url: 'http://grafana:3000/d/abc' });
  });

  it.each([
    ['/d/abc', 'invalid'],
    ['grafana.example/d/abc', 'invalid'],
    ['ftp://files.example/x', 'not-http'],
    ['javascript:alert(1)', 'not-http'],
    ['https:/g.example/d', 'not-http'],
    ['https://a%3Ab.example/', 'invalid'],
  ])('refuses %j (%s)', (url, reason) => {
    expect(checkLinkUrl(url, MAX)).toMatchObject({ ok: false, reason });
  });

  it('refuses a URL over the limit, counted after normalisation', () => {
    const base = 'https://g.example/?q=';
    expect(checkLinkUrl(base + 'a'.repeat(MAX - base.length), MAX).ok).toBe(true);
    expect(checkLinkUrl(base + 'a'.repeat(MAX - base.length + 1), MAX)).toMatchObject({ ok: false, reason: 'too-long' });
    // Each space becomes %20: 1,621 characters as written, 3,221 as sent.
    const spaced = base + 'a '.repeat(800) + 'z';
    expect(spaced.length).toBeLessThan(MAX);
    expect(checkLinkUrl(spaced, MAX)).toMatchObject({ ok: false, reason: 'too-long' });
  });
});

describe('checkLinkTemplate (start-up)', () => {
  it('accepts the templates from the README', () => {
    expect(checkLinkTemplate('https://grafana.example/d/abc/memory?var-service=$service&from=$from_ms&to=$to_ms', null, MAX)).toBeNull();
    expect(checkLinkTemplate('https://wiki.example/runbooks/$service', null, MAX)).toBeNull();
    expect(checkLinkTemplate('https://kibana.example/app/discover#/?_g=(time:(from:$from,to:$to))&q=$service', null, MAX)).toBeNull();
  });

  it('names the rendered URL when it is not an absolute http(s) URL, and says how to fix it', () => {
    expect(checkLinkTemplate('grafana.example/d/$service', null, MAX)).toBe(
      'with the service "checkout-api" it gives "grafana.example/d/checkout-api", which is not a valid URL; check the characters around the placeholders (a name with ":" cannot go into a host name)',
    );
    expect(checkLinkTemplate('$service', null, MAX)).toMatch(/^with the service "checkout-api" it gives "checkout-api", which is not a valid URL/);
    expect(checkLinkTemplate('ftp://files.example/$service', null, MAX)).toMatch(/which is not an absolute http\(s\) URL; start it with https:\/\/ or http:\/\/ and a host name$/);
  });

  it('refuses $service in the host name: a name with ":" would make an invalid URL', () => {
    const problem = checkLinkTemplate('https://$service.grafana.example/d/memory', null, MAX);
    expect(problem).toMatch(/^with a service name such as "shop:checkout.v2" .* it gives "https:\/\/shop%3Acheckout.v2.grafana.example\/d\/memory", which is not a valid URL; keep \$service out of the host name, or set the link per service under services.<name>.links$/);
    // For one named service it is fine when that name fits in a host.
    expect(checkLinkTemplate('https://$service.grafana.example/d/memory', 'checkout-api', MAX)).toBeNull();
    expect(checkLinkTemplate('https://$service.grafana.example/d/memory', 'shop:checkout', MAX)).toMatch(/^with the service "shop:checkout" it gives .*which is not a valid URL/);
  });

  it('refuses a template that the longest service name would push over the limit', () => {
    // The longest name (128 characters, all ":" but the first) is 382 characters encoded.
    const fits = `https://g.example/?pad=${'p'.repeat(MAX - 'https://g.example/?pad='.length - '&s='.length - 382)}&s=$service`;
    expect(checkLinkTemplate(fits, null, MAX)).toBeNull();
    expect(checkLinkTemplate(fits.replace('&s=', '&sx='), null, MAX)).toMatch(/^with the longest service name pymem accepts \(128 characters\) the URL is 3001 characters long, over the 3000 a Slack button's URL may have; shorten the template$/);
    // The window's placeholders are counted at their longest (milliseconds shown).
    const withWindow = `https://g.example/?f=$from&t=$to&pad=${'p'.repeat(MAX - 'https://g.example/?f=&t=&pad='.length - 2 * 28)}`;
    expect(checkLinkTemplate(withWindow, null, MAX)).toBeNull();
    expect(checkLinkTemplate(`${withWindow}p`, null, MAX)).toMatch(/3001 characters long/);
  });

  it('reports a placeholder problem before trying to render', () => {
    expect(checkLinkTemplate('https://g.example/$servce', null, MAX)).toMatch(/^unknown placeholder "\$servce"/);
  });
});

describe('renderLinks', () => {
  it('renders each configured link, and is null when none is configured', () => {
    expect(renderLinks({ dashboard: 'https://g.example/d?s=$service', runbook: null }, CTX, MAX)).toEqual({ dashboard: 'https://g.example/d?s=checkout-api', runbook: null });
    expect(renderLinks({ dashboard: null, runbook: null }, CTX, MAX)).toBeNull();
  });

  it('leaves out a link that does not make a URL a button can carry, rather than send it', () => {
    const links = renderLinks({ dashboard: 'https://$service.g.example/', runbook: 'https://wiki.example/$service' }, { ...CTX, service: 'shop:checkout' }, MAX);
    expect(links).toEqual({ dashboard: null, runbook: 'https://wiki.example/shop%3Acheckout' });
    expect(renderLinks({ dashboard: 'https://$service.g.example/', runbook: null }, { ...CTX, service: 'shop:checkout' }, MAX)).toBeNull();
    expect(renderLinks({ dashboard: `https://g.example/?q=${'q'.repeat(MAX)}`, runbook: null }, CTX, MAX)).toBeNull();
  });
});
