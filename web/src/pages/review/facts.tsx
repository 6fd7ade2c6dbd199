import type { ComponentChildren } from 'preact';
import type { Image, QueueItem, Site } from '../../api/types.js';
import { useI18n } from '../../i18n.js';
import { ErrorBox, formatMetres, Kbd, SeverityBadge } from '../../ui.js';
import { MiniMap, siteRings } from '../minimap.js';
import type { LeaseState } from './lease.js';

/** The right column: what the finding is, who holds it, where it is, and (as `actions`) what can be done with it. */
export function FactsPanel(props: {
  item: QueueItem;
  lease: LeaseState;
  site: Site | undefined;
  image: Image | undefined;
  viewIndex: number;
  viewCount: number;
  error: Error | undefined;
  retry: () => void;
  actions: ComponentChildren;
}) {
  const i = useI18n();
  const { item, lease, site, image } = props;
  const f = item.finding;
  const capture = (image?.capture ?? {}) as { takenAt?: string };
  return (
    <aside class="facts" aria-label={i.className(f.className)}>
      <h2 id="finding-title">
        {i.className(f.className)} <SeverityBadge severity={f.severity} />
      </h2>
      {lease.state === 'other' && (
        <p class="banner warn" role="alert" id="lease-banner">
          {i.t('finding.heldBy', { name: lease.holder ?? '', time: i.dateTime(lease.until) })}
        </p>
      )}
      {lease.state === 'readonly' && (
        <p class="banner info" role="status">
          {i.t('finding.readOnly')}
        </p>
      )}
      {lease.state === 'decided' && (
        <p class="banner info" role="status">
          {i.t('finding.decidedElsewhere', { status: lease.holder ?? '' })}
        </p>
      )}
      {lease.state === 'forbidden' && (
        <p class="banner warn" role="alert">
          {i.t('finding.separation')}
        </p>
      )}
      <dl>
        <dt>{i.t('finding.score')}</dt>
        <dd>
          {f.bestScore.toFixed(2)} · {i.t('finding.view', { n: props.viewIndex + 1, of: props.viewCount })} <Kbd>[</Kbd>{' '}
          <Kbd>]</Kbd>
        </dd>
        <dt>{i.t('finding.site')}</dt>
        <dd>{site ? `${site.name} (${site.regionCode})` : i.t('finding.noSite')}</dd>
        <dt>{i.t('finding.position')}</dt>
        <dd>
          {f.position
            ? `${f.position.lat.toFixed(6)}, ${f.position.lon.toFixed(6)} ± ${i.t('common.metres', { n: formatMetres(f.position.errorM) })}`
            : i.t('finding.noPosition')}
        </dd>
        <dt>{i.t('finding.photo')}</dt>
        <dd>{image?.originalFilename ?? item.image.filename ?? '—'}</dd>
        <dt>{i.t('finding.taken')}</dt>
        <dd>{i.dateTime(capture.takenAt)}</dd>
      </dl>
      {f.recurringOf && <p class="banner info">↻ {i.t('finding.recurring')}</p>}
      <MiniMap
        point={f.position}
        errorM={f.position?.errorM}
        site={siteRings(site?.geometry)}
        footprint={image?.footprint}
      />
      {props.actions}
      {props.error ? <ErrorBox error={props.error} retry={props.retry} /> : null}
    </aside>
  );
}
