import { useState } from 'preact/hooks';
import { ROLES, type Role } from '../../../pipeline/domain/roles.js';
import { api } from '../api.js';
import type { AdminToken, AdminUser, IssuedToken } from '../api/types.js';
import { useI18n } from '../i18n.js';
import { Dialog, ErrorBox, errorText, Loading, useAsync } from '../ui.js';

/** Lifetimes offered for a new token, in seconds; null never expires. A year is the default, as in the CLI. */
const LIFETIMES: Array<{
  key: 'users.life.30d' | 'users.life.90d' | 'users.life.1y' | 'users.life.never';
  seconds: number | null;
}> = [
  { key: 'users.life.1y', seconds: 365 * 86_400 },
  { key: 'users.life.90d', seconds: 90 * 86_400 },
  { key: 'users.life.30d', seconds: 30 * 86_400 },
  { key: 'users.life.never', seconds: null },
];

/**
 * The organisation's people and their tokens, for administrators: add a person with roles, change
 * roles (tokens for a role taken away stop at once), issue a token (its secret shown once, to copy)
 * and revoke one. Every change is audited by the server.
 */
export function UsersPage() {
  const i = useI18n();
  const users = useAsync(() => api<{ items: AdminUser[] }>('GET', '/admin/users'), []);
  const tokens = useAsync(() => api<{ items: AdminToken[] }>('GET', '/admin/tokens'), []);
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<IssuedToken & { name: string }>();
  const [issuing, setIssuing] = useState<AdminUser>();
  const [editing, setEditing] = useState<Record<string, Role[]>>({});

  if ((users.error && !users.value) || (tokens.error && !tokens.value))
    return (
      <ErrorBox
        error={users.error ?? tokens.error}
        retry={() => {
          users.reload();
          tokens.reload();
        }}
      />
    );
  if (!users.value || !tokens.value) return <Loading />;

  const act = async (run: () => Promise<string | undefined>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      setMessage(await run());
    } catch (e) {
      setMessage(errorText(e));
    } finally {
      setBusy(false);
      users.reload();
      tokens.reload();
    }
  };
  const roleName = (r: string) => i.t(`role.${r as Role}`);

  return (
    <main class="users">
      <header class="page-head">
        <h1>{i.t('users.title')}</h1>
      </header>
      <p class="muted">{i.t('users.lead')}</p>
      {message && (
        <p class="hint" role="status">
          {message}
        </p>
      )}
      <AddPerson
        busy={busy}
        onAdd={(body) =>
          act(async () => {
            const created = await api<AdminUser>('POST', '/admin/users', { body });
            return i.t('users.added', { name: created.name });
          })
        }
      />

      <h2>{i.t('users.people', { n: users.value.items.length })}</h2>
      <table class="case-table users-table">
        <thead>
          <tr>
            <th>{i.t('users.col.name')}</th>
            <th>{i.t('users.col.region')}</th>
            <th>{i.t('users.col.roles')}</th>
            <th>{i.t('users.col.tokens')}</th>
            <th>{i.t('users.col.nextExpiry')}</th>
            <th>{i.t('users.col.lastUsed')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.value.items.map((u) => {
            const draft = editing[u.id];
            const roles = draft ?? u.roles;
            const changed = draft !== undefined && draft.join() !== u.roles.join();
            return (
              <tr key={u.id} data-user={u.name}>
                <td>
                  <strong>{u.name}</strong>
                </td>
                <td>{u.regionCode || i.t('region.all')}</td>
                <td>
                  {ROLES.map((r) => (
                    <label key={r} class="role-choice">
                      <input
                        type="checkbox"
                        name={`role-${u.id}-${r}`}
                        checked={roles.includes(r)}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setEditing({
                            ...editing,
                            [u.id]: ROLES.filter((x) => (x === r ? on : roles.includes(x))),
                          });
                        }}
                      />{' '}
                      {roleName(r)}
                    </label>
                  ))}
                  {changed && (
                    <button
                      type="button"
                      class="primary"
                      disabled={busy}
                      onClick={() =>
                        void act(async () => {
                          const r = await api<AdminUser & { revokedTokens: string[] }>(
                            'PUT',
                            `/admin/users/${u.id}/roles`,
                            {
                              body: { roles },
                            },
                          );
                          setEditing(({ [u.id]: _, ...rest }) => rest);
                          return i.t('users.rolesSaved', { name: u.name, n: r.revokedTokens.length });
                        })
                      }
                    >
                      {i.t('users.saveRoles')}
                    </button>
                  )}
                </td>
                <td>{u.tokens.usable}</td>
                <td>
                  {u.tokens.nextExpiry ? i.dateTime(u.tokens.nextExpiry) : u.tokens.usable ? i.t('users.never') : '—'}
                </td>
                <td>{i.dateTime(u.tokens.lastUsedAt)}</td>
                <td>
                  <button type="button" disabled={busy || u.roles.length === 0} onClick={() => setIssuing(u)}>
                    {i.t('users.issue')}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <h2>{i.t('users.tokens', { n: tokens.value.items.length })}</h2>
      <table class="case-table tokens-table">
        <thead>
          <tr>
            <th>{i.t('users.col.name')}</th>
            <th>{i.t('users.col.role')}</th>
            <th>{i.t('users.col.state')}</th>
            <th>{i.t('users.col.created')}</th>
            <th>{i.t('users.col.expires')}</th>
            <th>{i.t('users.col.lastUsed')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...tokens.value.items].reverse().map((t) => (
            <tr key={t.id} data-token={t.id} class={t.state === 'revoked' || t.state === 'expired' ? 'muted' : ''}>
              <td>{t.name}</td>
              <td>{roleName(t.role)}</td>
              <td>
                <span class="badge">{i.t(`users.state.${t.state}`)}</span>
              </td>
              <td>{i.dateTime(t.createdAt)}</td>
              <td>{t.expiresAt ? i.dateTime(t.expiresAt) : i.t('users.never')}</td>
              <td>{i.dateTime(t.lastUsedAt)}</td>
              <td>
                {(t.state === 'active' || t.state === 'grace') && (
                  <button
                    type="button"
                    class="danger"
                    disabled={busy}
                    onClick={() => {
                      if (!confirm(i.t('users.revokeConfirm', { name: t.name, role: roleName(t.role) }))) return;
                      void act(async () => {
                        await api('POST', `/admin/tokens/${t.id}/revoke`);
                        return i.t('users.revoked', { name: t.name });
                      });
                    }}
                  >
                    {i.t('users.revoke')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {issuing && (
        <IssueDialog
          user={issuing}
          busy={busy}
          onClose={() => setIssuing(undefined)}
          onIssue={(role, seconds) =>
            void act(async () => {
              const created = await api<IssuedToken>('POST', `/admin/users/${issuing.id}/tokens`, {
                body: { role, expiresInSeconds: seconds },
              });
              setIssuing(undefined);
              setIssued({ ...created, name: issuing.name });
              return undefined;
            })
          }
        />
      )}
      {issued && <ShownOnce issued={issued} onClose={() => setIssued(undefined)} />}
    </main>
  );
}

function AddPerson({
  busy,
  onAdd,
}: {
  busy: boolean;
  onAdd: (body: { name: string; regionCode?: string; roles: Role[] }) => Promise<void>;
}) {
  const i = useI18n();
  const [name, setName] = useState('');
  const [region, setRegion] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  return (
    <form
      class="add-person"
      onSubmit={(e) => {
        e.preventDefault();
        void onAdd({ name: name.trim(), roles, ...(region.trim() ? { regionCode: region.trim() } : {}) }).then(() => {
          setName('');
          setRegion('');
          setRoles([]);
        });
      }}
    >
      <h2>{i.t('users.add')}</h2>
      <label>
        {i.t('users.col.name')}{' '}
        <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {i.t('users.col.region')}{' '}
        <input
          name="region"
          inputMode="numeric"
          pattern="[0-9]{2}([0-9]{2}([0-9]{2})?)?"
          placeholder={i.t('users.regionHint')}
          value={region}
          onInput={(e) => setRegion(e.currentTarget.value)}
        />
      </label>
      <fieldset>
        <legend>{i.t('users.col.roles')}</legend>
        {ROLES.map((r) => (
          <label key={r} class="role-choice">
            <input
              type="checkbox"
              name={`new-role-${r}`}
              checked={roles.includes(r)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setRoles(ROLES.filter((x) => (x === r ? on : roles.includes(x))));
              }}
            />{' '}
            {i.t(`role.${r}`)}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={busy || !name.trim()}>
        {i.t('users.addButton')}
      </button>
    </form>
  );
}

function IssueDialog({
  user,
  busy,
  onClose,
  onIssue,
}: {
  user: AdminUser;
  busy: boolean;
  onClose: () => void;
  onIssue: (role: Role, seconds: number | null) => void;
}) {
  const i = useI18n();
  const [role, setRole] = useState<Role>(user.roles[0]!);
  const [lifetime, setLifetime] = useState(0);
  return (
    <Dialog title={i.t('users.issueTitle', { name: user.name })} onClose={onClose}>
      <form
        class="issue-token"
        onSubmit={(e) => {
          e.preventDefault();
          onIssue(role, LIFETIMES[lifetime]!.seconds);
        }}
      >
        <label>
          {i.t('users.col.role')}{' '}
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {user.roles.map((r) => (
              <option key={r} value={r}>
                {i.t(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {i.t('users.col.expires')}{' '}
          <select name="lifetime" value={String(lifetime)} onChange={(e) => setLifetime(Number(e.currentTarget.value))}>
            {LIFETIMES.map((l, n) => (
              <option key={l.key} value={String(n)}>
                {i.t(l.key)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {i.t('users.issue')}
        </button>
      </form>
    </Dialog>
  );
}

/** The secret exists only in this answer: shown once, with a button to copy it. */
function ShownOnce({ issued, onClose }: { issued: IssuedToken & { name: string }; onClose: () => void }) {
  const i = useI18n();
  const [copied, setCopied] = useState<string>();
  return (
    <Dialog title={i.t('users.issuedTitle', { name: issued.name })} onClose={onClose}>
      <p>{i.t('users.shownOnce')}</p>
      <p>
        <code class="secret" id="issued-token">
          {issued.token}
        </code>
      </p>
      <p class="muted">
        {i.t(`role.${issued.role}`)} · {issued.expiresAt ? i.dateTime(issued.expiresAt) : i.t('users.never')}
      </p>
      <button
        type="button"
        class="primary"
        onClick={() =>
          void navigator.clipboard.writeText(issued.token).then(
            () => setCopied(i.t('users.copied')),
            (e: unknown) => setCopied(errorText(e)),
          )
        }
      >
        {i.t('users.copy')}
      </button>{' '}
      {copied && <span role="status">{copied}</span>}
    </Dialog>
  );
}
