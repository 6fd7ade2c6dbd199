import { useState } from 'preact/hooks';
import { DISMISSAL_REASONS } from '../../../pipeline/domain/cases.js';
import { api, download } from '../api.js';
import { type MessageKey, useI18n } from '../i18n.js';
import { useShortcuts } from '../keys.js';
import type { Attachment, CaseDetail, CaseSiteDetail, CaseStatus, Me, Site, SiteCandidates } from '../api/types.js';
import { AuthImage, Dialog, ErrorBox, errorText, Kbd, Loading, SeverityBadge, StatusBadge, useAsync } from '../ui.js';
import { FindingHistoryTimeline } from './finding-history.js';
import { MiniMap, siteRings } from './minimap.js';

/** A case: who and what, the findings with their photos, the history, and the next steps of its lifecycle. */
export function CaseDetailPage({ me, id }: { me: Me; id: string }) {
  const i = useI18n();
  const detail = useAsync(() => api<CaseDetail>('GET', `/cases/${id}`), [id]);
  const [step, setStep] = useState<CaseStatus>();
  const [assigning, setAssigning] = useState(false);
  const [busy, setBusy] = useState<string>();
  const [failure, setFailure] = useState<string>();
  const c = detail.value;
  const mayAct = me.role === 'regulator';
  const mayExport = me.role === 'regulator' || me.role === 'admin';
  const site = useAsync(
    () => (c?.site ? api<Site>('GET', `/sites/${c.site.id}`) : Promise.resolve(undefined)),
    [c?.site?.id],
  );

  const evidence = async () => {
    if (!c) return;
    setBusy('evidence');
    setFailure(undefined);
    try {
      await download(`/cases/${c.id}/evidence.zip`, `${c.reference}-evidence.zip`);
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setBusy(undefined);
    }
  };
  useShortcuts((e) => {
    if (!c) return false;
    if (e.key === 'Backspace' || e.key === 'b') return (history.back(), true);
    if (e.key === 'e' && mayExport) return (void evidence(), true);
    const n = Number(e.key);
    if (mayAct && n >= 1 && n <= c.next.length) {
      const to = c.next[n - 1]!;
      // Notifying needs a liable site: the key opens the site's choice instead.
      return (to === 'notified' && !c.site ? setAssigning(true) : setStep(to), true);
    }
    return false;
  }, !step && !assigning);

  if (detail.error) return <ErrorBox error={detail.error} retry={detail.reload} />;
  if (!c) return <Loading />;
  const firstPosition = c.findings.find((f) => f.finding?.position)?.finding?.position ?? null;
  const siteDetail = c.siteDetail as CaseSiteDetail | null;
  // The lifecycle refuses to notify nobody (domain/cases.ts); the page says so before the regulator tries.
  const needsSite = (to: CaseStatus) => to === 'notified' && !c.site;
  return (
    <main class="case-detail">
      <header class="page-head">
        <a href="#/cases" class="back">
          ← {i.t('case.back')}
        </a>
        <h1 id="case-reference">{c.reference}</h1>
        <StatusBadge status={c.status} overdue={c.overdue} />
        <SeverityBadge severity={c.severity} />
        <span class="spacer" />
        {mayExport && (
          <button
            type="button"
            id="evidence"
            class="primary"
            disabled={busy === 'evidence'}
            onClick={() => void evidence()}
          >
            {i.t('case.evidence')} <Kbd>E</Kbd>
          </button>
        )}
      </header>
      {failure && <p class="error-box">{failure}</p>}
      <div class="case-grid">
        <section class="case-facts">
          <dl>
            <dt>{i.t('case.site')}</dt>
            <dd>
              {siteDetail ? (
                <>
                  <strong>{siteDetail.name}</strong>{' '}
                  {mayAct && c.status === 'filed' && (
                    <button type="button" class="link" onClick={() => setAssigning(true)}>
                      {i.t('case.changeSite')}
                    </button>
                  )}
                  <br />
                  {i.t('case.creditCode')} {siteDetail.creditCode} · {siteDetail.industry} · {siteDetail.regionCode}
                  {Object.keys(siteDetail.contact).length > 0 && (
                    <>
                      <br />
                      {i.t('case.contact')}: {Object.values(siteDetail.contact).join(' · ')}
                    </>
                  )}
                </>
              ) : (
                <>
                  <em>{i.t('case.noSite')}</em>{' '}
                  {mayAct && c.status === 'filed' && (
                    <button type="button" onClick={() => setAssigning(true)}>
                      {i.t('case.assignSite')}
                    </button>
                  )}
                </>
              )}
            </dd>
            <dt>{i.t('cases.col.hazards')}</dt>
            <dd>{c.hazardCodes.map((h) => i.hazard(h)).join('、')}</dd>
            <dt>{i.t('case.filed')}</dt>
            <dd>{i.dateTime(c.createdAt)}</dd>
            <dt>{i.t('case.due')}</dt>
            <dd class={c.overdue ? 'overdue-text' : ''}>{i.dateTime(c.dueAt)}</dd>
            <dt>{i.t('case.flight')}</dt>
            <dd id="case-flight">
              {c.flight ? (
                <a href={`#/flights/${c.flight.id}`}>
                  {i.t('case.flightOf', {
                    name: c.flight.name,
                    date: i.date(c.flight.createdAt),
                    operator: c.flight.operator ?? '—',
                  })}
                </a>
              ) : (
                '—'
              )}
            </dd>
          </dl>
          <MiniMap
            point={c.position ?? firstPosition}
            errorM={firstPosition?.errorM}
            site={siteRings(site.value?.geometry)}
          />
        </section>
        <section class="steps" aria-label={i.t('case.nextSteps')}>
          <h2>{i.t('case.nextSteps')}</h2>
          {c.next.length === 0 ? (
            <p>{i.t('case.final')}</p>
          ) : (
            <ol>
              {c.next.map((s, n) => (
                <li key={s}>
                  <button
                    type="button"
                    class={s === 'dismissed' ? 'reject' : 'primary'}
                    disabled={!mayAct || needsSite(s)}
                    aria-describedby={needsSite(s) ? 'step-needs-site' : undefined}
                    onClick={() => setStep(s)}
                    data-step={s}
                  >
                    <Kbd>{n + 1}</Kbd> {i.t(`case.step.${s}` as MessageKey)}
                  </button>
                  {needsSite(s) && (
                    <p class="hint" id="step-needs-site">
                      {i.t('case.notifyNeedsSite')}{' '}
                      {mayAct && (
                        <button type="button" class="link" id="step-assign-site" onClick={() => setAssigning(true)}>
                          {i.t('case.assignSite')}
                        </button>
                      )}
                    </p>
                  )}
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>

      <section>
        <h2>
          {i.t('case.findings')} ({c.findings.length})
        </h2>
        <div class="case-findings">
          {c.findings.map((f) => {
            const review = c.reviews.find((r) => r.detectionId === f.detectionId);
            return (
              <article key={f.detectionId} class="case-finding">
                <h3>
                  {i.className(f.className)} <SeverityBadge severity={f.severity} />
                </h3>
                {review && (
                  <p class="muted">
                    {i.t(review.decision === 'relabel' ? 'case.relabelledBy' : 'case.decidedBy', {
                      name: review.reviewer,
                      time: i.dateTime(review.createdAt),
                    })}
                    {review.note ? ` — “${review.note}”` : ''}
                  </p>
                )}
                <div class="crops">
                  {(f.finding?.views ?? []).map((v) => (
                    <figure key={v.detection.id}>
                      <AuthImage path={`/detections/${v.detection.id}/crop`} alt={`${f.className} ${v.rank + 1}`} />
                      <figcaption>
                        {v.rank + 1} · {v.detection.score.toFixed(2)}
                      </figcaption>
                    </figure>
                  ))}
                </div>
                {f.findingId && <FindingHistoryTimeline findingId={f.findingId} onRevised={detail.reload} />}
              </article>
            );
          })}
        </div>
      </section>

      <section>
        <h2>{i.t('case.history')}</h2>
        <ol class="timeline">
          {c.events.map((e) => (
            <li key={e.id}>
              <time>{i.dateTime(e.at)}</time>
              <span class="what">
                {e.kind === 'transition' && e.toStatus
                  ? i.status(e.toStatus)
                  : i.t(`case.event.${e.kind}` as MessageKey)}
              </span>
              <span class="who">
                {e.actor.name} · {i.t(`role.${e.actor.role}` as MessageKey)}
              </span>
              {(e.note || e.reason || e.dueAt) && (
                <span class="note">
                  {e.dueAt ? `${i.t('case.due')}: ${i.dateTime(e.dueAt)}. ` : ''}
                  {e.reason ? `${i.dismissalReason(e.reason)}. ` : ''}
                  {e.note}
                </span>
              )}
            </li>
          ))}
        </ol>
      </section>

      <section>
        <h2>{i.t('case.attachments')}</h2>
        {c.attachments.length === 0 ? <p class="muted">{i.t('case.noAttachments')}</p> : null}
        <ul class="attachments">
          {c.attachments.map((a) => (
            <li key={a.id}>
              <button
                type="button"
                class="link"
                onClick={() => void download(`/cases/${c.id}/attachments/${a.id}`, a.filename)}
              >
                {a.filename}
              </button>{' '}
              <span class="muted">
                {(a.sizeBytes / 1024).toFixed(0)} KB · {a.uploadedBy} · {i.dateTime(a.createdAt)} ·{' '}
                <code>{a.sha256.slice(0, 16)}…</code>
              </span>
            </li>
          ))}
        </ul>
      </section>
      {step && (
        <StepDialog
          caseId={c.id}
          to={step}
          onClose={() => setStep(undefined)}
          onDone={(updated) => {
            setStep(undefined);
            detail.set(updated);
          }}
        />
      )}
      {assigning && (
        <AssignSiteDialog
          caseId={c.id}
          onClose={() => setAssigning(false)}
          onDone={() => {
            setAssigning(false);
            detail.reload();
          }}
        />
      )}
    </main>
  );
}

/** One lifecycle step: the fields it needs (deadline, reason, the enterprise's files), a note, and who records it. */
function StepDialog({
  caseId,
  to,
  onClose,
  onDone,
}: {
  caseId: string;
  to: CaseStatus;
  onClose: () => void;
  onDone: (detail: CaseDetail) => void;
}) {
  const i = useI18n();
  const defaultDue = new Date(Date.now() + 15 * 86400_000).toISOString().slice(0, 10);
  const [note, setNote] = useState('');
  const [due, setDue] = useState(defaultDue);
  const [reason, setReason] = useState<string>(DISMISSAL_REASONS[0]);
  const [files, setFiles] = useState<File[]>([]);
  const [uploaded, setUploaded] = useState<Attachment[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const attachments = [...uploaded];
      for (const file of files.slice(uploaded.length)) {
        attachments.push(
          await api<Attachment>('PUT', `/cases/${caseId}/attachments/${encodeURIComponent(file.name)}`, {
            raw: file,
            contentType: file.type || 'application/octet-stream',
          }),
        );
        setUploaded([...attachments]);
      }
      await api('POST', `/cases/${caseId}/transitions`, {
        body: {
          to,
          note: note.trim() || undefined,
          ...(to === 'rectification_due' ? { dueAt: new Date(`${due}T23:59:59`).toISOString() } : {}),
          ...(to === 'dismissed' ? { reason } : {}),
          ...(to === 'rectified' && attachments.length ? { attachmentIds: attachments.map((a) => a.id) } : {}),
        },
      });
      onDone(await api<CaseDetail>('GET', `/cases/${caseId}`));
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={i.t(`case.step.${to}` as MessageKey)}
      onClose={onClose}
      onKey={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || (e.target as HTMLElement).tagName !== 'TEXTAREA') && !busy) {
          void submit();
          return true;
        }
      }}
    >
      <form
        class="step-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {to === 'rectification_due' && (
          <label>
            {i.t('case.form.deadline')}
            <input
              type="date"
              id="step-due"
              required
              value={due}
              min={new Date().toISOString().slice(0, 10)}
              onInput={(e) => setDue(e.currentTarget.value)}
            />
          </label>
        )}
        {to === 'dismissed' && (
          <label>
            {i.t('case.form.reason')}
            <select id="step-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
              {DISMISSAL_REASONS.map((r) => (
                <option key={r} value={r}>
                  {i.dismissalReason(r)}
                </option>
              ))}
            </select>
          </label>
        )}
        {to === 'rectified' && (
          <label>
            {i.t('case.form.files')}
            <input
              type="file"
              id="step-files"
              multiple
              accept="image/jpeg,image/png,application/pdf"
              onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])}
            />
          </label>
        )}
        <label>
          {i.t('common.note')}
          <textarea id="step-note" rows={4} value={note} autoFocus onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <p class="hint">{i.t('case.form.hint')}</p>
        {error && <p class="error-box">{error}</p>}
        <footer>
          <button type="button" onClick={onClose}>
            {i.t('common.cancel')} <Kbd>Esc</Kbd>
          </button>
          <button type="submit" class={to === 'dismissed' ? 'reject' : 'primary'} disabled={busy}>
            {i.t('case.form.submit')} <Kbd>Ctrl+↵</Kbd>
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

