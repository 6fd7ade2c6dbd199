/**
 * The offline evidence verifier: one self-contained HTML page (built by web/vite.config.ts into
 * web/dist/verify.html, served at GET /verify and downloadable) that checks an evidence bundle's
 * hashes and signature in the browser. Its Content-Security-Policy has no connect-src, so it cannot
 * send the bundle, or anything else, anywhere.
 */
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { BundleProblemCode } from '../../pipeline/domain/evidence-bundle.js';
import { type Language, makeI18n, type MessageKey } from '../src/i18n.js';
import { type CheckResult, checkBundle } from './check.js';

type Status = 'ok' | 'fail' | 'warn' | 'skip';
type CheckName = 'archive' | 'signature' | 'key' | 'manifest' | 'files' | 'photos' | 'audit';

/** Which check each problem belongs to: a reader sees the check that failed, not just a list. */
const CHECK_OF: Record<BundleProblemCode, CheckName> = {
  archive: 'archive',
  damaged: 'files',
  'manifest-missing': 'manifest',
  'manifest-malformed': 'manifest',
  'manifest-changed': 'signature',
  'signature-missing': 'signature',
  'signature-malformed': 'signature',
  'signature-invalid': 'signature',
  'wrong-key': 'key',
  'file-changed': 'files',
  'file-removed': 'manifest',
  'file-added': 'manifest',
  'photo-not-as-uploaded': 'photos',
  'audit-entry-changed': 'audit',
};

const FINGERPRINT = /^[0-9a-f]{64}$/;
const LANGUAGE_KEY = 'hazardscope.language';

