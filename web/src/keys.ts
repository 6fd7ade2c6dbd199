import { useEffect, useRef } from 'preact/hooks';

/**
 * Page shortcuts: one handler per page, off while the user types in a field or a dialog is open
 * (dialogs take their own keys).
 */
export function useShortcuts(handler: (event: KeyboardEvent) => boolean | void, enabled = true): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!enabled) return;
    const on = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      if (document.querySelector('dialog[open]')) return;
      if (event.metaKey || (event.ctrlKey && event.key !== 'z')) return;
      if (ref.current(event) === true) event.preventDefault();
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [enabled]);
}
