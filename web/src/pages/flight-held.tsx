import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import type { FlightStatus, Me, OrganisationRegion } from '../api/types.js';
import { useI18n } from '../i18n.js';

type Flagged = FlightStatus['flaggedImages'][number];

/**
 * Photos held because they were taken outside the bureau's region (docs/ingest.md): where each was
 * taken, the region it lies outside, what was decided, and the two ways forward. Processing one is
 * an administrator's decision with a note (its hazards may become cases outside the bureau's
 * jurisdiction); removing it leaves it stored and unprocessed, and it can still be processed later.
 */
export function HeldPhotos({
  flagged,
  me,
  busy,
  act,
  message,
}: {
  flagged: Flagged[];
  me: Me;
  busy: boolean;
  act: (run: () => Promise<string>) => Promise<void>;
  /** What the last button here did, or why it could not. */
  message: string | undefined;
}) {
  const i = useI18n();
  const [region, setRegion] = useState<OrganisationRegion>();
  const [notes, setNotes] = useState<Record<string, string>>({});
  const held = flagged.filter((f) => f.status === 'held');
  const anyHeld = held.length > 0;
  const mayAct = me.role === 'operator' || me.role === 'admin';

  useEffect(() => {
    if (!anyHeld || region) return;
    // The region's name only explains the reason: without it the reason is shown without one.
    api<OrganisationRegion>('GET', '/organisation/region').then(setRegion, () => undefined);
  }, [anyHeld, region]);

  // The code '' is the whole country; a code of no known province has no name.
  const regionName = !region
    ? '—'
    : region.regionCode === ''
      ? i.t('flight.held.country')
      : region.name
        ? i.t('flight.held.region', { name: region.name, code: region.regionCode })
        : region.regionCode;
  const nameOf = (f: Flagged) => f.filename ?? i.t('flight.col.photo');
  const decide = (f: Flagged, decision: 'process' | 'discard') =>
    void act(async () => {
      const note = notes[f.imageId]?.trim();
      await api('POST', `/images/${f.imageId}/hold`, { body: note ? { decision, note } : { decision } });
      setNotes(({ [f.imageId]: _, ...rest }) => rest);
      return i.t(decision === 'process' ? 'flight.held.processedMessage' : 'flight.held.removedMessage', {
        name: nameOf(f),
      });
    });

  return (
    <>
      <h2>{i.t('flight.held.title', { n: held.length })}</h2>
      {message && (
        <p class="hint" role="status">
          {message}
        </p>
      )}
      {held.length === 0 ? (
        <p class="muted">{i.t('flight.held.none')}</p>
      ) : (
        <table class="case-table held-photos">
          <thead>
            <tr>
              <th>{i.t('flight.col.photo')}</th>
              <th>{i.t('flight.held.why')}</th>
              <th>{i.t('flight.held.decision')}</th>
              {mayAct && <th />}
            </tr>
          </thead>
          <tbody>
            {held.map((f) => {
              const mayProcess = me.role === 'admin' && f.actions.includes('process');
              const mayRemove = mayAct && f.actions.includes('discard');
              return (
                <tr key={f.imageId} data-image={f.imageId} class={f.hold?.decision === 'discard' ? 'removed' : ''}>
                  <td>
                    <strong>{nameOf(f)}</strong>
                  </td>
                  <td class="reason">
                    {f.reason === 'outside_region'
                      ? i.t('flight.held.outside', {
                          position: f.position
                            ? `${f.position.lat.toFixed(5)}, ${f.position.lon.toFixed(5)}`
                            : i.t('flight.held.noPosition'),
                          region: regionName,
                        })
                      : f.reason}
                  </td>
                  <td class="decision">
                    {f.hold?.decision === 'discard'
                      ? i.t('flight.held.removed', { time: i.dateTime(f.hold.decidedAt ?? undefined) })
                      : i.t('flight.held.awaiting')}
                    {f.hold?.note && (
                      <>
                        <br />
                        <span class="muted">{f.hold.note}</span>
                      </>
                    )}
                  </td>
                  {mayAct && (
                    <td class="actions">
                      {mayProcess && (
                        <input
                          type="text"
                          class="hold-note"
                          aria-label={i.t('common.note')}
                          placeholder={i.t('flight.held.notePlaceholder')}
                          value={notes[f.imageId] ?? ''}
                          onInput={(e) => {
                            const value = e.currentTarget.value;
                            setNotes((n) => ({ ...n, [f.imageId]: value }));
                          }}
                        />
                      )}
                      {mayProcess && (
                        <button
                          type="button"
                          class="process"
                          // The server asks for the note too; the button says so before it is pressed.
                          disabled={busy || !notes[f.imageId]?.trim()}
                          title={i.t('flight.held.processHint')}
                          onClick={() => decide(f, 'process')}
                        >
                          {i.t('flight.held.process')}
                        </button>
                      )}
                      {mayRemove && (
                        <button type="button" class="reject" disabled={busy} onClick={() => decide(f, 'discard')}>
                          {i.t('flight.remove')}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