function initialLanguage(): Language {
  try {
    // A page opened from a file may have no storage (Safari): then the browser's language decides.
    const saved = localStorage.getItem(LANGUAGE_KEY);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch {
    /* no storage */
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

function saveLanguage(language: Language): void {
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    /* no storage */
  }
}

function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const i18n = useMemo(() => makeI18n(language), [language]);
  const t = i18n.t;
  const [fingerprint, setFingerprint] = useState('');
  const [bundle, setBundle] = useState<{ name: string; bytes: Uint8Array } | undefined>();
  const [result, setResult] = useState<CheckResult | undefined>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();
  const [dragging, setDragging] = useState(false);

  const pinned = fingerprint.trim().toLowerCase();
  const pinValid = pinned === '' || FINGERPRINT.test(pinned);

  async function run(next: { name: string; bytes: Uint8Array }, pin: string) {
    setBundle(next);
    setBusy(true);
    setFailure(undefined);
    try {
      // ?engine=js makes the page use its bundled JavaScript even where WebCrypto would do (tests, and doubters).
      const forceJavaScript = new URLSearchParams(location.search).get('engine') === 'js';
      setResult(
        await checkBundle(next.bytes, { expectedKeyId: FINGERPRINT.test(pin) ? pin : undefined, forceJavaScript }),
      );
    } catch (error) {
      setResult(undefined);
      setFailure((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function open(file: File | undefined) {
    if (!file) return;
    await run({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }, pinned);
  }

  function switchLanguage() {
    const next = language === 'zh' ? 'en' : 'zh';
    saveLanguage(next);
    setLanguage(next);
  }

  return (
    <main class="verify">
      <header>
        <h1>{t('verify.title')}</h1>
        <button type="button" id="language" onClick={switchLanguage}>
          {t('nav.language')}
        </button>
      </header>
      <p class="lead">{t('verify.lead')}</p>
      <label
        class={`drop${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => {
          setDragging(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void open(e.dataTransfer?.files[0]);
        }}
      >
        <span>{t('verify.drop')}</span>
        <input
          id="bundle"
          type="file"
          accept=".zip,application/zip"
          onChange={(e) => void open(e.currentTarget.files?.[0])}
        />
      </label>
      <label class="pin">
        <span>{t('verify.pin')}</span>
        <input
          id="fingerprint"
          type="text"
          spellcheck={false}
          autocomplete="off"
          placeholder="0123…cdef"
          value={fingerprint}
          onInput={(e) => {
            const value = e.currentTarget.value;
            setFingerprint(value);
            const pin = value.trim().toLowerCase();
            if (bundle && (pin === '' || FINGERPRINT.test(pin))) void run(bundle, pin);
          }}
        />
        <small class={pinValid ? '' : 'bad'}>{pinValid ? t('verify.pinHint') : t('verify.pinInvalid')}</small>
      </label>
      {busy && <p class="busy">{t('verify.checking', { name: bundle?.name ?? '' })}</p>}
      {failure && <p class="verdict invalid">{t('verify.unreadable', { reason: failure })}</p>}
      {result && !busy && bundle && renderResult(result, bundle.name, FINGERPRINT.test(pinned))}
      <footer>
        <p>{t('verify.privacy')}</p>
        <p>{t('verify.cli')}</p>
      </footer>
    </main>
  );

  function renderResult(result: CheckResult, name: string, pinned: boolean) {
    const failed = new Set(result.problems.map((p) => CHECK_OF[p.code]));
    const trusted = result.signatureValid && !failed.has('key');
    const checked = trusted && !result.problems.some((p) => p.code === 'manifest-malformed');
    const status = (check: CheckName, ran: boolean): Status => (failed.has(check) ? 'fail' : ran ? 'ok' : 'skip');
    const m = result.manifest;
    const rows: Array<{ check: CheckName; status: Status; text: string }> = [
      {
        check: 'archive',
        status: status('archive', true),
        text: t('verify.check.archive', { n: result.files }),
      },
      { check: 'signature', status: status('signature', true), text: t('verify.check.signature') },
      {
        check: 'key',
        status: failed.has('key') ? 'fail' : !result.signatureValid ? 'skip' : pinned ? 'ok' : 'warn',
        text: result.keyId
          ? t(pinned ? 'verify.check.keyPinned' : 'verify.check.keyUnpinned', { key: result.keyId })
          : t('verify.check.keyNone'),
      },
      {
        check: 'manifest',
        status: status('manifest', checked),
        text: t('verify.check.manifest', { n: m && Array.isArray(m.files) ? m.files.length : 0 }),
      },
      { check: 'files', status: status('files', checked), text: t('verify.check.files') },
      {
        check: 'photos',
        status: status('photos', checked),
        text: t('verify.check.photos', { n: m && Array.isArray(m.photos) ? m.photos.length : 0 }),
      },
      {
        check: 'audit',
        status: status('audit', checked && result.auditEntries !== undefined),
        text: t('verify.check.audit', { n: result.auditEntries ?? 0 }),
      },
    ];
    const files = m && Array.isArray(m.files) ? m.files : [];
    const problemOf = (path: string) => result.problems.find((p) => p.file === path && CHECK_OF[p.code] === 'files');
    return (
      <section class="result">
        <p class={`verdict ${result.ok ? 'valid' : 'invalid'}`} data-verdict={result.ok ? 'valid' : 'invalid'}>
          {result.ok
            ? t(pinned ? 'verify.valid' : 'verify.validUnpinned', { name })
            : t('verify.invalid', { name, n: result.problems.length })}
        </p>
        {m?.case && (
          <p class="case">
            {t('verify.case', {
              reference: m.case.reference,
              status: i18n.status(m.case.status),
              at: i18n.dateTime(m.generatedAt),
              by: m.generatedBy.name,
            })}
          </p>
        )}
        <ul class="checks">
          {rows.map((r) => (
            <li key={r.check} data-check={r.check} data-status={r.status} class={r.status}>
              <span class="mark">{t(`verify.status.${r.status}` as MessageKey)}</span>
              <span>{t(`verify.name.${r.check}` as MessageKey)}</span>
              <span class="detail">
                {r.check === 'key' || r.status === 'ok' || r.status === 'warn'
                  ? r.text
                  : t(r.status === 'fail' ? 'verify.check.failed' : 'verify.check.skipped')}
              </span>
            </li>
          ))}
        </ul>
        {result.problems.length > 0 && (
          <>
            <h2>{t('verify.problems')}</h2>
            <ul class="problems">
              {result.problems.map((p, i) => (
                <li key={i} data-file={p.file} data-code={p.code}>
                  <code>{p.file}</code> {t(`verify.problem.${p.code}` as MessageKey)}
                  <small lang="en">{p.problem}</small>
                </li>
              ))}
            </ul>
          </>
        )}
        {files.length > 0 && (
          <>
            <h2>{t('verify.filesTitle')}</h2>
            <table class="files">
              <thead>
                <tr>
                  <th>{t('verify.col.file')}</th>
                  <th>{t('verify.col.sha256')}</th>
                  <th>{t('verify.col.result')}</th>
                </tr>
              </thead>
              <tbody>
                {files.map((f) => {
                  const problem = problemOf(f.path);
                  const fileStatus: Status = problem ? 'fail' : result.hashes[f.path] ? 'ok' : 'skip';
                  return (
                    <tr key={f.path} data-file={f.path} data-status={fileStatus} class={fileStatus}>
                      <td>
                        <code>{f.path}</code>
                      </td>
                      <td>
                        <code class="hash">{f.sha256}</code>
                        {problem && result.hashes[f.path] && (
                          <code class="hash bad">
                            {t('verify.actual')} {result.hashes[f.path]}
                          </code>
                        )}
                      </td>
                      <td>{t(`verify.status.${fileStatus}` as MessageKey)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
        <p class="engine" data-engine={result.engines.join(' ')}>
          {t(result.engines.includes('javascript') ? 'verify.engine.javascript' : 'verify.engine.webcrypto')}
        </p>
      </section>
    );
  }
}

saveLanguage(initialLanguage());
render(<App />, document.getElementById('app')!);
