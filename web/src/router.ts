import { useEffect, useState } from 'preact/hooks';

/** Hash routes (#/review, #/cases/<id>): the API serves one page, and links survive a reload. */
export interface Route {
  page: 'review' | 'cases' | 'case' | 'map' | 'flights' | 'flight' | 'model' | 'operations' | 'upload' | 'users';
  id?: string;
}

function parseRoute(hash: string): Route {
  // A page's own state may follow a "?" (#/cases?status=filed): it does not change the route.
  const [, page, id] = hash.replace(/^#/, '').split('?')[0]!.split('/');
  if (page === 'cases' && id) return { page: 'case', id };
  if (page === 'flights' && id) return { page: 'flight', id };
  if (page === 'admin' && id === 'model') return { page: 'model' };
  if (page === 'admin' && id === 'operations') return { page: 'operations' };
  if (page === 'admin' && id === 'users') return { page: 'users' };
  if (page === 'cases' || page === 'map' || page === 'flights' || page === 'review' || page === 'upload')
    return { page };
  return { page: 'review' };
}

/** Where a page lives, for the pages that are not at #/<page>. */
export function hrefOf(page: Route['page']): string {
  if (page === 'model' || page === 'operations' || page === 'users') return `#/admin/${page}`;
  return `#/${page}`;
}

export function navigate(to: string): void {
  if (location.hash !== to) location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
