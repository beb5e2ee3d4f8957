import { useTranslation } from 'react-i18next';
import { Accordion, AccordionTab } from 'primereact/accordion';
import { Skeleton } from 'primereact/skeleton';
import { Tag } from 'primereact/tag';
import { Message as Notice } from 'primereact/message';
import { Divider } from 'primereact/divider';
import { ApiError } from '@/lib/api/errors';
import { useServerVersion } from '@/features/about/api/version';

const features = ['sessions', 'messages', 'webhooks', 'live', 'keys', 'runtimes', 'languages'] as const;
const faqs = ['qr', 'pairing', 'buttons', 'media', 'keys', 'lockout', 'password'] as const;
/** Documentation in the repository's docs/ folder (not served by the product). */
const repoDocs = ['api', 'realtime', 'webhooks', 'dashboard', 'configuration', 'deployment', 'security'] as const;

export default function AboutPage() {
  const { t } = useTranslation();
  const version = useServerVersion();
  return (
    <section>
      <div className="wq-page-header"><h1>{t('about.title')}</h1></div>
      <div className="grid">
        <div className="col-12 lg:col-8 flex flex-column gap-3">
          <section className="wq-card" aria-labelledby="about-what">
            <h2 id="about-what" className="mt-0">{t('about.whatTitle')}</h2>
            <p className="mt-0">{t('about.what')}</p>
            <ul className="wq-feature-list">
              {features.map((f) => (
                <li key={f}><i className="pi pi-check-circle" aria-hidden="true" /> {t(`about.features.${f}`)}</li>
              ))}
            </ul>
          </section>
          <section className="wq-card" aria-labelledby="about-faq">
            <h2 id="about-faq" className="mt-0">{t('about.faqTitle')}</h2>
            <Accordion multiple>
              {faqs.map((q) => (
                <AccordionTab key={q} header={t(`about.faq.${q}.q`)}>
                  <p className="m-0">{t(`about.faq.${q}.a`)}</p>
                </AccordionTab>
              ))}
            </Accordion>
          </section>
        </div>
        <div className="col-12 lg:col-4 flex flex-column gap-3">
          <section className="wq-card" aria-labelledby="about-version">
            <h2 id="about-version" className="mt-0">{t('about.versionTitle')}</h2>
            {version.isPending && <Skeleton width="8rem" height="2rem" />}
            {version.isError && <Notice severity="error" className="w-full" text={version.error instanceof ApiError
              ? `${version.error.message} (${version.error.code})` : t('errors.network')} />}
            {version.data !== undefined && (
              <p className="m-0"><span className="wq-muted">{t('about.serverVersion')}: </span>
                <Tag value={version.data || t('about.unknown')} data-testid="server-version" className="wq-ltr" /></p>
            )}
          </section>
          <section className="wq-card" aria-labelledby="about-docs">
            <h2 id="about-docs" className="mt-0">{t('about.docsTitle')}</h2>
            <ul className="wq-link-list">
              <li><a href="/api/openapi.yaml" target="_blank" rel="noreferrer"><i className="pi pi-file" aria-hidden="true" /> {t('about.openapi')}</a></li>
            </ul>
            <Divider />
            <p className="wq-muted mt-0">{t('about.repoDocs')}</p>
            <ul className="wq-link-list">
              {repoDocs.map((d) => (
                <li key={d}><code dir="ltr">docs/{d}.md</code> — {t(`about.docs.${d}`)}</li>
              ))}
            </ul>
          </section>
          <section className="wq-card" aria-labelledby="about-support">
            <h2 id="about-support" className="mt-0">{t('about.supportTitle')}</h2>
            <p className="mt-0">{t('about.support')}</p>
            <ul className="wq-link-list">
              <li><a href="/healthz" target="_blank" rel="noreferrer"><code dir="ltr">/healthz</code></a> — {t('about.healthz')}</li>
              <li><a href="/readyz" target="_blank" rel="noreferrer"><code dir="ltr">/readyz</code></a> — {t('about.readyz')}</li>
            </ul>
          </section>
        </div>
      </div>
    </section>
  );
}
