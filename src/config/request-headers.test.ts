import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './index.ts';

const base = `
pools: { llm: { endpoints: [{ url: "https://api.openai.com" }] } }
routes:
  - pool: llm
`;

const env = { PROVIDER_KEY: 'sk-provider-key', KEY_WITH_NEWLINE: 'sk-newline-key\n' };

function routeOf(text: string) {
  return parseConfigText(base + text, { env }).routes[0];
}

function issuesOf(text: string): string[] {
  try {
    parseConfigText(base + text, { env });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('routes[].upstream_host and request_headers', () => {
  it('compile to lower-cased names, ${ENV} values and a Host source, or to nothing when unused', () => {
    const route = routeOf(`    upstream_host: endpoint
    request_headers:
      set: { Authorization: "Bearer \${PROVIDER_KEY}", X-Version: 2 }
      remove: [Cookie, x-forwarded-for]
`);
    expect(route?.requestHeaders).toEqual({
      host: { from: 'endpoint' },
      set: [
        ['authorization', 'Bearer sk-provider-key'],
        ['x-version', '2'],
      ],
      remove: ['cookie', 'x-forwarded-for'],
    });
    expect(routeOf('    upstream_host: api.example.com:8443\n')?.requestHeaders?.host).toEqual({
      from: 'literal',
      value: 'api.example.com:8443',
    });
    expect(routeOf('    upstream_host: preserve\n')?.requestHeaders).toBeUndefined();
    expect(routeOf('')?.requestHeaders).toBeUndefined();
  });

  it('refuse Host, framing, hop-by-hop and malformed names, whether set or removed', () => {
    const issues = issuesOf(`    request_headers:
      set: { Host: a, Content-Length: "1", Connection: x, Proxy-Authorization: y, "bad name": z }
      remove: [transfer-encoding, TE, keep-alive, upgrade, "x:y"]
`);
    const where = 'routes[0].request_headers';
    expect(issues).toEqual([
      `${where}.set.Host: invalid name "Host": the Host is chosen with upstream_host (preserve, endpoint or a name)`,
      `${where}.set.Content-Length: invalid name "Content-Length": content-length frames the body, which the gateway forwards as it came`,
      `${where}.set.Connection: invalid name "Connection": connection is hop-by-hop: it belongs to one connection and is never forwarded`,
      `${where}.set.Proxy-Authorization: invalid name "Proxy-Authorization": proxy-authorization is hop-by-hop: it belongs to one connection and is never forwarded`,
      `${where}.set["bad name"]: invalid name "bad name": a header name is letters, digits and !#$%&'*+.^_\`|~-`,
      `${where}.remove[0]: transfer-encoding frames the body, which the gateway forwards as it came`,
      `${where}.remove[1]: te is hop-by-hop: it belongs to one connection and is never forwarded`,
      `${where}.remove[2]: keep-alive is hop-by-hop: it belongs to one connection and is never forwarded`,
      `${where}.remove[3]: upgrade is hop-by-hop: it belongs to one connection and is never forwarded`,
      `${where}.remove[4]: a header name is letters, digits and !#$%&'*+.^_\`|~-`,
    ]);
  });

  it('refuse a value with control characters without showing it', () => {
    const issues = issuesOf(`    request_headers:
      set: { x-literal: "sk-literal-key\\r\\nx-injected: 1", x-env: "\${KEY_WITH_NEWLINE}" }
`);
    const where = 'routes[0].request_headers.set';
    const refusal =
      'a header value may not hold control characters (CR, LF, NUL…) nor characters beyond Latin-1';
    expect(issues).toEqual([
      `${where}.x-literal: ${refusal}`,
      `${where}.x-env: ${refusal}, found "\${KEY_WITH_NEWLINE}" (from the environment)`,
    ]);
  });

  it('refuse a name set twice, or both set and removed', () => {
    const issues = issuesOf(`    request_headers: { set: { x-a: 1, X-A: 2, x-b: 3 }, remove: [X-B] }\n`);
    expect(issues).toEqual([
      'routes[0].request_headers.set: x-a is set twice (names ignore case)',
      "routes[0].request_headers.remove[0]: X-B is both set and removed; set replaces the client's value already",
    ]);
  });

  it('refuse an upstream_host that is no host name', () => {
    expect(issuesOf('    upstream_host: "api.example.com/v1"\n')).toEqual([
      'routes[0].upstream_host: preserve, endpoint, or a host name with an optional :port',
    ]);
  });
});
