import { api } from '../api.js';
import { useI18n } from '../i18n.js';
import type { FlightPage, FlightStatus } from '../api/types.js';
import { ErrorBox, Loading, useAsync } from '../ui.js';

/** Flights and how far their photos have got: what an operator checks after an upload. */
export function FlightsPage() {
  const i = useI18n();
  const flights = useAsync(async () => {
    const list = await api<FlightPage>('GET', '/flights?limit=50');
    return Promise.all(list.items.map((f) => api<FlightStatus>('GET', `/flights/${f.id}`)));
  }, []);
  if (flights.error) return <ErrorBox error={flights.error} retry={flights.reload} />;
  if (!flights.value) return <Loading />;
  return (
    <main class="flights">
      <header class="page-head">
        <h1>{i.t('flights.title')}</h1>
      </header>
      {flights.value.length === 0 && <p class="empty">{i.t('flights.empty')}</p>}
      <table class="case-table">
        <thead>
          <tr>
            <th>{i.t('flights.col.flight')}</th>
            <th>{i.t('flights.col.date')}</th>
            <th>{i.t('flights.col.operator')}</th>
            <th>{i.t('flights.col.site')}</th>
            <th>{i.t('flights.col.photos')}</th>
          </tr>
        </thead>
        <tbody>
          {flights.value.map((s) => (
            <tr key={s.flight.id} data-flight={s.flight.id}>
              <td>
                {/* People know a flight by its name, date, operator and site: its id is only in the link. */}
                <a href={`#/flights/${s.flight.id}`}>
                  <strong>{s.flight.name}</strong>
                </a>
              </td>
              <td>{i.dateTime(s.flight.createdAt)}</td>
              <td>{s.flight.operator ?? '—'}</td>
              <td>{s.flight.siteName ?? '—'}</td>
              <td>
                {/* eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the counts are read defensively */}
                {i.t('flights.images', { done: s.images.processed ?? 0, total: s.images.total })}
                {s.images.failed ? (
                  <span class="badge overdue">{i.t('flights.failed', { n: s.images.failed })}</span>
                ) : null}
                <progress
                  max={s.images.total || 1}
                  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the counts are read defensively
                  value={(s.images.processed ?? 0) + (s.images.failed ?? 0) + (s.images.duplicate ?? 0)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
