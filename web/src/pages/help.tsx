import { type MessageKey, useI18n } from '../i18n.js';
import { Dialog, Kbd } from '../ui.js';

const GROUPS: Array<{ title: MessageKey; keys: Array<[string[], MessageKey]> }> = [
  {
    title: 'help.review',
    keys: [
      [['C'], 'help.keys.confirm'],
      [['R'], 'help.keys.reject'],
      [['L'], 'help.keys.relabel'],
      [['S'], 'help.keys.skip'],
      [['J', 'K'], 'help.keys.next'],
      [['U', 'Ctrl+Z'], 'help.keys.undo'],
      [['M'], 'help.keys.missed'],
    ],
  },
  {
    title: 'help.viewer',
    keys: [
      [['+', '−', '0'], 'help.keys.zoom'],
      [['←', '↑', '→', '↓'], 'help.keys.pan'],
      [['[', ']'], 'help.keys.views'],
    ],
  },
  {
    title: 'help.cases',
    keys: [
      [['J', 'K', '↵'], 'help.keys.caseNav'],
      [['/'], 'help.keys.caseSearch'],
      [['1…6'], 'help.keys.caseStep'],
      [['E'], 'help.keys.evidence'],
      [['?'], 'help.keys.help'],
      [['Alt+L'], 'help.keys.language'],
    ],
  },
];

export function HelpDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog title={t('help.title')} onClose={onClose} wide>
      <div class="help">
        {GROUPS.map((g) => (
          <section key={g.title}>
            <h3>{t(g.title)}</h3>
            <dl>
              {g.keys.map(([keys, what]) => (
                <>
                  <dt>
                    {keys.map((k) => (
                      <Kbd key={k}>{k}</Kbd>
                    ))}
                  </dt>
                  <dd>{t(what)}</dd>
                </>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
