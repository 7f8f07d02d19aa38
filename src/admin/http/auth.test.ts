import { describe, expect, it } from 'vitest';
import { refuseWrite } from './auth.ts';

const tokens = ['first-token-0123456789', 'second-token-0123456789'];

describe('refuseWrite', () => {
  it('allows any configured token, case-insensitive scheme, and no other', () => {
    expect(refuseWrite('Bearer first-token-0123456789', tokens)).toBeUndefined();
    expect(refuseWrite('bearer second-token-0123456789', tokens)).toBeUndefined();
    expect(refuseWrite('Bearer first-token-012345678', tokens)).toMatchObject({ status: 401 });
    expect(refuseWrite('Bearer first-token-0123456789x', tokens)).toMatchObject({ status: 401 });
  });

  it('asks for a bearer token when none or another scheme is sent', () => {
    for (const header of [undefined, '', 'Bearer', 'Basic Zm9vOmJhcg==', 'first-token-0123456789']) {
      expect(refuseWrite(header, tokens)).toEqual({
        status: 401,
        code: 'ADMIN_UNAUTHORIZED',
        message: 'this request needs an Authorization: Bearer <token> header',
        headers: { 'www-authenticate': 'Bearer realm="bulwark-admin"' },
      });
    }
  });

  it('marks a wrong token invalid_token and never echoes it', () => {
    const refusal = refuseWrite('Bearer guessed-token-value', tokens);
    expect(refusal?.headers['www-authenticate']).toBe('Bearer realm="bulwark-admin", error="invalid_token"');
    expect(JSON.stringify(refusal)).not.toContain('guessed');
  });

  it('turns writes off, saying how to turn them on, when no token is configured', () => {
    const refusal = refuseWrite('Bearer anything-at-all-here', []);
    expect(refusal).toMatchObject({ status: 403, code: 'ADMIN_WRITES_DISABLED' });
    expect(refusal?.message).toContain('set admin.tokens');
  });
});
