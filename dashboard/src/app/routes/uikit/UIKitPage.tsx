import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TabView, TabPanel } from 'primereact/tabview';
import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { InputTextarea } from 'primereact/inputtextarea';
import { InputNumber } from 'primereact/inputnumber';
import { InputSwitch } from 'primereact/inputswitch';
import { Password } from 'primereact/password';
import { Dropdown } from 'primereact/dropdown';
import { Chips } from 'primereact/chips';
import { FileUpload } from 'primereact/fileupload';
import { Message as Notice } from 'primereact/message';
import { DataTable } from 'primereact/datatable';
import { Column } from 'primereact/column';
import { Badge } from 'primereact/badge';
import { Chip } from 'primereact/chip';
import { Avatar } from 'primereact/avatar';
import { Skeleton } from 'primereact/skeleton';
import { StatusTag } from '@/features/sessions/components/StatusTag';
import { UserAvatar } from '@/features/profile/components/UserAvatar';
import { LiveStatus } from '@/components/layout/LiveStatus';
import { useAuth } from '@/stores/auth';
import { toastError, toastSuccess } from '@/lib/toast';
import { ApiError } from '@/lib/api/errors';

/** The components WaQtor's pages are built from, each as those pages use it. Labels are the components' own
 *  names: there is no sample business data here. */
const sections = ['button', 'file', 'formLayout', 'input', 'message', 'table', 'badge', 'tag', 'chip', 'avatar', 'charts'] as const;
/** Its own chunk (with chart.js, which PrimeReact's Chart imports on first use): fetched when the tab opens. */
const ChartsTab = lazy(() => import('./ChartsTab'));
const sessionStatuses = ['connecting', 'qr', 'ready', 'reconnecting', 'stopped', 'logged_out', 'banned'] as const;

function Section({ id, children }: { id: string; children: React.ReactNode }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby={`uikit-${id}`} className="flex flex-column gap-3">
      <h2 id={`uikit-${id}`} className="m-0">{t(`uikit.${id}.title`)}</h2>
      <p className="wq-muted m-0">{t(`uikit.${id}.usage`)}</p>
      {children}
    </section>
  );
}

