/**
 * The printable report of an evidence bundle: one self-contained HTML page (opened from the
 * unpacked bundle it shows the crops beside it), labelled in Chinese and English, laid out for A4.
 * Pure.
 */
import {
  CASE_STATUS_LABELS,
  CLASS_LABELS,
  DECISION_LABELS,
  DISMISSAL_REASON_LABELS,
  HAZARD_LABELS,
  type Label,
  REJECT_REASON_LABELS,
  SEVERITY_LABELS,
} from '../domain/labels.js';
import { escapeXml } from '../imaging/overlay.js';

export interface ReportData {
  reference: string;
  status: string;
  severity: 'major' | 'general';
  hazardCodes: string[];
  filedAt: string;
  dueAt: string | null;
  overdue: boolean;
  dismissalReason: string | null;
  site: {
    name: string;
    creditCode: string;
    industry: string;
    regionCode: string;
    contact: Record<string, unknown>;
  } | null;
  flightId: string;
  findings: Array<{
    className: string;
    hazardCode: string;
    severity: string;
    position: { lat: number; lon: number; errorM: number | null } | null;
    decision: {
      decision: string;
      reviewer: string;
      at: string;
      reason: string | null;
      note: string | null;
      newClass: string | null;
    } | null;
    views: Array<{
      rank: number;
      crop: string;
      photo: string;
      photoSha256: string;
      score: number;
      takenAt: string | null;
    }>;
  }>;
  events: Array<{
    at: string;
    kind: string;
    from: string | null;
    to: string | null;
    actor: string;
    role: string;
    note: string | null;
    reason: string | null;
    dueAt: string | null;
  }>;
  models: Array<{ name: string; version: string; sha256: string }>;
  photos: Array<{
    path: string;
    sha256: string;
    filename: string | null;
    takenAt: string | null;
    lat: number | null;
    lon: number | null;
  }>;
  attachments: Array<{ path: string; filename: string; sha256: string; uploadedBy: string; at: string }>;
  generatedAt: string;
  generatedBy: string;
  keyId: string;
  /** The agency's time zone (REPORT_TIME_ZONE). */
  timeZone: string;
}

const e = (text: string | number | null | undefined) =>
  escapeXml(text === null || text === undefined ? '—' : String(text));
const both = (label: Label | undefined, code: string) =>
  label ? `${e(label.zh)} <span class="en">${e(label.en)}</span>` : e(code);
const pick = (labels: Readonly<Record<string, Label>>, code: string | null) => (code ? both(labels[code], code) : '—');
/**
 * A time as the agency reads it: in its time zone with the zone named. A camera time without an
 * offset is the camera's local time and is shown as written, saying so; no zone is guessed.
 */
