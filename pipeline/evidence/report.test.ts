import { describe, expect, it } from 'vitest';
import { type ReportData, renderReport, reportTime } from './report.js';

describe('evidence report', () => {
  it('when a time has an offset, then it is shown in the agency’s zone with the zone named', () => {
    expect(reportTime('2026-03-07T05:41:00Z', 'Asia/Shanghai')).toBe('2026-03-07 13:41:00 (UTC+8)');
    expect(reportTime('2026-03-07T13:41:00+08:00', 'Europe/Berlin')).toBe('2026-03-07 06:41:00 (UTC+1)');
  });

  it('when a camera time has no offset, then it is shown as written and said to be local; nonsense shows as none', () => {
    expect(reportTime('2017-03-14T10:00:01', 'Asia/Shanghai')).toBe(
      '2017-03-14 10:00:01 (相机本地时间 camera local time)',
    );
    expect(reportTime('not a time', 'Asia/Shanghai')).toBe('—');
    expect(reportTime(null, 'Asia/Shanghai')).toBe('—');
  });

  it('when names and notes hold markup, then the report shows them as text', () => {
    const data: ReportData = {
      reference: 'HS-000001',
      status: 'filed',
      severity: 'major',
      hazardCodes: ['FIRE-OPEN-FLAME'],
      filedAt: '2026-12-01T00:00:00Z',
      dueAt: null,
      overdue: false,
      dismissalReason: null,
      site: {
        name: '<img src=x onerror=alert(1)>',
        creditCode: '91410100000000001T',
        industry: 'chemicals',
        regionCode: '410105',
        contact: {},
      },
      flightId: 'f',
      findings: [],
      events: [
        {
          at: '2026-12-01T00:00:00Z',
          kind: 'transition',
          from: 'filed',
          to: 'notified',
          actor: 'A',
          role: 'regulator',
          note: '<script>x</script>',
          reason: null,
          dueAt: null,
        },
      ],
      models: [],
      photos: [],
      attachments: [],
      generatedAt: '2026-12-01T00:00:00Z',
      generatedBy: 'A',
      keyId: 'k',
      timeZone: 'Asia/Shanghai',
    };
    const html = renderReport(data);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>x');
    expect(html).toContain('&#60;script&#62;x');
  });
});
