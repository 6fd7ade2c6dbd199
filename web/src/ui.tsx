import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, blobUrl } from './api.js';
import { useI18n } from './i18n.js';

/** A promise's state for rendering, reloadable; stale answers (an older request finishing last) are dropped. */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { value: T | undefined; error: Error | undefined; loading: boolean; reload: () => void; set: (v: T) => void } {
  const [state, setState] = useState<{ value?: T; error?: Error; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (value) => mine === generation.current && setState({ value, loading: false }),
      (error: unknown) =>
        mine === generation.current &&
        setState((s) => ({ ...s, error: error instanceof Error ? error : new Error(String(error)), loading: false })),
    );
    // The caller's dependency list, as with useEffect.
  }, deps);
  useEffect(run, [run]);
  return {
    value: state.value,
    error: state.error,
    loading: state.loading,
    reload: run,
    set: (value: T) => setState({ value, loading: false }),
  };
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const issues = error.problem.issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
    return issues ? `${error.message} (${issues})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useI18n();
  return (
    <div class="error-box" role="alert">
      {t('common.error', { message: errorText(error) })}
      {retry && (
        <button type="button" onClick={retry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return <div class="loading">{t('common.loading')}</div>;
}

export function Kbd({ children }: { children: ComponentChildren }) {
  return <kbd>{children}</kbd>;
}

export function SeverityBadge({ severity }: { severity: string }) {
  const i = useI18n();
  return <span class={`badge sev-${severity}`}>{i.severity(severity)}</span>;
}

export function StatusBadge({ status, overdue }: { status: string; overdue?: boolean }) {
  const i = useI18n();
  return (
    <span class="status-group">
      <span class={`badge status status-${status}`}>{i.status(status)}</span>
      {overdue && <span class="badge overdue">{i.t('case.overdue')}</span>}
    </span>
  );
}

/** An image behind the API token. */
export function AuthImage({
  path,
  alt,
  class: className,
  onLoad,
}: {
  path: string;
  alt: string;
  class?: string;
  onLoad?: (img: HTMLImageElement) => void;
}) {
  const [src, setSrc] = useState<string>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    setFailed(false);
    blobUrl(path).then(
      (url) => live && setSrc(url),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [path]);
  if (failed) return <div class={`img-missing ${className ?? ''}`}>✕</div>;
  return src ? (
    <img src={src} alt={alt} class={className} onLoad={(e) => onLoad?.(e.currentTarget)} />
  ) : (
    <div class={`img-loading ${className ?? ''}`} />
  );
}

/**
 * A modal dialog (the browser's own <dialog>: focus stays inside, Esc closes). `onKey` sees keys
 * first, for digit shortcuts.
 */
export function Dialog({
  title,
  onClose,
  onKey,
  children,
  wide,
}: {
  title: string;
  onClose: () => void;
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a handler returns true when it handled the key, or nothing
  onKey?: (e: KeyboardEvent) => boolean | void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // Opened before the browser paints: the next key pressed (a reason's number) lands in the dialog.
  useLayoutEffect(() => {
    const dialog = ref.current!;
    if (!dialog.open) dialog.showModal();
    const cancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    dialog.addEventListener('cancel', cancel);
    return () => dialog.removeEventListener('cancel', cancel);
  }, [onClose]);
  return (
    <dialog
      ref={ref}
      class={wide ? 'wide' : ''}
      aria-label={title}
      onKeyDown={(e) => onKey?.(e) === true && e.preventDefault()}
    >
      <header>
        <h2>{title}</h2>
        <button type="button" class="icon" aria-label="close" onClick={onClose}>
          ✕
        </button>
      </header>
      {children}
    </dialog>
  );
}

interface ToastMessage {
  id: number;
  text: string;
  kind: 'info' | 'ok' | 'error';
  action?: { label: string; run: () => void };
}

let toastSeq = 0;
export function useToasts(): {
  toasts: ToastMessage[];
  push: (t: Omit<ToastMessage, 'id'>, ms?: number) => number;
  drop: (id: number) => void;
  update: (id: number, t: Partial<ToastMessage>) => void;
} {
  const [toasts, setToasts] = useState<ToastMessage[]>([]);
  const drop = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (toast: Omit<ToastMessage, 'id'>, ms = 4000) => {
      const id = ++toastSeq;
      // At most four on screen, but one that offers an undo stays until its time is up.
      setToasts((all) => {
        const kept = [...all, { ...toast, id }];
        while (kept.length > 4) {
          const plain = kept.findIndex((t) => !t.action);
          if (plain < 0 || plain === kept.length - 1) break;
          kept.splice(plain, 1);
        }
        return kept;
      });
      if (ms > 0) setTimeout(() => drop(id), ms);
      return id;
    },
    [drop],
  );
  const update = useCallback(
    (id: number, patch: Partial<ToastMessage>) =>
      setToasts((all) => all.map((t) => (t.id === id ? { ...t, ...patch } : t))),
    [],
  );
  return { toasts, push, drop, update };
}

export function Toasts({ toasts, drop }: { toasts: ToastMessage[]; drop: (id: number) => void }) {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} class={`toast ${toast.kind}`}>
          <span>{toast.text}</span>
          {toast.action && (
            <button
              type="button"
              onClick={() => {
                toast.action!.run();
                drop(toast.id);
              }}
            >
              {toast.action.label}
            </button>
          )}
        </div>
      ))}
    </div>
  );
}

export function formatMetres(m: number): string {
  return m < 10 ? m.toFixed(1) : Math.round(m).toString();
}
