import { useEffect, useRef } from 'preact/hooks';

/**
 * Page shortcuts: one handler per page, off while the user types in a field or a dialog is open
 * (dialogs take their own keys). The listener stays attached and reads `enabled` when a key comes:
 * attaching it anew after each change would drop the keys a fast reviewer presses in between.
 */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a handler returns true when it handled the key, or nothing
export function useShortcuts(handler: (event: KeyboardEvent) => boolean | void, enabled = true): void {
  const ref = useRef({ handler, enabled });
  ref.current = { handler, enabled };
  useEffect(() => {
    const on = (event: KeyboardEvent) => {
      if (!ref.current.enabled || event.defaultPrevented || event.isComposing) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      if (document.querySelector('dialog[open]')) return;
      if (event.metaKey || (event.ctrlKey && event.key !== 'z')) return;
      if (ref.current.handler(event) === true) event.preventDefault();
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);
}