export default function UIKitPage() {
  const { t } = useTranslation();
  const user = useAuth((s) => s.user);
  const [tab, setTab] = useState(0);
  const [text, setText] = useState('');
  const [chips, setChips] = useState<string[]>([]);
  const [num, setNum] = useState<number | null>(null);
  const [on, setOn] = useState(false);
  const [pick, setPick] = useState('');
  const [file, setFile] = useState('');
  const components = sections.map((s) => ({ name: t(`uikit.${s}.title`), primereact: t(`uikit.${s}.component`) }));
  return (
    <section>
      <div className="wq-page-header"><h1>{t('uikit.title')}</h1></div>
      <p className="wq-muted mt-0">{t('uikit.intro')}</p>
      <div className="wq-card">
        <TabView activeIndex={tab} onTabChange={(e) => setTab(e.index)} scrollable>
          <TabPanel header={t('uikit.button.title')}>
            <Section id="button">
              <div className="flex flex-wrap gap-2">
                <Button label={t('uikit.button.primary')} icon="pi pi-check" />
                <Button label={t('uikit.button.outlined')} icon="pi pi-refresh" outlined size="small" />
                <Button label={t('uikit.button.danger')} icon="pi pi-trash" outlined severity="danger" size="small" />
                <Button label={t('uikit.button.text')} icon="pi pi-phone" text size="small" />
                <Button label={t('uikit.button.loading')} loading />
                <Button icon="pi pi-bars" rounded text aria-label={t('uikit.button.icon')} />
              </div>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.file.title')}>
            <Section id="file">
              <div className="flex align-items-center gap-2 flex-wrap">
                <FileUpload mode="basic" name="file" customUpload auto={false} chooseLabel={t('uikit.file.choose')}
                  chooseOptions={{ icon: 'pi pi-paperclip' }} onSelect={(e) => setFile(e.files[0]?.name ?? '')} onClear={() => setFile('')} />
                {file && <bdi className="wq-muted">{file}</bdi>}
              </div>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.formLayout.title')}>
            <Section id="formLayout">
              <form className="wq-card" style={{ maxInlineSize: '28rem' }} noValidate onSubmit={(e) => e.preventDefault()}>
                <div className="wq-field">
                  <label htmlFor="uikit-field">{t('uikit.formLayout.label')}</label>
                  <InputText id="uikit-field" value={text} onChange={(e) => setText(e.target.value)} invalid={!text} />
                  {!text && <small className="p-error">{t('uikit.formLayout.error')}</small>}
                  <small className="wq-muted">{t('uikit.formLayout.hint')}</small>
                </div>
                <Button type="submit" icon="pi pi-check" label={t('uikit.button.primary')} />
              </form>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.input.title')}>
            <Section id="input">
              <div className="grid">
                <div className="col-12 md:col-6 wq-field">
                  <label htmlFor="uikit-text">InputText</label>
                  <InputText id="uikit-text" value={text} onChange={(e) => setText(e.target.value)} />
                </div>
                <div className="col-12 md:col-6 wq-field">
                  <label htmlFor="uikit-password">Password</label>
                  <Password inputId="uikit-password" feedback={false} toggleMask value={text} onChange={(e) => setText(e.target.value)} />
                </div>
                <div className="col-12 md:col-6 wq-field">
                  <label htmlFor="uikit-number">InputNumber</label>
                  <InputNumber inputId="uikit-number" value={num} onValueChange={(e) => setNum(e.value ?? null)} maxFractionDigits={7} locale="en-US" />
                </div>
                <div className="col-12 md:col-6 wq-field">
                  <label htmlFor="uikit-dropdown">Dropdown</label>
                  <Dropdown inputId="uikit-dropdown" value={pick} onChange={(e) => setPick(e.value as string)}
                    options={sections.map((s) => ({ label: t(`uikit.${s}.title`), value: s }))} placeholder={t('uikit.input.choose')} />
                </div>
                <div className="col-12 md:col-6 wq-field">
                  <label htmlFor="uikit-chips">Chips</label>
                  <Chips inputId="uikit-chips" value={chips} onChange={(e) => setChips(e.value ?? [])} separator="," />
                </div>
                <div className="col-12 md:col-6 wq-field">
                  <label htmlFor="uikit-textarea">InputTextarea</label>
                  <InputTextarea id="uikit-textarea" rows={2} autoResize value={text} onChange={(e) => setText(e.target.value)} />
                </div>
                <div className="col-12 flex align-items-center gap-2">
                  <InputSwitch inputId="uikit-switch" checked={on} onChange={(e) => setOn(!!e.value)} />
                  <label htmlFor="uikit-switch">InputSwitch</label>
                </div>
              </div>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.message.title')}>
            <Section id="message">
              <Notice severity="info" text={t('uikit.message.info')} className="w-full" />
              <Notice severity="error" text={t('uikit.message.error')} className="w-full" />
              <div className="flex gap-2 flex-wrap">
                <Button size="small" outlined label={t('uikit.message.toastSuccess')} onClick={() => toastSuccess(t('uikit.message.toastSuccess'))} />
                <Button size="small" outlined severity="danger" label={t('uikit.message.toastError')}
                  onClick={() => toastError(new ApiError(422, 'validation_failed', t('uikit.message.error'), {}))} />
              </div>
              <Skeleton height="2rem" />
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.table.title')}>
            <Section id="table">
              <DataTable value={components} size="small" dataKey="name" aria-label={t('uikit.table.title')} className="wq-card p-0">
                <Column field="name" header={t('uikit.table.name')} />
                <Column header={t('uikit.table.componentHeader')} body={(r: { primereact: string }) => <code dir="ltr">{r.primereact}</code>} />
              </DataTable>
              <DataTable value={[]} size="small" emptyMessage={t('uikit.table.empty')} aria-label={t('uikit.table.empty')} className="wq-card p-0">
                <Column header={t('uikit.table.name')} />
              </DataTable>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.badge.title')}>
            <Section id="badge">
              <div className="flex gap-3 align-items-center flex-wrap">
                <Badge value="3" severity="danger" />
                <Badge value="12" severity="warning" />
                <Button label={t('uikit.badge.held')} icon="pi pi-play" badge="4" badgeClassName="p-badge-warning" />
                <i className="pi pi-bell p-overlay-badge" style={{ fontSize: '1.5rem' }} aria-label={t('uikit.badge.bell')}>
                  <Badge value="2" severity="danger" />
                </i>
              </div>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.tag.title')}>
            <Section id="tag">
              <div className="flex gap-2 flex-wrap">{sessionStatuses.map((s) => <StatusTag key={s} status={s} />)}</div>
              <div><LiveStatus /></div>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.chip.title')}>
            <Section id="chip">
              <div className="flex gap-2 flex-wrap">
                {sections.slice(0, 4).map((s) => <Chip key={s} label={t(`uikit.${s}.title`)} />)}
                <Chip label={t('uikit.chip.removable')} removable />
                <Chip label={t('uikit.chip.icon')} icon="pi pi-key" />
              </div>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.avatar.title')}>
            <Section id="avatar">
              <div className="flex gap-3 align-items-center flex-wrap">
                <UserAvatar user={user} />
                <UserAvatar user={user} size="large" />
                <UserAvatar user={user} size="xlarge" className="wq-profile-avatar" />
                <Avatar icon="pi pi-user" shape="circle" aria-label={t('uikit.avatar.icon')} />
                <Avatar label="?" shape="circle" className="p-overlay-badge">
                  <Badge value="1" severity="danger" />
                </Avatar>
              </div>
            </Section>
          </TabPanel>
          <TabPanel header={t('uikit.charts.title')}>
            <Section id="charts">
              <Suspense fallback={<Skeleton height="16rem" />}><ChartsTab /></Suspense>
            </Section>
          </TabPanel>
        </TabView>
      </div>
    </section>
  );
}