/** Names the liable site: the organisation's sites nearest the case first, the one whose outline holds it chosen. */
function AssignSiteDialog({ caseId, onClose, onDone }: { caseId: string; onClose: () => void; onDone: () => void }) {
  const i = useI18n();
  const [chosen, setChosen] = useState('');
  const candidates = useAsync(async () => {
    const found = await api<SiteCandidates>('GET', `/cases/${caseId}/site-candidates?limit=50`);
    if (found.items[0]?.distanceM === 0) setChosen((c) => c || found.items[0]!.site.id);
    return found;
  }, [caseId]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', `/cases/${caseId}/site`, { body: { siteId: chosen, note: note.trim() || undefined } });
      onDone();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  const distance = (m: number | null) =>
    m === null ? '' : m === 0 ? ` · ${i.t('case.siteContains')}` : ` · ${i.t('case.siteDistance', { m: String(m) })}`;
  return (
    <Dialog title={i.t('case.assignSite')} onClose={onClose}>
      {candidates.error ? <ErrorBox error={candidates.error} retry={candidates.reload} /> : null}
      <label>
        {i.t('case.site')}
        <select id="assign-site" value={chosen} onChange={(e) => setChosen(e.currentTarget.value)} autoFocus>
          <option value="" />
          {candidates.value?.items.map(({ site, distanceM }) => (
            <option key={site.id} value={site.id}>
              {site.name}
              {distance(distanceM)} · {site.creditCode}
            </option>
          ))}
        </select>
      </label>
      {candidates.value && candidates.value.items.length === 0 && <p class="muted">{i.t('case.noSites')}</p>}
      <label>
        {i.t('common.note')}
        <textarea id="assign-site-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <p class="hint">{i.t('case.assignSiteHint')}</p>
      {error && <p class="error-box">{error}</p>}
      <footer>
        <button type="button" onClick={onClose}>
          {i.t('common.cancel')}
        </button>
        <button
          type="button"
          class="primary"
          id="assign-site-save"
          disabled={!chosen || busy}
          onClick={() => void submit()}
        >
          {i.t('common.save')}
        </button>
      </footer>
    </Dialog>
  );
}