export function reportTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '—';
  if (!/(Z|[+-]\d{2}:\d{2})$/i.test(iso))
    return Number.isNaN(new Date(`${iso}Z`).getTime())
      ? '—'
      : `${e(iso.replace('T', ' ').slice(0, 19))} (相机本地时间 camera local time)`;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '—';
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} (${e(parts.timeZoneName?.replace('GMT', 'UTC') || 'UTC')})`;
}

export function renderReport(r: ReportData): string {
  const cst = (iso: string | null | undefined) => reportTime(iso, r.timeZone);
  const findings = r.findings
    .map(
      (f, i) => `
    <section class="finding">
      <h3>${i + 1}. ${pick(CLASS_LABELS, f.className)} <code>${e(f.hazardCode)}</code> <span class="sev sev-${e(f.severity)}">${pick(SEVERITY_LABELS, f.severity)}</span></h3>
      <dl>
        <dt>位置 Position (WGS-84)</dt><dd>${f.position ? `${f.position.lat.toFixed(6)}, ${f.position.lon.toFixed(6)} ± ${f.position.errorM?.toFixed(1) ?? '?'} m` : '无 none'}</dd>
        <dt>审核 Review</dt><dd>${f.decision ? `${pick(DECISION_LABELS, f.decision.decision)} · ${e(f.decision.reviewer)} · ${cst(f.decision.at)}${f.decision.newClass ? ` · → ${pick(CLASS_LABELS, f.decision.newClass)}` : ''}${f.decision.reason ? ` · ${pick(REJECT_REASON_LABELS, f.decision.reason)}` : ''}${f.decision.note ? ` · “${e(f.decision.note)}”` : ''}` : '—'}</dd>
      </dl>
      <div class="views">${f.views
        .map(
          (v) =>
            `<figure><img src="${e(v.crop)}" alt="view ${v.rank + 1}"><figcaption>${v.rank === 0 ? '最佳视图 best view' : `视图 view ${v.rank + 1}`} · ${v.score.toFixed(2)}<br>${cst(v.takenAt)}<br><code class="hash">${e(v.photo)}</code></figcaption></figure>`,
        )
        .join('')}</div>
    </section>`,
    )
    .join('');
  const events = r.events
    .map(
      (ev) =>
        `<tr><td>${cst(ev.at)}</td><td>${ev.to ? pick(CASE_STATUS_LABELS, ev.to) : e(ev.kind)}</td><td>${e(ev.actor)} <span class="en">${e(ev.role)}</span></td><td>${ev.dueAt ? `期限 due ${cst(ev.dueAt)}. ` : ''}${ev.reason ? `${pick(DISMISSAL_REASON_LABELS, ev.reason)}. ` : ''}${e(ev.note ?? '')}</td></tr>`,
    )
    .join('');
  const photos = r.photos
    .map(
      (p) =>
        `<tr><td>${e(p.filename)}</td><td>${cst(p.takenAt)}</td><td>${p.lat !== null && p.lon !== null ? `${p.lat.toFixed(6)}, ${p.lon.toFixed(6)}` : '—'}</td><td><code class="hash">${e(p.sha256)}</code></td></tr>`,
    )
    .join('');
  const attachments = r.attachments
    .map(
      (a) =>
        `<tr><td><code>${e(a.path)}</code><br>${e(a.filename)}</td><td>${e(a.uploadedBy)}<br>${cst(a.at)}</td><td><code class="hash">${e(a.sha256)}</code></td></tr>`,
    )
    .join('');
  const contact = r.site
    ? Object.entries(r.site.contact)
        .map(([k, v]) => `${e(k)}: ${e(String(v))}`)
        .join('; ')
    : '';
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${e(r.reference)} 非现场执法证据报告 Evidence report</title>
<style>
  @page { size: A4; margin: 16mm 14mm; }
  body { font: 10.5pt/1.45 "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; color: #111; margin: 0 auto; max-width: 190mm; }
  h1 { font-size: 17pt; margin: 0 0 2mm; }
  h2 { font-size: 12.5pt; border-bottom: 1.5px solid #333; padding-bottom: 1mm; margin: 7mm 0 3mm; }
  h3 { font-size: 11pt; margin: 4mm 0 2mm; }
  .en { color: #555; font-size: 0.86em; }
  dl { display: grid; grid-template-columns: 44mm 1fr; gap: 1mm 4mm; margin: 0; }
  dt { color: #444; }
  dd { margin: 0; }
  table { width: 100%; border-collapse: collapse; font-size: 9pt; }
  th, td { border: 0.5px solid #999; padding: 1.2mm 1.8mm; vertical-align: top; text-align: left; }
  th { background: #eee; }
  code { font: 8pt ui-monospace, "DejaVu Sans Mono", monospace; }
  .hash { word-break: break-all; }
  table.photos td:last-child { width: 46%; }
  .views { display: flex; flex-wrap: wrap; gap: 3mm; }
  figure { margin: 0; width: 58mm; break-inside: avoid; }
  figure img { width: 100%; border: 0.5px solid #999; }
  figcaption { font-size: 8pt; color: #333; }
  .finding { break-inside: avoid; border-top: 0.5px solid #ccc; }
  .sev { font-size: 9pt; padding: 0 2mm; border-radius: 1mm; }
  .sev-major { background: #fde2e1; color: #9b1c1c; }
  .sev-general { background: #fff4d6; color: #7a5200; }
  .overdue { color: #b00020; font-weight: 600; }
  footer { margin-top: 8mm; font-size: 8.5pt; color: #444; border-top: 0.5px solid #999; padding-top: 2mm; }
</style>
</head>
<body>
<h1>非现场执法证据报告 <span class="en">Non-site enforcement evidence report</span></h1>
<dl>
  <dt>案件编号 Case</dt><dd><strong>${e(r.reference)}</strong></dd>
  <dt>状态 Status</dt><dd>${pick(CASE_STATUS_LABELS, r.status)}${r.overdue ? ' <span class="overdue">逾期 overdue</span>' : ''}${r.dismissalReason ? ` · ${pick(DISMISSAL_REASON_LABELS, r.dismissalReason)}` : ''}</dd>
  <dt>隐患等级 Severity</dt><dd>${pick(SEVERITY_LABELS, r.severity)}</dd>
  <dt>隐患类别 Hazards</dt><dd>${r.hazardCodes.map((h) => pick(HAZARD_LABELS, h)).join('；')}</dd>
  <dt>立案时间 Filed</dt><dd>${cst(r.filedAt)}</dd>
  <dt>整改期限 Rectification due</dt><dd>${cst(r.dueAt)}</dd>
  <dt>责任主体 Liable site</dt><dd>${r.site ? `${e(r.site.name)}<br>统一社会信用代码 ${e(r.site.creditCode)} · ${e(r.site.industry)} · 行政区划 ${e(r.site.regionCode)}${contact ? `<br>${contact}` : ''}` : '未指定 not assigned'}</dd>
  <dt>航次 Flight</dt><dd><code>${e(r.flightId)}</code></dd>
  <dt>识别模型 Model</dt><dd>${r.models.map((m) => `${e(m.name)} ${e(m.version)} <code class="hash">sha256 ${e(m.sha256)}</code>`).join('<br>')}</dd>
</dl>

<h2>隐患发现 <span class="en">Findings</span></h2>
${findings}

<h2>办理过程 <span class="en">Case history</span></h2>
<table><thead><tr><th>时间 Time</th><th>环节 Step</th><th>办理人 By</th><th>说明 Note</th></tr></thead><tbody>${events}</tbody></table>

<h2>原始照片 <span class="en">Original photos, as uploaded (photos/&lt;SHA-256&gt;.jpg)</span></h2>
<table class="photos"><thead><tr><th>文件 File</th><th>拍摄时间 Taken</th><th>位置 Position</th><th>SHA-256</th></tr></thead><tbody>${photos}</tbody></table>
${attachments ? `<h2>整改材料 <span class="en">Rectification evidence from the enterprise</span></h2><table><thead><tr><th>文件 File</th><th>登记 Recorded</th><th>SHA-256</th></tr></thead><tbody>${attachments}</tbody></table>` : ''}

<footer>
  本证据包由 HazardScope 于 ${cst(r.generatedAt)} 为 ${e(r.generatedBy)} 生成。每个文件的 SHA-256 列于 manifest.json，manifest.json 经 Ed25519 签名（signature.json）。
  核验：<code>hazardscope verify-evidence 本文件.zip</code>，签名密钥指纹 <code class="hash">${e(r.keyId)}</code>。<br>
  <span class="en">Generated by HazardScope at ${cst(r.generatedAt)} for ${e(r.generatedBy)}. Every file's SHA-256 is in manifest.json, which is signed with Ed25519 (signature.json). Check it with <code>hazardscope verify-evidence FILE.zip</code>; signing key fingerprint above.</span>
</footer>
</body>
</html>
`;
}
