import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';
import { componentStatusesOf, summaryLine } from './incident-command.ts';

// No --admin and no config file: each of these must fail on its arguments before anything is read or called.
describe('bulwark incident: usage errors exit 2 before the admin API is asked', () => {
  it.each([
    [['incident'], 'incident: expected open, update, resolve, publish, list'],
    [['incident', 'close', 'x'], 'incident: expected open, update, resolve, publish, list'],
    [['incident', 'open'], 'incident open: --name is required'],
    [['incident', 'open', '--name', '  '], 'incident open: --name is required'],
    [['incident', 'open', 'API down'], 'incident open: unexpected argument "API down"'],
    [
      ['incident', 'open', '--name', 'x', '--status', 'resolved'],
      'incident open: --status expects one of investigating | identified | monitoring, got "resolved"',
    ],
    [
      ['incident', 'open', '--name', 'x', '--impact', 'huge'],
      'incident open: --impact expects one of none | minor | major | critical, got "huge"',
    ],
    [['incident', 'open', '--name', 'x', '--component', 'api'], '--component expects ID=STATUS, got "api"'],
    [
      ['incident', 'open', '--name', 'x', '--component', 'api=down'],
      'component status "down" is not one of operational | degraded_performance',
    ],
    [
      [
        'incident',
        'open',
        '--name',
        'x',
        '--component',
        'api=major_outage',
        '--component',
        'api=degraded_performance',
      ],
      'incident open: --component api is given twice',
    ],
    [
      ['incident', 'open', '--name', 'x', '--next-update', 'soon'],
      'incident open: --next-update expects a duration such as 30m or an ISO time with an offset, got "soon"',
    ],
    [['incident', 'update'], 'incident update: give one ID'],
    [['incident', 'update', 'a', 'b', '--body', 'x'], 'incident update: give one ID'],
    [['incident', 'update', 'inc1'], 'incident update: nothing to change'],
    [
      ['incident', 'update', 'inc1', '--status', 'fixed'],
      'incident update: --status expects one of investigating | identified | monitoring | resolved | postmortem',
    ],
    [['incident', 'resolve'], 'incident resolve: give one ID'],
    [
      ['incident', 'resolve', 'inc1', '--status', 'monitoring'],
      'incident resolve: --status does not apply here',
    ],
    [
      ['incident', 'publish', 'inc1', '--body', 'x'],
      'incident publish: --body does not apply here (it takes no options)',
    ],
    [['incident', 'list', '--name', 'x'], 'incident list: --name does not apply here (it takes --json)'],
    [['incident', 'list', 'extra'], 'incident list: unexpected argument "extra"'],
    [['incident', 'open', '--nmae', 'x'], "incident: Unknown option '--nmae'"],
  ])('%j', async (argv, message) => {
    const result = await runCliCaptured(...argv);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toMatch(/^bulwark: /);
    expect(result.err).toContain(message);
    expect(result.err).toContain('Run "bulwark incident --help" for usage.');
  });

  it('shows each verb and the repeatable --component in its help', async () => {
    const help = await runCliCaptured('incident', '--help');
    expect(help.code).toBe(0);
    for (const verb of ['open', 'update', 'resolve', 'publish', 'list'])
      expect(help.out).toContain(`bulwark incident ${verb}`);
    expect(help.out).toContain('--component ID=STATUS...');
  });
});

describe('componentStatusesOf', () => {
  it('maps ID=STATUS pairs, keeping ids that contain dashes', () => {
    expect(
      componentStatusesOf(['api=major_outage', 'web-app=degraded_performance'], 'incident open'),
    ).toEqual({ api: 'major_outage', 'web-app': 'degraded_performance' });
    expect(() => componentStatusesOf(['=major_outage'], 'x')).toThrow('--component expects ID=STATUS');
    expect(() => componentStatusesOf(['a=b=c'], 'x')).toThrow('--component expects ID=STATUS');
  });
});

describe('summaryLine', () => {
  it('puts the id second and lists status, impact, draft and components', () => {
    const incident = {
      id: 'inc_1',
      name: 'Elevated errors',
      status: 'investigating',
      impact: 'major',
      draft: true,
      components: [{ id: 'api', status: 'major_outage' }],
    } as unknown as Parameters<typeof summaryLine>[0];
    expect(summaryLine(incident, 'opened')).toBe(
      'incident inc_1 opened: Elevated errors (investigating, impact major, draft, api=major_outage)\n',
    );
  });
});
