/** One admin API call with the bearer token and a JSON body; the answer's status and parsed JSON (if any). */
export type AdminJson = <T>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

/** Calls against `baseUrl()` (a getter: the URL is known once Bulwark listens). */
export function adminJson(baseUrl: () => string, token: string): AdminJson {
  return async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}
