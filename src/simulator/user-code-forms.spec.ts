import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { authorize, makeTestSim } from './simulator.spec-kit';

/**
 * RFC 8628 §6.1: a person may type the code as the kiosk groups it (`LELW-2DY9`), or without the
 * dash, in any case, with stray spaces around it; the verification page takes every form, and
 * the provider's own code (what the device authorization answered) is what it records.
 */
function forms(code: string): string[] {
  const grouped = `${code.slice(0, 4)}-${code.slice(4)}`;
  return [
    code,
    grouped,
    code.toLowerCase(),
    grouped.toLowerCase(),
    `  ${grouped}  `,
    ` ${code.toLowerCase()}\t`,
    `${code.slice(0, 4)} ${code.slice(4)}`,
  ];
}

describe('the verification page accepts a code with or without its dash', () => {
  it('issues codes without a separator: the kiosk adds the dash for display only', async () => {
    const { userCode } = await authorize(request(makeTestSim().sim.app));
    expect(userCode).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$/);
  });

  it.each([0, 1, 2, 3, 4, 5, 6])(
    'shows the consent screen for typed form #%i, with the code grouped as on the kiosk',
    async (i) => {
      const http = request(makeTestSim().sim.app);
      const { userCode } = await authorize(http);
      const typed = forms(userCode)[i];
      const res = await http.get('/verify').query({ userCode: typed });
      expect(res.status).toBe(200);
      expect(res.text).toContain('Kiosk Sign-in wants to use your Webex account');
      expect(res.text).toContain(`<div class="code" aria-label="Code">${userCode.slice(0, 4)}-${userCode.slice(4)}</div>`);
      // The form carries the provider's code, not what was typed.
      expect(res.text).toContain(`<input type="hidden" name="userCode" value="${userCode}">`);
    },
  );

  it.each([0, 1, 2, 3, 4, 5, 6])('approves with typed form #%i', async (i) => {
    const t = makeTestSim();
    const http = request(t.sim.app);
    const { userCode } = await authorize(http);
    const res = await http
      .post('/verify')
      .type('form')
      .send({ userCode: forms(userCode)[i], decision: 'approve', displayName: 'Ada' });
    expect(res.status).toBe(200);
    expect(t.sim.session(userCode)?.state).toBe('approved');
  });

  it('still refuses a code that differs in more than form', async () => {
    const http = request(makeTestSim().sim.app);
    const { userCode } = await authorize(http);
    const other = `${userCode.slice(0, 7)}${userCode.endsWith('2') ? '3' : '2'}`;
    expect((await http.get('/verify').query({ userCode: `${other.slice(0, 4)}-${other.slice(4)}` })).status).toBe(404);
  });
});
