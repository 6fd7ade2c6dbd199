import { useEffect, useState } from 'preact/hooks';
import { api, apiPoll } from '../api.js';
import type { FlightImages, FlightStatus, Me } from '../api/types.js';
import { useI18n } from '../i18n.js';
import { ErrorBox, errorText, Loading } from '../ui.js';
import { HeldPhotos } from './flight-held.js';

/** How often the page asks whether anything changed; an unchanged flight answers 304 with no body. */
const POLL_MS = 3000;
/** The states a person follows, in the order a photo passes them. */
const COUNTED = ['registered', 'queued', 'processing', 'processed', 'failed'] as const;
type Counted = (typeof COUNTED)[number];
type Photo = FlightImages['items'][number];
type Failure = FlightStatus['failures'][number];

/**
 * One flight as it is processed: photos per state, updated live; where the photos were taken; each
 * failed photo with its reason and buttons to retry or remove it; and the photos held outside the
 * bureau's region, to process anyway or remove (flight-held.tsx). The status is polled with
 * If-None-Match, and the photo list is fetched again only when the status changed.
 */
export function FlightPage({ id, me }: { id: string; me: Me }) {
  const i = useI18n();
  const [status, setStatus] = useState<FlightStatus>();
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [error, setError] = useState<Error>();
  const [changedAt, setChangedAt] = useState<string>();
  const [poke, setPoke] = useState(0);
  const [busy, setBusy] = useState(false);
  // Said beside the section whose button was pressed.
  const [message, setMessage] = useState<{ text: string; section: 'failures' | 'held' }>();
  const mayAct = me.role === 'operator' || me.role === 'admin';

  useEffect(() => {
    let etag: string | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Set when the page is left or asks afresh: answers arriving after that are dropped.
    const life = { over: false };
    const over = () => life.over;
    const poll = async () => {
      try {
        const answer = await apiPoll<FlightStatus>(`/flights/${id}`, etag);
        if (answer && !over()) {
          etag = answer.etag;
          setStatus(answer.value);
          setChangedAt(new Date().toISOString());
          const images = await api<FlightImages>('GET', `/flights/${id}/images`);
          if (!over()) setPhotos(images.items);
        }
        if (!over()) setError(undefined);
      } catch (e) {
        if (!over()) setError(e instanceof Error ? e : new Error(String(e)));
      }
      if (!over()) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      life.over = true;
      clearTimeout(timer);
    };
  }, [id, poke]);

  if (error && !status) return <ErrorBox error={error} retry={() => setPoke((n) => n + 1)} />;
  if (!status) return <Loading />;
  const { flight, images, failures } = status;
  const counts = images as Record<string, number>;
  const retryable = failures.filter((f) => !f.discardedAt).length;
  const state = status.done ? 'done' : flight.status === 'open' ? 'open' : 'processing';
  const nameOf = (f: Failure) => f.filename ?? i.t('flight.col.photo');

  const act = async (run: () => Promise<string>, section: 'failures' | 'held' = 'failures') => {
    setBusy(true);
    setMessage(undefined);
    try {
      setMessage({ text: await run(), section });
    } catch (e) {
      setMessage({ text: errorText(e), section });
    } finally {
      setBusy(false);
      // Ask now rather than at the next tick, so the counts follow the button at once.
      setPoke((n) => n + 1);
    }
  };

  return (
    <main class="flights flight-page" data-flight={flight.id}>
      <header class="page-head">
        <a class="back" href="#/flights">
          ← {i.t('flight.back')}
        </a>
        <h1 id="flight-name">{flight.name}</h1>
        <span class={`badge status flight-${state}`}>{i.t(`flight.state.${state}`)}</span>
      </header>
      <p class="flight-meta">
        <span>
          {i.t('flights.col.date')}: <strong>{i.dateTime(flight.createdAt)}</strong>
        </span>
        <span>
          {i.t('flights.col.operator')}: <strong>{flight.operator ?? '—'}</strong>
        </span>
        <span>
          {i.t('flights.col.site')}: <strong>{flight.siteName ?? '—'}</strong>
        </span>
      </p>
      <p class="muted" role="status">
        {i.t('flight.live', { seconds: POLL_MS / 1000 })} · {i.t('flight.updated', { time: i.dateTime(changedAt) })}
        {error ? ` · ${errorText(error)}` : ''}
      </p>
      <ul class="flight-counts">
        {COUNTED.map((s) => (
          <li key={s} class={`count-${s}`} data-state={s}>
            <strong>{counts[s] ?? 0}</strong>
            <span>{i.t(`flight.count.${s}`)}</span>
          </li>
        ))}
        {(counts.held ?? 0) > 0 && (
          <li class="count-held" data-state="held">
            <strong>{counts.held}</strong>
            <span>{i.t('flight.count.held')}</span>
          </li>
        )}
      </ul>
      <progress
        max={images.total || 1}
        value={(counts.processed ?? 0) + (counts.failed ?? 0) + (counts.duplicate ?? 0) + (counts.held ?? 0)}
      />
      {(counts.duplicate ?? 0) > 0 && (
        <p class="muted">{i.t('flight.count.duplicate', { duplicate: counts.duplicate ?? 0 })}</p>
      )}

      <h2>{i.t('flight.map')}</h2>
      <PhotoMap photos={photos} />

      <header class="page-head">
        <h2>{i.t('flight.failures', { n: failures.length })}</h2>
        {mayAct && (
          <button
            type="button"
            id="retry-all"
            class="primary"
            disabled={busy || retryable === 0}
            onClick={() =>
              void act(async () => {
                const r = await api<{ retried: number; leftDiscarded: number }>('POST', `/flights/${id}/retry-failed`);
                return i.t('flight.retriedAll', { n: r.retried, left: r.leftDiscarded });
              })
            }
          >
            {i.t('flight.retryAll', { n: retryable })}
          </button>
        )}
      </header>
      {message?.section === 'failures' && (
        <p class="hint" role="status">
          {message.text}
        </p>
      )}
      {failures.length === 0 ? (
        <p class="muted">{i.t('flight.noFailures')}</p>
      ) : (
        <table class="case-table failed-photos">
          <thead>
            <tr>
              <th>{i.t('flight.col.photo')}</th>
              <th>{i.t('flight.col.reason')}</th>
              {mayAct && <th />}
            </tr>
          </thead>
          <tbody>
            {failures.map((f) => (
              <tr key={f.imageId} data-image={f.imageId} class={f.discardedAt ? 'removed' : ''}>
                <td>
                  <strong>{nameOf(f)}</strong>
                  {f.discardedAt && (
                    <>
                      <br />
                      <span class="muted">{i.t('flight.removed', { time: i.dateTime(f.discardedAt) })}</span>
                    </>
                  )}
                </td>
                <td class="reason">{f.reason ?? '—'}</td>
                {mayAct && (
                  <td class="actions">
                    <button
                      type="button"
                      class="retry"
                      disabled={busy}
                      onClick={() =>
                        void act(async () => {
                          await api('POST', `/flights/${id}/images/${f.imageId}/retry`);
                          return i.t('flight.retried', { name: nameOf(f) });
                        })
                      }
                    >
                      {i.t('flight.retry')}
                    </button>
                    {!f.discardedAt && (
                      <button
                        type="button"
                        class="reject"
                        disabled={busy}
                        onClick={() =>
                          void act(async () => {
                            // Undone by retrying it, so no confirmation stands in the way.
                            await api('POST', `/flights/${id}/images/${f.imageId}/discard`, { body: {} });
                            return i.t('flight.removedMessage', { name: nameOf(f) });
                          })
                        }
                      >
                        {i.t('flight.remove')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <HeldPhotos
        flagged={status.flaggedImages}
        me={me}
        busy={busy}
        act={(run) => act(run, 'held')}
        message={message?.section === 'held' ? message.text : undefined}
      />
    </main>
  );
}

interface Point {
  lat: number;
  lon: number;
}

/** Where each photo was taken, coloured by its state, over the footprints of those placed on the ground. */
function PhotoMap({ photos, width = 640, height = 360 }: { photos: Photo[]; width?: number; height?: number }) {
  const i = useI18n();
  const placed = photos.flatMap((p) => {
    const c = p.capture ?? {};
    return typeof c.latitude === 'number' && typeof c.longitude === 'number'
      ? [
          {
            photo: p,
            at: { lat: c.latitude, lon: c.longitude },
            takenAt: typeof c.takenAt === 'string' ? c.takenAt : '',
          },
        ]
      : [];
  });
  if (placed.length === 0) return <p class="muted">{i.t('flight.mapEmpty')}</p>;
  const anchor = placed[0]!.at;
  const cos = Math.cos((anchor.lat * Math.PI) / 180);
  // Metres east and north of the first photo: a flight spans a few kilometres at most.
  const toXY = (p: Point): [number, number] => [(p.lon - anchor.lon) * 111_320 * cos, (p.lat - anchor.lat) * 110_540];
  const rings = placed.flatMap((p) => (p.photo.footprint && p.photo.footprint.length >= 4 ? [p.photo.footprint] : []));
  const all = [...placed.map((p) => p.at), ...rings.flat()].map(toXY);
  const minX = Math.min(...all.map((p) => p[0])) - 20;
  const maxX = Math.max(...all.map((p) => p[0])) + 20;
  const minY = Math.min(...all.map((p) => p[1])) - 20;
  const maxY = Math.max(...all.map((p) => p[1])) + 20;
  const pad = 14;
  const scale = Math.min((width - 2 * pad) / (maxX - minX), (height - 2 * pad) / (maxY - minY));
  const sx = (x: number) => pad + (x - minX) * scale + (width - 2 * pad - (maxX - minX) * scale) / 2;
  const sy = (y: number) => height - pad - (y - minY) * scale - (height - 2 * pad - (maxY - minY) * scale) / 2;
  const xy = (p: Point) => {
    const [x, y] = toXY(p);
    return `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
  };
  const track = [...placed].sort((a, b) => a.takenAt.localeCompare(b.takenAt)).map((p) => xy(p.at));
  return (
    <figure class="photo-map">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={i.t('flight.map')}>
        <rect width={width} height={height} class="bg" />
        {rings.map((ring, n) => (
          <path key={`f${n}`} class="footprint" d={`M${ring.map(xy).join('L')}Z`} />
        ))}
        {track.length > 1 && <path class="track" d={`M${track.join('L')}`} />}
        {placed.map(({ photo, at }) => {
          const [x, y] = toXY(at);
          return (
            <circle key={photo.id} class={`photo ${photo.status}`} cx={sx(x)} cy={sy(y)} r={5}>
              <title>
                {photo.originalFilename ?? ''} · {i.t(`flight.count.${countedAs(photo.status)}`)}
              </title>
            </circle>
          );
        })}
      </svg>
      <figcaption class="legend">
        {COUNTED.map((s) => (
          <span key={s} class={`photo-key ${s}`}>
            ● {i.t(`flight.count.${s}`)}
          </span>
        ))}
        {placed.some((p) => p.photo.status === 'held') && (
          <span class="photo-key held">● {i.t('flight.count.held')}</span>
        )}
      </figcaption>
    </figure>
  );
}

/**
 * Duplicates are shown with the done ones on the map: nothing more will happen to them. Held
 * photos wait for a person, so they keep a colour of their own.
 */
function countedAs(status: Photo['status']): Counted | 'held' {
  if (status === 'held') return 'held';
  return (COUNTED as readonly string[]).includes(status) ? (status as Counted) : 'processed';
}
