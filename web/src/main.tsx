import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, storedToken, storeToken } from './api.js';
import { I18nContext, initialLanguage, type Language, makeI18n, saveLanguage, useI18n } from './i18n.js';
import { hrefOf, navigate, type Route, useRoute } from './router.js';
import type { Me, Role } from './api/types.js';
import { ErrorBox, Loading } from './ui.js';
import { ReviewPage } from './pages/review/page.js';
import { CasesPage } from './pages/cases.js';
import { CaseDetailPage } from './pages/case-detail.js';
import { MapPage } from './pages/map.js';
import { FlightsPage } from './pages/flights.js';
import { FlightPage } from './pages/flight.js';
import { ModelPage } from './pages/model.js';
import { OperationsPage } from './pages/operations.js';
import { UsersPage } from './pages/users.js';
import { UploadPage } from './pages/upload.js';
import { HelpDialog } from './pages/help.js';
import './styles.css';

// A link from the demo or an administrator may carry the token in its fragment (never sent to a
// server): take it, then drop it from the address bar and the history.
const fromLink = new URLSearchParams(location.hash.replace(/^#\/?/, '')).get('token');
if (fromLink) {
  storeToken(fromLink);
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

const PAGES_BY_ROLE: Record<Role, Array<Route['page']>> = {
  reviewer: ['review', 'cases', 'map', 'flights'],
  regulator: ['cases', 'map', 'flights'],
  admin: ['review', 'cases', 'map', 'flights', 'upload', 'model', 'operations', 'users'],
  operator: ['flights', 'upload'],
};

function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const i18n = useMemo(() => makeI18n(language), [language]);
  const [token, setToken] = useState(storedToken);
  const [me, setMe] = useState<Me | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  useEffect(() => saveLanguage(language), [language]);
  useEffect(() => {
    setMe(null);
    setFailure(null);
    if (!token) return;
    api<Me>('GET', '/me').then(setMe, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        storeToken(null);
        setToken(null);
        setFailure(error);
      } else setFailure(error);
    });
  }, [token]);
  const toggleLanguage = () => setLanguage((l) => (l === 'zh' ? 'en' : 'zh'));
  return (
    <I18nContext.Provider value={i18n}>
      {!token ? (
        <SignIn
          rejected={failure instanceof ApiError && failure.status === 401}
          onToken={(t) => {
            storeToken(t);
            setToken(t);
          }}
          onLanguage={toggleLanguage}
        />
      ) : !me ? (
        failure ? (
          <ErrorBox error={failure} retry={() => setToken(storedToken())} />
        ) : (
          <Loading />
        )
      ) : (
        <Shell
          me={me}
          onLanguage={toggleLanguage}
          onSignOut={() => {
            storeToken(null);
            setToken(null);
          }}
        />
      )}
    </I18nContext.Provider>
  );
}

function SignIn({
  onToken,
  onLanguage,
  rejected,
}: {
  onToken: (token: string) => void;
  onLanguage: () => void;
  rejected: boolean;
}) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const field = useRef<HTMLInputElement>(null);
  // Focused in code: the autofocus attribute is not honoured for every element added by a script.
  useEffect(() => field.current?.focus(), []);
  return (
    <main class="signin">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <h1>
          Hazard<span>Scope</span>
        </h1>
        <h2>{t('signin.title')}</h2>
        <p>{t('signin.lead')}</p>
        {rejected && (
          <p class="error-box" role="alert">
            {t('signin.bad')}
          </p>
        )}
        <label>
          {t('signin.token')}
          <input
            ref={field}
            id="token"
            type="password"
            autoComplete="off"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </label>
        <div class="row">
          <button type="submit" class="primary">
            {t('signin.submit')}
          </button>
          <button type="button" onClick={onLanguage}>
            {t('nav.language')}
          </button>
        </div>
      </form>
    </main>
  );
}

function Shell({ me, onLanguage, onSignOut }: { me: Me; onLanguage: () => void; onSignOut: () => void }) {
  const i = useI18n();
  const route = useRoute();
  const [help, setHelp] = useState(false);
  const pages = PAGES_BY_ROLE[me.role];
  const page = route.page === 'case' ? 'cases' : route.page === 'flight' ? 'flights' : route.page;
  useEffect(() => {
    if (!pages.includes(page)) navigate(hrefOf(pages[0]!));
  }, [page, pages]);
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.altKey && e.code === 'KeyL') {
        e.preventDefault();
        onLanguage();
        return;
      }
      if (
        e.key === '?' &&
        !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) &&
        !document.querySelector('dialog[open]')
      ) {
        e.preventDefault();
        setHelp(true);
      }
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);
  const labels: Record<string, string> = {
    review: i.t('nav.review'),
    cases: i.t('nav.cases'),
    map: i.t('nav.map'),
    flights: i.t('nav.flights'),
    model: i.t('nav.model'),
    operations: i.t('nav.operations'),
    users: i.t('nav.users'),
    upload: i.t('nav.upload'),
  };
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href={hrefOf(pages[0]!)}>
          Hazard<span>Scope</span>
        </a>
        <nav>
          {pages.map((p) => (
            <a
              key={p}
              href={hrefOf(p)}
              class={p === page ? 'active' : ''}
              aria-current={p === page ? 'page' : undefined}
            >
              {labels[p]}
            </a>
          ))}
        </nav>
        <span class="spacer" />
        <span class="whoami" title={me.organisation}>
          {me.name} · {i.t(`role.${me.role}`)} · {me.organisation} · {me.regionCode || i.t('region.all')}
        </span>
        <button type="button" onClick={() => setHelp(true)}>
          {i.t('nav.help')}
        </button>
        <button type="button" id="language" onClick={onLanguage} title="Alt+L">
          {i.t('nav.language')}
        </button>
        <button type="button" onClick={onSignOut}>
          {i.t('nav.signOut')}
        </button>
      </header>
      {route.page === 'review' && pages.includes('review') && <ReviewPage me={me} />}
      {route.page === 'cases' && <CasesPage me={me} />}
      {route.page === 'case' && route.id && <CaseDetailPage me={me} id={route.id} />}
      {route.page === 'map' && <MapPage />}
      {route.page === 'flights' && <FlightsPage />}
      {route.page === 'flight' && route.id && <FlightPage me={me} id={route.id} />}
      {route.page === 'model' && pages.includes('model') && <ModelPage />}
      {route.page === 'operations' && pages.includes('operations') && <OperationsPage />}
      {route.page === 'users' && pages.includes('users') && <UsersPage />}
      {route.page === 'upload' && pages.includes('upload') && <UploadPage />}
      {help && <HelpDialog onClose={() => setHelp(false)} />}
    </div>
  );
}

render(<App />, document.getElementById('app')!);
