import { useEffect, useRef, useState } from 'preact/hooks';
import { type MessageKey, useI18n } from '../i18n.js';
import { type Picked, photosOfDrop, photosOfList } from '../upload/files.js';
import { uploads } from '../upload/controller.js';
import type { ItemState, UploadItem } from '../upload/session.js';
import { ErrorBox } from '../ui.js';

const STATE_KEYS: Record<ItemState, MessageKey> = {
  waiting: 'upload.state.waiting',
  hashing: 'upload.state.hashing',
  queued: 'upload.state.queued',
  uploading: 'upload.state.uploading',
  done: 'upload.state.done',
  'on-server': 'upload.state.onServer',
  duplicate: 'upload.state.duplicate',
  failed: 'upload.state.failed',
};

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0);
}

/**
 * Upload a flight: drop its folder (or choose it, or single photos), name the flight, and watch each
 * photo go. A reload or a closed tab loses the chosen files but not the flight: the page offers to
 * continue it, and photos the server already has are skipped. See upload/session.ts for how.
 */
export function UploadPage() {
  const i = useI18n();
  const [, redraw] = useState(0);
  useEffect(() => {
    const off = uploads.subscribe(() => redraw((n) => n + 1));
    void uploads.checkRemembered();
    return off;
  }, []);
  const { phase, target, run, error } = uploads;
  return (
    <main class="upload">
      <header class="page-head">
        <h1>{i.t('upload.title')}</h1>
      </header>
      {phase === 'pick' && <Pick />}
      {run && phase !== 'pick' && <Progress items={run.items} />}
      {error !== undefined && <ErrorBox error={error} />}
      {phase === 'stopped' && (
        <div class="upload-actions">
          {run && run.totals().count.failed > 0 && (
            <button type="button" class="primary" id="upload-retry" onClick={() => void uploads.retryFailed()}>
              {i.t('upload.retryFailed', { n: run.totals().count.failed })}
            </button>
          )}
          {run?.totals().settled && (
            <button type="button" onClick={() => void uploads.complete()}>
              {i.t('upload.completeAnyway')}
            </button>
          )}
          <button type="button" onClick={() => uploads.again()}>
            {i.t('upload.chooseAgain')}
          </button>
        </div>
      )}
      {phase === 'completing' && <p class="muted">{i.t('upload.completing')}</p>}
      {phase === 'completed' && target && (
        <p class="banner info" id="upload-complete" role="status">
          {i.t('upload.completed', { name: target.name })}{' '}
          <a href={`#/flights/${target.flightId}`}>{i.t('upload.openFlight')}</a>{' '}
          <button type="button" id="upload-another" onClick={() => uploads.next()}>
            {i.t('upload.another')}
          </button>
        </p>
      )}
    </main>
  );
}

function Pick() {
  const i = useI18n();
  const { target, remembered } = uploads;
  const [picked, setPicked] = useState<Picked>();
  const [name, setName] = useState('');
  const [siteName, setSiteName] = useState('');
  const [over, setOver] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);
  // Not a JSX attribute in the typings; the property is what browsers read.
  useEffect(() => {
    if (folderInput.current) folderInput.current.webkitdirectory = true;
  }, []);
  const take = (p: Picked) => {
    setPicked(p);
    if (!name && p.folder) setName(p.folder);
  };
  const photos = picked?.photos ?? [];
  const bytes = photos.reduce((sum, f) => sum + f.size, 0);
  const canStart = photos.length > 0 && (target !== null || name.trim() !== '');
  return (
    <form
      class="upload-pick"
      onSubmit={(e) => {
        e.preventDefault();
        if (canStart)
          void uploads.start(photos, { name: name.trim(), ...(siteName.trim() ? { siteName: siteName.trim() } : {}) });
      }}
    >
      {target ? (
        <div class="banner warn" id="upload-resume" role="status">
          <p>
            {i.t('upload.resume', {
              name: target.name,
              time: i.dateTime(target.startedAt),
              have: remembered?.images.total ?? '…',
              photos: target.photos,
            })}
          </p>
          <p>{i.t('upload.resumeHow')}</p>
          <button type="button" id="upload-forget" onClick={() => uploads.forget()}>
            {i.t('upload.forget')}
          </button>
        </div>
      ) : (
        <div class="upload-fields">
          <label>
            {i.t('upload.name')}
            <input id="upload-name" value={name} maxLength={200} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            {i.t('upload.site')}
            <input
              id="upload-site"
              value={siteName}
              maxLength={200}
              onInput={(e) => setSiteName(e.currentTarget.value)}
            />
          </label>
        </div>
      )}
      <div
        class={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer) void photosOfDrop(e.dataTransfer).then(take);
        }}
      >
        <p>{i.t('upload.drop')}</p>
        <div class="upload-actions">
          <label class="button">
            {i.t('upload.chooseFolder')}
            <input
              ref={folderInput}
              id="upload-folder"
              type="file"
              class="visually-hidden"
              onChange={(e) => take(photosOfList(e.currentTarget.files))}
            />
          </label>
          <label class="button">
            {i.t('upload.chooseFiles')}
            <input
              id="upload-files"
              type="file"
              multiple
              accept=".jpg,.jpeg,image/jpeg"
              class="visually-hidden"
              onChange={(e) => take(photosOfList(e.currentTarget.files))}
            />
          </label>
        </div>
        {picked && (
          <p id="upload-picked">
            {photos.length > 0
              ? i.t('upload.picked', { n: photos.length, mb: megabytes(bytes) })
              : i.t('upload.noPhotos')}
          </p>
        )}
      </div>
      <div class="upload-actions">
        <button type="submit" class="primary" id="upload-start" disabled={!canStart}>
          {target ? i.t('upload.continue', { n: photos.length }) : i.t('upload.start', { n: photos.length })}
        </button>
      </div>
    </form>
  );
}

function Progress({ items }: { items: readonly UploadItem[] }) {
  const i = useI18n();
  const totals = uploads.run!.totals();
  const { count } = totals;
  return (
    <section class="upload-progress">
      <div class="upload-total" id="upload-total">
        <progress max={totals.bytes || 1} value={totals.sentBytes} />
        <span>
          {i.t('upload.total', {
            sent: megabytes(totals.sentBytes),
            mb: megabytes(totals.bytes),
            done: count.done,
            photos: totals.photos,
            hashed: totals.hashed,
          })}
        </span>
        {count['on-server'] > 0 && (
          <span class="badge" id="upload-on-server">
            {i.t('upload.skipped', { n: count['on-server'] })}
          </span>
        )}
        {count.duplicate > 0 && <span class="badge">{i.t('upload.duplicates', { n: count.duplicate })}</span>}
        {count.failed > 0 && <span class="badge overdue">{i.t('upload.failed', { n: count.failed })}</span>}
      </div>
      <div class="upload-files">
        <table class="case-table">
          <tbody>
            {items.map((item, n) => (
              <tr key={n} data-state={item.state}>
                <td>{item.file.name}</td>
                <td class="muted">{megabytes(item.file.size)} MB</td>
                <td>
                  {i.t(STATE_KEYS[item.state])}
                  {item.attempts > 1 && item.state !== 'done' ? ` (${item.attempts})` : ''}
                  {item.error && <div class="muted">{item.error}</div>}
                </td>
                <td>{item.state === 'uploading' && <progress max={item.file.size} value={item.sent} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
